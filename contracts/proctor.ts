import { z } from 'zod';
import { ParticipantCode, participantStatuses } from './checkin.ts';
import { CONFLICT_TYPES } from './arrivals.ts';
import { auditEventTypes, type CheckInOutcome } from './participant-state.ts';
import { Reason } from './reason.ts';

export const LoginRequest = z.object({
  username: z.string().trim().min(1, 'username is required').max(64),
  password: z.string().min(1, 'password is required').max(1024),
});

// The proctor console's session cookie (HttpOnly); writes also need the CSRF token from ProctorSession.
export const PROCTOR_SESSION_COOKIE = 'examgate_proctor';
export const CSRF_HEADER = 'x-csrf-token';

// chief: every session, participant and setting, and accounts; room: the participants of their rooms only.
export const proctorRoles = ['chief', 'room'] as const;
export type ProctorRole = (typeof proctorRoles)[number];

export const ProctorSession = z.object({
  proctor: z.object({
    username: z.string(),
    role: z.enum(proctorRoles),
    // A room proctor's rooms (a chief's: none listed, every room is theirs).
    rooms: z.array(z.object({ sessionId: z.number().int(), room: z.string() })),
  }),
  csrfToken: z.string(),
});
export type ProctorSession = z.infer<typeof ProctorSession>;


const isoTime = z.iso.datetime();
const nullableIso = isoTime.nullable();
export const IpAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

// The kinds of attempt that open a conflict, named by the audit event that recorded it: every one a refusal
// but the shared device let in under device sharing `flagged`.
export const refusalKinds = CONFLICT_TYPES as [CheckInOutcome, ...CheckInOutcome[]];
export type RefusalKind = CheckInOutcome;
// One entry of an audit row's details (a JSON object), when the row has it.
function detailOf(details: string | null, key: string): unknown {
  if (details === null || !details.includes(key)) return undefined;
  return (JSON.parse(details) as Record<string, unknown>)[key];
}
// The other participant of a shared-device event, as its audit row's details name them.
export function sharedWithOf(details: string | null): string | null {
  const sharedWith = detailOf(details, 'sharedWith');
  return typeof sharedWith === 'string' ? sharedWith : null;
}
// The room a seat_changed event took the participant out of (its details' fromRoomId).
export function fromRoomOf(details: string | null): number | null {
  const fromRoomId = detailOf(details, 'fromRoomId');
  return typeof fromRoomId === 'number' ? fromRoomId : null;
}
export const refusalKindOf = (eventType: string): RefusalKind => refusalKinds.find((kind) => kind === eventType) ?? 'device_conflict';

// Devices appear as fingerprints (see deviceFingerprint).
export const StreamEvent = z.object({
  id: z.number().int(),
  type: z.enum(auditEventTypes),
  code: z.string(),
  ip: z.string().nullable(),
  device: z.string().nullable(),
  at: isoTime,
  userAgent: z.string().nullable(),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  statusAfter: z.enum(participantStatuses).nullable(),
  lockedIpBefore: z.string().nullable(),
  lockedIpAfter: z.string().nullable(),
  lockedDeviceBefore: z.string().nullable(),
  lockedDeviceAfter: z.string().nullable(),
  // session_changed: the exam session's id.
  sessionId: z.number().int().nullable(),
  // A participant's event: the room (its id) and seat they hold after it (null: none).
  roomId: z.number().int().nullable(),
  seat: z.string().nullable(),
  // device_shared, checked_in_shared_device: the code of the participant whose lock the device holds.
  sharedWith: z.string().nullable(),
  // seat_changed to another room: the room the participant left (its proctors see them leave). Absent from
  // an instance older than the field, during a rolling upgrade.
  fromRoomId: z.number().int().nullable().default(null),
});
export type StreamEvent = z.infer<typeof StreamEvent>;

export const DeviceChangeRequestView = z.object({
  id: z.number().int(),
  requesterIp: z.string(),
  requesterDevice: z.string().nullable(),
  userAgent: z.string().nullable(),
  holderIp: z.string().nullable(),
  createdAt: isoTime,
  expiresAt: isoTime,
});
export type DeviceChangeRequestView = z.infer<typeof DeviceChangeRequestView>;

export const ProctorParticipant = z.object({
  code: z.string(),
  fullName: z.string(),
  status: z.enum(participantStatuses),
  lockedIp: z.string().nullable(),
  lockedDevice: z.string().nullable(),
  // The browser of the event that gave the holder the lock.
  lockedUserAgent: z.string().nullable(),
  deviceLockedAt: nullableIso,
  enteredAt: nullableIso,
  refusedAttempts: z.number().int(),
  lastRefused: z
    .object({
      eventId: z.number().int(),
      // device_key_copied: the holder's own key from this address, seconds after the holder used it.
      kind: z.enum(refusalKinds),
      ip: z.string().nullable(),
      device: z.string().nullable(),
      userAgent: z.string().nullable(),
      at: isoTime,
      // device_shared, checked_in_shared_device: the code of the participant whose lock the device holds.
      sharedWith: z.string().nullable(),
    })
    .nullable(),
  openConflict: z.boolean(),
  pendingRequest: DeviceChangeRequestView.nullable(),
  // Some device or address failed on this code until it was refused (429); a proctor can let it try again.
  throttled: z.boolean(),
  // A roster sync left the participant out (their code is refused, status expired) until one names them again.
  withdrawn: z.boolean(),
  sessionId: z.number().int(),
  // Their room of the session and their seat in it, if any.
  room: z.string().nullable(),
  seat: z.string().nullable(),
});
export type ProctorParticipant = z.infer<typeof ProctorParticipant>;

