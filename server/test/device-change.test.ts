import { describe, expect, it } from 'vitest';
import { auditRows, createParticipant, participantRow } from './support/fixtures.ts';
import { checkIn, request, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

describe('device-change requests', () => {
  it('when the refused device asks and a proctor approves, then its request is approved and it is let in; the old device is refused', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.70');

    const ask = await request(`${env.server.baseUrl}/api/device-change-requests`, { json: participant, localAddress: '127.0.8.71' });
    expect(ask.status).toBe(201);
    const listed = (await proctor.get('/api/proctor/participants')).json.participants.find((p: { code: string }) => p.code === participant.code);
    const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    expect(listed.pendingRequest).toMatchObject({
      id: ask.json.requestId, requesterIp: '127.0.8.71', holderIp: '127.0.8.70', createdAt: expect.stringMatching(isoTime), expiresAt: ask.json.expiresAt,
    });
    expect(listed.deviceLockedAt).toMatch(isoTime);

    const approve = await proctor.post(`/api/proctor/device-change-requests/${ask.json.requestId}/approve`, { expectedIp: '127.0.8.70' });

    expect(approve.status).toBe(200);
    const status = await request(`${env.server.baseUrl}/api/device-change-requests/${ask.json.requestId}`, { headers: { 'x-request-token': ask.json.token } });
    expect(status.json.status).toBe('approved');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.71')).json.result).toBe('reentered');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.70')).status).toBe(409);
  });

  it('when a proctor declines, then the requester learns it and the lock stays', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.72');
    const ask = await request(`${env.server.baseUrl}/api/device-change-requests`, { json: participant, localAddress: '127.0.8.73' });

    await proctor.post(`/api/proctor/device-change-requests/${ask.json.requestId}/decline`, { reason: 'not verified' });

    const status = await request(`${env.server.baseUrl}/api/device-change-requests/${ask.json.requestId}`, { headers: { 'x-request-token': ask.json.token } });
    expect(status.json.status).toBe('declined');
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe('127.0.8.72');
    const again = await proctor.post(`/api/proctor/device-change-requests/${ask.json.requestId}/approve`, { expectedIp: '127.0.8.72' });
    expect(again.json.error.code).toBe('request_closed');
  });

  it('when someone without a conflict, or with a wrong name or token, uses device-change requests, then they are refused', async () => {
    const participant = await createParticipant(env.database.sql);
    const noConflict = await request(`${env.server.baseUrl}/api/device-change-requests`, { json: participant, localAddress: '127.0.8.74' });
    expect(noConflict.json.error.code).toBe('no_conflict');
    await checkIn(env.server.baseUrl, participant, '127.0.8.74');
    const wrongName = await request(`${env.server.baseUrl}/api/device-change-requests`, { json: { ...participant, fullName: 'Other' }, localAddress: '127.0.8.75' });
    expect(wrongName.json.error.code).toBe('not_recognised');
    const ask = await request(`${env.server.baseUrl}/api/device-change-requests`, { json: participant, localAddress: '127.0.8.75' });
    const wrongToken = await request(`${env.server.baseUrl}/api/device-change-requests/${ask.json.requestId}`, { headers: { 'x-request-token': 'guess' } });
    expect(wrongToken.status).toBe(404);
  });

  it('when a request with the right code and name is not filed (no conflict, not open yet, expired), then the attempt is still audited with why', async () => {
    const open = await createParticipant(env.database.sql);
    const later = await createParticipant(env.database.sql, { session: { opensAt: new Date(Date.now() + 3_600_000).toISOString() } });
    const expired = await createParticipant(env.database.sql, { status: 'expired' });
    const ask = (participant: typeof open) => new TestDevice('127.0.8.90').send(`${env.server.baseUrl}/api/device-change-requests`, { json: participant });

    const answers = [await ask(open), await ask(later), await ask(expired)];

    expect(answers.map((answer) => answer.json.error.code)).toEqual(['no_conflict', 'not_open_yet', 'code_expired']);
    for (const [participant, why] of [[open, 'no_conflict'], [later, 'not_open_yet'], [expired, 'code_expired']] as const) {
      const rows = await auditRows(env.database.sql, participant.code);
      expect(rows.map((row) => [row.event_type, row.reason, row.source_ip])).toEqual([['device_change_refused', why, '127.0.8.90']]);
    }
  });

  it('when another device asks while a request is open, then it is refused until a proctor answers; the device that asked may ask again', async () => {
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.91');
    const student = new TestDevice('127.0.8.92');
    const stranger = new TestDevice('127.0.8.93');
    const first = await student.send(`${env.server.baseUrl}/api/device-change-requests`, { json: participant });
    expect(first.status).toBe(201);

    const pushed = await stranger.send(`${env.server.baseUrl}/api/device-change-requests`, { json: participant });
    const again = await student.send(`${env.server.baseUrl}/api/device-change-requests`, { json: participant });

    expect(pushed.status).toBe(409);
    expect(pushed.json.error.code).toBe('request_pending');
    expect(again.status).toBe(201);
    const statusOf = (answer: typeof first) => request(`${env.server.baseUrl}/api/device-change-requests/${answer.json.requestId}`, { headers: { 'x-request-token': answer.json.token } });
    expect((await statusOf(first)).json.status).toBe('declined');
    expect((await statusOf(again)).json.status).toBe('pending');
    const rows = await auditRows(env.database.sql, participant.code);
    expect(rows.map((row) => [row.event_type, row.source_ip, row.reason])).toEqual([
      ['checked_in', '127.0.8.91', null],
      ['device_change_requested', '127.0.8.92', null],
      ['device_change_refused', '127.0.8.93', 'request_pending'],
      ['device_change_requested', '127.0.8.92', null],
    ]);
  });

  it('when one device files request after request, then they count toward its attempt limit and it is throttled', async () => {
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.94');
    const spammer = new TestDevice('127.0.8.95');

    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await spammer.send(`${env.server.baseUrl}/api/device-change-requests`, { json: participant })).status);

    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(201));
    expect(statuses.slice(10)).toEqual(Array(5).fill(429));
  });

  it('when a request is older than its time limit, then it reads as expired and cannot be approved', async () => {
    const server = await startTestServer(env.database.db, { DEVICE_CHANGE_REQUEST_TTL_S: 10 });
    try {
      const proctor = await logInProctor(server.baseUrl, env.database.db);
      const participant = await createParticipant(env.database.sql);
      await checkIn(server.baseUrl, participant, '127.0.8.76');
      const ask = await request(`${server.baseUrl}/api/device-change-requests`, { json: participant, localAddress: '127.0.8.77' });
      await env.database.sql.query('UPDATE device_change_requests SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [ask.json.requestId]);

      const status = await request(`${server.baseUrl}/api/device-change-requests/${ask.json.requestId}`, { headers: { 'x-request-token': ask.json.token } });
      const approve = await proctor.post(`/api/proctor/device-change-requests/${ask.json.requestId}/approve`, { expectedIp: '127.0.8.76' });

      expect(status.json.status).toBe('expired');
      expect(approve.json.error.code).toBe('request_closed');
      const listed = (await proctor.get('/api/proctor/participants')).json.participants.find((p: { code: string }) => p.code === participant.code);
      expect(listed.pendingRequest).toBeNull();
    } finally {
      await server.close();
    }
  });
});
