import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../src/audit/audit-verify.ts';
import { eventually } from './support/eventually.ts';
import { auditRows, createParticipant, createParticipants, LOCK_WAIT_POLL, lockWaits, participantRow } from './support/fixtures.ts';
import { checkIn, type HttpResponse } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { useDisposableDatabaseServer } from './support/test-database.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();


describe('a connection killed inside the transaction', () => {
  it('when the connection dies after the UPDATE ran but before COMMIT, then 503, no audit row and no participant change', async () => {
    const participant = await createParticipant(env.database.sql);
    const blocker = await mysql.createConnection({ uri: env.database.url });
    const admin = await mysql.createConnection({ uri: env.database.url });
    try {
      // The check-in's second round trip is UPDATE participants; INSERT audit_events; COMMIT. A table lock
      // on audit_events stalls it after the UPDATE has run, holding the row lock, until we kill it.
      await blocker.query('LOCK TABLES audit_events WRITE');
      const pending = checkIn(env.server.baseUrl, participant, '127.0.25.1');
      const victim = await eventually('the check-in stalled at its audit insert', async () => {
        const [rows] = await admin.query<mysql.RowDataPacket[]>(
          "SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE '%INSERT INTO audit_events%' AND id <> CONNECTION_ID()",
          [env.database.name],
        );
        return rows[0]?.id as number | undefined;
      });
      await admin.query(`KILL CONNECTION ${Number(victim)}`);
      const response = await pending;
      await blocker.query('UNLOCK TABLES');

      expect(response.status).toBe(503);
      expect(response.json.error.code).toBe('unavailable');
      expect(response.headers['retry-after']).toBe('2');
      expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
      expect((await participantRow(env.database.sql, participant.code)).status).toBe('unused');
      expect(await auditRows(env.database.sql, participant.code)).toHaveLength(0);
      expect((await checkIn(env.server.baseUrl, participant, '127.0.25.1')).status).toBe(200);
    } finally {
      await blocker.query('UNLOCK TABLES').catch(() => {});
      await blocker.end();
      await admin.end();
    }
  });
});

describe('deadlocks', () => {
  it('when a bulk reset deadlocks with a transaction locking the rows in the opposite order, then it is retried and applied exactly once', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const [first, second] = (await createParticipants(env.database.sql, 2)).sort((a, b) => a.code.localeCompare(b.code));
    await checkIn(env.server.baseUrl, first, '127.0.26.1');
    await checkIn(env.server.baseUrl, second, '127.0.26.2');
    const other = await mysql.createConnection({ uri: env.database.url });
    try {
      await other.query('SET SESSION innodb_lock_wait_timeout = 5');
      await other.query('START TRANSACTION');
      await other.query('SELECT id FROM participants WHERE code = ? FOR UPDATE', [second!.code]);
      // The bulk reset locks `first` (code order), then waits for `second`, which `other` holds...
      const bulk = proctor.post('/api/proctor/bulk/reset-lock', {
        reason: 'room change',
        items: [{ code: first!.code, expectedIp: '127.0.26.1' }, { code: second!.code, expectedIp: '127.0.26.2' }],
      });
      await eventually('the bulk reset waiting for the row `other` holds', async () => (await lockWaits(env.database.sql, env.database.name)) > 0, LOCK_WAIT_POLL);
      // ...and `other` now asks for `first`: a cycle, which InnoDB breaks by rolling one side back.
      const otherOutcome = await other.query('SELECT id FROM participants WHERE code = ? FOR UPDATE', [first!.code]).then(
        () => 'locked',
        (error: { errno?: number }) => `error ${error.errno}`,
      );
      await other.query('ROLLBACK');

      const response: HttpResponse = await bulk;
      expect(response.status).toBe(200);
      expect(['locked', 'error 1213']).toContain(otherOutcome);
      for (const participant of [first!, second!]) {
        expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
        expect((await auditRows(env.database.sql, participant.code)).filter((row) => row.event_type === 'lock_reset')).toHaveLength(1);
      }
    } finally {
      await other.end();
    }
  });
});

describe('the database killed under load', () => {
  const disposable = useDisposableDatabaseServer();

  it('when the database is SIGKILLed mid-load and restarted, then 503s are fast, the service recovers by itself, and the audit log agrees with the participants', async () => {
    const db = disposable.database.createDatabase({ acquireTimeoutMs: 3000, poolSize: 8 });
    const server = await startTestServer(db);
    try {
      const participants = await createParticipants(disposable.database.sql, 400);
      // Each participant has one device. A 503 can hide a check-in that did commit (the database died
      // before the answer reached the server), so the retry must come from the same device, which is
      // then let in again; from another device it would rightly be refused.
      const queue = participants.map((participant, index) => ({ participant, device: `127.0.27.${(index % 16) + 1}` }));
      const responses: HttpResponse[] = [];
      let stop = false;
      // Clients keep going through the outage; a participant answered 503 tries again later.
      const load = Promise.all(
        Array.from({ length: 16 }, async () => {
          while (!stop && queue.length > 0) {
            const attempt = queue.shift()!;
            const response = await checkIn(server.baseUrl, attempt.participant, attempt.device);
            responses.push(response);
            if (response.status === 503) queue.push(attempt);
            // A person's pause between two tries, so the load spans the outage.
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }),
      );
      await eventually('50 check-ins answered before the crash', () => responses.length >= 50);
      await disposable.local.kill();
      await eventually('check-ins answered 503 while the database is down', () => responses.filter((r) => r.status === 503).length >= 16, 10_000);
      await disposable.local.restart();
      const restartedAt = responses.length;
      await eventually('check-ins let in again after the restart', () => responses.slice(restartedAt).filter((r) => r.status === 200).length >= 20, 15_000);
      stop = true;
      await load;

      expect(responses.filter((r) => r.status !== 200 && r.status !== 503).map((r) => `${r.status} ${r.text}`)).toEqual([]);
      const unavailable = responses.filter((r) => r.status === 503);
      expect(unavailable.length).toBeGreaterThan(0);
      expect(Math.max(...unavailable.map((r) => r.elapsedMs))).toBeLessThan(5000);
      expect(responses.slice(restartedAt).filter((r) => r.status === 200).length).toBeGreaterThan(0);
      const stragglers = queue.splice(0);
      for (const { participant, device } of stragglers) expect((await checkIn(server.baseUrl, participant, device)).status).not.toBe(503);
      const report = await verifyAuditLog(db);
      expect(report.violations).toEqual([]);
      expect(report.participants).toBe(400);
    } finally {
      await server.close();
    }
  }, 60_000);
});
