import { z } from 'zod';
import { FullName, ParticipantCode, participantStatuses } from './checkin.ts';
import { WebhookEventData } from './webhooks.ts';

// Tokens for machine clients (docs/integration.md): one exam session each, sent as
// `Authorization: Bearer egt_…`.
export const API_TOKEN_PREFIX = 'egt_';
export const apiTokenScopes = ['roster:write', 'participants:read', 'events:read'] as const;
export type ApiTokenScope = (typeof apiTokenScopes)[number];

export const ROSTER_SYNC_MAX_PARTICIPANTS = 20_000;
export const ROSTER_SYNC_BODY_LIMIT = '4mb';

// The whole roster of the session, as the exam platform has it now. Idempotent: sending it twice changes
// nothing the second time.
export const RosterSyncRequest = z.object({
  participants: z
    .array(z.object({ code: ParticipantCode, fullName: FullName }))
    .max(ROSTER_SYNC_MAX_PARTICIPANTS, `at most ${ROSTER_SYNC_MAX_PARTICIPANTS} participants per session`),
  // Codes a guesser could find are refused unless the platform accepts them knowingly (see MIN_CODE_BITS).
  allowShortCodes: z.boolean().optional(),
});
export type RosterSyncRequest = z.input<typeof RosterSyncRequest>;

// What the sync changed: codes added, renamed, withdrawn (left out: refused from now on, history kept) and
// reinstated (named again after a withdrawal), and how many were already as sent.
export const RosterSyncAnswer = z.object({
  added: z.array(z.string()),
  renamed: z.array(z.string()),
  withdrawn: z.array(z.string()),
  reinstated: z.array(z.string()),
  unchanged: z.number().int(),
});
export type RosterSyncAnswer = z.infer<typeof RosterSyncAnswer>;

export const ApiParticipant = z.object({
  code: z.string(),
  fullName: z.string(),
  status: z.enum(participantStatuses),
  withdrawn: z.boolean(),
  // The device holding the code (its fingerprint, as proctors see it) and since when.
  device: z.string().nullable(),
  deviceLockedAt: z.iso.datetime().nullable(),
  enteredAt: z.iso.datetime().nullable(),
});
export type ApiParticipant = z.infer<typeof ApiParticipant>;
export const ApiParticipants = z.object({ participants: z.array(ApiParticipant) });
export type ApiParticipants = z.infer<typeof ApiParticipants>;

// A participant event, as webhooks deliver it. `after`: the cursor of the last event read (opaque); the
// answer's `next` is the cursor to send next time. Events are read once they are SETTLE seconds old, so
// that one committed late is never skipped.
export const API_EVENTS_SETTLE_S = 5;
export const ApiEventsQuery = z.object({
  after: z.string().regex(/^\d+\.\d+$/, 'after must be a cursor from an earlier answer').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const ApiEventsPage = z.object({ events: z.array(WebhookEventData), next: z.string().nullable() });
export type ApiEventsPage = z.infer<typeof ApiEventsPage>;
