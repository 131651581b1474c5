import { z } from 'zod';
import { ParticipantCode, participantStatuses } from './checkin.ts';

export const LoginRequest = z.object({
  username: z.string().trim().min(1, 'username is required').max(64),
  password: z.string().min(1, 'password is required').max(1024),
});

export const ProctorSession = z.object({
  proctor: z.object({ username: z.string() }),
  csrfToken: z.string(),
});
export type ProctorSession = z.infer<typeof ProctorSession>;

export const streamEventTypes = [
  'checked_in',
  'reentered',
  'device_conflict',
  'code_expired',
  'not_recognised',
  'lock_reset',
  'lock_transferred',
  'expired',
  'reopened',
  'device_change_requested',
  'device_change_declined',
] as const;
export type StreamEventType = (typeof streamEventTypes)[number];

const isoTime = z.iso.datetime();
const nullableIso = isoTime.nullable();
export const IpAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

export const StreamEvent = z.object({
  id: z.number().int(),
  type: z.enum(streamEventTypes),
  code: z.string(),
  ip: z.string().nullable(),
  at: isoTime,
  userAgent: z.string().nullable(),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  statusAfter: z.enum(participantStatuses).nullable(),
  lockedIpBefore: z.string().nullable(),
  lockedIpAfter: z.string().nullable(),
});
export type StreamEvent = z.infer<typeof StreamEvent>;

export const DeviceChangeRequestView = z.object({
  id: z.number().int(),
  requesterIp: z.string(),
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
  deviceLockedAt: nullableIso,
  enteredAt: nullableIso,
  refusedAttempts: z.number().int(),
  lastRefused: z.object({ ip: z.string().nullable(), userAgent: z.string().nullable(), at: isoTime }).nullable(),
  openConflict: z.boolean(),
  pendingRequest: DeviceChangeRequestView.nullable(),
});
export type ProctorParticipant = z.infer<typeof ProctorParticipant>;

export const ExamSessionRef = z.object({ id: z.number().int(), name: z.string() });

export const ParticipantsResponse = z.object({
  session: ExamSessionRef.nullable(),
  sessions: z.array(ExamSessionRef),
  participants: z.array(ProctorParticipant),
});
export type ParticipantsResponse = z.infer<typeof ParticipantsResponse>;

export const SummaryResponse = z.object({
  session: ExamSessionRef.nullable(),
  total: z.number().int(),
  unused: z.number().int(),
  inProgress: z.number().int(),
  expired: z.number().int(),
  openConflicts: z.number().int(),
  pendingRequests: z.number().int(),
});
export type SummaryResponse = z.infer<typeof SummaryResponse>;

export const EventsPage = z.object({ events: z.array(StreamEvent), nextBefore: z.number().int().nullable() });

const Reason = z.string({ error: 'reason is required' }).trim().min(1, 'reason is required').max(500);
const ExpectedIp = z.string({ error: 'expectedIp is required: the lock holder you saw, or null for none' }).max(45).nullable();

export const ResetLockRequest = z.object({ reason: Reason, expectedIp: ExpectedIp });
export const TransferLockRequest = z.object({ reason: Reason, expectedIp: ExpectedIp, toIp: IpAddress });
export const StatusChangeRequest = z.object({ reason: Reason });
export const BulkResetLockRequest = z.object({
  reason: Reason,
  items: z.array(z.object({ code: ParticipantCode, expectedIp: ExpectedIp })).min(1).max(5000),
});
export const BulkStatusChangeRequest = z.object({ reason: Reason, codes: z.array(ParticipantCode).min(1).max(5000) });
export const ApproveRequest = z.object({ reason: Reason.optional(), expectedIp: ExpectedIp });
export const DeclineRequest = z.object({ reason: Reason.optional() });

export const ActionResponse = z.object({ participant: ProctorParticipant });
export const BulkActionResponse = z.object({ participants: z.array(ProctorParticipant) });

export const DeviceChangeCreated = z.object({
  requestId: z.number().int(),
  token: z.string(),
  status: z.literal('pending'),
  expiresAt: isoTime,
});
export const DeviceChangeStatus = z.object({
  requestId: z.number().int(),
  status: z.enum(['pending', 'approved', 'declined', 'expired']),
  expiresAt: isoTime,
});
export type DeviceChangeStatus = z.infer<typeof DeviceChangeStatus>;
