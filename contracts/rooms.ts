import { z } from 'zod';
import { Reason } from './reason.ts';

// How a session's participants get seats: none; fixed, from the roster; or at_check_in, a free seat of their
// room drawn at random when their device takes the lock (a roster seat, if given, is kept).
export const seatingModes = ['none', 'fixed', 'at_check_in'] as const;
export type Seating = (typeof seatingModes)[number];

export const ROOM_NAME_MAX_LENGTH = 64;
export const SEAT_LABEL_MAX_LENGTH = 16;
// A seat plan larger than this is a typo in a range (A1-A2000 for A1-A20).
export const MAX_SEATS_PER_ROOM = 5000;

export const RoomName = z
  .string({ error: 'room must be a string' })
  .trim()
  .min(1, 'room name is empty')
  .max(ROOM_NAME_MAX_LENGTH, `room name must be at most ${ROOM_NAME_MAX_LENGTH} characters`)
  .refine((name) => !/[\p{Cc}]/u.test(name), 'room name contains a control character');

// What is painted on a seat or a desk: letters and digits of any script, with dots and hyphens inside.
const SEAT_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}.-]*[\p{L}\p{N}])?$/u;

export function seatLabelProblem(label: string): string | undefined {
  if (label.length === 0) return 'seat label is empty';
  if (label.length > SEAT_LABEL_MAX_LENGTH) return `seat label "${label}" is longer than ${SEAT_LABEL_MAX_LENGTH} characters`;
  if (!SEAT_LABEL.test(label)) return `seat label "${label}" must be letters and digits (dots and hyphens inside)`;
  return undefined;
}

export const SeatLabel = z
  .string({ error: 'seat must be a string' })
  .trim()
  .superRefine((label, context) => {
    const problem = seatLabelProblem(label);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

// A range keeps its prefix and counts: A1-A20 (or A1-20) is A1, A2, ..., A20.
const RANGE = /^(.*?)(\d+)-(?:\1)?(\d+)$/u;

// "A1-A20,B1-B20,Front" as seat labels in plan order, or the first problem found.
export function expandSeatRanges(spec: string): SeatPlan {
  const labels: string[] = [];
  for (const rawItem of spec.split(',')) {
    const item = rawItem.trim();
    if (item === '') continue;
    const range = RANGE.exec(item);
    if (!range || seatLabelProblem(`${range[1]}${range[2]}`)) {
      labels.push(item);
      continue;
    }
    const [, prefix, fromText, toText] = range as unknown as [string, string, string, string];
    const from = Number(fromText);
    const to = Number(toText);
    if (to < from) return { problem: `"${item}" counts down; write the smaller number first` };
    if (to - from + 1 + labels.length > MAX_SEATS_PER_ROOM) return { problem: `more than ${MAX_SEATS_PER_ROOM} seats in one room` };
    for (let n = from; n <= to; n++) labels.push(`${prefix}${n}`);
  }
  return seatPlan(labels);
}

export type SeatPlan = { seats: string[] } | { problem: string };

// Labels as given, in plan order: each a valid label, none twice (case aside, as the database compares them).
export function seatPlan(labels: readonly string[]): SeatPlan {
  const seen = new Set<string>();
  for (const label of labels) {
    const problem = seatLabelProblem(label);
    if (problem) return { problem };
    if (seen.has(label.toUpperCase())) return { problem: `seat ${label} is given twice` };
    seen.add(label.toUpperCase());
  }
  if (labels.length === 0) return { problem: 'no seats given' };
  if (labels.length > MAX_SEATS_PER_ROOM) return { problem: `more than ${MAX_SEATS_PER_ROOM} seats in one room` };
  return { seats: [...labels] };
}

// A proctor moves a participant to a room and seat, or frees their seat (seat null), or takes them out of
// every room (room null). `expected`: where the proctor saw them; a change since is refused (stale_update).
export const SeatChangeRequest = z.object({
  reason: Reason,
  room: RoomName.nullable(),
  seat: SeatLabel.nullable(),
  expectedRoom: z.string().nullable(),
  expectedSeat: z.string().nullable(),
});
export type SeatChangeRequest = z.infer<typeof SeatChangeRequest>;

// A session's rooms for the dashboard: their seats, which are free, and every seat (the seat map), each in
// plan order.
export const RoomView = z.object({
  id: z.number().int(),
  name: z.string(),
  capacity: z.number().int().nullable(),
  seats: z.number().int(),
  seatsHeld: z.number().int(),
  freeSeats: z.array(z.string()),
  plan: z.array(z.string()),
});
export type RoomView = z.infer<typeof RoomView>;
export const RoomsQuery = z.object({ session: z.coerce.number({ error: 'session must be an exam session id' }).int().positive() });
export const RoomsResponse = z.object({ rooms: z.array(RoomView) });
export type RoomsResponse = z.infer<typeof RoomsResponse>;

// Where a participant sits, as their start screen shows it.
export const Placement = z.object({ room: z.string(), seat: z.string().nullable() });
export type Placement = z.infer<typeof Placement>;