export const ExamSessionRef = z.object({ id: z.number().int(), name: z.string() });

// What needs a proctor in each exam session, for the session switcher and the "also needs attention" banner.
export const SessionOverview = ExamSessionRef.extend({
  openConflicts: z.number().int(),
  pendingRequests: z.number().int(),
  throttled: z.number().int(),
});
export type SessionOverview = z.infer<typeof SessionOverview>;

export const SessionsOverview = z.object({
  // The session whose check-in is happening now (see currentSession), or null without sessions.
  current: z.number().int().nullable(),
  sessions: z.array(SessionOverview),
});
export type SessionsOverview = z.infer<typeof SessionsOverview>;

// ?session=ID: that session's participants; none: the current session's; ?session=all: every session's
// participants that need a proctor (an open conflict, a pending request, a throttle).
export const ParticipantsResponse = z.object({
  session: ExamSessionRef.nullable(),
  sessions: z.array(ExamSessionRef),
  participants: z.array(ProctorParticipant),
});
export type ParticipantsResponse = z.infer<typeof ParticipantsResponse>;

export const ParticipantCounts = z.object({
  total: z.number().int(),
  unused: z.number().int(),
  inProgress: z.number().int(),
  expired: z.number().int(),
  openConflicts: z.number().int(),
  pendingRequests: z.number().int(),
});
export type ParticipantCounts = z.infer<typeof ParticipantCounts>;

// The dashboard's counters, for the summary endpoint and for the dashboard's own cache alike.
export function countParticipants(participants: readonly ProctorParticipant[]): ParticipantCounts {
  const counts: ParticipantCounts = { total: participants.length, unused: 0, inProgress: 0, expired: 0, openConflicts: 0, pendingRequests: 0 };
  for (const participant of participants) {
    if (participant.status === 'unused') counts.unused++;
    else if (participant.status === 'in_progress') counts.inProgress++;
    else counts.expired++;
    if (participant.openConflict) counts.openConflicts++;
    if (participant.pendingRequest !== null) counts.pendingRequests++;
  }
  return counts;
}

export const SummaryResponse = ParticipantCounts.extend({ session: ExamSessionRef.nullable() });
export type SummaryResponse = z.infer<typeof SummaryResponse>;

// ?session=ID: that session's participants; none: the current session's; all: every session's that need a proctor.
export const ParticipantsQuery = z.object({ session: z.union([z.literal('all'), z.coerce.number().int().positive()]).optional() });
export const EventsQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const LogoutResponse = z.object({ ok: z.literal(true) });
export type LogoutResponse = z.infer<typeof LogoutResponse>;

export const EventsPage = z.object({ events: z.array(StreamEvent), nextBefore: z.number().int().nullable() });
export type EventsPage = z.infer<typeof EventsPage>;

const ExpectedIp = z.string({ error: 'expectedIp is required: the lock holder you saw, or null for none' }).max(45).nullable();
// The holder's fingerprint as the proctor saw it; guards under the device policies.
const ExpectedDevice = z.string().max(16).nullable().optional();

export const ResetLockRequest = z.object({ reason: Reason, expectedIp: ExpectedIp, expectedDevice: ExpectedDevice });
// toAttempt: the audit id of a refused attempt or a device-change request, naming exactly one device even
// behind a shared address. toIp: the device of the latest refused attempt from that address, or the bare
// address when none.
export const TransferLockRequest = z
  .object({
    reason: Reason,
    expectedIp: ExpectedIp,
    expectedDevice: ExpectedDevice,
    toIp: IpAddress.optional(),
    toAttempt: z.number().int().positive().optional(),
  })
  .refine((body) => (body.toIp === undefined) !== (body.toAttempt === undefined), { message: 'send either toIp or toAttempt', path: ['toIp'] });
export const StatusChangeRequest = z.object({ reason: Reason });
export const BulkResetLockRequest = z.object({
  reason: Reason,
  items: z.array(z.object({ code: ParticipantCode, expectedIp: ExpectedIp, expectedDevice: ExpectedDevice })).min(1).max(5000),
});
// Lets everyone at an address (an IPv6 address: its /64) who failed too often try again.
export const AddressUnthrottleRequest = z.object({ address: z.string().trim().min(1).max(64), reason: Reason });
export const AddressUnthrottleResponse = z.object({ address: z.string(), cleared: z.number().int() });
export const BulkStatusChangeRequest = z.object({ reason: Reason, codes: z.array(ParticipantCode).min(1).max(5000) });
export const ApproveRequest = z.object({ reason: Reason.optional(), expectedIp: ExpectedIp, expectedDevice: ExpectedDevice });
export const DeclineRequest = z.object({ reason: Reason.optional() });

export const ActionResponse = z.object({ participant: ProctorParticipant });
export const BulkActionResponse = z.object({ participants: z.array(ProctorParticipant) });

export const DeviceChangeCreated = z.object({
  requestId: z.number().int(),
  token: z.string(),
  status: z.literal('pending'),
  expiresAt: isoTime,
});
// A participant's device-change request is read back with the token its creation answered with.
export const REQUEST_TOKEN_HEADER = 'x-request-token';
export const RequestTokenHeader = z.string({ error: 'X-Request-Token header is required' }).min(1).max(100);
export const DeviceChangeStatus = z.object({
  requestId: z.number().int(),
  status: z.enum(['pending', 'approved', 'declined', 'expired']),
  expiresAt: isoTime,
});
export type DeviceChangeStatus = z.infer<typeof DeviceChangeStatus>;
