import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { expandSeatRanges } from '../../contracts/rooms.ts';
import { verifyAuditLog } from '../src/audit/audit-verify.ts';
import { runCli } from './support/cli-process.ts';
import { auditRows, createParticipants, createRoom, participantRow, type TestParticipant, timePasses, uniqueCode } from './support/fixtures.ts';
import { deviceAddress, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
const cli = (...args: string[]) => runCli(args, { env: { DATABASE_URL: env.database.url } });

async function seatsHeld(roomId: number): Promise<{ label: string; holder_id: number }[]> {
  const [rows] = await env.database.sql.query<(RowDataPacket & { label: string; holder_id: number })[]>(
    'SELECT label, holder_id FROM seats WHERE room_id = ? AND holder_id IS NOT NULL',
    [roomId],
  );
  return rows;
}

describe('seats given at check-in', () => {
  // Fails without the seat row's lock: two check-ins pick one seat, and the second is refused by the
  // database's unique key (seen: 288 of 300 let in).
  it('when 301 participants of a 300-seat room check in at once, each from its own address, then 300 get 300 different seats and the 301st is refused room_full', { timeout: 90_000 }, async () => {
    const participants = await createParticipants(env.database.sql, 301, { session: { lockPolicy: 'device', seating: 'at_check_in' } });
    const plan = expandSeatRanges('A1-A100,B1-B100,C1-C100');
    if (!('seats' in plan)) throw new Error(plan.problem);
    const room = await createRoom(env.database.sql, participants[0]!.sessionId, { seats: plan.seats, participants });

    const devices = participants.map((_, index) => new TestDevice(deviceAddress(index)));
    const responses = await Promise.all(participants.map((participant, index) => devices[index]!.checkIn(env.server.baseUrl, participant)));

    const admitted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status !== 200);
    expect(admitted).toHaveLength(300);
    expect(refused.map((response) => [response.status, response.json.error?.code])).toEqual([[409, 'room_full']]);
    const seats = admitted.map((response) => response.json.placement.seat as string);
    expect(new Set(seats).size).toBe(300);
    expect(admitted.every((response) => response.json.placement.room === room.name)).toBe(true);
    const held = await seatsHeld(room.id);
    expect(held).toHaveLength(300);
    expect(new Set(held.map((seat) => seat.holder_id)).size).toBe(300);

    const loser = participants[responses.findIndex((response) => response.status !== 200)]!;
    const loserRow = await participantRow(env.database.sql, loser.code);
    expect([loserRow.locked_ip, loserRow.seat, loserRow.status]).toEqual([null, null, 'unused']);
    // The fixture placed everyone in the room with an audited row, as the roster import does.
    expect((await auditRows(env.database.sql, loser.code)).map((row) => row.event_type)).toEqual(['seat_changed', 'room_full']);

    // Each admitted participant's row names the seat its seat row is held for, and the audit row says so.
    const winnerIndex = responses.findIndex((response) => response.status === 200);
    const winner = participants[winnerIndex]!;
    const winnerRow = await participantRow(env.database.sql, winner.code);
    expect(held.find((seat) => seat.label === winnerRow.seat)?.holder_id).toBe(winnerRow.id);
    const checkedIn = (await auditRows(env.database.sql, winner.code)).find((row) => row.event_type === 'checked_in');
    expect([checkedIn!.event_type, checkedIn!.room_id, checkedIn!.seat]).toEqual(['checked_in', room.id, winnerRow.seat]);

    // A re-entry keeps the seat; so does a network switch.
    const again = await devices[winnerIndex]!.checkIn(env.server.baseUrl, winner);
    expect([again.json.result, again.json.placement]).toEqual(['reentered', { room: room.name, seat: winnerRow.seat }]);
    await timePasses(env.database.sql, winner.code);
    const moved = await devices[winnerIndex]!.movedTo('127.0.41.7').checkIn(env.server.baseUrl, winner);
    expect(moved.json.placement.seat).toBe(winnerRow.seat);

    // Seats were drawn, not handed out in plan order: 300 of 300 is every seat, so look at who got which.
    const inOrder = participants.slice(0, 300).every((participant, index) => responses[index]!.json.placement?.seat === plan.seats[index]);
    expect(inOrder).toBe(false);
  });

  it('when two friends check in one after the other, then their seats are drawn independently: over 40 pairs, most are not next to each other in the plan', async () => {
    const participants = await createParticipants(env.database.sql, 80, { session: { lockPolicy: 'device', seating: 'at_check_in' } });
    const plan = expandSeatRanges('S1-S200');
    if (!('seats' in plan)) throw new Error(plan.problem);
    await createRoom(env.database.sql, participants[0]!.sessionId, { seats: plan.seats, participants });
    let adjacent = 0;
    for (let pair = 0; pair < 40; pair++) {
      const [first, second] = [participants[2 * pair]!, participants[2 * pair + 1]!];
      const a = await new TestDevice(deviceAddress(2 * pair)).checkIn(env.server.baseUrl, first);
      const b = await new TestDevice(deviceAddress(2 * pair + 1)).checkIn(env.server.baseUrl, second);
      const [x, y] = [a, b].map((response) => Number(String(response.json.placement.seat).slice(1)));
      if (Math.abs(x! - y!) === 1) adjacent++;
    }
    // Drawn at random from about 150 free seats, a pair sits side by side about one time in 75.
    expect(adjacent).toBeLessThan(8);
  });

  it('when seating is fixed or none, then nobody is given a seat at check-in, and a participant with a room sees it', async () => {
    for (const seating of ['fixed', 'none'] as const) {
      const [participant] = await createParticipants(env.database.sql, 1, { session: { lockPolicy: 'device', seating } });
      const room = await createRoom(env.database.sql, participant!.sessionId, { seats: ['A1', 'A2'], participants: [participant!] });
      const response = await new TestDevice('127.0.42.1').checkIn(env.server.baseUrl, participant);
      expect([response.status, response.json.placement]).toEqual([200, { room: room.name, seat: null }]);
    }
    const [roomless] = await createParticipants(env.database.sql, 1, { session: { lockPolicy: 'device', seating: 'at_check_in' } });
    const response = await new TestDevice('127.0.42.2').checkIn(env.server.baseUrl, roomless);
    expect([response.status, response.json.placement]).toEqual([200, undefined]);
  });

  it("when a room has networks of its own, then its participants check in from those and not from the session's", async () => {
    const participants = await createParticipants(env.database.sql, 2, { session: { lockPolicy: 'device', allowedNetworks: ['127.0.43.0/24'] } });
    await createRoom(env.database.sql, participants[0]!.sessionId, { allowedNetworks: ['127.0.44.0/24'], participants: [participants[0]!] });
    const inRoom = participants[0]!;
    const outside = await new TestDevice('127.0.43.1').checkIn(env.server.baseUrl, inRoom);
    expect([outside.status, outside.json.error?.code]).toEqual([403, 'outside_allowed_networks']);
    expect((await new TestDevice('127.0.44.1').checkIn(env.server.baseUrl, inRoom)).status).toBe(200);
    // The other participant has no room: the session's networks.
    expect((await new TestDevice('127.0.44.2').checkIn(env.server.baseUrl, participants[1])).status).toBe(403);
    expect((await new TestDevice('127.0.43.2').checkIn(env.server.baseUrl, participants[1])).status).toBe(200);
  });
});

