import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { API_EVENTS_SETTLE_S } from '../../contracts/api-tokens.ts';
import { runCli } from './support/cli-process.ts';
import { eventually } from './support/eventually.ts';
import { auditRows, createSession, participantRow, uniqueCode } from './support/fixtures.ts';
import { request, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
let nextAddress = 1;
const address = () => `127.0.${170 + Math.floor(nextAddress / 250)}.${1 + (nextAddress++ % 250)}`;

async function sessionName(id: number): Promise<string> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT name FROM exam_sessions WHERE id = ?', [id]);
  return row!.name as string;
}

async function createToken(sessionId: number, scope: string, name = 'exam platform'): Promise<{ id: number; token: string; output: string }> {
  const created = await runCli(['token', 'create', '--session', await sessionName(sessionId), '--scope', scope, '--name', name], { env: { DATABASE_URL: env.database.url } });
  expect(created.code, created.stderr).toBe(0);
  return {
    id: Number(/API token (\d+)/.exec(created.stdout)![1]),
    token: /Token \(shown once; only its hash is kept\): (egt_\S+)/.exec(created.stdout)![1]!,
    output: created.stdout,
  };
}

const sync = (sessionId: number, token: string | undefined, body: unknown) =>
  request(`${env.server.baseUrl}/api/sessions/${sessionId}/roster`, { method: 'PUT', json: body, headers: token ? { authorization: `Bearer ${token}` } : {} });
