import { createHmac, timingSafeEqual } from 'node:crypto';
import { ROOM_CODE_DIGITS, ROOM_CODE_GRACE_S, ROOM_CODE_PERIOD_S } from '../../../contracts/room-codes.ts';
import { AppSecret, type SecretSource } from '../lib/app-secrets.ts';
import type { Database } from '../lib/database.ts';

const PERIOD_MS = ROOM_CODE_PERIOD_S * 1000;
const GRACE_MS = ROOM_CODE_GRACE_S * 1000;

// A room's code in one period: a MAC of the room and the period, so every instance shows and accepts the same
// code without storing it, and nobody without the key can tell the next one.
export function roomCodeIn(key: Buffer, roomId: number, period: number): string {
  const mac = createHmac('sha256', key).update(`room-code.${roomId}.${period}`).digest();
  return String(mac.readUInt32BE(0) % 10 ** ROOM_CODE_DIGITS).padStart(ROOM_CODE_DIGITS, '0');
}

const periodAt = (at: Date) => Math.floor(at.getTime() / PERIOD_MS);

// Compared in constant time: how long a refusal took must not tell how many digits were right.
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// The codes of rooms, from the key every instance shares (app_secrets 'room-codes'). Times are the database's
// clock (the row lock's `now`, or databaseNow), which every instance reads alike.
export class RoomCodes {
  constructor(private readonly key: SecretSource) {}

  async current(roomId: number, at: Date): Promise<{ code: string; changesAt: Date }> {
    const period = periodAt(at);
    return { code: roomCodeIn(await this.key.get(), roomId, period), changesAt: new Date((period + 1) * PERIOD_MS) };
  }

  // The code of the period `at` is in, or the one before while the grace lasts.
  async accepts(roomId: number, given: string, at: Date): Promise<boolean> {
    const key = await this.key.get();
    const period = periodAt(at);
    if (same(given, roomCodeIn(key, roomId, period))) return true;
    return at.getTime() - period * PERIOD_MS < GRACE_MS && same(given, roomCodeIn(key, roomId, period - 1));
  }
}

// Kept in the database, like the receipts' key unless one is configured: a room code lives minutes, and
// whoever reads app_secrets already holds more than the codes of a morning.
export const storedRoomCodes = (db: Database): RoomCodes => new RoomCodes(new AppSecret(db, 'room-codes'));