describe('rooms, seat plans and the roster from the command line', () => {
  it('when an operator sets up rooms, seating and a roster with rooms and seats, then participants see their room and seat, and the audit log verifies', { timeout: 60_000 }, async () => {
    const session = `Final ${uniqueCode()}`;
    const dir = tmpdir();
    const labFile = path.join(dir, `lab-${uniqueCode()}.csv`);
    await writeFile(labFile, 'seat\nL-1\nL-2\nL-3\n');
    expect((await cli('room', 'add', session, 'Hall A', '--seats', 'A1-A3,B1-B2')).stdout).toContain('Added room Hall A: 0 of 5 seats held');
    expect((await cli('room', 'add', session, 'Lab 1', '--seats-csv', labFile, '--networks', '127.0.0.0/8')).stdout).toContain('0 of 3 seats held; networks 127.0.0.0/8');
    expect((await cli('room', 'add', session, 'Hall B', '--capacity', '30')).stdout).toContain('capacity 30; no seat plan');
    expect((await cli('session', 'set', session, '--seating', 'fixed')).stdout).toContain('seating fixed');

    const codes = Array.from({ length: 5 }, () => uniqueCode('R'));
    const rosterFile = path.join(dir, `roster-${uniqueCode()}.csv`);
    // Line 3 and 5 name one seat; line 4 a room that does not exist; line 6 a seat not in the plan.
    await writeFile(rosterFile, `code,full_name,room,seat\n${codes[0]},Ada One,Hall A,A1\n${codes[1]},Bo Two,hall a,a1\n${codes[2]},Cy Three,Hall C,\n${codes[3]},Di Four,Lab 1,L-9\n`);
    const rejected = await cli('roster', 'import', rosterFile, '--session', session);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('line 3: seat a1 in hall a is already given on line 2');
    await writeFile(rosterFile, `code,full_name,room,seat\n${codes[0]},Ada One,Hall A,A1\n${codes[2]},Cy Three,Hall C,\n${codes[3]},Di Four,Lab 1,L-9\n`);
    const unknown = await cli('roster', 'import', rosterFile, '--session', session);
    expect(unknown.stderr).toContain(`line 3: "${session}" has no room "Hall C"`);
    expect(unknown.stderr).toContain('line 4: Lab 1 has no seat L-9 in its seat plan');
    const [[count]] = await env.database.sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM participants WHERE code IN (?)', [codes]);
    expect(Number(count!.n)).toBe(0);

    await writeFile(rosterFile, `code,full_name,room,seat\n${codes[0]},Ada One,Hall A,a1\n${codes[1]},Bo Two,Lab 1,L-2\n${codes[2]},Cy Three,Hall B,\n${codes[3]},Di Four,,\n`);
    const imported = await cli('roster', 'import', rosterFile, '--session', session);
    expect([imported.code, imported.stderr]).toEqual([0, '']);
    expect((await cli('room', 'list', session)).stdout).toContain('Hall A: 1 of 5 seats held');
    // Each placement is an audit row of its own, the first link of the participant's chain; Di has no room and none.
    const placements = await Promise.all(codes.slice(0, 4).map(async (code) => (await auditRows(env.database.sql, code)).map((row) => [row.event_type, row.seat, row.actor, row.reason])));
    expect(placements).toEqual([[['seat_changed', 'A1', 'cli', 'roster import']], [['seat_changed', 'L-2', 'cli', 'roster import']], [['seat_changed', null, 'cli', 'roster import']], []]);

    const ada = await new TestDevice('127.0.45.1').checkIn(env.server.baseUrl, { code: codes[0], fullName: 'Ada One' });
    expect(ada.json.placement).toEqual({ room: 'Hall A', seat: 'A1' });
    const bo = await new TestDevice('127.0.45.2').checkIn(env.server.baseUrl, { code: codes[1], fullName: 'Bo Two' });
    expect(bo.json.placement).toEqual({ room: 'Lab 1', seat: 'L-2' });
    const cy = await new TestDevice('127.0.45.3').checkIn(env.server.baseUrl, { code: codes[2], fullName: 'Cy Three' });
    expect(cy.json.placement).toEqual({ room: 'Hall B', seat: null });
    const di = await new TestDevice('127.0.45.4').checkIn(env.server.baseUrl, { code: codes[3], fullName: 'Di Four' });
    expect([di.status, di.json.placement]).toEqual([200, undefined]);

    // A held seat cannot leave the plan; free seats can.
    const shrink = await cli('room', 'add', session, 'Hall A', '--seats', 'B1-B2');
    expect([shrink.code, shrink.stderr.trim()]).toEqual([1, 'seats A1 are held by participants; keep them in the plan or free them first']);
    expect((await cli('room', 'add', session, 'Hall A', '--seats', 'A1,B1-B4')).stdout).toContain('(2 seat(s) added, 2 removed)');
    expect((await cli('room', 'add', session, 'Hall A', '--seats', 'A1-A0')).stderr).toContain('counts down');

    // An operator moves a participant to a free seat, and out of every room.
    expect((await cli('participant', 'seat', codes[2]!, '--room', 'Hall A', '--seat', 'B2')).stdout).toContain(`${codes[2]} (Cy Three): in_progress`);
    expect((await cli('room', 'list', session)).stdout).toContain('Hall A: 2 of 5 seats held');
    expect((await cli('participant', 'seat', codes[2]!, '--room', 'Hall A', '--seat', 'A1')).stderr.trim()).toBe('Seat A1 in Hall A is held by another participant. Free it first, or choose another seat.');
    expect((await cli('participant', 'seat', codes[2]!, '--no-room', '--seat', 'B2')).stderr).toContain('--seat needs --room.');
    expect((await cli('participant', 'seat', codes[2]!, '--no-room')).stdout).not.toContain('Hall');

    expect((await verifyAuditLog(env.database.db)).violations).toEqual([]);
  });
});

