import { describe, expect, it } from 'vitest';
import { formatRoomCode, normaliseRoomCode, ROOM_CODE_DIGITS, ROOM_CODE_GRACE_S, ROOM_CODE_PERIOD_S } from '../../../contracts/room-codes.ts';
import { givenSecret } from '../lib/app-secrets.ts';
import { roomCodeIn, RoomCodes } from './room-codes.ts';

const key = Buffer.alloc(32, 7);
const codes = new RoomCodes(givenSecret(key));
const PERIOD_MS = ROOM_CODE_PERIOD_S * 1000;
// The start of some period, and a moment `s` seconds into it.
const start = Math.floor(Date.UTC(2030, 5, 1, 9) / PERIOD_MS) * PERIOD_MS;
const at = (s: number) => new Date(start + s * 1000);
const period = start / PERIOD_MS;

describe('room codes', () => {
  it('when a period begins, then the code changes, the one before is accepted until the grace ends, and no other is', async () => {
    const current = roomCodeIn(key, 1, period);
    const previous = roomCodeIn(key, 1, period - 1);
    expect(current).not.toBe(previous);

    expect(await codes.current(1, at(0))).toEqual({ code: current, changesAt: at(ROOM_CODE_PERIOD_S) });
    expect(await codes.current(1, at(ROOM_CODE_PERIOD_S - 0.001))).toEqual({ code: current, changesAt: at(ROOM_CODE_PERIOD_S) });
    expect(await codes.accepts(1, current, at(ROOM_CODE_PERIOD_S - 0.001))).toBe(true);
    expect(await codes.accepts(1, previous, at(0))).toBe(true);
    expect(await codes.accepts(1, previous, at(ROOM_CODE_GRACE_S - 0.001))).toBe(true);
    expect(await codes.accepts(1, previous, at(ROOM_CODE_GRACE_S))).toBe(false);
    expect(await codes.accepts(1, roomCodeIn(key, 1, period - 2), at(1))).toBe(false);
    expect(await codes.accepts(1, roomCodeIn(key, 1, period + 1), at(ROOM_CODE_PERIOD_S - 1))).toBe(false);
  });

  it('when rooms or keys differ, then so do their codes, each of ROOM_CODE_DIGITS digits', () => {
    const seen = new Set<string>();
    for (let room = 1; room <= 200; room++) {
      const code = roomCodeIn(key, room, period);
      expect(code).toMatch(new RegExp(`^\\d{${ROOM_CODE_DIGITS}}$`));
      seen.add(code);
    }
    // 200 draws from a million: a repeat would be a one-in-fifty event, several a broken MAC.
    expect(seen.size).toBeGreaterThanOrEqual(198);
    expect(roomCodeIn(Buffer.alloc(32, 8), 1, period)).not.toBe(roomCodeIn(key, 1, period));
  });

  it('when a code is typed as shown, with Arabic-Indic or Persian digits, then it reads as its digits', () => {
    expect(formatRoomCode('482913')).toBe('482 913');
    expect(normaliseRoomCode(' 482 913 ')).toBe('482913');
    expect(normaliseRoomCode('482-913')).toBe('482913');
    expect(normaliseRoomCode('٤٨٢٩١٣')).toBe('482913');
    expect(normaliseRoomCode('۴۸۲۹۱۳')).toBe('482913');
  });
});
