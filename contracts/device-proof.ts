import { z } from 'zod';

// Proof of possession: the check-in page keeps a key pair whose private half the browser will not export
// (WebCrypto, `extractable: false`, in IndexedDB), and signs every check-in and device-change request
// with it. The device is then its public key, and a copied cookie, a copied public key or a replayed
// request is not that device. A browser that cannot keep such a key falls back to the cookie key.
export const DEVICE_PROOF_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const DEVICE_PROOF_SIGNATURE = { name: 'ECDSA', hash: 'SHA-256' } as const;

// A challenge is the server's, single use and short lived; the page gets one ahead of the click (in the
// page itself, with its previous answer, or else from GET /api/device-challenge), so that a check-in is
// one request.
export const DEVICE_CHALLENGE_PATH = '/api/device-challenge';
// The page itself carries one: <meta name=DEVICE_CHALLENGE_META content=challenge data-expires-in=seconds>.
export const DEVICE_CHALLENGE_META = 'examgate-challenge';
export const DEVICE_CHALLENGE_LIFETIME_S = 600;
export const DeviceChallenge = z.object({
  challenge: z.string(),
  // Relative, so that a browser whose clock is wrong still knows when to fetch another.
  expiresInS: z.number().int().positive(),
});
export type DeviceChallenge = z.infer<typeof DeviceChallenge>;

const base64url = (bytes: number) => z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`), `must be ${bytes} bytes in base64url`);

export const DeviceProof = z.object({
  // The public key as WebCrypto exports it (JWK); extra members such as key_ops are ignored.
  publicKey: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: base64url(32), y: base64url(32) }),
  challenge: z.string().max(100),
  // IEEE P1363 (r ‖ s), which is what WebCrypto's ECDSA produces.
  signature: base64url(64),
});
export type DeviceProof = z.infer<typeof DeviceProof>;

export type ProofPurpose = 'check-in' | 'device-change';

// What is signed: the purpose, the challenge and the request's content, in a form both sides build alike:
// the code as ParticipantCode reads it (contracts/checkin.ts), the name as typed.
export function proofPayload(purpose: ProofPurpose, challenge: string, code: string, fullName: string): string {
  return JSON.stringify(['examgate-device-proof-1', purpose, challenge, code, fullName]);
}