describe('proctors move seats', () => {
  it('when a proctor frees a seat, the refused participant of the full room gets it; a move to a taken seat, from a stale view, or to no such room or seat changes nothing', async () => {
    const participants = await createParticipants(env.database.sql, 3, { session: { lockPolicy: 'device', seating: 'at_check_in' } });
    const [first, second, third] = participants as [TestParticipant, TestParticipant, TestParticipant];
    const room = await createRoom(env.database.sql, first.sessionId, { name: 'Hall M', seats: ['M1', 'M2'], participants });
    const other = await createRoom(env.database.sql, first.sessionId, { name: 'Hall N', seats: ['N1'] });
    const firstDevice = new TestDevice('127.0.48.1');
    const firstSeat = (await firstDevice.checkIn(env.server.baseUrl, first)).json.placement.seat as string;
    const secondSeat = (await new TestDevice('127.0.48.2').checkIn(env.server.baseUrl, second)).json.placement.seat as string;
    const thirdDevice = new TestDevice('127.0.48.3');
    expect((await thirdDevice.checkIn(env.server.baseUrl, third)).json.error.code).toBe('room_full');
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);

    const rooms = await proctor.get(`/api/proctor/rooms?session=${first.sessionId}`);
    expect(rooms.json.rooms).toEqual([
      { id: room.id, name: 'Hall M', capacity: null, seats: 2, seatsHeld: 2, freeSeats: [], plan: ['M1', 'M2'] },
      { id: other.id, name: 'Hall N', capacity: null, seats: 1, seatsHeld: 0, freeSeats: ['N1'], plan: ['N1'] },
    ]);

    const seat = (code: string, body: object) => proctor.post(`/api/proctor/participants/${code}/seat`, { reason: 'seat plan', ...body });
    const auditCount = async () => (await auditRows(env.database.sql, first.code)).length + (await auditRows(env.database.sql, second.code)).length;
    const before = await auditCount();
    const refusals = [
      [await seat(first.code, { room: 'Hall M', seat: secondSeat, expectedRoom: 'Hall M', expectedSeat: firstSeat }), 409, 'seat_taken'],
      [await seat(first.code, { room: 'Hall N', seat: 'N1', expectedRoom: 'Hall M', expectedSeat: secondSeat }), 409, 'stale_update'],
      [await seat(first.code, { room: 'Hall Q', seat: null, expectedRoom: 'Hall M', expectedSeat: firstSeat }), 404, 'not_found'],
      [await seat(first.code, { room: 'Hall N', seat: 'N9', expectedRoom: 'Hall M', expectedSeat: firstSeat }), 404, 'not_found'],
      [await seat(first.code, { room: null, seat: 'N1', expectedRoom: 'Hall M', expectedSeat: firstSeat }), 400, 'invalid_input'],
      [await seat(first.code, { room: 'Hall N', seat: 'N 1', expectedRoom: 'Hall M', expectedSeat: firstSeat }), 400, 'invalid_input'],
    ] as const;
    expect(refusals.map(([response]) => [response.status, response.json.error?.code])).toEqual(refusals.map(([, status, code]) => [status, code]));
    expect(await auditCount()).toBe(before);

    // The first participant moves to the other room; their seat in Hall M is free, and the refused one gets it.
    const moved = await seat(first.code, { room: 'hall n', seat: 'n1', expectedRoom: 'Hall M', expectedSeat: firstSeat });
    expect([moved.status, moved.json.participant.room, moved.json.participant.seat]).toEqual([200, 'Hall N', 'N1']);
    const retry = await thirdDevice.checkIn(env.server.baseUrl, third);
    expect([retry.status, retry.json.placement]).toEqual([200, { room: 'Hall M', seat: firstSeat }]);
    // Their own check-in now shows where they sit.
    expect((await firstDevice.checkIn(env.server.baseUrl, first)).json.placement).toEqual({ room: 'Hall N', seat: 'N1' });

    // Freed: no seat, same room, and their seat row is free again.
    const freed = await seat(second.code, { room: 'Hall M', seat: null, expectedRoom: 'Hall M', expectedSeat: secondSeat });
    expect([freed.json.participant.room, freed.json.participant.seat]).toEqual(['Hall M', null]);
    expect((await proctor.get(`/api/proctor/rooms?session=${first.sessionId}`)).json.rooms[0].freeSeats).toEqual([secondSeat]);
    const moveRow = (await auditRows(env.database.sql, first.code)).filter((row) => row.event_type === 'seat_changed').at(-1);
    expect([moveRow!.room_id, moveRow!.seat, moveRow!.actor, moveRow!.reason]).toEqual([other.id, 'N1', proctor.username, 'seat plan']);
    const violations = (await verifyAuditLog(env.database.db)).violations.filter((violation) => [first.code, second.code, third.code].includes(violation.code));
    expect(violations).toEqual([]);
  });
});

