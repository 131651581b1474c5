import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from './support/cli-process.ts';
import { CHAIN_KEYS } from '../src/audit/audit-chain.ts';
import { rewriteKeyedChain } from './support/audit-chains.ts';
import { createParticipants, timePasses } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const FORTY_DAYS_S = 40 * 24 * 3600;

let database: TestDatabase;
let server: TestServer;

afterEach(async () => {
  await server?.close();
  await database?.drop();
});

function verify(url: string): Promise<{ code: number | null; stdout: string }> {
  return cli(url, 'audit', 'verify');
}

function cli(url: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { env: { DATABASE_URL: url } });
}

// Real traffic through the API: check-ins, conflicts, a reset, a transfer, an expiry and a reopening.
async function realActivity() {
  database = await createTestDatabase();
  server = await startTestServer(database.db);
  const proctor = await logInProctor(server.baseUrl, database.db);
  const [a, b, c] = await createParticipants(database.sql, 3);
  await checkIn(server.baseUrl, a, '127.0.21.1');
  await checkIn(server.baseUrl, a, '127.0.21.1');
  await checkIn(server.baseUrl, a, '127.0.21.2');
  await proctor.post(`/api/proctor/participants/${a!.code}/transfer-lock`, { toIp: '127.0.21.2', reason: 'r', expectedIp: '127.0.21.1' });
  await checkIn(server.baseUrl, a, '127.0.21.2');
  await checkIn(server.baseUrl, b, '127.0.21.3');
  await proctor.post(`/api/proctor/participants/${b!.code}/reset-lock`, { reason: 'r', expectedIp: '127.0.21.3' });
  await checkIn(server.baseUrl, b, '127.0.21.4');
  await proctor.post(`/api/proctor/participants/${b!.code}/expire`, { reason: 'done' });
  await checkIn(server.baseUrl, b, '127.0.21.4');
  await proctor.post(`/api/proctor/participants/${b!.code}/reopen`, { reason: 'oops' });
  await checkIn(server.baseUrl, { code: c!.code, fullName: 'Wrong Name' }, '127.0.21.5');
  await checkIn(server.baseUrl, c, '127.0.21.5');
  const ask = await request(`${server.baseUrl}/api/device-change-requests`, { json: c, localAddress: '127.0.21.6' });
  await proctor.post(`/api/proctor/device-change-requests/${ask.json.requestId}/approve`, { expectedIp: '127.0.21.5' });
  return { a: a!, b: b!, c: c! };
}

