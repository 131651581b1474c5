import { z } from 'zod';

export const errorCodes = [
  'invalid_input',
  'not_recognised',
  'code_expired',
  'locked_to_another_device',
  'device_in_use_elsewhere',
  'device_proof_invalid',
  'device_proof_stale',
  'not_open_yet',
  'check_in_closed',
  'outside_allowed_networks',
  'room_full',
  'device_shared',
  'seat_taken',
  'not_found',
  'unauthenticated',
  'invalid_credentials',
  'csrf',
  'forbidden',
  'rate_limited',
  'lock_changed',
  'no_conflict',
  'request_closed',
  'request_pending',
  'stale_update',
  'payload_too_large',
  'unsupported_media_type',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export const ErrorEnvelope = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    // not_open_yet: when check-in opens, and the exam's time zone to show it in.
    opensAt: z.iso.datetime().optional(),
    timeZone: z.string().optional(),
  }),
});

export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
