import { describe, expect, it } from 'vitest';
import { auditRows, createParticipant, createParticipants, participantRow } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { createProctor, logInProctor } from './support/proctor-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

const READ_ROUTES = ['/api/proctor/session', '/api/proctor/participants', '/api/proctor/summary', '/api/proctor/events', '/api/proctor/events.csv', '/api/proctor/stream'];
const WRITE_ROUTES = [
  '/api/proctor/logout',
  '/api/proctor/participants/ABCD-1234/reset-lock',
  '/api/proctor/participants/ABCD-1234/transfer-lock',
  '/api/proctor/participants/ABCD-1234/expire',
  '/api/proctor/participants/ABCD-1234/reopen',
  '/api/proctor/bulk/reset-lock',
  '/api/proctor/bulk/expire',
  '/api/proctor/bulk/reopen',
  '/api/proctor/device-change-requests/1/approve',
  '/api/proctor/device-change-requests/1/decline',
];

describe('proctor authentication', () => {
  it('when no session cookie is sent, then every proctor route but login answers 401 unauthenticated', async () => {
    for (const path of READ_ROUTES) {
      const response = await request(`${env.server.baseUrl}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.json.error.code, path).toBe('unauthenticated');
    }
    for (const path of WRITE_ROUTES) {
      const response = await request(`${env.server.baseUrl}${path}`, { json: {} });
      expect(response.status, path).toBe(401);
    }
  });

  it('when a logged-in proctor omits or forges the CSRF token, then every state-changing route answers 403 csrf', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    for (const path of WRITE_ROUTES) {
      const missing = await proctor.post(path, {}, { csrf: false });
      expect(missing.status, path).toBe(403);
      expect(missing.json.error.code, path).toBe('csrf');
    }
    const forged = await request(`${env.server.baseUrl}/api/proctor/logout`, { json: {}, headers: { cookie: proctor.cookie, 'x-csrf-token': 'x'.repeat(43) } });
    expect(forged.status).toBe(403);
  });

  it('when a proctor logs in, then the cookie is HttpOnly and SameSite=Strict and the session endpoint returns the CSRF token', async () => {
    const { username, password } = await createProctor(env.database.db);
    const login = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username, password } });
    expect(login.status).toBe(200);
    expect(login.json).toEqual({ proctor: { username }, csrfToken: expect.any(String) });
    const cookie = String(login.headers['set-cookie']?.[0]);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = await request(`${env.server.baseUrl}/api/proctor/session`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(session.json).toEqual(login.json);
  });

  it('when a proctor logs in twice, then each login gets a new session id, and logging out ends only that session', async () => {
    const { username, password } = await createProctor(env.database.db);
    const first = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username, password } });
    const second = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username, password } });
    const cookieOf = (r: typeof first) => String(r.headers['set-cookie']?.[0]).split(';')[0]!;
    expect(cookieOf(first)).not.toBe(cookieOf(second));

    await request(`${env.server.baseUrl}/api/proctor/logout`, { json: {}, headers: { cookie: cookieOf(first), 'x-csrf-token': first.json.csrfToken } });

    expect((await request(`${env.server.baseUrl}/api/proctor/session`, { headers: { cookie: cookieOf(first) } })).status).toBe(401);
    expect((await request(`${env.server.baseUrl}/api/proctor/session`, { headers: { cookie: cookieOf(second) } })).status).toBe(200);
  });

  it('when a session has been idle longer than the idle timeout, then it is refused with 401', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    expect((await proctor.get('/api/proctor/session')).status).toBe(200);
    await env.database.sql.query(
      'UPDATE proctor_sessions s JOIN proctors p ON p.id = s.proctor_id SET s.last_seen_at = UTC_TIMESTAMP(3) - INTERVAL 121 MINUTE WHERE p.username = ?',
      [proctor.username],
    );
    expect((await proctor.get('/api/proctor/session')).status).toBe(401);
  });

  it('when a session is past its absolute expiry, then it is refused even if active', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    await env.database.sql.query(
      'UPDATE proctor_sessions s JOIN proctors p ON p.id = s.proctor_id SET s.expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE p.username = ?',
      [proctor.username],
    );
    expect((await proctor.get('/api/proctor/participants')).status).toBe(401);
  });

  it('when the password or username is wrong, then 401 invalid_credentials with the same message', async () => {
    const { username } = await createProctor(env.database.db);
    const wrongPassword = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username, password: 'nope-nope-nope' } });
    const unknownUser = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username: 'nobody-here', password: 'nope-nope-nope' } });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.json).toEqual(unknownUser.json);
    expect(wrongPassword.json.error.code).toBe('invalid_credentials');
  });

  it('when a username keeps failing, then further logins get 429 with Retry-After, even with the right password', async () => {
    const server = await startTestServer(env.database.db, { LOGIN_MAX_FAILURES_PER_USER: 3 });
    try {
      const { username, password } = await createProctor(env.database.db);
      for (let i = 0; i < 3; i++) {
        expect((await request(`${server.baseUrl}/api/proctor/login`, { json: { username, password: 'wrong-wrong' } })).status).toBe(401);
      }
      const limited = await request(`${server.baseUrl}/api/proctor/login`, { json: { username, password } });
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('when one address keeps failing across usernames, then it is limited too', async () => {
    const server = await startTestServer(env.database.db, { LOGIN_MAX_FAILURES_PER_IP: 4 });
    try {
      for (let i = 0; i < 4; i++) {
        await request(`${server.baseUrl}/api/proctor/login`, { json: { username: `guess-${i}`, password: 'x' }, localAddress: '127.0.9.9' });
      }
      const limited = await request(`${server.baseUrl}/api/proctor/login`, { json: { username: 'guess-new', password: 'x' }, localAddress: '127.0.9.9' });
      expect(limited.status).toBe(429);
      const elsewhere = await request(`${server.baseUrl}/api/proctor/login`, { json: { username: 'guess-new', password: 'x' }, localAddress: '127.0.9.10' });
      expect(elsewhere.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});

describe('lock actions', () => {
  it('when a proctor resets a lock they saw, then it is cleared, audited with proctor, reason, before and after, and the next device may check in', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.1');

    const response = await proctor.post(`/api/proctor/participants/${participant.code}/reset-lock`, { reason: 'laptop died', expectedIp: '127.0.8.1' });

    expect(response.status).toBe(200);
    expect(response.json.participant).toMatchObject({ code: participant.code, lockedIp: null, status: 'in_progress' });
    const reset = (await auditRows(env.database.sql, participant.code)).at(-1)!;
    expect(reset).toMatchObject({ event_type: 'lock_reset', actor: proctor.username, reason: 'laptop died', locked_ip_before: '127.0.8.1', locked_ip_after: null });
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.2')).json.result).toBe('checked_in');
  });

  it('when the lock changed since the proctor looked, then reset answers 409 lock_changed and nothing changes', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.3');
    const before = await participantRow(env.database.sql, participant.code);

    const response = await proctor.post(`/api/proctor/participants/${participant.code}/reset-lock`, { reason: 'r', expectedIp: '127.0.8.99' });

    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe('lock_changed');
    expect(await participantRow(env.database.sql, participant.code)).toEqual(before);
    expect((await auditRows(env.database.sql, participant.code)).map((row) => row.event_type)).toEqual(['checked_in']);
  });

  it('when a proctor moves the lock to a refused device, then that device is let in and the old one is refused', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.4');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.5')).status).toBe(409);

    const response = await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toIp: '127.0.8.5', reason: 'wifi', expectedIp: '127.0.8.4' });

    expect(response.status).toBe(200);
    expect(response.json.participant.lockedIp).toBe('127.0.8.5');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.5')).json.result).toBe('reentered');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.4')).status).toBe(409);
    expect((await auditRows(env.database.sql, participant.code)).find((row) => row.event_type === 'lock_transferred')).toMatchObject({
      locked_ip_before: '127.0.8.4', locked_ip_after: '127.0.8.5', actor: proctor.username, reason: 'wifi',
    });
  });

  it('when a transfer races a check-in from a third device, then the third device never ends up holding the lock', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participants = await createParticipants(env.database.sql, 30);
    for (const participant of participants) await checkIn(env.server.baseUrl, participant, '127.0.8.10');

    const outcomes = await Promise.all(
      participants.map(async (participant) => {
        const [transfer, third] = await Promise.all([
          proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toIp: '127.0.8.11', reason: 'move', expectedIp: '127.0.8.10' }),
          checkIn(env.server.baseUrl, participant, '127.0.8.12'),
        ]);
        return { transfer: transfer.status, third: third.status, locked: (await participantRow(env.database.sql, participant.code)).locked_ip };
      }),
    );

    expect(outcomes.every((outcome) => outcome.transfer === 200 && outcome.third === 409 && outcome.locked === '127.0.8.11')).toBe(true);
  });

  it('when a bulk reset includes one stale lock, then nothing is reset and the stale code is named', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const [a, b, c] = await createParticipants(env.database.sql, 3);
    for (const [i, p] of [a!, b!, c!].entries()) await checkIn(env.server.baseUrl, p, `127.0.8.${20 + i}`);

    const stale = await proctor.post('/api/proctor/bulk/reset-lock', {
      reason: 'room change',
      items: [{ code: a!.code, expectedIp: '127.0.8.20' }, { code: b!.code, expectedIp: '127.0.8.99' }, { code: c!.code, expectedIp: '127.0.8.22' }],
    });

    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('lock_changed');
    expect(stale.json.error.message).toContain(b!.code);
    for (const p of [a!, b!, c!]) expect((await participantRow(env.database.sql, p.code)).locked_ip).not.toBeNull();

    const fresh = await proctor.post('/api/proctor/bulk/reset-lock', {
      reason: 'room change',
      items: [{ code: a!.code, expectedIp: '127.0.8.20' }, { code: b!.code, expectedIp: '127.0.8.21' }, { code: c!.code, expectedIp: '127.0.8.22' }],
    });
    expect(fresh.status).toBe(200);
    expect(fresh.json.participants.map((p: { lockedIp: string | null }) => p.lockedIp)).toEqual([null, null, null]);
  });

  it('when a code is marked expired and reopened, then check-ins are refused and then allowed again, each change audited', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.30');

    expect((await proctor.post(`/api/proctor/participants/${participant.code}/expire`, { reason: 'finished' })).json.participant.status).toBe('expired');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.30')).json.error.code).toBe('code_expired');
    expect((await proctor.post(`/api/proctor/participants/${participant.code}/reopen`, { reason: 'submitted by mistake' })).json.participant.status).toBe('in_progress');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.30')).json.result).toBe('reentered');
    expect((await auditRows(env.database.sql, participant.code)).map((row) => row.event_type)).toEqual(['checked_in', 'expired', 'code_expired', 'reopened', 'reentered']);
  });

  it('when an action names an unknown code or lacks a reason, then 404 not_found or 400 invalid_input', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    expect((await proctor.post('/api/proctor/participants/NOPE-9999/reset-lock', { reason: 'r', expectedIp: null })).json.error.code).toBe('not_found');
    expect((await proctor.post(`/api/proctor/participants/${participant.code}/reset-lock`, { expectedIp: null })).status).toBe(400);
    expect((await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { reason: 'r', expectedIp: null, toIp: 'not-an-ip' })).status).toBe(400);
  });
});

describe('read API', () => {
  it('when a device is refused, then the participants list shows the holder, the refused attempt and an open conflict, and the summary counts it', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const [holder, ...others] = await createParticipants(env.database.sql, 3);
    await checkIn(env.server.baseUrl, holder, '127.0.8.40');
    await checkIn(env.server.baseUrl, holder, '127.0.8.41', { 'user-agent': 'PhoneBrowser/2' });

    const list = await proctor.get('/api/proctor/participants');
    const summary = await proctor.get('/api/proctor/summary');

    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(list.headers['server-timing']).toMatch(/^app;dur=\d+\.\d$/);
    expect(list.json.participants).toHaveLength(3);
    expect(list.json.participants.find((p: { code: string }) => p.code === holder!.code)).toMatchObject({
      status: 'in_progress', lockedIp: '127.0.8.40', refusedAttempts: 1, openConflict: true,
      lastRefused: { ip: '127.0.8.41', userAgent: 'PhoneBrowser/2', at: expect.any(String) }, pendingRequest: null,
    });
    expect(others.every((o) => list.json.participants.some((p: { code: string }) => p.code === o.code))).toBe(true);
    expect(summary.json).toMatchObject({ total: 3, unused: 2, inProgress: 1, expired: 0, openConflicts: 1, pendingRequests: 0 });
  });

  it('when the audit log is paged, then pages are newest first and do not overlap', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    for (let i = 0; i < 5; i++) await checkIn(env.server.baseUrl, participant, `127.0.8.${50 + i}`);

    const first = await proctor.get('/api/proctor/events?limit=3');
    const second = await proctor.get(`/api/proctor/events?limit=3&before=${first.json.nextBefore}`);

    const ids = [...first.json.events, ...second.json.events].map((event: { id: number }) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when the audit log is exported, then it is CSV with a header and spreadsheet formulas are neutralised', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.60', { 'user-agent': '=HYPERLINK("http://evil")' });

    const csv = await proctor.get('/api/proctor/events.csv');

    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[0]).toBe('id,at,type,code,ip,user_agent,actor,reason,status_after,locked_ip_before,locked_ip_after');
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });
});

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
