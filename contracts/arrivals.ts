import { z } from 'zod';
import { checkInOutcomes, EVENT_RULES } from './participant-state.ts';

// The arrival curve: first check-ins over time against the number expected, and per minute the refused
// attempts and the conflicts (another device refused on a held code). Counted per minute of UTC.

// A refused device on a held code, or the holder's key from a second network: what a proctor must untangle.
export const CONFLICT_TYPES = checkInOutcomes.filter((type) => EVENT_RULES[type].conflict === 'opens');
// Every other check-in that was not let in: a wrong name, an expired code, outside the window or the networks.
export const REFUSAL_TYPES = checkInOutcomes.filter((type) => !EVENT_RULES[type].admits && EVENT_RULES[type].conflict !== 'opens');

export const ArrivalMinute = z.object({
  // The minute's start (UTC).
  at: z.iso.datetime(),
  // Participants whose first check-in fell in this minute.
  arrivals: z.number().int(),
  refusals: z.number().int(),
  conflicts: z.number().int(),
});
export type ArrivalMinute = z.infer<typeof ArrivalMinute>;

export const ArrivalCurve = z.object({
  sessionId: z.number().int(),
  // On the roster: withdrawn participants are not expected.
  expected: z.number().int(),
  // Only minutes in which something happened, oldest first.
  minutes: z.array(ArrivalMinute),
});
export type ArrivalCurve = z.infer<typeof ArrivalCurve>;

export const ArrivalsQuery = z.object({ session: z.coerce.number().int().positive() });
