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
  // Until when (Unix seconds) this device's recent failures may throttle it; 0 when it has none. Its
  // failures are read before its attempts only then, so honest devices never pay for the lookup.
  suspectUntilS: number;
  // Renews the key with a later `suspectUntilS`, after a failure.
  markSuspect(untilS: number): void;
}

interface Key {
  issuedS: number;
  random: string;
  suspectUntilS: number;
}

// A device key is `<issued>.<128 random bits>.<suspect until>.<MAC>` (times in base 36). The MAC, keyed with a
// secret every instance shares, tells a key this service issued from a forged one and keeps the suspect
// mark from being edited: a device that strips it has stripped its key, and is a new device without a
// history, as any device that throws its cookie away.
export class DeviceKeys {
  #secret: Promise<Buffer> | undefined;

  constructor(private readonly db: Database) {}

  async identify(req: Request, res: Response): Promise<DeviceIdentity> {
    const secret = await this.#loadSecret();
    const nowS = Math.floor(Date.now() / 1000);
    const presented = parseKey(readCookie(req, DEVICE_COOKIE), secret, nowS);
    const key: Key = presented && nowS - presented.issuedS < DEVICE_KEY_LIFETIME_S / 2 ? presented : { issuedS: nowS, random: presented?.random ?? randomPart(), suspectUntilS: presented?.suspectUntilS ?? 0 };
    // Written by hand: the value needs no encoding (base 36, base64url and dots), and Express's res.cookie
    // was a tenth of a check-in's server time. A later send (the suspect mark) replaces the earlier one.
    const send = (value: Key) => res.setHeader('Set-Cookie', `${DEVICE_COOKIE}=${signKey(secret, value)}; Max-Age=${DEVICE_KEY_LIFETIME_S}; Path=/api; HttpOnly; ${req.secure ? 'Secure; ' : ''}SameSite=Strict`);
    if (key !== presented) send(key);
    return {
      hash: deviceHash(key.random),
      suspectUntilS: key.suspectUntilS > nowS ? key.suspectUntilS : 0,
      markSuspect: (untilS) => send({ ...key, suspectUntilS: untilS }),
    };
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
  const body = `${key.issuedS.toString(36)}.${key.random}.${key.suspectUntilS > 0 ? key.suspectUntilS.toString(36) : ''}`;
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
  const [issued, random, suspect, given] = parts as [string, string, string, string];
  if (!TIME.test(issued) || !/^[\w-]{22}$/.test(random) || (suspect !== '' && !TIME.test(suspect))) return undefined;
  const expected = mac(secret, `${issued}.${random}.${suspect}`);
  const presented = Buffer.from(given, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
  const issuedS = parseInt(issued, 36);
  if (issuedS > nowS + 300 || nowS - issuedS >= DEVICE_KEY_LIFETIME_S) return undefined;
  return { issuedS, random, suspectUntilS: suspect === '' ? 0 : parseInt(suspect, 36) };
}
