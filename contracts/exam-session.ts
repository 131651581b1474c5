import { z } from 'zod';
import { deviceSharingModes, lockPolicies } from './lock-policy.ts';
import { Reason } from './reason.ts';
import { roomCodeModes } from './room-codes.ts';
import { seatingModes } from './rooms.ts';

export const AllowedNetwork = z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], {
  error: 'each allowed network must be an IPv4 or IPv6 address or CIDR range',
});

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name.includes('/') || name === 'UTC';
  } catch {
    return false;
  }
}

export const TimeZone = z.string().trim().min(1).max(64).refine(isTimeZone, 'timeZone must be an IANA time zone such as Europe/Berlin, or UTC');

const isoTime = z.iso.datetime();

// An address examgate sends people or requests to: http or https only, and short enough to store.
export const httpUrl = (field: string) => z.url({ protocol: /^https?$/, error: `${field} must be an http or https URL` }).max(2000, `${field} must be at most 2000 characters`);

// Where an admitted participant continues: the exam platform's page.
export const ContinueUrl = httpUrl('continueUrl');

export const ExamSessionSettings = z.object({
  id: z.number().int(),
  name: z.string(),
  lockPolicy: z.enum(lockPolicies),
  // Empty: every address may check in.
  allowedNetworks: z.array(z.string()),
  opensAt: isoTime.nullable(),
  closesAt: isoTime.nullable(),
  timeZone: z.string(),
  // Null: the start screen is the end of the way (no admission token).
  continueUrl: z.string().nullable(),
  // How participants get seats (contracts/rooms.ts).
  seating: z.enum(seatingModes),
  // A device key holding one participant's lock that checks in a second code (contracts/lock-policy.ts).
  deviceSharing: z.enum(deviceSharingModes),
  // Whether participants of a room type its code with their check-in (contracts/room-codes.ts).
  roomCodes: z.enum(roomCodeModes),
  // Bumped by every change; a change sent with an older version is refused (409 stale_update).
  version: z.number().int(),
});
export type ExamSessionSettings = z.infer<typeof ExamSessionSettings>;
export const ExamSessionList = z.object({ sessions: z.array(ExamSessionSettings) });
export const ExamSessionAnswer = z.object({ session: ExamSessionSettings });

export const ExamSessionChange = z
  .object({
    version: z.number({ error: 'version is required: the settings version you saw' }).int().min(0),
    reason: Reason,
    lockPolicy: z.enum(lockPolicies).optional(),
    allowedNetworks: z.array(AllowedNetwork).max(100).optional(),
    opensAt: isoTime.nullable().optional(),
    closesAt: isoTime.nullable().optional(),
    timeZone: TimeZone.optional(),
    continueUrl: ContinueUrl.nullable().optional(),
    seating: z.enum(seatingModes, { error: `seating must be one of ${seatingModes.join(', ')}` }).optional(),
    deviceSharing: z.enum(deviceSharingModes, { error: `deviceSharing must be one of ${deviceSharingModes.join(', ')}` }).optional(),
    roomCodes: z.enum(roomCodeModes, { error: `roomCodes must be one of ${roomCodeModes.join(', ')}` }).optional(),
  })
  .refine((change) => !(change.opensAt && change.closesAt) || Date.parse(change.opensAt) < Date.parse(change.closesAt), {
    message: 'closesAt must be later than opensAt',
    path: ['closesAt'],
  });
export type ExamSessionChange = z.infer<typeof ExamSessionChange>;
