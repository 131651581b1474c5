import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { ROOM_CODE_DIGITS, ROOM_CODE_GRACE_S, ROOM_CODE_PERIOD_S } from '../../contracts/room-codes.ts';
import { roomCodesAskedNow } from '../src/exam-sessions/exam-sessions.service.ts';
import { loadConfig } from '../src/lib/config.ts';
import { roomCodeIn } from '../src/rooms/room-codes.ts';
import { auditRows, createParticipants, createRoom, participantRow, type TestParticipant, timePasses } from './support/fixtures.ts';
import { type HttpResponse, request, TestDevice } from './support/http-client.ts';
import { logInProctor, type ProctorClient } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

let hall = 0;

// A session that asks for room codes, with two rooms: `inRoom` of the first, `alsoInRoom` of the second,
// `roomless` of none.
async function roomCodeSession() {
  hall += 1;
  const [inRoom, alsoInRoom, roomless] = (await createParticipants(env.database.sql, 3, { session: { lockPolicy: 'device', roomCodes: 'required' } })) as [TestParticipant, TestParticipant, TestParticipant];
  const rooms = [
    await createRoom(env.database.sql, inRoom.sessionId, { name: `Hall ${hall}A`, participants: [inRoom] }),
    await createRoom(env.database.sql, inRoom.sessionId, { name: `Hall ${hall}B`, participants: [alsoInRoom] }),
  ];
  const proctor = await logInProctor(env.server.baseUrl, env.database.db);
  return { sessionId: inRoom.sessionId, inRoom, alsoInRoom, roomless, rooms, proctor };
}

async function shownCodes(proctor: ProctorClient, sessionId: number) {
  const response = await proctor.get(`/api/proctor/rooms/codes?session=${sessionId}`);
  expect(response.status).toBe(200);
  return response.json as { roomCodes: string; now: string; rooms: { roomId: number; room: string; code: string; changesAt: string }[] };
}

async function codeOfRoom(proctor: ProctorClient, sessionId: number, roomId: number): Promise<string> {
  return (await shownCodes(proctor, sessionId)).rooms.find((room) => room.roomId === roomId)!.code;
}

// What a refusal tells its reader: status, error code and message, nothing of which check failed.
const answer = (response: HttpResponse) => ({ status: response.status, error: response.json.error });

async function databaseNowMs(): Promise<number> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT UTC_TIMESTAMP(3) AS now');
  return (row!.now as Date).getTime();
}

async function roomCodeKey(): Promise<Buffer> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>("SELECT value FROM app_secrets WHERE name = 'room-codes'");
  return row!.value as Buffer;
}

