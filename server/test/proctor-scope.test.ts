import mysql, { type RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { assignRole } from '../src/proctor-auth/proctor-roles.service.ts';
import { routesOf } from './support/app-routes.ts';
import { runCli } from './support/cli-process.ts';
import { auditRows, createParticipants, createRoom, createSession, LOCK_WAIT_POLL, lockWaits, type TestParticipant } from './support/fixtures.ts';
import { eventually } from './support/eventually.ts';
import { type HttpResponse, TestDevice } from './support/http-client.ts';
import { logInProctor, type ProctorClient } from './support/proctor-client.ts';
import { openSse } from './support/sse-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
const actor = { name: 'test', ip: null, requestId: 'scope-test' };

interface World {
  sessionId: number;
  sessionName: string;
  otherSessionId: number;
  // `in`: a participant of the room proctor's room; `out`: of another room of the same session.
  people: Record<'in' | 'out', TestParticipant & { ip: string; receipt: string; requestId: number }>;
  rooms: Record<'in' | 'out', { id: number; name: string }>;
  chief: ProctorClient;
  room: ProctorClient;
}

let counter = 0;

// One session with two rooms, a checked-in participant in each (a refused device, a pending device-change
// request and a receipt each), a session without rooms, a chief and a room proctor of the first room.
async function world(): Promise<World> {
  counter += 1;
  const participants = await createParticipants(env.database.sql, 2, { session: { lockPolicy: 'device' } });
  const sessionId = participants[0]!.sessionId;
  const [[session]] = await env.database.sql.query<RowDataPacket[]>('SELECT name FROM exam_sessions WHERE id = ?', [sessionId]);
  const inRoom = await createRoom(env.database.sql, sessionId, { name: `Hall In ${counter}`, seats: ['A1'], participants: [participants[0]!] });
  const outRoom = await createRoom(env.database.sql, sessionId, { name: `Hall Out ${counter}`, seats: ['B1'], participants: [participants[1]!] });
  const otherSessionId = await createSession(env.database.sql);
  const people = {} as World['people'];
  for (const [index, who] of (['in', 'out'] as const).entries()) {
    const participant = participants[index]!;
    const ip = `127.0.71.${counter * 4 + index}`;
    const admitted = await new TestDevice(ip).checkIn(env.server.baseUrl, participant);
    expect(admitted.status).toBe(200);
    expect((await new TestDevice(`127.0.72.${counter * 4 + index}`).checkIn(env.server.baseUrl, participant)).status).toBe(409);
    const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT id FROM participants WHERE code = ?', [participant.code]);
    const [request] = await env.database.sql.query<import('mysql2/promise').ResultSetHeader>(
      `INSERT INTO device_change_requests (participant_id, token_hash, requester_ip, requester_device, requester_user_agent, holder_ip, status, created_at, expires_at)
       VALUES (?, ?, '127.0.73.1', NULL, NULL, ?, 'pending', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 10 MINUTE)`,
      [row!.id, `scope-${counter}-${index}`.padEnd(64, '0'), ip],
    );
    people[who] = { ...participant, ip, receipt: String(admitted.json.receipt), requestId: request.insertId };
  }
  const chief = await logInProctor(env.server.baseUrl, env.database.db);
  const room = await logInProctor(env.server.baseUrl, env.database.db);
  await assignRole(env.database.db, room.username, 'room', [{ session: String(session!.name), room: inRoom.name }], actor);
  return { sessionId, sessionName: String(session!.name), otherSessionId, people, rooms: { in: inRoom, out: outRoom }, chief, room };
}

const why = { reason: 'scope test' };
type Who = 'in' | 'out';
// A well-formed request about the participant `who`. An action whose body no longer fits the participant
// (a lock moved by an earlier row of the matrix) gets a domain answer (409, 400): what matters here is
// whether the guard let it reach the service.
const PARTICIPANT_ROUTES: Record<string, (w: World, who: Who, as: ProctorClient) => Promise<HttpResponse>> = {
  'POST /api/proctor/participants/:code/reset-lock': (w, who, as) => as.post(`/api/proctor/participants/${w.people[who].code}/reset-lock`, { ...why, expectedIp: '127.9.9.9' }),
  'POST /api/proctor/participants/:code/transfer-lock': (w, who, as) => as.post(`/api/proctor/participants/${w.people[who].code}/transfer-lock`, { ...why, expectedIp: '127.9.9.9', toIp: '127.0.74.1' }),
  'POST /api/proctor/participants/:code/expire': (w, who, as) => as.post(`/api/proctor/participants/${w.people[who].code}/expire`, why),
  'POST /api/proctor/participants/:code/reopen': (w, who, as) => as.post(`/api/proctor/participants/${w.people[who].code}/reopen`, why),
  'POST /api/proctor/participants/:code/let-try-again': (w, who, as) => as.post(`/api/proctor/participants/${w.people[who].code}/let-try-again`, why),
  'POST /api/proctor/participants/:code/seat': (w, who, as) =>
    as.post(`/api/proctor/participants/${w.people[who].code}/seat`, { ...why, room: w.rooms[who].name, seat: null, expectedRoom: 'Nowhere', expectedSeat: null }),
  'POST /api/proctor/bulk/reset-lock': (w, who, as) => as.post('/api/proctor/bulk/reset-lock', { ...why, items: [{ code: w.people[who].code, expectedIp: '127.9.9.9' }] }),
  'POST /api/proctor/bulk/expire': (w, who, as) => as.post('/api/proctor/bulk/expire', { ...why, codes: [w.people[who].code] }),
  'POST /api/proctor/bulk/reopen': (w, who, as) => as.post('/api/proctor/bulk/reopen', { ...why, codes: [w.people[who].code] }),
  'POST /api/proctor/device-change-requests/:id/approve': (w, who, as) => as.post(`/api/proctor/device-change-requests/${w.people[who].requestId}/approve`, { expectedIp: '127.9.9.9' }),
  'POST /api/proctor/device-change-requests/:id/decline': (w, who, as) => as.post(`/api/proctor/device-change-requests/${w.people[who].requestId}/decline`, {}),
  'POST /api/proctor/incidents': (w, who, as) => as.post('/api/proctor/incidents', { sessionId: w.sessionId, participantCode: w.people[who].code, category: 'other', text: 'scope test' }),
  'GET /api/proctor/receipts/:receipt': (w, who, as) => as.get(`/api/proctor/receipts/${w.people[who].receipt}`),
};

// Whole-session reports, settings and address-wide actions: a chief's only.
const CHIEF_ROUTES: Record<string, (w: World, as: ProctorClient) => Promise<HttpResponse>> = {
  'GET /api/proctor/record': (w, as) => as.get(`/api/proctor/record?session=${w.sessionId}`),
  'GET /api/proctor/record.csv': (w, as) => as.get(`/api/proctor/record.csv?session=${w.sessionId}`),
  'GET /api/proctor/arrivals': (w, as) => as.get(`/api/proctor/arrivals?session=${w.sessionId}`),
  'POST /api/proctor/seals': (_w, as) => as.post('/api/proctor/seals', {}),
  'GET /api/proctor/incidents': (w, as) => as.get(`/api/proctor/incidents?session=${w.sessionId}`),
  'GET /api/proctor/webhooks': (w, as) => as.get(`/api/proctor/webhooks?session=${w.sessionId}`),
  'PATCH /api/proctor/sessions/:id': (w, as) => as.patch(`/api/proctor/sessions/${w.sessionId}`, { version: 0, reason: 'scope test', timeZone: 'UTC' }),
  'POST /api/proctor/addresses/let-try-again': (_w, as) => as.post('/api/proctor/addresses/let-try-again', { address: '127.0.75.1', reason: 'scope test' }),
};

// Lists a room proctor sees narrowed to their rooms: `shows` says whether a participant appears.
const LIST_ROUTES: Record<string, { call: (w: World, as: ProctorClient) => Promise<HttpResponse>; shows: (response: HttpResponse, w: World, who: Who) => boolean }> = {
  'GET /api/proctor/participants': { call: (w, as) => as.get(`/api/proctor/participants?session=${w.sessionId}`), shows: (r, w, who) => r.text.includes(w.people[who].code) },
  'GET /api/proctor/summary': { call: (w, as) => as.get(`/api/proctor/summary?session=${w.sessionId}`), shows: (r, _w, who) => r.json.total >= (who === 'in' ? 1 : 2) },
  'GET /api/proctor/events': { call: (_w, as) => as.get('/api/proctor/events?limit=500'), shows: (r, w, who) => r.text.includes(w.people[who].code) },
  'GET /api/proctor/events.csv': { call: (_w, as) => as.get('/api/proctor/events.csv'), shows: (r, w, who) => r.text.includes(w.people[who].code) },
  'GET /api/proctor/rooms': { call: (w, as) => as.get(`/api/proctor/rooms?session=${w.sessionId}`), shows: (r, w, who) => r.text.includes(w.rooms[who].name) },
  'GET /api/proctor/rooms/codes': {
    // Switched on after the world's check-ins, which typed no room code.
    call: async (w, as) => {
      await env.database.sql.query("UPDATE exam_sessions SET room_codes = 'required' WHERE id = ?", [w.sessionId]);
      return as.get(`/api/proctor/rooms/codes?session=${w.sessionId}`);
    },
    shows: (r, w, who) => (r.json.rooms as { room: string }[]).some((room) => room.room === w.rooms[who].name),
  },
  'GET /api/proctor/overview': {
    call: (_w, as) => as.get('/api/proctor/overview'),
    // Its conflicts are counted over the proctor's rooms: one refused device in each room.
    shows: (r, w, who) => (r.json.sessions as { id: number; openConflicts: number }[]).find((session) => session.id === w.sessionId)!.openConflicts >= (who === 'in' ? 1 : 2),
  },
  'GET /api/proctor/sessions': { call: (_w, as) => as.get('/api/proctor/sessions'), shows: (r, w, who) => (r.json.sessions as { id: number }[]).some((session) => session.id === (who === 'in' ? w.sessionId : w.otherSessionId)) },
  'GET /api/proctor/sessions/:id': { call: (w, as) => as.get(`/api/proctor/sessions/${w.otherSessionId}`), shows: (r, _w, who) => who === 'in' || r.status === 200 },
};

// Every proctor's own: their session, logging out, their live stream (filtered, tested below).
const OWN_ROUTES = ['POST /api/proctor/login', 'GET /api/proctor/session', 'POST /api/proctor/logout', 'GET /api/proctor/stream'];

async function outOfScopeAudits(username: string): Promise<{ code: string; route: string }[]> {
  const [rows] = await env.database.sql.query<RowDataPacket[]>("SELECT details FROM audit_events WHERE event_type = 'proctor_account_changed' ORDER BY id");
  return rows
    .map((row) => JSON.parse(String(row.details)) as { username: string; change: string; tried?: { code: string; route: string } })
    .filter((details) => details.username === username && details.change === 'out_of_scope')
    .map((details) => details.tried!);
}

describe('room proctors: every proctor route × role × in or out of scope', () => {
  it('when the matrix is read, then it names every proctor route the app has, each once', () => {
    const routes = routesOf(env.server.app)
      .filter((route) => route.path.startsWith('/api/proctor/'))
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    const matrix = [...Object.keys(PARTICIPANT_ROUTES), ...Object.keys(CHIEF_ROUTES), ...Object.keys(LIST_ROUTES), ...OWN_ROUTES].sort();
    expect(matrix).toEqual(routes);
  });

  it('when a chief and a room proctor act on a participant in and out of the room, then the room proctor reaches only their own and the rest is answered as not existing, audited', { timeout: 60_000 }, async () => {
    const answers: string[] = [];
    for (const [route, call] of Object.entries(PARTICIPANT_ROUTES)) {
      const w = await world();
      const outcome = (response: HttpResponse) => (response.status === 404 ? 'hidden' : response.status === 403 ? 'forbidden' : 'reached');
      const roomIn = outcome(await call(w, 'in', w.room));
      const roomOut = await call(w, 'out', w.room);
      const chiefOut = outcome(await call(w, 'out', w.chief));
      answers.push(`${route}: room/in ${roomIn}, room/out ${outcome(roomOut)} ${roomOut.json?.error?.code ?? ''}, chief/out ${chiefOut}`);
      const audited = await outOfScopeAudits(w.room.username);
      expect(audited.map((tried) => tried.route), route).toEqual([route]);
      if (route !== 'POST /api/proctor/device-change-requests/:id/approve' && route !== 'POST /api/proctor/device-change-requests/:id/decline') {
        expect(audited[0]!.code, route).toBe(w.people.out.code);
      }
    }
    expect(answers.filter((answer) => !/room\/in reached, room\/out hidden not_found, chief\/out reached$/.test(answer))).toEqual([]);
  });

  it('when an out-of-scope participant is named, then the answer is word for word the one for a code that does not exist', async () => {
    const w = await world();
    const outside = await w.room.post(`/api/proctor/participants/${w.people.out.code}/expire`, why);
    const missing = await w.room.post('/api/proctor/participants/NOPE-0000/expire', why);
    expect(outside.json.error.message.replace(w.people.out.code, 'X')).toBe(missing.json.error.message.replace('NOPE-0000', 'X'));
    expect([outside.status, missing.status]).toEqual([404, 404]);
    // And nothing about the participant changed.
    expect((await auditRows(env.database.sql, w.people.out.code)).map((row) => row.event_type)).not.toContain('expired');
  });

  // Fails without the check under the row lock: the guard read the participant in the room, so the expiry went through.
  it('when a participant is moved out of the room while a room proctor\'s action waits for their row, then the action is answered as out of scope under the lock, audited, and changes nothing', async () => {
    const w = await world();
    const mover = await mysql.createConnection({ uri: env.database.url, timezone: 'Z' });
    try {
      // The chief's move, made in the same instant as the room proctor's click: it holds the row.
      await mover.query('START TRANSACTION');
      await mover.query('SELECT id FROM participants WHERE code = ? FOR UPDATE', [w.people.in.code]);
      const expiring = w.room.post(`/api/proctor/participants/${w.people.in.code}/expire`, why);
      await eventually('the expiry waiting for the row', async () => (await lockWaits(env.database.sql, env.database.name)) > 0, LOCK_WAIT_POLL);
      await mover.query('UPDATE participants SET room_id = ? WHERE code = ?', [w.rooms.out.id, w.people.in.code]);
      await mover.query('COMMIT');

      const answer = await expiring;

      expect([answer.status, answer.json.error.code, answer.json.error.message]).toEqual([404, 'not_found', `No participant has the code ${w.people.in.code}.`]);
      expect((await auditRows(env.database.sql, w.people.in.code)).map((row) => row.event_type)).not.toContain('expired');
      expect(await outOfScopeAudits(w.room.username)).toEqual([{ code: w.people.in.code, route: 'POST /api/proctor/participants/:code/expire' }]);
    } finally {
      await mover.end();
    }
  });

  it('when a room proctor calls a chief\'s route, then it is refused 403 and the chief gets through', async () => {
    const w = await world();
    const answers: string[] = [];
    for (const [route, call] of Object.entries(CHIEF_ROUTES)) {
      const asRoom = await call(w, w.room);
      const asChief = await call(w, w.chief);
      answers.push(`${route}: room ${asRoom.status} ${asRoom.json?.error?.code ?? ''}, chief ${asChief.status >= 200 && asChief.status < 300 ? 'ok' : asChief.status}`);
    }
    expect(answers.filter((answer) => !/room 403 forbidden, chief ok$/.test(answer))).toEqual([]);
    // An incident for the whole session is a chief's too.
    expect((await w.room.post('/api/proctor/incidents', { sessionId: w.sessionId, category: 'other', text: 'whole hall' })).status).toBe(403);
  });

  it('when a chief and a room proctor read the lists, then the room proctor\'s hold their room only and the chief\'s every room', async () => {
    const w = await world();
    const answers: string[] = [];
    for (const [route, { call, shows }] of Object.entries(LIST_ROUTES)) {
      const asRoom = await call(w, w.room);
      const asChief = await call(w, w.chief);
      answers.push(`${route}: room ${shows(asRoom, w, 'in')}/${shows(asRoom, w, 'out')}, chief ${shows(asChief, w, 'in')}/${shows(asChief, w, 'out')}`);
    }
    expect(answers.filter((answer) => !answer.endsWith('room true/false, chief true/true'))).toEqual([]);
    const session = (await w.room.get('/api/proctor/session')).json.proctor;
    expect(session).toEqual({ username: w.room.username, role: 'room', rooms: [{ sessionId: w.sessionId, room: w.rooms.in.name }] });
    expect((await w.chief.get('/api/proctor/session')).json.proctor.role).toBe('chief');
  });

  it('when both follow the live stream, then the room proctor receives their room\'s events only and sees a participant moved out leave, the chief every one', async () => {
    const w = await world();
    const streams = await Promise.all([w.room, w.chief].map((as) => openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: as.cookie })));
    try {
      for (const who of ['out', 'in'] as const) await new TestDevice(`127.0.76.${who === 'in' ? 1 : 2}`).checkIn(env.server.baseUrl, w.people[who]);
      const codesIn = (messages: { event: string; data: string }[]) => messages.filter((message) => message.event === 'audit').map((message) => (JSON.parse(message.data) as { code: string }).code);
      await streams[1]!.waitFor((messages) => codesIn(messages).includes(w.people.in.code) && codesIn(messages).includes(w.people.out.code));
      await streams[0]!.waitFor((messages) => codesIn(messages).includes(w.people.in.code));
      expect(codesIn(streams[0]!.messages)).not.toContain(w.people.out.code);

      // The chief moves the room proctor's participant to the other room: they see them leave, live and in
      // the events list, and not what happens to them there.
      const moved = await w.chief.post(`/api/proctor/participants/${w.people.in.code}/seat`, { ...why, room: w.rooms.out.name, seat: null, expectedRoom: w.rooms.in.name, expectedSeat: null });
      expect(moved.status).toBe(200);
      const seatChanges = (messages: { event: string; data: string }[]) =>
        messages.filter((message) => message.event === 'audit').map((message) => JSON.parse(message.data) as { code: string; type: string; roomId: number; fromRoomId: number | null }).filter((event) => event.type === 'seat_changed');
      await streams[0]!.waitFor((messages) => seatChanges(messages).length > 0);
      expect(seatChanges(streams[0]!.messages)).toEqual([expect.objectContaining({ code: w.people.in.code, roomId: w.rooms.out.id, fromRoomId: w.rooms.in.id })]);
      const listed = (await w.room.get('/api/proctor/events?limit=500')).json.events as { code: string; type: string; roomId: number }[];
      expect(listed.filter((event) => event.type === 'seat_changed' && event.code === w.people.in.code).map((event) => event.roomId)).toEqual([w.rooms.out.id, w.rooms.in.id]);
      expect((await w.room.get(`/api/proctor/participants?session=${w.sessionId}`)).text).not.toContain(w.people.in.code);
      const conflictsOf = (messages: { event: string; data: string }[]) => messages.filter((message) => message.event === 'audit' && message.data.includes('"device_conflict"') && message.data.includes(w.people.in.code)).length;
      const [roomSaw, chiefSaw] = [conflictsOf(streams[0]!.messages), conflictsOf(streams[1]!.messages)];
      await new TestDevice('127.0.76.3').checkIn(env.server.baseUrl, w.people.in);
      await streams[1]!.waitFor((messages) => conflictsOf(messages) > chiefSaw);
      // Both streams are fed by the same batch: a moment is enough for the room proctor's to have it too.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(conflictsOf(streams[0]!.messages)).toBe(roomSaw);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('when an operator assigns roles from the command line, then proctor list shows them, a room that does not exist is named, and a room proctor reseats within their rooms only', async () => {
    const w = await world();
    const cli = (...args: string[]) => runCli(args, { env: { DATABASE_URL: env.database.url } });
    const wrong = await cli('proctor', 'assign', w.chief.username, '--role', 'room', '--rooms', `${w.sessionName}/Hall Nowhere`);
    const assigned = await cli('proctor', 'assign', w.chief.username, '--role', 'room', '--rooms', `${w.sessionName}/${w.rooms.in.name},${w.sessionName}/${w.rooms.out.name}`);
    const list = await cli('proctor', 'list');

    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('has no room "Hall Nowhere"');
    expect(assigned.stdout).toContain(`is a room proctor of ${w.sessionName}/${w.rooms.in.name}, ${w.sessionName}/${w.rooms.out.name}`);
    expect(list.stdout).toContain(`${w.room.username}: room proctor of ${w.sessionName}/${w.rooms.in.name}`);
    // The room proctor cannot move their participant to a room that is not theirs, nor out of every room.
    const elsewhere = await w.room.post(`/api/proctor/participants/${w.people.in.code}/seat`, { ...why, room: w.rooms.out.name, seat: null, expectedRoom: w.rooms.in.name, expectedSeat: null });
    const nowhere = await w.room.post(`/api/proctor/participants/${w.people.in.code}/seat`, { ...why, room: null, seat: null, expectedRoom: w.rooms.in.name, expectedSeat: null });
    expect([elsewhere.status, elsewhere.json.error.code, nowhere.status]).toEqual([404, 'not_found', 403]);
    expect((await w.room.post(`/api/proctor/participants/${w.people.in.code}/seat`, { ...why, room: w.rooms.in.name, seat: null, expectedRoom: w.rooms.in.name, expectedSeat: null })).status).toBe(200);
  });
});
