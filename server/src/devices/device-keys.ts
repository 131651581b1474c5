import { createHmac, createPublicKey, randomBytes, timingSafeEqual, verify } from 'node:crypto';
import type { Request, Response } from 'express';
import { DEVICE_CHALLENGE_LIFETIME_S, type DeviceChallenge, type DeviceProof, type ProofPurpose, proofPayload } from '../../../contracts/device-proof.ts';
import { BOUND_KEY_PREFIX } from '../../../contracts/lock-policy.ts';
import { AppSecret } from '../lib/app-secrets.ts';
import type { Database } from '../lib/database.ts';
import { DeviceProofStaleError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/hashing.ts';
import { readCookie } from '../lib/http.ts';

export const DEVICE_COOKIE = 'examgate_device';
// At least an exam day; a key half this old is renewed (same device, new expiry) when it is used.
export const DEVICE_KEY_LIFETIME_S = 7 * 24 * 3600;
const RANDOM_BYTES = 16;
const MAC_BYTES = 16;
const SECRET_NAME = 'device_keys';

export interface DeviceIdentity {
  // What the lock stores and the limits count: the thumbprint of a proven public key, or the hash of the
  // cookie key's random part (see deviceKeyKind).
  hash: string;
  // The challenge a valid proof signed: the attempt guard spends it under the row lock, so it is used once.
  challenge?: SpentChallenge;
  // The request carried a proof that does not hold. The device is then its cookie key, and the guard
  // refuses the attempt (audited, and counted against that cookie key).
  proofRefused?: ProofRefusal;
  // A proven browser's cookie key, if it still sends one: a lock taken with that cookie key before the
  // browser had a key pair (before an upgrade, or when IndexedDB failed once) is still its lock.
  cookieHash?: string;
}

export type ProofRefusal = 'bad_challenge' | 'bad_signature' | 'replayed';

export interface SpentChallenge {
  nonce: string;
  expiresAt: Date;
}

// What a request claims to be signed for, with its proof if it has one.
export interface ProofClaim {
  purpose: ProofPurpose;
  code: string;
  fullName: string;
  proof?: DeviceProof | undefined;
}

interface Key {
  issuedS: number;
  random: string;
}

// A device key is `<issued>.<128 random bits>.<retired>.<MAC>` (times in base 36). The MAC, keyed with a
// secret every instance shares, tells a key this service issued from a forged one. The third part once
// held a "failed until" mark, which a device could shed by replaying an older key; failures are now only
// in the database. New keys leave it empty; keys that still carry one are valid and it is ignored.
export class DeviceKeys {
  readonly #secret: AppSecret;

  constructor(db: Database) {
    this.#secret = new AppSecret(db, SECRET_NAME);
  }

  // The device behind a request: its proven public key if the request carries a proof that holds, else its
  // cookie key (issued or renewed here). A proof on a challenge that has expired is the page's fault, not
  // an attack: a 400 before anything is looked at, and the page fetches another challenge.
  async identify(req: Request, res: Response, claim?: ProofClaim): Promise<DeviceIdentity> {
    const secret = await this.#secret.get();
    const nowS = Math.floor(Date.now() / 1000);
    if (claim?.proof) {
      const proven = checkProof(secret, claim, claim.proof, nowS);
      if ('hash' in proven) {
        const cookie = parseKey(readCookie(req, DEVICE_COOKIE), secret, nowS);
        return cookie ? { ...proven, cookieHash: deviceHash(cookie.random) } : proven;
      }
      return { ...this.#cookieIdentity(req, res, secret, nowS), proofRefused: proven.refused };
    }
    return this.#cookieIdentity(req, res, secret, nowS);
  }

  async issueChallenge(): Promise<DeviceChallenge> {
    const secret = await this.#secret.get();
    const expiresS = Math.floor(Date.now() / 1000) + DEVICE_CHALLENGE_LIFETIME_S;
    const body = `${expiresS.toString(36)}.${randomPart()}`;
    return { challenge: `${body}.${challengeMac(secret, body)}`, expiresInS: DEVICE_CHALLENGE_LIFETIME_S };
  }

  #cookieIdentity(req: Request, res: Response, secret: Buffer, nowS: number): DeviceIdentity {
    const presented = parseKey(readCookie(req, DEVICE_COOKIE), secret, nowS);
    const key: Key = presented && nowS - presented.issuedS < DEVICE_KEY_LIFETIME_S / 2 ? presented : { issuedS: nowS, random: presented?.random ?? randomPart() };
    // Written by hand: the value needs no encoding (base 36, base64url and dots), and Express's res.cookie
    // was a tenth of a check-in's server time.
    const send = (value: Key) => res.setHeader('Set-Cookie', `${DEVICE_COOKIE}=${signKey(secret, value)}; Max-Age=${DEVICE_KEY_LIFETIME_S}; Path=/api; HttpOnly; ${req.secure ? 'Secure; ' : ''}SameSite=Strict`);
    if (key !== presented) send(key);
    return { hash: deviceHash(key.random) };
  }
}

// Random bytes drawn 4 KiB at a time: one call into the system's generator per 256 keys rather than per key.
let randomPool = Buffer.alloc(0);
let randomOffset = 0;
function randomPart(): string {
  if (randomOffset + RANDOM_BYTES > randomPool.length) {
    randomPool = randomBytes(256 * RANDOM_BYTES);
    randomOffset = 0;
  }
  const part = randomPool.toString('base64url', randomOffset, randomOffset + RANDOM_BYTES);
  randomOffset += RANDOM_BYTES;
  return part;
}

// A challenge is `<expires>.<128 random bits>.<MAC>`: stateless until it is spent, when its random part
// goes into device_challenges_used in the check-in's own transaction (see lockParticipantForAttempt).
function challengeMac(secret: Buffer, body: string): string {
  return createHmac('sha256', secret).update(`challenge.${body}`).digest().subarray(0, MAC_BYTES).toString('base64url');
}

function checkProof(secret: Buffer, claim: ProofClaim, proof: DeviceProof, nowS: number): DeviceIdentity | { refused: ProofRefusal } {
  const parts = proof.challenge.split('.');
  const [expires, nonce, given] = parts as [string, string, string];
  if (parts.length !== 3 || !TIME.test(expires) || !/^[\w-]{22}$/.test(nonce) || !sameText(given, challengeMac(secret, `${expires}.${nonce}`))) {
    return { refused: 'bad_challenge' };
  }
  const expiresS = parseInt(expires, 36);
  if (expiresS <= nowS) throw new DeviceProofStaleError();
  const { x, y } = proof.publicKey;
  let valid = false;
  try {
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
    valid = verify('sha256', Buffer.from(proofPayload(claim.purpose, proof.challenge, claim.code, claim.fullName)), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(proof.signature, 'base64url'));
  } catch {
    // Not a point on the curve: no device could have signed with it.
  }
  if (!valid) return { refused: 'bad_signature' };
  return { hash: boundKeyHash(x, y), challenge: { nonce, expiresAt: new Date(expiresS * 1000) } };
}

// The public key's JWK thumbprint (RFC 7638), cut to fit the column every device name goes in.
export function boundKeyHash(x: string, y: string): string {
  return BOUND_KEY_PREFIX + sha256Hex(`{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`).slice(0, 32 - BOUND_KEY_PREFIX.length);
}

function sameText(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function mac(secret: Buffer, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest().subarray(0, MAC_BYTES);
}

export function signKey(secret: Buffer, key: Key): string {
  const body = `${key.issuedS.toString(36)}.${key.random}.`;
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

export function deviceHash(random: string): string {
  return sha256Hex(random).slice(0, 32);
}

const TIME = /^[0-9a-z]{1,10}$/;

export function parseKey(value: string | undefined, secret: Buffer, nowS: number): Key | undefined {
  if (value === undefined || value.length > 120) return undefined;
  const parts = value.split('.');
  if (parts.length !== 4) return undefined;
  const [issued, random, retired, given] = parts as [string, string, string, string];
  if (!TIME.test(issued) || !/^[\w-]{22}$/.test(random) || (retired !== '' && !TIME.test(retired))) return undefined;
  const expected = mac(secret, `${issued}.${random}.${retired}`);
  const presented = Buffer.from(given, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
  const issuedS = parseInt(issued, 36);
  if (issuedS > nowS + 300 || nowS - issuedS >= DEVICE_KEY_LIFETIME_S) return undefined;
  return { issuedS, random };
}
