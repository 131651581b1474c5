import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { RowDataPacket } from 'mysql2/promise';
import type { Database } from '../lib/database.ts';
import { sha256Hex } from '../lib/hashing.ts';
import { readCookie } from '../lib/http.ts';

export const DEVICE_COOKIE = 'examgate_device';
// At least an exam day; a key half this old is renewed (same device, new expiry) when it is used.
export const DEVICE_KEY_LIFETIME_S = 7 * 24 * 3600;
const RANDOM_BYTES = 16;
const MAC_BYTES = 16;
const SECRET_NAME = 'device_keys';

export interface DeviceIdentity {
  // The hash of the key's random part: what the lock stores and the limits count.
  hash: string;
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
  #secret: Promise<Buffer> | undefined;

  constructor(private readonly db: Database) {}

  async identify(req: Request, res: Response): Promise<DeviceIdentity> {
    const secret = await this.#loadSecret();
    const nowS = Math.floor(Date.now() / 1000);
    const presented = parseKey(readCookie(req, DEVICE_COOKIE), secret, nowS);
    const key: Key = presented && nowS - presented.issuedS < DEVICE_KEY_LIFETIME_S / 2 ? presented : { issuedS: nowS, random: presented?.random ?? randomPart() };
    // Written by hand: the value needs no encoding (base 36, base64url and dots), and Express's res.cookie
    // was a tenth of a check-in's server time.
    const send = (value: Key) => res.setHeader('Set-Cookie', `${DEVICE_COOKIE}=${signKey(secret, value)}; Max-Age=${DEVICE_KEY_LIFETIME_S}; Path=/api; HttpOnly; ${req.secure ? 'Secure; ' : ''}SameSite=Strict`);
    if (key !== presented) send(key);
    return { hash: deviceHash(key.random) };
  }

  #loadSecret(): Promise<Buffer> {
    this.#secret ??= this.db
      .read(async (handle) => {
        // The first instance to start creates it; INSERT IGNORE lets every other one read the same.
        await handle.run('INSERT IGNORE INTO app_secrets (name, value, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [SECRET_NAME, randomBytes(32)]);
        const [row] = await handle.rows<RowDataPacket & { value: Buffer }>('SELECT value FROM app_secrets WHERE name = ?', [SECRET_NAME]);
        return row!.value;
      })
      .catch((error: unknown) => {
        this.#secret = undefined;
        throw error;
      });
    return this.#secret;
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
