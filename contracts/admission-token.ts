import { z } from 'zod';

// The admission token: after a check-in that let the participant in, examgate sends the browser on to the
// session's continueUrl with a short-lived JWT, so that the exam platform admits only participants that
// examgate admitted, on the device it admitted. Verified with nothing but the public keys at JWKS_PATH.
export const JWKS_PATH = '/.well-known/jwks.json';
export const ADMISSION_TOKEN_ISSUER = 'examgate';
export const ADMISSION_TOKEN_ALGORITHM = 'ES256';
// The query parameter of continueUrl that carries the token.
export const ADMISSION_TOKEN_PARAM = 'admission_token';
// Short: the token rides on a URL. A participant who comes back later presses "Continue" again, which
// checks in again (as the same device) and gets a fresh one.
export const ADMISSION_TOKEN_LIFETIME_S = 120;

// One audience per exam session, so that a token for one session never admits to another.
export const admissionAudience = (sessionId: number) => `examgate-session-${sessionId}`;

export const AdmissionClaims = z.object({
  iss: z.literal(ADMISSION_TOKEN_ISSUER),
  aud: z.string(),
  // The participant code.
  sub: z.string(),
  iat: z.number(),
  exp: z.number(),
  jti: z.string(),
  session_id: z.number(),
  session_name: z.string(),
  // The device the lock holds: its fingerprint as proctors see it, and whether it is a key bound to the
  // browser or a cookie key (see docs/device-lock.md).
  device: z.string().nullable(),
  device_kind: z.enum(['bound', 'cookie']).nullable(),
  // When the device lock was taken, and the audit event that took it (or last moved it).
  checked_in_at: z.iso.datetime(),
  audit_event: z.number(),
  // Not assigned by examgate yet: always null.
  room: z.string().nullable(),
  seat: z.string().nullable(),
});
export type AdmissionClaims = z.infer<typeof AdmissionClaims>;

// What JWKS_PATH serves: the public keys that verify admission tokens (RFC 7517), old ones kept until
// every token they signed has expired.
export const JsonWebKeySet = z.object({
  keys: z.array(
    z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string(), alg: z.literal(ADMISSION_TOKEN_ALGORITHM), use: z.literal('sig') }),
  ),
});
