import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ARRIVALS_FRESH_MS } from '../src/attendance/attendance.routes.ts';
import { verifyAuditLog } from '../src/audit/audit-verify.ts';
import { createParticipants } from './support/fixtures.ts';
import { deviceAddress, request, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
let nextDevice = 0;
const device = () => new TestDevice(deviceAddress(700 + nextDevice++));

// A small exam: Ada checks in, a second device is refused, a proctor resets her lock and the second device
// takes it; Grace checks in; the third never comes; an incident about Ada and one about the whole session.
async function smallExam() {
  const people = await createParticipants(env.database.sql, 3, {
    session: { lockPolicy: 'device' },
    fullName: (index) => ['Ada Lovelace', 'Grace Hopper', '=HYPERLINK("http://evil.example")'][index]!,
  });
  const [ada, grace, absent] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
  const proctor = await logInProctor(env.server.baseUrl, env.database.db);
  const first = device();
  const second = device();
  expect((await first.checkIn(env.server.baseUrl, ada)).status).toBe(200);
  expect((await second.checkIn(env.server.baseUrl, ada)).status).toBe(409);
  const participant = (await proctor.get(`/api/proctor/participants?session=${ada.sessionId}`)).json.participants.find((p: { code: string }) => p.code === ada.code);
  const reset = await proctor.post(`/api/proctor/participants/${ada.code}/reset-lock`, { reason: 'Laptop battery died', expectedIp: first.ip, expectedDevice: participant.lockedDevice });
  expect(reset.status).toBe(200);
  expect((await second.checkIn(env.server.baseUrl, ada)).status).toBe(200);
  expect((await device().checkIn(env.server.baseUrl, grace)).status).toBe(200);
  const late = await proctor.post('/api/proctor/incidents', { sessionId: ada.sessionId, participantCode: ada.code, category: 'late_arrival', text: '+SUM(1) minutes late' });
  const alarm = await proctor.post('/api/proctor/incidents', { sessionId: ada.sessionId, category: 'disturbance', text: 'Fire alarm test' });
  expect([late.status, alarm.status]).toEqual([201, 201]);
  return { ada, grace, absent, proctor, second, late: late.json, alarm: alarm.json };
}

describe('the attendance record', () => {
  it('when an exam has happened, then the record lists each participant with check-in, device, address, lock changes with reason and proctor, incidents, the no-shows and totals', async () => {
    const { ada, grace, absent, proctor, second, late, alarm } = await smallExam();

    const answer = await proctor.get(`/api/proctor/record?session=${ada.sessionId}`);

    expect(answer.status).toBe(200);
    const record = answer.json;
    expect(record.session).toMatchObject({ id: ada.sessionId, timeZone: 'UTC' });
    expect(record.totals).toEqual({ expected: 3, present: 2, noShows: 1, withdrawn: 0, lockChanges: 1, incidents: 2 });
    const byCode = new Map(record.entries.map((entry: { participant: { code: string } }) => [entry.participant.code, entry]));
    expect(byCode.get(ada.code)).toMatchObject({
      participant: { fullName: 'Ada Lovelace', status: 'in_progress', lockedIp: second.ip, enteredAt: expect.any(String), lockedUserAgent: null },
      lockChanges: [{ type: 'lock_reset', proctor: proctor.username, reason: 'Laptop battery died', toIp: null }],
      incidents: [{ id: late.id, category: 'late_arrival' }],
    });
    expect(byCode.get(grace.code)).toMatchObject({ participant: { status: 'in_progress' }, lockChanges: [], incidents: [] });
    expect(byCode.get(absent.code)).toMatchObject({ participant: { status: 'unused', enteredAt: null, lockedIp: null } });
    expect(record.sessionIncidents.map((incident: { id: number }) => incident.id)).toEqual([alarm.id]);
    expect(record.seal).toBeNull();
  });

  it('when a proctor seals before printing, then the record carries the digest, and verify against it passes', async () => {
    const { ada, proctor } = await smallExam();

    const sealed = await proctor.post('/api/proctor/seals', {});

    expect(sealed.status).toBe(201);
    expect(sealed.json).toEqual({ digest: expect.stringMatching(/^[0-9a-f]{64}$/), sealedAt: expect.any(String), chains: expect.any(Number), events: expect.any(Number) });
    const record = (await proctor.get(`/api/proctor/record?session=${ada.sessionId}`)).json;
    expect(record.seal).toEqual(sealed.json);
    const verified = await verifyAuditLog(env.database.db, { sealDigest: sealed.json.digest });
    expect(verified.violations).toEqual([]);
  });

  it('when the record is downloaded as CSV, then it has a row per participant and one for the session, every cell formula-guarded', async () => {
    const { ada, absent, proctor, second } = await smallExam();

    const answer = await request(`${env.server.baseUrl}/api/proctor/record.csv?session=${ada.sessionId}`, { headers: { cookie: proctor.cookie } });

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/csv/);
    expect(answer.headers['content-disposition']).toContain(`examgate-record-${ada.sessionId}.csv`);
    const rows = parse<Record<string, string>>(answer.text, { columns: true });
    expect(rows).toHaveLength(4);
    const adaRow = rows.find((row) => row.code === ada.code)!;
    expect(adaRow).toMatchObject({ full_name: 'Ada Lovelace', status: 'in_progress', withdrawn: 'no', address: second.ip });
    expect(adaRow.lock_changes).toMatch(/ reset by proctor-\w+: Laptop battery died$/);
    expect(adaRow.incidents).toMatch(/ late_arrival by proctor-\w+: \+SUM\(1\) minutes late$/);
    expect(rows.find((row) => row.code === absent.code)!.full_name).toBe('\'=HYPERLINK("http://evil.example")');
    expect(rows.at(-1)).toMatchObject({ code: '', full_name: '(whole session)', incidents: expect.stringContaining('disturbance') });
  });

  it('when the arrival curve is asked for, then it counts first check-ins, refusals and conflicts per minute against the number expected', async () => {
    const { ada, grace, proctor } = await smallExam();
    expect((await device().checkIn(env.server.baseUrl, { code: grace.code, fullName: 'Not Grace' })).status).toBe(403);

    const answer = await proctor.get(`/api/proctor/arrivals?session=${ada.sessionId}`);

    expect(answer.status).toBe(200);
    expect(answer.json.sessionId).toBe(ada.sessionId);
    expect(answer.json.expected).toBe(3);
    const minutes = answer.json.minutes as { at: string; arrivals: number; refusals: number; conflicts: number }[];
    for (const minute of minutes) expect(minute.at).toMatch(/T\d\d:\d\d:00\.000Z$/);
    expect([...minutes].sort((a, b) => a.at.localeCompare(b.at))).toEqual(minutes);
    const sum = (key: 'arrivals' | 'refusals' | 'conflicts') => minutes.reduce((total, minute) => total + minute[key], 0);
    expect({ arrivals: sum('arrivals'), refusals: sum('refusals'), conflicts: sum('conflicts') }).toEqual({ arrivals: 2, refusals: 1, conflicts: 1 });
    expect((await proctor.get('/api/proctor/arrivals?session=999999999')).status).toBe(404);
  });

  it('when many dashboards ask for the curve at once, then one read serves them for 2 s, and the next one counts what happened since', async () => {
    const [first, second] = await createParticipants(env.database.sql, 2, { session: { lockPolicy: 'device' } });
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    expect((await device().checkIn(env.server.baseUrl, first!)).status).toBe(200);
    const arrived = async () => ((await proctor.get(`/api/proctor/arrivals?session=${first!.sessionId}`)).json.minutes as { arrivals: number }[]).reduce((sum, minute) => sum + minute.arrivals, 0);
    expect(await arrived()).toBe(1);

    expect((await device().checkIn(env.server.baseUrl, second!)).status).toBe(200);
    const cached = await arrived();
    await new Promise((resolve) => setTimeout(resolve, ARRIVALS_FRESH_MS + 100));
    const fresh = await arrived();

    expect([cached, fresh]).toEqual([1, 2]);
  });

  it('when the session does not exist, the query is malformed or nobody is logged in, then 404, 400 and 401 with the envelope', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const answers = [
      await proctor.get('/api/proctor/record?session=999999999'),
      await proctor.get('/api/proctor/record?session=abc'),
      await request(`${env.server.baseUrl}/api/proctor/record?session=1`),
      await request(`${env.server.baseUrl}/api/proctor/seals`, { method: 'POST', json: {} }),
    ];
    expect(answers.map((answer) => [answer.status, answer.json.error.code])).toEqual([
      [404, 'not_found'],
      [400, 'invalid_input'],
      [401, 'unauthenticated'],
      [401, 'unauthenticated'],
    ]);
  });
});
