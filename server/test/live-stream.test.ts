import net from 'node:net';
import type { RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../../e2e/support/server-process.ts';
import { eventually, holdsFor } from './support/eventually.ts';
import { createParticipant } from './support/fixtures.ts';
import { checkIn } from './support/http-client.ts';
import { addProctor, removeProctor, revokeProctorSessions } from '../src/proctor-auth/proctor-auth.service.ts';
import { logInProctor, type ProctorClient } from './support/proctor-client.ts';
import { auditIds, openSse, type SseMessage } from './support/sse-client.ts';
import { Database } from '../src/lib/database.ts';
import { testDatabaseDefaults } from './support/test-database.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

async function idsInDatabase(after: number): Promise<number[]> {
  const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT id FROM audit_events WHERE id > ? ORDER BY id', [after]);
  return rows.map((row) => Number(row.id));
}

// The audit ids a stream delivered for one participant's code (a proctor's login is an event too).
function idsOf(messages: SseMessage[], code: string): number[] {
  return messages
    .filter((message) => message.event === 'audit' && (JSON.parse(message.data) as { code: string }).code === code)
    .map((message) => Number((message.id ?? '').split('@')[0]));
}

async function maxAuditId(): Promise<number> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT COALESCE(MAX(id), 0) AS id FROM audit_events');
  return Number(row!.id);
}