describe('npm run cli -- audit verify', () => {
  it('when the history comes from real traffic, then it reports zero violations and exits 0', async () => {
    await realActivity();

    const result = await verify(database.url);

    expect(result.stdout).toMatch(/Checked 3 participant\(s\) and \d+ audit row\(s\): 0 violation\(s\)\./);
    expect(result.code).toBe(0);
  });

  it('when a lock holder is changed behind the log’s back, then invariant 3 is reported with the rows involved', async () => {
    const { a } = await realActivity();
    await database.sql.query("UPDATE participants SET locked_ip = '203.0.113.66' WHERE code = ?", [a.code]);

    const result = await verify(database.url);

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(`violation of invariant 3 .*${a.code}: replay ends at in_progress / 127.0.21.2 \\(device \\w+\\), the participants row says in_progress / 203.0.113.66 \\(device \\w+\\) \\[audit rows \\d+\\]`),
    );
  });

  it('when a participant’s conflict summary disagrees with the log, then invariant 3 is reported', async () => {
    const { a } = await realActivity();
    const [[{ last }]] = (await database.sql.query("SELECT MAX(id) AS last FROM audit_events WHERE code = ? AND event_type = 'device_conflict'", [a.code])) as unknown as [[{ last: number }]];
    await database.sql.query('UPDATE participants SET conflict_open = 1 WHERE code = ?', [a.code]);

    const result = await verify(database.url);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `${a.code}: the audit log says 1 refused, last refusal ${last}, conflict closed; the participants row says 1 refused, last refusal ${last}, conflict open`,
    );
  });

  it('when migration 006’s backfill rebuilds every conflict summary from the log, then the log verifies', async () => {
    await realActivity();
    const [[before]] = (await database.sql.query('SELECT SUM(refused_attempts) AS refused, COUNT(last_refusal_event_id) AS withRefusal FROM participants')) as unknown as [[{ refused: number; withRefusal: number }]];
    expect(Number(before.refused)).toBeGreaterThan(0);
    await database.sql.query('UPDATE participants SET refused_attempts = 0, last_refusal_event_id = NULL, conflict_open = 0');
    const migration = await readFile(new URL('../../db/migrations/006_conflict_summary.sql', import.meta.url), 'utf8');
    const backfill = migration.slice(migration.indexOf('UPDATE participants p'));

    await database.sql.query(backfill);

    const [[after]] = (await database.sql.query('SELECT SUM(refused_attempts) AS refused, COUNT(last_refusal_event_id) AS withRefusal FROM participants')) as unknown as [[{ refused: number; withRefusal: number }]];
    expect(after).toEqual(before);
    const result = await verify(database.url);
    expect(result.stdout).toContain(': 0 violation(s).');
  });

  it('when a second device appears as checked in, then invariant 1 is reported', async () => {
    const { c } = await realActivity();
    await database.sql.query(
      `INSERT INTO audit_events (participant_id, code, event_type, source_ip, request_id, status_before, status_after, locked_ip_before, locked_ip_after, created_at)
       SELECT id, code, 'checked_in', '127.0.21.99', 'planted-1', 'in_progress', 'in_progress', '127.0.21.6', '127.0.21.99', UTC_TIMESTAMP(3) FROM participants WHERE code = ?`,
      [c.code],
    );

    const result = await verify(database.url);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`violation of invariant 1`);
    expect(result.stdout).toMatch(/let 127\.0\.21\.99 in while 127\.0\.21\.6 \(device \w+\) held the lock \(address policy\)/);
  });

  it('when one request has two success rows, or a success has an expired code or a wrong name, then invariants 2 and 4 are reported', async () => {
    const { b } = await realActivity();
    await database.sql.query(
      `INSERT INTO audit_events (participant_id, code, event_type, source_ip, request_id, submitted_name_hash, status_before, status_after, locked_ip_before, locked_ip_after, created_at)
       SELECT participant_id, code, event_type, source_ip, request_id, SHA2('someone else', 256), status_before, status_after, locked_ip_before, locked_ip_after, created_at
         FROM audit_events WHERE code = ? AND event_type IN ('checked_in', 'reentered') ORDER BY id DESC LIMIT 1`,
      [b.code],
    );

    const result = await verify(database.url);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain('violation of invariant 2');
    expect(result.stdout).toMatch(/violation of invariant 4 .*with a name that does not match/);
  });
});