describe('audit verify and seats', () => {
  it('when seats are changed around the service, then audit verify names each change (invariant 6), and a seat freed by hand goes to the next check-in', async () => {
    const participants = await createParticipants(env.database.sql, 3, { session: { lockPolicy: 'device', seating: 'at_check_in' } });
    const room = await createRoom(env.database.sql, participants[0]!.sessionId, { seats: ['X1', 'X2'], participants });
    const [first, second, third] = participants as [TestParticipant, TestParticipant, TestParticipant];
    const firstSeat = (await new TestDevice('127.0.46.1').checkIn(env.server.baseUrl, first)).json.placement.seat as string;
    const secondSeat = (await new TestDevice('127.0.46.2').checkIn(env.server.baseUrl, second)).json.placement.seat as string;
    expect((await new TestDevice('127.0.46.3').checkIn(env.server.baseUrl, third)).json.error.code).toBe('room_full');
    const seatViolations = async () => (await verifyAuditLog(env.database.db)).violations.filter((violation) => violation.invariant === 6).map((violation) => `${violation.code}: ${violation.message}`);
    expect(await seatViolations()).toEqual([]);

    // The first participant's seat freed with SQL: their last audit row still gives it to them.
    await env.database.sql.query('UPDATE participants SET seat = NULL WHERE code = ?', [first.code]);
    await env.database.sql.query('UPDATE seats SET holder_id = NULL WHERE room_id = ? AND label = ?', [room.id, firstSeat]);
    expect(await seatViolations()).toEqual([`${first.code}: has no seat in room ${room.id}, but their last audit row says seat ${firstSeat} in room ${room.id}`]);
    const retry = await new TestDevice('127.0.46.3').checkIn(env.server.baseUrl, third);
    expect([retry.status, retry.json.placement.seat]).toEqual([200, firstSeat]);

    // Someone put into the room with SQL, with no audit row that placed them.
    const [stray] = await createParticipants(env.database.sql, 1, { session: { lockPolicy: 'device' } });
    await env.database.sql.query('UPDATE participants SET room_id = ? WHERE code = ?', [room.id, stray!.code]);
    expect(await seatViolations()).toContain(`${stray!.code}: has no seat in room ${room.id}, but no audit row put them there`);

    // The second participant moved into the third's seat with SQL: held twice, and not as the rows say.
    await env.database.sql.query('UPDATE participants SET seat = ? WHERE code = ?', [firstSeat, second.code]);
    expect(await seatViolations()).toEqual(
      expect.arrayContaining([
        `${second.code}: has seat ${firstSeat} in room ${room.id}, but their last audit row says seat ${secondSeat} in room ${room.id}`,
        `${second.code}: seat ${firstSeat} is held by another participant too`,
        `${second.code}: holds seat ${firstSeat}, whose seat row names someone else or nobody`,
        `${second.code}: seat ${secondSeat}'s row names this participant, who does not sit there`,
      ]),
    );
  });
});