describe('GET /api/proctor/stream', () => {
  it('when a participant checks in, then a connected dashboard receives the event with the audit id and the contract fields', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const stream = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    try {
      expect(stream.status).toBe(200);
      await stream.waitFor((messages) => messages.some((m) => m.event === 'ready'));
      const participant = await createParticipant(env.database.sql);

      await checkIn(env.server.baseUrl, participant, '127.0.12.1');
      await checkIn(env.server.baseUrl, participant, '127.0.12.2');

      const messages = await stream.waitFor((all) => auditIds(all).length >= 2, 2000);
      const audit = messages.filter((m) => m.event === 'audit');
      for (const message of audit) expect(message.id).toMatch(new RegExp(`^${JSON.parse(message.data).id}@[0-9a-f]+$`));
      const events = audit.map((m) => JSON.parse(m.data));
      expect(events.map((e) => [e.type, e.code, e.ip])).toEqual([
        ['checked_in', participant.code, '127.0.12.1'],
        ['device_conflict', participant.code, '127.0.12.2'],
      ]);
      for (const event of events) expect(event.at).toMatch(/Z$/);
    } finally {
      stream.close();
    }
  });

  it('when a dashboard reconnects with Last-Event-ID, then it receives exactly the events it missed, without gaps or duplicates', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    const first = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    await first.waitFor((messages) => messages.some((m) => m.event === 'ready'));
    await checkIn(env.server.baseUrl, participant, '127.0.12.10');
    const seen = idsOf(await first.waitFor((messages) => idsOf(messages, participant.code).length === 1), participant.code);
    const lastEventId = first.messages.filter((message) => message.event === 'audit').at(-1)!.id!;
    const lastSeen = auditIds(first.messages).at(-1)!;
    first.close();

    for (let i = 11; i < 31; i++) await checkIn(env.server.baseUrl, participant, `127.0.12.${i}`);
    const expected = await idsInDatabase(lastSeen);
    expect(seen).toHaveLength(1);
    const resumed = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie, 'last-event-id': lastEventId });
    try {
      await checkIn(env.server.baseUrl, participant, '127.0.12.31');
      const all = auditIds(await resumed.waitFor((messages) => auditIds(messages).length >= expected.length + 1));
      expect(all).toEqual([...expected, expected.at(-1)! + 1].filter((id) => id <= all.at(-1)!));
      expect(all).toEqual(await idsInDatabase(lastSeen));
    } finally {
      resumed.close();
    }
  });

  it('when a dashboard reconnects to another instance, then it receives every event it missed (an event it already had may come again)', async () => {
    const other = await startTestServer(env.database.db);
    try {
      const proctor = await logInProctor(env.server.baseUrl, env.database.db);
      const participant = await createParticipant(env.database.sql);
      const otherStream = await openSse(`${other.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
      const first = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
      await Promise.all([first, otherStream].map((stream) => stream.waitFor((messages) => messages.some((m) => m.event === 'ready'))));
      await checkIn(env.server.baseUrl, participant, '127.0.12.80');
      await first.waitFor((messages) => idsOf(messages, participant.code).length === 1);
      const lastEventId = first.messages.filter((message) => message.event === 'audit').at(-1)!.id!;
      const lastSeen = auditIds(first.messages).at(-1)!;
      first.close();
      for (let i = 81; i < 91; i++) await checkIn(env.server.baseUrl, participant, `127.0.12.${i}`);
      const missed = await idsInDatabase(lastSeen);
      await otherStream.waitFor((messages) => missed.every((id) => auditIds(messages).includes(id)), 3000);
      otherStream.close();

      const resumed = await openSse(`${other.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie, 'last-event-id': lastEventId });
      try {
        const got = auditIds(await resumed.waitFor((messages) => missed.every((id) => auditIds(messages).includes(id)), 3000));
        expect(missed.filter((id) => !got.includes(id))).toEqual([]);
        // Nothing but the missed events and, at most, the ones delivered just before the last one seen.
        expect(got.filter((id) => id > lastSeen && !missed.includes(id))).toEqual([]);
      } finally {
        resumed.close();
      }
    } finally {
      await other.close();
    }
  });

  it('when an earlier id commits after a later one, then the later is delivered at once and the earlier when it commits, each once, in commit order', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    const stream = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    const slow = await mysql.createConnection({ uri: env.database.url });
    try {
      await stream.waitFor((messages) => messages.some((m) => m.event === 'ready'));
      await slow.query('START TRANSACTION');
      const [inserted] = await slow.query<mysql.ResultSetHeader>(
        "INSERT INTO audit_events (code, event_type, source_ip, request_id, created_at) VALUES (?, 'not_recognised', '127.0.12.50', 'slow-commit', UTC_TIMESTAMP(3))",
        [participant.code],
      );
      const slowId = inserted.insertId;

      await checkIn(env.server.baseUrl, participant, '127.0.12.51');
      const fastId = await maxAuditId();
      expect(fastId).toBeGreaterThan(slowId);
      // Nothing waits for the earlier id: it may never come (rolled back), or belong to another node.
      await stream.waitFor((messages) => auditIds(messages).includes(fastId), 1000);

      await slow.query('COMMIT');

      await stream.waitFor((messages) => auditIds(messages).includes(slowId), 3000);
      await holdsFor(500, 'no event delivered twice', () => idsOf(stream.messages, participant.code).length === 2);
      expect(idsOf(stream.messages, participant.code)).toEqual([fastId, slowId]);
    } finally {
      stream.close();
      await slow.end();
    }
  });

  it('when the database user may not see other sessions (no PROCESS privilege), then events still arrive at once', async () => {
    const user = `stream_${Math.random().toString(36).slice(2, 8)}`;
    await env.database.sql.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'limited-password'`);
    await env.database.sql.query(`GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON \`${env.database.name}\`.* TO '${user}'@'%'`);
    const limitedUrl = new URL(env.database.url);
    limitedUrl.username = user;
    limitedUrl.password = 'limited-password';
    const limited = new Database({ ...testDatabaseDefaults, url: limitedUrl.toString() });
    const server = await startTestServer(limited);
    try {
      const proctor = await logInProctor(server.baseUrl, env.database.db);
      const participant = await createParticipant(env.database.sql);
      const stream = await openSse(`${server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
      await stream.waitFor((messages) => messages.some((m) => m.event === 'ready'));
      const doomed = await mysql.createConnection({ uri: env.database.url });
      await doomed.query('START TRANSACTION');
      await doomed.query("INSERT INTO audit_events (code, event_type, request_id, created_at) VALUES (?, 'not_recognised', 'never-committed', UTC_TIMESTAMP(3))", [participant.code]);

      const started = Date.now();
      await checkIn(server.baseUrl, participant, '127.0.12.70');

      await stream.waitFor((messages) => idsOf(messages, participant.code).length === 1, 1000);
      expect(Date.now() - started).toBeLessThan(1000);
      await doomed.query('ROLLBACK');
      await doomed.end();
      stream.close();
    } finally {
      await server.close();
      await limited.close();
    }
  });

  it('when an id is rolled back, then the events after it are delivered promptly, not held forever', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    const stream = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    const doomed = await mysql.createConnection({ uri: env.database.url });
    try {
      await stream.waitFor((messages) => messages.some((m) => m.event === 'ready'));
      await doomed.query('START TRANSACTION');
      await doomed.query(
        "INSERT INTO audit_events (code, event_type, source_ip, request_id, created_at) VALUES (?, 'not_recognised', '127.0.12.60', 'rolled-back', UTC_TIMESTAMP(3))",
        [participant.code],
      );
      await checkIn(env.server.baseUrl, participant, '127.0.12.61');
      const afterId = await maxAuditId();

      await doomed.query('ROLLBACK');
      const started = Date.now();

      const ids = idsOf(await stream.waitFor((messages) => auditIds(messages).includes(afterId), 3000), participant.code);
      expect(ids).toEqual([afterId]);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      stream.close();
      await doomed.end();
    }
  });
});

describe('resuming from far back', () => {
  async function insertAuditRows(count: number, prefix: string): Promise<void> {
    for (let start = 0; start < count; start += 2000) {
      const rows = Array.from({ length: Math.min(2000, count - start) }, (_, i) => [`${prefix}-${start + i}`, 'not_recognised', '127.0.14.1', `${prefix}-${start + i}`]);
      await env.database.sql.query('INSERT INTO audit_events (code, event_type, source_ip, request_id, created_at) VALUES ' + rows.map(() => '(?, ?, ?, ?, UTC_TIMESTAMP(3))').join(', '), rows.flat());
    }
  }

  it('when a dashboard resumes from Last-Event-ID 0 or from further back than the record reaches, then nothing is replayed: it is told to refetch and goes on live', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const watching = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    try {
      await watching.waitFor((messages) => messages.some((m) => m.event === 'ready'));
      await insertAuditRows(21_000, 'FAR');
      await watching.waitFor((messages) => messages.some((m) => m.event === 'audit' && m.data.includes('"FAR-20999"')), 30_000);
    } finally {
      watching.close();
    }

    // 0 (a client that never had an id), and an id from another instance that a restarted one has no record of.
    const restarted = await startTestServer(env.database.db);
    try {
      for (const lastEventId of ['0', '1@00000000']) {
        const resumed = await openSse(`${restarted.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie, 'last-event-id': lastEventId });
        try {
          const [refetch] = await resumed.waitFor((messages) => messages.some((m) => m.event === 'refetch'));
          expect(refetch!.event, lastEventId).toBe('refetch');
          expect(JSON.parse(refetch!.data).lastEventId).toBe(await maxAuditId());
          const participant = await createParticipant(env.database.sql);
          await checkIn(restarted.baseUrl, participant, '127.0.14.2');
          const messages = await resumed.waitFor((all) => idsOf(all, participant.code).length === 1);
          expect(messages.filter((m) => m.event === 'audit').map((m) => JSON.parse(m.data).code)).toEqual([participant.code]);
        } finally {
          resumed.close();
        }
      }
    } finally {
      await restarted.close();
    }
  }, 60_000);

  it('when a dashboard resumes from events this instance never delivered, then they are read from the database page by page, each once, in order', async () => {
    const before = await maxAuditId();
    await insertAuditRows(2500, 'PAGED');
    const expected = await idsInDatabase(before);
    // A fresh instance: its tail starts after these rows, so it has no record of them.
    const fresh = await startTestServer(env.database.db);
    try {
      const proctor = await logInProctor(fresh.baseUrl, env.database.db);
      const resumed = await openSse(`${fresh.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie, 'last-event-id': `${before}@00000000` });
      try {
        const messages = await resumed.waitFor((all) => auditIds(all).length >= expected.length, 20_000);
        expect(auditIds(messages).slice(0, expected.length)).toEqual(expected);
      } finally {
        resumed.close();
      }
    } finally {
      await fresh.close();
    }
  }, 60_000);
});

describe('the live stream ends with the proctor session', () => {
  const cli = { name: 'test', ip: null, requestId: 'stream-test' };
  const endings: [string, (proctor: ProctorClient) => Promise<unknown>][] = [
    ['the proctor logs out', (proctor) => proctor.post('/api/proctor/logout', {})],
    ['the session expires', (proctor) =>
      env.database.sql.query('UPDATE proctor_sessions s JOIN proctors p ON p.id = s.proctor_id SET s.expires_at = UTC_TIMESTAMP(3) WHERE p.username = ?', [proctor.username])],
    ['the password is changed', (proctor) => addProctor(env.database.db, proctor.username, 'a-brand-new-password', cli)],
    ['the proctor is removed', (proctor) => removeProctor(env.database.db, proctor.username, null, cli)],
    ['the sessions are revoked', (proctor) => revokeProctorSessions(env.database.db, proctor.username, null, cli)],
  ];

  it.each(endings)('when %s, then an open stream is closed within 5 s', async (_label, end) => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const stream = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    await stream.waitFor((messages) => messages.some((m) => m.event === 'ready'));
    const ended = new Promise<number>((resolve) => stream.onEnd(() => resolve(Date.now())));

    const endedAt = Date.now();
    await end(proctor);

    expect((await ended) - endedAt).toBeLessThan(5000);
  });
});

describe('two server processes on one database', () => {
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    processes.push(
      ...(await Promise.all([startServerProcess({ DATABASE_URL: env.database.url }), startServerProcess({ DATABASE_URL: env.database.url })])),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((server) => server.stop()));
  });

  it('when a check-in is handled by instance A, then a dashboard connected to instance B receives it', async () => {
    const [a, b] = processes;
    const proctor = await logInProctor(b!.baseUrl, env.database.db);
    const stream = await openSse(`${b!.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    try {
      await stream.waitFor((messages) => messages.some((m) => m.event === 'ready'));
      const participant = await createParticipant(env.database.sql);

      await checkIn(a!.baseUrl, participant, '127.0.12.70');
      await checkIn(a!.baseUrl, participant, '127.0.12.71');

      const messages = await stream.waitFor((all) => auditIds(all).length >= 2, 2000);
      expect(messages.filter((m) => m.event === 'audit').map((m) => JSON.parse(m.data).ip)).toEqual(['127.0.12.70', '127.0.12.71']);
    } finally {
      stream.close();
    }
  });
  it('when a dashboard stops reading, then its stream is cut off once 8 MB wait for it, and it does not hold the rest back', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const { port } = new URL(env.server.baseUrl);
    let ended = false;
    const stalled = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
      stalled.write(`GET /api/proctor/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nCookie: ${proctor.cookie}\r\n\r\n`);
    });
    stalled.pause();
    stalled.on('end', () => (ended = true));
    stalled.on('close', () => (ended = true));
    const reading = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    try {
      await reading.waitFor((messages) => messages.some((m) => m.event === 'ready'));
      // 24,000 events of about 600 bytes: 14 MB.
      const userAgent = 'x'.repeat(400);
      for (let batch = 0; batch < 12; batch++) {
        const rows = Array.from({ length: 2000 }, (_, i) => [`STALL-${batch}-${i}`, 'not_recognised', '127.0.13.1', userAgent, `stall-${batch}-${i}`]);
        await env.database.sql.query('INSERT INTO audit_events (code, event_type, source_ip, user_agent, request_id, created_at) VALUES ' + rows.map(() => '(?, ?, ?, ?, ?, UTC_TIMESTAMP(3))').join(', '), rows.flat());
      }
      await reading.waitFor((messages) => messages.filter((m) => m.event === 'audit' && m.data.includes('STALL-11-1999')).length === 1, 30_000);
      expect(reading.messages.filter((m) => m.event === 'audit' && m.data.includes('"STALL-')).length).toBe(24_000);

      stalled.resume();
      await eventually('the stalled stream was ended by the server', () => ended, 10_000);
    } finally {
      reading.close();
      stalled.destroy();
    }
  }, 60_000);
});
