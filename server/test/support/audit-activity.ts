import type { RowDataPacket } from 'mysql2/promise';
import { expect } from 'vitest';
import { createParticipants, type TestParticipant } from './fixtures.ts';
import { checkIn, deviceAddress, request, TestDevice } from './http-client.ts';
import { logInProctor } from './proctor-client.ts';
import type { TestEnvironment } from './test-server.ts';

// Audit rows of every kind, written through the API of a test environment's server.
export function auditActivity(env: TestEnvironment) {
  let nextDevice = 0;
  const device = () => new TestDevice(deviceAddress(400 + nextDevice++));

  // Every kind of row: check-ins, re-entries, a second device refused, a wrong name, attempts on codes that
  // do not exist, a proctor's reset, and a change of the session's settings.
  async function activity(): Promise<TestParticipant[]> {
    const participants = await createParticipants(env.database.sql, 3, { session: { lockPolicy: 'device' } });
    const [a, b, c] = participants as [TestParticipant, TestParticipant, TestParticipant];
    const holder = device();
    expect((await holder.checkIn(env.server.baseUrl, a)).status).toBe(200);
    expect((await holder.checkIn(env.server.baseUrl, a)).status).toBe(200);
    expect((await device().checkIn(env.server.baseUrl, a)).status).toBe(409);
    expect((await device().checkIn(env.server.baseUrl, b)).status).toBe(200);
    expect((await device().checkIn(env.server.baseUrl, { code: c.code, fullName: 'Somebody Else' })).status).toBe(403);
    for (const code of ['NOPE-0001', 'NOPE-0002', 'NOPE-0003']) expect((await checkIn(env.server.baseUrl, { code, fullName: 'Nobody' }, deviceAddress(400 + nextDevice++))).status).toBe(403);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const [[lock]] = await env.database.sql.query<RowDataPacket[]>('SELECT locked_ip FROM participants WHERE code = ?', [b.code]);
    expect((await proctor.post(`/api/proctor/participants/${b.code}/reset-lock`, { reason: 'new laptop', expectedIp: lock!.locked_ip })).status).toBe(200);
    const patched = await request(`${env.server.baseUrl}/api/proctor/sessions/${a.sessionId}`, {
      method: 'PATCH',
      json: { version: 0, reason: 'exam link', continueUrl: 'https://exam.example.org/' },
      headers: { cookie: proctor.cookie, 'x-csrf-token': proctor.csrfToken },
    });
    expect(patched.status).toBe(200);
    return participants;
  }

  async function rowsOf(code: string): Promise<{ id: number; chain_seq: number }[]> {
    const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT id, chain_seq FROM audit_events WHERE code = ? ORDER BY chain_seq', [code]);
    return rows.map((row) => ({ id: Number(row.id), chain_seq: Number(row.chain_seq) }));
  }

  return { activity, rowsOf, device };
}
