import { readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServerProcess } from '../../e2e/support/server-process.ts';
import { eventually } from './support/eventually.ts';
import { createParticipant, holdRowLock, LOCK_WAIT_POLL, lockWaits } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { openSse } from './support/sse-client.ts';
import { createTestDatabase, useDisposableDatabaseServer } from './support/test-database.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

// Sockets the process holds open (Linux /proc): how a test sees a connection it accepted but has not served.
function openSockets(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

describe('health endpoints', () => {
  it('when the database is reachable and migrated, then /healthz and /readyz answer 200', async () => {
    expect((await request(`${env.server.baseUrl}/healthz`)).json).toEqual({ status: 'ok' });
    expect((await request(`${env.server.baseUrl}/readyz`)).json).toEqual({ status: 'ready' });
  });

  it('when 250 probes arrive at once, then they share the pool: the database sees no more connections than the pool holds', async () => {
    const database = await createTestDatabase();
    const server = await startTestServer(database.createDatabase({ poolSize: 4 }));
    try {
      let most = 0;
      let probing = true;
      const watch = (async () => {
        while (probing) {
          const [[row]] = (await env.database.sql.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?', [database.name])) as unknown as [[{ n: number }]];
          most = Math.max(most, Number(row.n));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();

      const answers = await Promise.all(Array.from({ length: 250 }, () => request(`${server.baseUrl}/readyz`)));
      probing = false;
      await watch;

      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
      // The pool's four, and the test's own connection to that database.
      expect(most).toBeLessThanOrEqual(5);
    } finally {
      await server.close();
      await database.drop();
    }
  });

  describe('when the database is down', () => {
    const disposable = useDisposableDatabaseServer();

    it('then /healthz still answers 200 and /readyz answers 503 quickly', async () => {
      const server = await startTestServer(disposable.database.createDatabase({ acquireTimeoutMs: 2000 }));
      try {
        await disposable.local.kill();
        expect((await request(`${server.baseUrl}/healthz`)).status).toBe(200);
        const ready = await request(`${server.baseUrl}/readyz`);
        expect(ready.status).toBe(503);
        expect(ready.elapsedMs).toBeLessThan(5000);
        await disposable.local.restart();
        expect((await request(`${server.baseUrl}/readyz`)).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  });
});

describe('SIGTERM', () => {
  it('when the process is told to stop, then in-flight requests finish, streams close, and it exits 0 within seconds', async () => {
    const server = await startServerProcess({ DATABASE_URL: env.database.url, SERVE_CLIENT: 'false' });
    const proctor = await logInProctor(server.baseUrl, env.database.db);
    const stream = await openSse(`${server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    const streamEnded = new Promise<void>((resolve) => stream.onEnd(resolve));
    const participant = await createParticipant(env.database.sql);
    const lock = await holdRowLock(env.database.url, participant.code);
    const inFlight = checkIn(server.baseUrl, participant, '127.0.19.1');
    await eventually('the check-in waiting for the row lock', async () => (await lockWaits(env.database.sql, env.database.name)) > 0, LOCK_WAIT_POLL);

    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    await eventually('the server refusing new connections', () => refusesConnections(server.port));
    await lock.release();

    expect((await inFlight).status).toBe(200);
    await streamEnded;
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('when requests are still waiting for admission, then they are served before it exits, and new connections are refused', async () => {
    const server = await startServerProcess({ DATABASE_URL: env.database.url, SERVE_CLIENT: 'false', MAX_IN_FLIGHT_REQUESTS: '1' });
    const [held, waiting] = [await createParticipant(env.database.sql), await createParticipant(env.database.sql)];
    const lock = await holdRowLock(env.database.url, held.code);
    const inFlight = checkIn(server.baseUrl, held, '127.0.19.2');
    await eventually('the first check-in waiting for the row lock', async () => (await lockWaits(env.database.sql, env.database.name)) > 0, LOCK_WAIT_POLL);
    const socketsBefore = openSockets(server.child.pid!);
    const queued = checkIn(server.baseUrl, waiting, '127.0.19.3');
    // Its connection is accepted (one socket more in the server) but not admitted: the one slot is taken.
    await eventually('the second connection accepted by the server', () => openSockets(server.child.pid!) > socketsBefore);

    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    await eventually('the server refusing new connections', () => refusesConnections(server.port));
    const late = await checkIn(server.baseUrl, waiting, '127.0.19.4').catch((error: NodeJS.ErrnoException) => error.code);
    await lock.release();

    expect((await inFlight).status).toBe(200);
    expect((await queued).status).toBe(200);
    expect(late).toBe('ECONNREFUSED');
    expect(await exited).toBe(0);
  });
});