describe('room codes', () => {
  it('when a session asks for room codes, then each room shows a code of its own, a check-in with its room\'s code is let in, and the same device comes back without one', async () => {
    const { sessionId, inRoom, rooms, proctor } = await roomCodeSession();

    const shown = await shownCodes(proctor, sessionId);
    expect(shown.roomCodes).toBe('required');
    expect(shown.rooms.map((room) => room.room).sort()).toEqual(rooms.map((room) => room.name).sort());
    for (const room of shown.rooms) {
      expect(room.code).toMatch(new RegExp(`^\\d{${ROOM_CODE_DIGITS}}$`));
      const changesIn = Date.parse(room.changesAt) - Date.parse(shown.now);
      expect(changesIn).toBeGreaterThan(0);
      expect(changesIn).toBeLessThanOrEqual(ROOM_CODE_PERIOD_S * 1000);
    }
    const laptop = new TestDevice('127.0.81.1');
    const code = shown.rooms.find((room) => room.roomId === rooms[0]!.id)!.code;
    // As the screen shows it, "482 913".
    const admitted = await laptop.checkIn(env.server.baseUrl, { ...inRoom, roomCode: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect([admitted.status, admitted.json.result, admitted.json.placement]).toEqual([200, 'checked_in', { room: rooms[0]!.name, seat: null }]);

    // A refresh sends no room code (the page does not keep it), nor does a network switch (a while later:
    // seconds later it would look like a copied key).
    expect((await laptop.checkIn(env.server.baseUrl, inRoom)).json.result).toBe('reentered');
    await timePasses(env.database.sql, inRoom.code, 600);
    expect((await laptop.movedTo('127.0.81.2').checkIn(env.server.baseUrl, inRoom)).json.result).toBe('reentered');
    // Another device with the room's code meets the lock.
    expect((await new TestDevice('127.0.81.3').checkIn(env.server.baseUrl, { ...inRoom, roomCode: code })).json.error.code).toBe('locked_to_another_device');
  });

  // Fails without the room code check in the attempt guard: the right code and name are let in.
  it('when the room code is missing, wrong, another room\'s or typed in Arabic-Indic digits, then only the last is let in, the others are answered word for word like a wrong name, and only the audit log says which', async () => {
    const { sessionId, inRoom, alsoInRoom, rooms, proctor } = await roomCodeSession();
    const code = await codeOfRoom(proctor, sessionId, rooms[0]!.id);
    const otherRoomCode = await codeOfRoom(proctor, sessionId, rooms[1]!.id);
    const wrong = String((Number(code) + 1) % 10 ** ROOM_CODE_DIGITS).padStart(ROOM_CODE_DIGITS, '0');
    const device = new TestDevice('127.0.81.10');

    const wrongName = await device.checkIn(env.server.baseUrl, { ...inRoom, fullName: 'Someone Else', roomCode: code });
    const missing = await device.checkIn(env.server.baseUrl, inRoom);
    const empty = await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: '' });
    const mistyped = await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: wrong });
    const otherRooms = await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: otherRoomCode });
    const notDigits = await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: 'HALL-A' });

    expect(answer(wrongName)).toEqual({ status: 403, error: { code: 'not_recognised', message: expect.any(String) } });
    for (const refused of [missing, empty, mistyped, otherRooms, notDigits]) expect(answer(refused)).toEqual(answer(wrongName));
    expect(await participantRow(env.database.sql, inRoom.code)).toMatchObject({ status: 'unused', locked_ip: null });
    const refusals = (await auditRows(env.database.sql, inRoom.code)).filter((row) => row.event_type === 'not_recognised');
    expect(refusals.map((row) => row.reason)).toEqual([null, 'room_code_missing', 'room_code_missing', 'room_code_wrong', 'room_code_wrong', 'room_code_wrong']);

    const arabicIndic = [...code].map((digit) => String.fromCharCode(0x0660 + Number(digit))).join('');
    expect((await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: arabicIndic })).json.result).toBe('checked_in');
    // The other room's participant, with their own room's code, from the same address.
    expect((await new TestDevice('127.0.81.11').checkIn(env.server.baseUrl, { ...alsoInRoom, roomCode: otherRoomCode })).json.result).toBe('checked_in');
  });

  it('when a device that does not hold the lock has the right code and name but a wrong room code, then it is told "not recognised", not that another device holds the lock', async () => {
    const { sessionId, inRoom, rooms, proctor } = await roomCodeSession();
    const code = await codeOfRoom(proctor, sessionId, rooms[0]!.id);
    expect((await new TestDevice('127.0.81.20').checkIn(env.server.baseUrl, { ...inRoom, roomCode: code })).status).toBe(200);

    const outsider = await new TestDevice('127.0.81.21').checkIn(env.server.baseUrl, inRoom);

    expect(answer(outsider)).toMatchObject({ status: 403, error: { code: 'not_recognised' } });
    expect((await auditRows(env.database.sql, inRoom.code)).map((row) => row.event_type)).toEqual(['seat_changed', 'checked_in', 'not_recognised']);
  });

  it('when wrong room codes are typed again and again, then they count toward the attempt limits as wrong names do, and the right one is then throttled too', async () => {
    const { sessionId, inRoom, rooms, proctor } = await roomCodeSession();
    const code = await codeOfRoom(proctor, sessionId, rooms[0]!.id);
    const wrong = String((Number(code) + 7) % 10 ** ROOM_CODE_DIGITS).padStart(ROOM_CODE_DIGITS, '0');
    const device = new TestDevice('127.0.81.30');
    const limit = loadConfig({}).CHECKIN_MAX_FAILURES_PER_DEVICE;

    const statuses: number[] = [];
    for (let attempt = 0; attempt < limit; attempt++) statuses.push((await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: wrong })).status);
    const withTheRightOne = await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: code });

    expect(statuses).toEqual(statuses.map(() => 403));
    expect([withTheRightOne.status, withTheRightOne.json.error.code]).toEqual([429, 'rate_limited']);
    expect((await participantRow(env.database.sql, inRoom.code)).status).toBe('unused');
  });

  it('when the code has just changed, then the one before is still good for the grace period and no older or later one ever is', async () => {
    const { sessionId, inRoom, alsoInRoom, rooms, proctor } = await roomCodeSession();
    await shownCodes(proctor, sessionId);
    const key = await roomCodeKey();
    const periodMs = ROOM_CODE_PERIOD_S * 1000;
    // Clear of the moments the answer changes (the end of the grace, the next code), so that it is known.
    let now = await databaseNowMs();
    const nearAChange = (at: number) => [ROOM_CODE_GRACE_S * 1000, periodMs].some((edge) => Math.abs((at % periodMs) - edge) < 2000 || at % periodMs < 2000);
    while (nearAChange(now)) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      now = await databaseNowMs();
    }
    const period = Math.floor(now / periodMs);
    const inGrace = now % periodMs < ROOM_CODE_GRACE_S * 1000;
    const codeOf = (roomId: number, offset: number) => roomCodeIn(key, roomId, period + offset);
    expect(codeOf(rooms[0]!.id, 0)).toBe(await codeOfRoom(proctor, sessionId, rooms[0]!.id));
    const device = new TestDevice('127.0.81.40');

    const older = await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: codeOf(rooms[0]!.id, -2) });
    const next = await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: codeOf(rooms[0]!.id, 1) });
    const previous = await device.checkIn(env.server.baseUrl, { ...inRoom, roomCode: codeOf(rooms[0]!.id, -1) });

    expect([older.status, next.status]).toEqual([403, 403]);
    expect(previous.status, `${(now % periodMs) / 1000} s into the code's ${ROOM_CODE_PERIOD_S} s`).toBe(inGrace ? 200 : 403);
    // The current code is good whatever the moment.
    expect((await new TestDevice('127.0.81.41').checkIn(env.server.baseUrl, { ...alsoInRoom, roomCode: codeOf(rooms[1]!.id, 0) })).status).toBe(200);
  });

  it('when a participant has no room, or the session asks for no room codes, then no room code is needed and one typed anyway is ignored', async () => {
    const { roomless } = await roomCodeSession();
    expect((await new TestDevice('127.0.81.50').checkIn(env.server.baseUrl, roomless)).json.result).toBe('checked_in');
    const [plain] = await createParticipants(env.database.sql, 1);
    await createRoom(env.database.sql, plain!.sessionId, { participants: [plain!] });
    expect((await new TestDevice('127.0.81.51').checkIn(env.server.baseUrl, { ...plain!, roomCode: '000000' })).json.result).toBe('checked_in');
  });

  it('when a new device asks for a device change, then it needs the room code too, and with it the request is filed', async () => {
    const { sessionId, inRoom, rooms, proctor } = await roomCodeSession();
    const code = await codeOfRoom(proctor, sessionId, rooms[0]!.id);
    await new TestDevice('127.0.81.60').checkIn(env.server.baseUrl, { ...inRoom, roomCode: code });
    const ask = (body: object) => request(`${env.server.baseUrl}/api/device-change-requests`, { json: body, localAddress: '127.0.81.61' });

    const without = await ask(inRoom);
    const withCode = await ask({ ...inRoom, roomCode: code });

    expect([without.status, without.json.error.code]).toEqual([403, 'not_recognised']);
    expect(withCode.status).toBe(201);
  });

  it('when sessions switch room codes on and off, then the room screens follow at once and the check-in page knows within a second whether to ask', async () => {
    const { sessionId, proctor } = await roomCodeSession();
    const asked = roomCodesAskedNow(env.database.db, 0);
    expect(await asked()).toBe(true);

    const change = await proctor.patch(`/api/proctor/sessions/${sessionId}`, { version: 0, reason: 'no codes today', roomCodes: 'off' });
    expect([change.status, change.json.session.roomCodes]).toEqual([200, 'off']);
    expect(await shownCodes(proctor, sessionId)).toMatchObject({ roomCodes: 'off', rooms: [] });
    // Other tests' sessions may still ask; this one's closing ends its own part.
    await env.database.sql.query("UPDATE exam_sessions SET room_codes = 'off' WHERE room_codes = 'required'");
    expect(await asked()).toBe(false);
    await env.database.sql.query("UPDATE exam_sessions SET room_codes = 'required', closes_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE WHERE id = ?", [sessionId]);
    expect(await asked()).toBe(false);
    await env.database.sql.query('UPDATE exam_sessions SET closes_at = NULL WHERE id = ?', [sessionId]);
    expect(await asked()).toBe(true);
  });
});
