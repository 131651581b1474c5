import { z } from 'zod';
import { Incident } from './incidents.ts';
import { ProctorParticipant } from './proctor.ts';

// The attendance record of an exam session: what a person reads or prints after the exam, and what its
// CSV holds. Totals are counted on the server, once.

// A proctor's reset or move of a participant's lock (a device-change approval is a move).
export const LockChange = z.object({
  id: z.number().int(),
  type: z.enum(['lock_reset', 'lock_transferred']),
  at: z.iso.datetime(),
  proctor: z.string().nullable(),
  reason: z.string().nullable(),
  // Where a move put the lock; null after a reset (and once purged).
  toIp: z.string().nullable(),
  toDevice: z.string().nullable(),
});
export type LockChange = z.infer<typeof LockChange>;

export const RecordEntry = z.object({
  participant: ProctorParticipant,
  lockChanges: z.array(LockChange),
  incidents: z.array(Incident),
});
export type RecordEntry = z.infer<typeof RecordEntry>;

export const RecordTotals = z.object({
  // On the roster (withdrawn participants are not expected).
  expected: z.number().int(),
  // Checked in at least once.
  present: z.number().int(),
  noShows: z.number().int(),
  withdrawn: z.number().int(),
  lockChanges: z.number().int(),
  incidents: z.number().int(),
});
export type RecordTotals = z.infer<typeof RecordTotals>;

export const SealSummary = z.object({ digest: z.string(), sealedAt: z.iso.datetime(), chains: z.number().int(), events: z.number().int() });
export type SealSummary = z.infer<typeof SealSummary>;

export const AttendanceRecord = z.object({
  session: z.object({ id: z.number().int(), name: z.string(), timeZone: z.string(), opensAt: z.iso.datetime().nullable(), closesAt: z.iso.datetime().nullable() }),
  generatedAt: z.iso.datetime(),
  // The latest seal of the audit log: its digest is printed on the record (docs/operations.md, seals).
  seal: SealSummary.nullable(),
  entries: z.array(RecordEntry),
  // Incidents about the whole session rather than one participant.
  sessionIncidents: z.array(Incident),
  totals: RecordTotals,
});
export type AttendanceRecord = z.infer<typeof AttendanceRecord>;

export const RecordQuery = z.object({ session: z.coerce.number().int().positive() });
