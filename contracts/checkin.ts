import { z } from 'zod';
import { DeviceChallenge, DeviceProof } from './device-proof.ts';
import { RoomCodeText } from './room-codes.ts';
import { Placement } from './rooms.ts';

export const PARTICIPANT_CODE_PATTERN = /^[A-Za-z0-9-]{4,32}$/;
export const FULL_NAME_MAX_LENGTH = 200;
// A name someone can read and type: at least one letter or digit (of any script), and no control characters
// (an escape sequence in a name would reach terminals and exports).
export const NAME_HAS_LETTER = /[\p{L}\p{N}]/u;
export const NAME_CONTROL_CHARACTER = /[\p{Cc}]/u;

// Codes are case-insensitive: people type what they read, and generated codes avoid look-alike
// characters, so the canonical form is upper case.
export const ParticipantCode = z
  .string({ error: 'code must be a string' })
  .trim()
  .regex(PARTICIPANT_CODE_PATTERN, 'code must be 4 to 32 letters, digits or hyphens')
  .transform((code) => code.toUpperCase());

export const FullName = z
  .string({ error: 'fullName must be a string' })
  .max(FULL_NAME_MAX_LENGTH, `fullName must be at most ${FULL_NAME_MAX_LENGTH} characters`)
  .refine((name) => name.trim().length > 0, 'fullName is required');

export const CheckInRequest = z.object({
  code: ParticipantCode,
  fullName: FullName,
  // Absent: the device is the cookie key (a browser that cannot keep a key of its own, or an API client).
  proof: DeviceProof.optional(),
  // The code shown in the participant's room, when their session asks for one (contracts/room-codes.ts).
  roomCode: RoomCodeText.optional(),
});
export type CheckInRequest = z.input<typeof CheckInRequest>;

export const participantStatuses = ['unused', 'in_progress', 'expired'] as const;
export type ParticipantStatus = (typeof participantStatuses)[number];

export const CheckInResponse = z.object({
  result: z.enum(['checked_in', 'reentered']),
  participant: z.object({
    code: z.string(),
    fullName: z.string(),
    status: z.literal('in_progress'),
    deviceLockedAt: z.iso.datetime(),
  }),
  examSession: z.object({ name: z.string() }),
  // The participant's room and seat (seat null: none yet), when their session has rooms.
  placement: Placement.optional(),
  // The receipt of the check-in that gave this device its lock (contracts/receipt.ts): a re-entry shows the same.
  receipt: z.string(),
  // For the page's next signed request (a refresh's re-entry), so that it needs no round trip of its own.
  nextChallenge: DeviceChallenge.optional(),
  // The session's continueUrl with a fresh admission token (contracts/admission-token.ts), when it has one.
  continueUrl: z.string().optional(),
});
export type CheckInResponse = z.infer<typeof CheckInResponse>;
