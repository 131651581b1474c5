import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';

// What a seat shows, worst first: a conflict or a device-change request needs a proctor; then whether its
// participant is in (their device holds the lock), expired, or expected and not in yet; or nobody's.
export const seatStates = ['conflict', 'request', 'present', 'expected', 'expired', 'free'] as const;
export type SeatState = (typeof seatStates)[number];

export interface MapSeat {
  label: string;
  state: SeatState;
  participant: ProctorParticipant | null;
}

function stateOf(participant: ProctorParticipant | null): SeatState {
  if (participant === null) return 'free';
  if (participant.openConflict) return 'conflict';
  if (participant.pendingRequest !== null) return 'request';
  if (participant.status === 'expired') return 'expired';
  return participant.status === 'in_progress' && participant.lockedIp !== null ? 'present' : 'expected';
}

// A plan's row is the run of consecutive labels with one prefix (A1…A20, then B1…B20); a label without a
// number ("Front") is a row of its own unless its neighbours share it.
const rowOf = (label: string) => label.replace(/\d+$/u, '');

export function seatRows(plan: readonly string[], room: string, participants: readonly ProctorParticipant[]): MapSeat[][] {
  const sitting = new Map(participants.filter((p) => p.room === room && p.seat !== null).map((p) => [p.seat!.toUpperCase(), p]));
  const rows: MapSeat[][] = [];
  let previous: string | undefined;
  for (const label of plan) {
    const participant = sitting.get(label.toUpperCase()) ?? null;
    const seat = { label, state: stateOf(participant), participant };
    if (rowOf(label) === previous) rows.at(-1)!.push(seat);
    else rows.push([seat]);
    previous = rowOf(label);
  }
  return rows;
}

export function countStates(rows: readonly MapSeat[][]): Record<SeatState, number> {
  const counts = Object.fromEntries(seatStates.map((state) => [state, 0])) as Record<SeatState, number>;
  for (const row of rows) for (const seat of row) counts[seat.state] += 1;
  return counts;
}
