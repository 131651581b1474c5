import { z } from 'zod';
import { ParticipantCode } from './checkin.ts';
import { Reason } from './reason.ts';

// What proctors write down during an exam. A short fixed list, so that a record can be counted and read in
// every language; the text says the rest.
export const incidentCategories = ['late_arrival', 'identity_check', 'device_problem', 'disturbance', 'left_room', 'other'] as const;
export type IncidentCategory = (typeof incidentCategories)[number];

// Incidents are audit events (incident_recorded), so they are append-only and in the hash chains: a
// correction is a new incident naming the one it corrects.
export const RecordIncidentRequest = z.object({
  sessionId: z.number().int().positive(),
  // A participant of the session; absent, the incident concerns the whole session (the room, once rooms exist).
  participantCode: ParticipantCode.optional(),
  category: z.enum(incidentCategories),
  text: Reason,
  corrects: z.number().int().positive().optional(),
});
export type RecordIncidentRequest = z.infer<typeof RecordIncidentRequest>;

export const Incident = z.object({
  // The audit row's id.
  id: z.number().int(),
  sessionId: z.number().int(),
  participant: z.object({ code: z.string(), fullName: z.string() }).nullable(),
  category: z.enum(incidentCategories),
  // Null once purged (docs/operations.md: purge removes the texts people wrote).
  text: z.string().nullable(),
  corrects: z.number().int().nullable(),
  // The later incident that corrects this one, if any.
  correctedBy: z.number().int().nullable(),
  proctor: z.string().nullable(),
  at: z.iso.datetime(),
});
export type Incident = z.infer<typeof Incident>;

export const IncidentsQuery = z.object({ session: z.coerce.number().int().positive() });
export const IncidentsResponse = z.object({ incidents: z.array(Incident) });
export type IncidentsResponse = z.infer<typeof IncidentsResponse>;
