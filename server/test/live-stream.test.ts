import type { RowDataPacket } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../../e2e/support/server-process.ts';
import { createParticipant } from './support/fixtures.ts';
import { checkIn } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { auditIds, openSse } from './support/sse-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

async function idsInDatabase(after: number): Promise<number[]> {
  const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT id FROM audit_events WHERE id > ? ORDER BY id', [after]);
  return rows.map((row) => Number(row.id));
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
      for (const message of audit) expect(JSON.parse(message.data).id).toBe(Number(message.id));
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
    const seen = auditIds(await first.waitFor((messages) => auditIds(messages).length === 1));
    first.close();

    for (let i = 11; i < 31; i++) await checkIn(env.server.baseUrl, participant, `127.0.12.${i}`);
    const expected = await idsInDatabase(seen[0]!);
    const resumed = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie, 'last-event-id': String(seen[0]) });
    try {
      await checkIn(env.server.baseUrl, participant, '127.0.12.31');
      const all = auditIds(await resumed.waitFor((messages) => auditIds(messages).length >= expected.length + 1));
      expect(all).toEqual([...expected, expected.at(-1)! + 1].filter((id) => id <= all.at(-1)!));
      expect(all).toEqual(await idsInDatabase(seen[0]!));
    } finally {
      resumed.close();
    }
  });

  it('when an earlier id commits after a later one, then the stream delivers both, in id order, and nothing is skipped', async () => {
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
      // The later id is committed; held back while the earlier one is in flight.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(auditIds(stream.messages)).toEqual([]);

      await slow.query('COMMIT');

      const ids = auditIds(await stream.waitFor((messages) => auditIds(messages).length >= 2, 3000));
      expect(ids.slice(0, 2)).toEqual([slowId, fastId]);
    } finally {
      stream.close();
      await slow.end();
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

      const ids = auditIds(await stream.waitFor((messages) => auditIds(messages).includes(afterId), 3000));
      expect(ids).toEqual([afterId]);
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      stream.close();
      await doomed.end();
    }
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
});
