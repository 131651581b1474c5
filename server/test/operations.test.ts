import { describe, expect, it } from 'vitest';
import { startServerProcess } from '../../e2e/support/server-process.ts';
import { createParticipant, holdRowLock } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { openSse } from './support/sse-client.ts';
import { useDisposableDatabaseServer } from './support/test-database.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

describe('health endpoints', () => {
  it('when the database is reachable and migrated, then /healthz and /readyz answer 200', async () => {
    expect((await request(`${env.server.baseUrl}/healthz`)).json).toEqual({ status: 'ok' });
    expect((await request(`${env.server.baseUrl}/readyz`)).json).toEqual({ status: 'ready' });
  });

  describe('when the database is down', () => {
    const disposable = useDisposableDatabaseServer();

    it('then /healthz still answers 200 and /readyz answers 503 quickly', async () => {
      const server = await startTestServer(disposable.database.createDatabase({ acquireTimeoutMs: 2000 }));
      try {
        disposable.local.kill();
        await new Promise((resolve) => setTimeout(resolve, 200));
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
    await new Promise((resolve) => setTimeout(resolve, 200));

    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
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
    await new Promise((resolve) => setTimeout(resolve, 200));
    const queued = checkIn(server.baseUrl, waiting, '127.0.19.3');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = await checkIn(server.baseUrl, waiting, '127.0.19.4').catch((error: NodeJS.ErrnoException) => error.code);
    await lock.release();

    expect((await inFlight).status).toBe(200);
    expect((await queued).status).toBe(200);
    expect(late).toBe('ECONNREFUSED');
    expect(await exited).toBe(0);
  });
});