describe('npm run cli -- purge', () => {
  it('when rows are older than the retention period, then their addresses and user agents go, the rows stay, and the log still verifies', async () => {
    const { a, b } = await realActivity();
    await timePasses(database.sql, a.code, FORTY_DAYS_S);
    const [[counts]] = (await database.sql.query('SELECT COUNT(*) AS n FROM audit_events')) as unknown as [[{ n: number }]];

    const result = await cli(database.url, 'purge', '--older-than', '30d');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Purged [1-9]\d* audit row\(s\)/);
    const [[after]] = (await database.sql.query('SELECT COUNT(*) AS n FROM audit_events')) as unknown as [[{ n: number }]];
    expect(after.n).toBe(counts.n);
    const [old] = (await database.sql.query('SELECT source_ip, user_agent, locked_ip_after, purged_at FROM audit_events WHERE code = ?', [a.code])) as unknown as [
      { source_ip: string | null; user_agent: string | null; locked_ip_after: string | null; purged_at: Date | null }[],
    ];
    expect(old.filter((row) => row.source_ip !== null || row.user_agent !== null || row.locked_ip_after !== null || row.purged_at === null)).toEqual([]);
    const [recent] = (await database.sql.query('SELECT source_ip FROM audit_events WHERE code = ? AND source_ip IS NOT NULL', [b.code])) as unknown as [unknown[]];
    expect(recent.length).toBeGreaterThan(0);
    const verified = await verify(database.url);
    expect(verified.stdout).toContain(': 0 violation(s).');
    expect(verified.code).toBe(0);
  });

  it('when records are older than the period, then device-change requests, the locks of expired codes, failure counts and ended proctor sessions go too, and the log still verifies', async () => {
    const { a, b, c } = await realActivity();
    const proctor = await logInProctor(server.baseUrl, database.db);
    await proctor.post(`/api/proctor/participants/${a.code}/expire`, { reason: 'finished' });
    await checkIn(server.baseUrl, { code: b.code, fullName: 'Wrong Name' }, '127.0.21.7');
    const stale = await logInProctor(server.baseUrl, database.db);
    await database.sql.query(
      'UPDATE proctor_sessions s JOIN proctors p ON p.id = s.proctor_id SET s.expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE p.username = ?',
      [stale.username],
    );
    await timePasses(database.sql, a.code, FORTY_DAYS_S);
    await timePasses(database.sql, c.code, FORTY_DAYS_S);
    await database.sql.query('UPDATE participants SET status_updated_at = status_updated_at - INTERVAL 40 DAY WHERE code = ?', [a.code]);
    await database.sql.query('UPDATE device_change_requests SET created_at = created_at - INTERVAL 40 DAY');
    await database.sql.query('UPDATE attempt_failures SET window_started_at = window_started_at - INTERVAL 2 DAY');

    const result = await cli(database.url, 'purge', '--older-than', '30d');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/1 device-change request\(s\), 1 lock\(s\) of expired codes and closed sessions and 0 API call address\(es\); deleted [1-9]\d* failure count\(s\), 1 ended proctor session\(s\), \d+ expired device challenge\(s\) and \d+ finished webhook delivery row\(s\)/);
    const [requests] = (await database.sql.query('SELECT requester_ip, requester_user_agent, holder_ip FROM device_change_requests')) as unknown as [Record<string, unknown>[]];
    expect(requests).toEqual([{ requester_ip: '', requester_user_agent: null, holder_ip: null }]);
    const [[lock]] = (await database.sql.query('SELECT locked_ip, locked_device FROM participants WHERE code = ?', [a.code])) as unknown as [[Record<string, unknown>]];
    expect(lock).toEqual({ locked_ip: null, locked_device: null });
    const [[failures]] = (await database.sql.query('SELECT COUNT(*) AS n FROM attempt_failures')) as unknown as [[{ n: number }]];
    expect(Number(failures.n)).toBe(0);
    const [[staleSessions]] = (await database.sql.query('SELECT COUNT(*) AS n FROM proctor_sessions s JOIN proctors p ON p.id = s.proctor_id WHERE p.username = ?', [stale.username])) as unknown as [[{ n: number }]];
    expect(Number(staleSessions.n)).toBe(0);
    expect((await proctor.get('/api/proctor/session')).status).toBe(200);
    const verified = await verify(database.url);
    expect(verified.stdout).toContain(': 0 violation(s).');
  });

  it('when a session has closed and its records are older than the period, then addresses inside details, reasons people wrote, the locks of codes still in progress and API callers\' addresses go; an open session keeps its locks; the log still verifies', async () => {
    database = await createTestDatabase();
    server = await startTestServer(database.db);
    const proctor = await logInProctor(server.baseUrl, database.db);
    const closesAt = new Date(Date.now() + 3_600_000).toISOString();
    const [done, moved] = await createParticipants(database.sql, 2, { session: { closesAt } });
    const [open] = await createParticipants(database.sql, 1);
    expect((await checkIn(server.baseUrl, done, '127.0.22.1')).status).toBe(200);
    expect((await checkIn(server.baseUrl, moved, '127.0.22.2')).status).toBe(200);
    expect((await checkIn(server.baseUrl, moved, '127.0.22.3')).status).toBe(409);
    expect((await proctor.post(`/api/proctor/participants/${moved!.code}/reset-lock`, { reason: 'Laptop of J. Doe died', expectedIp: '127.0.22.2' })).status).toBe(200);
    expect((await checkIn(server.baseUrl, moved, '127.0.22.3')).status).toBe(200);
    expect((await checkIn(server.baseUrl, open, '127.0.22.4')).status).toBe(200);
    const ask = await request(`${server.baseUrl}/api/device-change-requests`, { json: open, localAddress: '127.0.22.4' });
    expect(ask.status).toBe(409);
    expect((await proctor.post('/api/proctor/addresses/let-try-again', { address: '127.0.22.9', reason: 'Asked at the desk by J. Doe' })).status).toBe(200);
    await database.sql.query(
      `INSERT INTO api_token_uses (token_id, method, path, source_ip, request_id, status, created_at)
       VALUES (1, 'GET', '/api/sessions/1/participants', '127.0.22.8', 'r-old', 200, UTC_TIMESTAMP(3) - INTERVAL 40 DAY),
              (1, 'GET', '/api/sessions/1/participants', '127.0.22.8', 'r-new', 200, UTC_TIMESTAMP(3))`,
    );
    for (const participant of [done, moved, open]) await timePasses(database.sql, participant!.code, FORTY_DAYS_S);
    await database.sql.query('UPDATE audit_events SET created_at = created_at - INTERVAL 40 DAY WHERE chain_key = ?', [CHAIN_KEYS.throttles]);
    await rewriteKeyedChain(database.sql, CHAIN_KEYS.throttles);
    await database.sql.query('UPDATE exam_sessions SET closes_at = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR WHERE id = ?', [done!.sessionId]);

    const result = await cli(database.url, 'purge', '--older-than', '30d');

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ 2 lock\(s\) of expired codes and closed sessions and 1 API call address\(es\)/);
    const [locks] = (await database.sql.query('SELECT code, locked_ip, locked_device FROM participants ORDER BY id')) as unknown as [Record<string, unknown>[]];
    expect(locks).toEqual([
      { code: done!.code, locked_ip: null, locked_device: null },
      { code: moved!.code, locked_ip: null, locked_device: null },
      { code: open!.code, locked_ip: '127.0.22.4', locked_device: expect.any(String) },
    ]);
    const [[throttle]] = (await database.sql.query("SELECT reason, details, purged_at FROM audit_events WHERE event_type = 'throttle_cleared'")) as unknown as [[Record<string, unknown>]];
    expect(throttle.reason).toBeNull();
    expect(throttle.purged_at).not.toBeNull();
    expect(JSON.parse(String(throttle.details))).toEqual({ cleared: 0 });
    const [[reset]] = (await database.sql.query("SELECT reason FROM audit_events WHERE event_type = 'lock_reset'")) as unknown as [[Record<string, unknown>]];
    expect(reset.reason).toBeNull();
    // An attempt's reason is the server's own word for what happened, not something a person wrote.
    const [[refused]] = (await database.sql.query("SELECT reason, source_ip FROM audit_events WHERE event_type = 'device_change_refused'")) as unknown as [[Record<string, unknown>]];
    expect(refused).toEqual({ reason: 'no_conflict', source_ip: null });
    const [uses] = (await database.sql.query('SELECT request_id, source_ip FROM api_token_uses ORDER BY id')) as unknown as [Record<string, unknown>[]];
    expect(uses).toEqual([{ request_id: 'r-old', source_ip: null }, { request_id: 'r-new', source_ip: '127.0.22.8' }]);
    const verified = await verify(database.url);
    expect(verified.stdout).toContain(': 0 violation(s).');
    expect(verified.code).toBe(0);

    // A purged row given back what purge removed was written after the purge.
    await database.sql.query("UPDATE audit_events SET details = JSON_SET(details, '$.address', '127.0.22.9') WHERE event_type = 'throttle_cleared'");
    const tampered = await verify(database.url);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/chain throttles: audit row \d+'s addresses, device, user agent, name, reason or details were changed/);
  });

  it('when rows were purged by an earlier version that kept the reasons people wrote, then verify names them until migration 019 removes those', async () => {
    const { a } = await realActivity();
    await timePasses(database.sql, a.code, FORTY_DAYS_S);
    expect((await cli(database.url, 'purge', '--older-than', '30d')).code).toBe(0);
    // As the earlier purge left them: the reason still there.
    const [kept] = (await database.sql.query("UPDATE audit_events SET reason = 'r' WHERE code = ? AND actor IS NOT NULL AND purged_at IS NOT NULL", [a.code])) as unknown as [{ affectedRows: number }];
    expect(kept.affectedRows).toBeGreaterThan(0);
    expect((await verify(database.url)).code).toBe(1);
    const migration = await readFile(new URL('../../db/migrations/019_purged_rows_catch_up.sql', import.meta.url), 'utf8');

    for (const statement of migration.split(';').map((text) => text.replace(/^\s*--.*$/gm, '').trim()).filter(Boolean)) await database.sql.query(statement);

    const verified = await verify(database.url);
    expect(verified.stdout).toContain(': 0 violation(s).');
    expect(verified.code).toBe(0);
  });

  it('when the period is missing or malformed, then it prints usage and changes nothing', async () => {
    database = await createTestDatabase();
    const result = await cli(database.url, 'purge', '--older-than', 'soon');
    expect(result.code).toBe(1);
  });
});
