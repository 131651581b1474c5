import { z } from 'zod';

// Per session: whether a participant of a room types that room's code with their check-in, which shows that
// they are in the room. The code is on the room's proctor screen and changes every ROOM_CODE_PERIOD_S; the
// one before stays good for ROOM_CODE_GRACE_S after the change, for whoever was typing it just then.
export const roomCodeModes = ['off', 'required'] as const;
export type RoomCodeMode = (typeof roomCodeModes)[number];

export const ROOM_CODE_DIGITS = 6;
export const ROOM_CODE_PERIOD_S = 300;
export const ROOM_CODE_GRACE_S = 120;

// Digits, so that any keyboard types them: an Arabic or Persian layout types its own digits, and a reader
// groups them with spaces or hyphens as the screen shows them ("482 913").
export function normaliseRoomCode(text: string): string {
  return text
    .replace(/[\u0660-\u0669]/gu, (digit) => String(digit.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/gu, (digit) => String(digit.charCodeAt(0) - 0x06f0))
    .replace(/[\s-]/gu, '');
}

// As the proctor screen shows it: two groups of three.
export function formatRoomCode(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

// Any text up to a bound: a room code that is not the room's (whatever its form) is refused the way a wrong
// name is, by the attempt guard, never by a 400 that would tell it apart.
export const ROOM_CODE_MAX_LENGTH = 32;
export const RoomCodeText = z
  .string({ error: 'roomCode must be a string' })
  .max(ROOM_CODE_MAX_LENGTH, `roomCode must be at most ${ROOM_CODE_MAX_LENGTH} characters`)
  .transform(normaliseRoomCode);

// A room's code now, for its proctor screen. `changesAt`: when the next one replaces it; `now`: the server's
// clock, so that the page can time its next read without trusting its own.
export const RoomCodeView = z.object({ roomId: z.number().int(), room: z.string(), code: z.string(), changesAt: z.iso.datetime() });
export type RoomCodeView = z.infer<typeof RoomCodeView>;
export const RoomCodesResponse = z.object({ roomCodes: z.enum(roomCodeModes), now: z.iso.datetime(), rooms: z.array(RoomCodeView) });
export type RoomCodesResponse = z.infer<typeof RoomCodesResponse>;

// In the check-in page's head while any session that is not over asks for room codes: the page then shows
// the field.
export const ROOM_CODES_META = 'examgate-room-codes';
