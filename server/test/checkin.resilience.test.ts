import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, createParticipant, createParticipants, holdRowLock, participantRow } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { createTestDatabase, type TestDatabase, useDisposableDatabaseServer } from './support/test-database.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let database: TestDatabase;
const servers: TestServer[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await database?.drop();
});

async function serve(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}

describe('client address', () => {
  it('when an untrusted peer sends X-Forwarded-For, then the socket address is locked, not the header', async () => {
    const server = await serve(database.db);
    const participant = await createParticipant(database.sql);

    await checkIn(server.baseUrl, participant, '127.0.2.7', { 'x-forwarded-for': '203.0.113.9' });

    expect((await participantRow(database.sql, participant.code)).locked_ip).toBe('127.0.2.7');
  });

  it('when a trusted proxy sends X-Forwarded-For, then the forwarded client address is locked', async () => {
    const server = await serve(database.db, { TRUST_PROXY: ['127.0.2.1'] });
    const participant = await createParticipant(database.sql);
    const spoofer = await createParticipant(database.sql);

    await checkIn(server.baseUrl, participant, '127.0.2.1', { 'x-forwarded-for': '203.0.113.9' });
    await checkIn(server.baseUrl, spoofer, '127.0.2.8', { 'x-forwarded-for': '203.0.113.10' });

    expect((await participantRow(database.sql, participant.code)).locked_ip).toBe('203.0.113.9');
    expect((await participantRow(database.sql, spoofer.code)).locked_ip).toBe('127.0.2.8');
  });

  it('when a client connects over IPv4-mapped IPv6, then its address is stored as plain IPv4', async () => {
    const { normaliseIp } = await import('../src/lib/client-ip.ts');
    expect(normaliseIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normaliseIp('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseIp('2001:DB8::1')).toBe('2001:db8::1');
  });
});

describe('failures inside the transaction', () => {
  it('when 200 check-ins fail inside the transaction, then they roll back, no connection leaks, and a valid check-in still succeeds', async () => {
    // A pool of 4: leaking even a handful of connections would starve the check-in that follows.
    const db = database.createDatabase({ poolSize: 4, acquireTimeoutMs: 2000 });
    const server = await serve(db);
    const participants = await createParticipants(database.sql, 200);
    // The audit insert is the last statement before COMMIT, so this fails every check-in after its lock
    // and its UPDATE have run.
    await database.sql.query('RENAME TABLE audit_events TO audit_events_away');
    let responses;
    try {
      responses = await Promise.all(participants.map((participant, index) => checkIn(server.baseUrl, participant, `127.0.3.${1 + (index % 250)}`)));
    } finally {
      await database.sql.query('RENAME TABLE audit_events_away TO audit_events');
    }

    expect(responses.map((response) => `${response.status} ${response.json?.error?.code}`).filter((answer) => answer !== '500 internal')).toEqual([]);
    expect(responses.map((response) => response.text).filter((text) => /audit_events|Table|at /.test(text))).toEqual([]);
    for (const participant of participants.slice(0, 20)) {
      expect((await participantRow(database.sql, participant.code)).locked_ip).toBeNull();
    }
    const ok = await checkIn(server.baseUrl, participants[0], '127.0.3.1');
    expect(ok.status).toBe(200);
    const [[{ used }]] = (await database.sql.query(
      'SELECT COUNT(*) AS used FROM information_schema.processlist WHERE db = ? AND command <> "Sleep" AND id <> CONNECTION_ID()',
      [database.name],
    )) as unknown as [[{ used: number }]];
    expect(Number(used)).toBe(0);
  });

  it('when the row stays locked by someone else, then check-ins retry and then answer 503 with Retry-After, changing nothing', async () => {
    const db = database.createDatabase({ lockWaitTimeoutS: 1, maxAttempts: 2 });
    const server = await serve(db);
    const participant = await createParticipant(database.sql);
    const lock = await holdRowLock(database.url, participant.code);
    try {
      const response = await checkIn(server.baseUrl, participant, '127.0.4.1');

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('2');
      expect(response.json.error.code).toBe('unavailable');
      expect(response.elapsedMs).toBeLessThan(5000);
    } finally {
      await lock.release();
    }
    expect((await participantRow(database.sql, participant.code)).locked_ip).toBeNull();
    expect(await auditRows(database.sql, participant.code)).toHaveLength(0);
    expect((await checkIn(server.baseUrl, participant, '127.0.4.1')).status).toBe(200);
  });

  it('when the pool queue is full, then the overflow gets 503 with Retry-After at once instead of waiting', async () => {
    const db = database.createDatabase({ poolSize: 1, queueLimit: 1, lockWaitTimeoutS: 2, maxAttempts: 1 });
    const server = await serve(db);
    const participant = await createParticipant(database.sql);
    const lock = await holdRowLock(database.url, participant.code);
    try {
      const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => checkIn(server.baseUrl, participant, `127.0.5.${i + 1}`)));
      const fast503 = responses.filter((response) => response.status === 503 && response.elapsedMs < 1000);
      expect(fast503.length).toBeGreaterThanOrEqual(4);
      for (const response of fast503) {
        expect(response.headers['retry-after']).toBe('2');
        expect(response.json.error.code).toBe('unavailable');
      }
    } finally {
      await lock.release();
    }
  });
});

describe('database outage', () => {
  const disposable = useDisposableDatabaseServer();

  it('when the database is stopped, then check-ins get 503 within 5 s, and once it is back the service recovers by itself', async () => {
    const server = await serve(disposable.database.createDatabase({ acquireTimeoutMs: 3000 }));
    const [before, during, after] = await createParticipants(disposable.database.sql, 3);
    expect((await checkIn(server.baseUrl, before, '127.0.6.1')).status).toBe(200);

    await disposable.local.kill();
    const whileDown = await Promise.all([1, 2, 3].map((i) => checkIn(server.baseUrl, during, `127.0.6.${i}`)));

    for (const response of whileDown) {
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('2');
      expect(response.json.error.code).toBe('unavailable');
      expect(response.elapsedMs).toBeLessThan(5000);
    }

    await disposable.local.restart();
    const afterRestart = await checkIn(server.baseUrl, after, '127.0.6.9');
    expect(afterRestart.status).toBe(200);
  });
});

describe('lock scope', () => {
  it('when a check-in holds its participant lock, then other participants of the same session are not blocked', async () => {
    const [first, second] = await createParticipants(database.sql, 2);
    const a = await mysql.createConnection({ uri: database.url });
    const b = await mysql.createConnection({ uri: database.url });
    try {
      const { lockParticipantByCode } = await import('../src/participants/participants.repo.ts');
      const { withTransaction } = await import('../src/lib/database.ts');
      await withTransaction(database.db, async (tx) => {
        await lockParticipantByCode(tx, first!.code);
        await b.query('SET SESSION innodb_lock_wait_timeout = 1');
        await b.query('START TRANSACTION');
        await expect(b.query('SELECT id FROM exam_sessions FOR UPDATE')).resolves.toBeDefined();
        await expect(b.query('SELECT id FROM participants WHERE code = ? FOR UPDATE', [second!.code])).resolves.toBeDefined();
        await expect(b.query('SELECT id FROM participants WHERE code = ? FOR UPDATE', [first!.code])).rejects.toMatchObject({ errno: 1205 });
        await b.query('ROLLBACK');
      });
    } finally {
      await a.end();
      await b.end();
    }
  });
});

describe('non-API paths', () => {
  it('when the API answers a GET without a body, then it still answers with JSON', async () => {
    const server = await serve(database.db);
    const response = await request(`${server.baseUrl}/api/check-in`);
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('not_found');
  });
});
