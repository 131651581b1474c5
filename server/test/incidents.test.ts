import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../src/audit/audit-verify.ts';
import { createParticipants } from './support/fixtures.ts';
import { request } from './support/http-client.ts';
import { logInProctor, type ProctorClient } from './support/proctor-client.ts';
import { openSse } from './support/sse-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

async function auditRowCount(): Promise<number> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM audit_events');
  return Number(row!.n);
}

const record = (proctor: ProctorClient, body: unknown) => proctor.post('/api/proctor/incidents', body);

describe('incidents', () => {
  it('when a proctor records incidents for a participant and for the whole session, then both are audit rows, listed for the session with the proctor and the time', async () => {
    const [a] = await createParticipants(env.database.sql, 2);
    const [other] = await createParticipants(env.database.sql, 1);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);

    const late = await record(proctor, { sessionId: a!.sessionId, participantCode: a!.code, category: 'late_arrival', text: 'Arrived 09:20, bus strike' });
    const alarm = await record(proctor, { sessionId: a!.sessionId, category: 'disturbance', text: 'Fire alarm test 10:30–10:34' });
    await record(proctor, { sessionId: other!.sessionId, participantCode: other!.code, category: 'other', text: 'Not this session' });

    expect(late.status).toBe(201);
    expect(late.json).toEqual({
      id: expect.any(Number), sessionId: a!.sessionId, participant: { code: a!.code, fullName: a!.fullName }, category: 'late_arrival',
      text: 'Arrived 09:20, bus strike', corrects: null, correctedBy: null, proctor: proctor.username, at: expect.stringMatching(/Z$/),
    });
    expect(alarm.status).toBe(201);
    expect(alarm.json).toMatchObject({ participant: null, category: 'disturbance', text: 'Fire alarm test 10:30–10:34' });
    const [rows] = await env.database.sql.query<RowDataPacket[]>(
      "SELECT id, participant_id, chain_key, actor, reason, details FROM audit_events WHERE event_type = 'incident_recorded' AND id IN (?, ?) ORDER BY id",
      [late.json.id, alarm.json.id],
    );
    expect(rows.map((row) => [row.participant_id === null, row.chain_key, row.actor, JSON.parse(row.details)])).toEqual([
      [false, null, proctor.username, { category: 'late_arrival', corrects: null }],
      [true, 'incidents', proctor.username, { category: 'disturbance', corrects: null }],
    ]);

    const listed = await proctor.get(`/api/proctor/incidents?session=${a!.sessionId}`);
    expect(listed.status).toBe(200);
    expect(listed.json.incidents.map((incident: { id: number }) => incident.id)).toEqual([late.json.id, alarm.json.id]);
    expect((await verifyAuditLog(env.database.db)).violations).toEqual([]);
  });

  it('when an incident is corrected, then the correction is a new entry naming it, the first stays as it was, and the list says which corrects which', async () => {
    const [a] = await createParticipants(env.database.sql, 1);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const first = await record(proctor, { sessionId: a!.sessionId, participantCode: a!.code, category: 'identity_check', text: 'ID photo does not match' });
    const [[before]] = await env.database.sql.query<RowDataPacket[]>('SELECT * FROM audit_events WHERE id = ?', [first.json.id]);

    const correction = await record(proctor, { sessionId: a!.sessionId, participantCode: a!.code, category: 'identity_check', text: 'ID checked again with a second document: matches', corrects: first.json.id });

    expect(correction.status).toBe(201);
    expect(correction.json.corrects).toBe(first.json.id);
    const [[after]] = await env.database.sql.query<RowDataPacket[]>('SELECT * FROM audit_events WHERE id = ?', [first.json.id]);
    expect(after).toEqual(before);
    const listed = (await proctor.get(`/api/proctor/incidents?session=${a!.sessionId}`)).json.incidents as { id: number; correctedBy: number | null }[];
    expect(listed).toEqual([
      expect.objectContaining({ id: first.json.id, correctedBy: correction.json.id }),
      expect.objectContaining({ id: correction.json.id, correctedBy: null }),
    ]);
  });

  it('when an incident is malformed, names a participant or incident of another session, or comes without the CSRF token, then 400, 404, 404 and 403 with the envelope, and nothing is recorded', async () => {
    const [a] = await createParticipants(env.database.sql, 1);
    const [other] = await createParticipants(env.database.sql, 1);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const elsewhere = await record(proctor, { sessionId: other!.sessionId, category: 'other', text: 'Other session' });
    const rowsBefore = await auditRowCount();
    const valid = { sessionId: a!.sessionId, participantCode: a!.code, category: 'late_arrival', text: 'Late' };

    const answers = {
      category: await record(proctor, { ...valid, category: 'fire' }),
      text: await record(proctor, { ...valid, text: '   ' }),
      long: await record(proctor, { ...valid, text: 'x'.repeat(501) }),
      participant: await record(proctor, { ...valid, participantCode: other!.code }),
      corrects: await record(proctor, { ...valid, corrects: elsewhere.json.id }),
      missing: await record(proctor, { ...valid, corrects: 999_999_999 }),
      session: await record(proctor, { ...valid, sessionId: 999_999_999 }),
      csrf: await proctor.post('/api/proctor/incidents', valid, { csrf: false }),
      list: await request(`${env.server.baseUrl}/api/proctor/incidents?session=${a!.sessionId}`),
    };

    expect(Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, [answer.status, answer.json?.error?.code]]))).toEqual({
      category: [400, 'invalid_input'],
      text: [400, 'invalid_input'],
      long: [400, 'invalid_input'],
      participant: [404, 'not_found'],
      corrects: [404, 'not_found'],
      missing: [404, 'not_found'],
      session: [404, 'not_found'],
      csrf: [403, expect.any(String)],
      list: [401, expect.any(String)],
    });
    expect(await auditRowCount()).toBe(rowsBefore);
  });

  it('when an incident is recorded, then every connected dashboard receives it on the live stream', async () => {
    const [a] = await createParticipants(env.database.sql, 1);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const watcher = await logInProctor(env.server.baseUrl, env.database.db);
    const stream = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: watcher.cookie });
    try {
      await stream.waitFor((messages) => messages.some((m) => m.event === 'ready'));

      const recorded = await record(proctor, { sessionId: a!.sessionId, participantCode: a!.code, category: 'left_room', text: 'Toilet break 10:05–10:09' });

      const messages = await stream.waitFor((all) => all.some((m) => m.event === 'audit' && JSON.parse(m.data).type === 'incident_recorded'), 3000);
      const event = JSON.parse(messages.find((m) => m.event === 'audit' && JSON.parse(m.data).type === 'incident_recorded')!.data);
      expect(event).toMatchObject({ id: recorded.json.id, code: a!.code, actor: proctor.username, reason: 'Toilet break 10:05–10:09' });
    } finally {
      stream.close();
    }
  });
});