const read = (path: string, token: string) => request(`${env.server.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

// Long enough to pass the short-code check, as generated codes are.
const code = () => uniqueCode('R').padEnd(16, 'X');
const person = (participantCode: string, fullName: string) => ({ code: participantCode, fullName });

describe('API tokens', () => {
  it('when a token is created, then it is printed once and only its SHA-256 is stored', async () => {
    const sessionId = await createSession(env.database.sql);
    const { token } = await createToken(sessionId, 'participants:read');

    const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT token_hash, scopes FROM api_tokens WHERE session_id = ?', [sessionId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.token_hash).not.toContain(token.slice(4));
    expect(rows[0]!.scopes).toBe('participants:read');
    const list = await runCli(['token', 'list'], { env: { DATABASE_URL: env.database.url } });
    expect(list.stdout).toContain('participants:read');
    expect(list.stdout).not.toContain(token);
  });

  it('when a request has no token, a made-up one, a revoked one, another session\'s or lacks the scope, then 401 or 403, each use of a real token recorded', async () => {
    const sessionId = await createSession(env.database.sql);
    const otherSessionId = await createSession(env.database.sql);
    const reader = await createToken(sessionId, 'participants:read');
    const revoked = await createToken(sessionId, 'roster:write');

    const none = await sync(sessionId, undefined, { participants: [] });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="examgate"');
    expect(none.json.error.code).toBe('unauthenticated');
    expect((await sync(sessionId, `egt_${'A'.repeat(43)}`, { participants: [] })).status).toBe(401);
    expect((await sync(sessionId, reader.token, { participants: [] })).json.error).toMatchObject({ code: 'forbidden', message: 'This API token lacks the scope roster:write.' });
    expect((await read(`/api/sessions/${otherSessionId}/participants`, reader.token)).json.error).toMatchObject({ code: 'forbidden', message: 'This API token belongs to another exam session.' });
    expect((await read(`/api/sessions/${sessionId}/participants`, reader.token)).status).toBe(200);
    const revoke = await runCli(['token', 'revoke', String(revoked.id)], { env: { DATABASE_URL: env.database.url } });
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await sync(sessionId, revoked.token, { participants: [] })).status).toBe(401);

    // The status is written once the answer has gone out.
    const uses = await eventually('every use with its status', async () => {
      const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT token_id, method, path, status FROM api_token_uses WHERE token_id IN (?, ?) ORDER BY id', [reader.id, revoked.id]);
      return rows.every((row) => row.status !== null) && rows;
    });
    expect(uses.map((use) => [Number(use.token_id), use.method, use.path, use.status])).toEqual([
      [reader.id, 'PUT', `/api/sessions/${sessionId}/roster`, 403],
      [reader.id, 'GET', `/api/sessions/${otherSessionId}/participants`, 403],
      [reader.id, 'GET', `/api/sessions/${sessionId}/participants`, 200],
      [revoked.id, 'PUT', `/api/sessions/${sessionId}/roster`, 401],
    ]);
    const listed = await runCli(['token', 'uses', String(reader.id)], { env: { DATABASE_URL: env.database.url } });
    expect(listed.stdout).toContain(`GET /api/sessions/${sessionId}/participants  200`);
  });
});

describe('PUT /api/sessions/:id/roster', () => {
  it('when the same roster is sent twice, then the first adds everyone and the second changes nothing', async () => {
    const sessionId = await createSession(env.database.sql);
    const { token } = await createToken(sessionId, 'roster:write');
    const roster = { participants: [person(code(), 'Ada Lovelace'), person(code(), 'Alan Turing'), person(code(), 'Grace Hopper')] };

    const first = await sync(sessionId, token, roster);
    const second = await sync(sessionId, token, roster);

    expect(first.status, first.text).toBe(200);
    expect(first.json).toEqual({ added: roster.participants.map((p) => p.code).sort(), renamed: [], withdrawn: [], reinstated: [], unchanged: 0 });
    expect(second.json).toEqual({ added: [], renamed: [], withdrawn: [], reinstated: [], unchanged: 3 });
    const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM participants WHERE session_id = ?', [sessionId]);
    expect(Number(rows[0]!.n)).toBe(3);
  });

  it('when a roster renames one, leaves one out and names a withdrawn one again, then each change is audited, the left-out code is refused and its history kept', async () => {
    const sessionId = await createSession(env.database.sql);
    const { token } = await createToken(sessionId, 'roster:write', 'moodle');
    const [stays, renamed, leaves] = [code(), code(), code()];
    await sync(sessionId, token, { participants: [person(stays, 'Ada Lovelace'), person(renamed, 'Alan Turing'), person(leaves, 'Grace Hopper')] });
    const device = new TestDevice(address());
    expect((await device.checkIn(env.server.baseUrl, person(leaves, 'Grace Hopper'))).status).toBe(200);

    const changed = await sync(sessionId, token, { participants: [person(stays, 'Ada Lovelace'), person(renamed, 'Alan M. Turing')] });

    expect(changed.json).toEqual({ added: [], renamed: [renamed], withdrawn: [leaves], reinstated: [], unchanged: 1 });
    expect((await participantRow(env.database.sql, renamed)).full_name).toBe('Alan M. Turing');
    const gone = await device.checkIn(env.server.baseUrl, person(leaves, 'Grace Hopper'));
    expect(gone.status).toBe(403);
    expect(gone.json.error.code).toBe('code_expired');
    const history = await auditRows(env.database.sql, leaves);
    expect(history.map((row) => row.event_type)).toEqual(['checked_in', 'withdrawn', 'code_expired']);
    expect(history[1]).toMatchObject({ actor: 'token:moodle', reason: 'roster sync', status_before: 'in_progress', status_after: 'expired' });
    expect((await auditRows(env.database.sql, renamed)).map((row) => [row.event_type, row.actor])).toEqual([['renamed', 'token:moodle']]);

    const back = await sync(sessionId, token, { participants: [person(stays, 'Ada Lovelace'), person(renamed, 'Alan M. Turing'), person(leaves, 'Grace Hopper')] });

    expect(back.json).toEqual({ added: [], renamed: [], withdrawn: [], reinstated: [leaves], unchanged: 2 });
    expect((await device.checkIn(env.server.baseUrl, person(leaves, 'Grace Hopper'))).json.result).toBe('reentered');
    const audit = await runCli(['audit', 'verify'], { env: { DATABASE_URL: env.database.url } });
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
  });

  it('when a proctor reopens a withdrawn participant, then they may check in, and the next sync that still leaves them out withdraws them again', async () => {
    const sessionId = await createSession(env.database.sql);
    const { token } = await createToken(sessionId, 'roster:write');
    const [stays, leaves] = [code(), code()];
    await sync(sessionId, token, { participants: [person(stays, 'Ada Lovelace'), person(leaves, 'Grace Hopper')] });
    await sync(sessionId, token, { participants: [person(stays, 'Ada Lovelace')] });
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    expect((await proctor.get(`/api/proctor/participants?session=${sessionId}`)).json.participants.find((p: { code: string }) => p.code === leaves).withdrawn).toBe(true);

    const reopened = await proctor.post(`/api/proctor/participants/${leaves}/reopen`, { reason: 'on the list at the door' });

    expect(reopened.json.participant).toMatchObject({ status: 'unused', withdrawn: false });
    expect((await new TestDevice(address()).checkIn(env.server.baseUrl, person(leaves, 'Grace Hopper'))).status).toBe(200);
    expect((await sync(sessionId, token, { participants: [person(stays, 'Ada Lovelace')] })).json.withdrawn).toEqual([leaves]);
    expect((await participantRow(env.database.sql, leaves)).status).toBe('expired');
  });

  it('when a roster has a code of another session, a duplicate or a bad name, then 400 names each problem and nothing changes', async () => {
    const sessionId = await createSession(env.database.sql);
    const otherSessionId = await createSession(env.database.sql);
    const { token } = await createToken(sessionId, 'roster:write');
    const other = await createToken(otherSessionId, 'roster:write');
    const taken = code();
    await sync(otherSessionId, other.token, { participants: [person(taken, 'Someone Else')] });
    const kept = code();
    await sync(sessionId, token, { participants: [person(kept, 'Ada Lovelace')] });
    const duplicate = code();

    const elsewhere = await sync(sessionId, token, { participants: [person(kept, 'Ada Lovelace'), person(taken, 'Someone Else')] });
    const invalid = await sync(sessionId, token, { participants: [person(duplicate, 'A'), person(duplicate, 'B'), person(code(), '***')] });
    const short = await sync(sessionId, token, { participants: [person('ABCD', 'Short Code')] });

    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.error.issues).toEqual([{ path: 'participants.1.code', message: `code ${taken} belongs to another exam session` }]);
    expect(invalid.json.error.issues.map((issue: { path: string }) => issue.path)).toEqual(['participants.1', 'participants.2']);
    expect(short.json.error.issues[0].message).toMatch(/short enough to be guessed.*allowShortCodes/);
    const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT code, withdrawn_at FROM participants WHERE session_id = ?', [sessionId]);
    expect(rows.map((row) => [row.code, row.withdrawn_at])).toEqual([[kept, null]]);
    expect((await sync(sessionId, token, { participants: [person('ABCD', 'Short Code')], allowShortCodes: true })).json.added).toEqual(['ABCD']);
  });

  it('when two sessions\' syncs add the same new code at once, then one gets it and the other a 400, never a 500', async () => {
    const [first, second] = [await createSession(env.database.sql), await createSession(env.database.sql)];
    const [a, b] = [await createToken(first, 'roster:write'), await createToken(second, 'roster:write')];
    for (let round = 0; round < 10; round++) {
      const contested = code();
      const answers = await Promise.all([
        sync(first, a.token, { participants: [person(contested, 'Ada Lovelace')] }),
        sync(second, b.token, { participants: [person(contested, 'Ada Lovelace')] }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
      const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM participants WHERE code = ?', [contested]);
      expect(Number(rows[0]!.n)).toBe(1);
    }
  });

  it('when a sync that leaves a code out races 20 devices checking in with it, then afterwards the code is withdrawn and no device was let in after the withdrawal', async () => {
    const sessionId = await createSession(env.database.sql);
    const { token } = await createToken(sessionId, 'roster:write');
    const [racer, stays] = [code(), code()];
    await sync(sessionId, token, { participants: [person(racer, 'Ada Lovelace'), person(stays, 'Alan Turing')] });

    const [, ...attempts] = await Promise.all([
      sync(sessionId, token, { participants: [person(stays, 'Alan Turing')] }),
      ...Array.from({ length: 20 }, () => new TestDevice(address()).checkIn(env.server.baseUrl, person(racer, 'Ada Lovelace'))),
    ]);

    expect(attempts.filter((attempt) => attempt.status === 200).length).toBeLessThanOrEqual(1);
    const history = (await auditRows(env.database.sql, racer)).map((row) => row.event_type);
    const withdrawnAt = history.indexOf('withdrawn');
    expect(withdrawnAt).toBeGreaterThanOrEqual(0);
    expect(history.slice(withdrawnAt + 1).filter((type) => type === 'checked_in' || type === 'reentered')).toEqual([]);
    expect((await participantRow(env.database.sql, racer)).status).toBe('expired');
  });
});

describe('reading participants and events with a token', () => {
  it('when a platform reads participants and pages through events, then it sees each check-in once, in order, as webhooks carry them', async () => {
    const sessionId = await createSession(env.database.sql);
    const writer = await createToken(sessionId, 'roster:write');
    const { token } = await createToken(sessionId, 'participants:read,events:read');
    const codes = [code(), code(), code()];
    await sync(sessionId, writer.token, { participants: codes.map((c, i) => person(c, `Person ${i}`)) });
    for (const [i, c] of codes.entries()) expect((await new TestDevice(address()).checkIn(env.server.baseUrl, person(c, `Person ${i}`))).status).toBe(200);

    const participants = await read(`/api/sessions/${sessionId}/participants`, token);
    expect(participants.json.participants).toHaveLength(3);
    expect(participants.json.participants[0]).toMatchObject({ status: 'in_progress', withdrawn: false, device: expect.any(String) });
    // Events are served once they have settled.
    expect((await read(`/api/sessions/${sessionId}/events`, token)).json).toEqual({ events: [], next: null });
    await eventually('the check-ins to settle', async () => (await read(`/api/sessions/${sessionId}/events?limit=3`, token)).json.events.length === 3, API_EVENTS_SETTLE_S * 1000 + 3000);
    const seen: { event_type: string; code: string }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const answer = await read(`/api/sessions/${sessionId}/events?limit=2${after ? `&after=${after}` : ''}`, token);
      expect(answer.status).toBe(200);
      seen.push(...answer.json.events);
      if (answer.json.events.length === 0) break;
      after = answer.json.next;
    }
    expect(seen.map((event) => [event.event_type, event.code])).toEqual(codes.map((c) => ['checked_in', c]));
  });
});
