import net from 'node:net';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { eventually, holdsFor } from './support/eventually.ts';
import { createParticipant, holdRowLock } from './support/fixtures.ts';
import { checkIn, deviceAddress } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { openSse, type SseConnection } from './support/sse-client.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let database: TestDatabase;
let server: TestServer | undefined;
const streams: SseConnection[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});
afterEach(async () => {
  streams.splice(0).forEach((stream) => stream.close());
  await server?.close();
  server = undefined;
});

describe('admission control (MAX_IN_FLIGHT_REQUESTS)', () => {
  it('when more requests arrive than may be served at once, then the rest wait unread and are all answered once slots free up', async () => {
    server = await startTestServer(database.db, { MAX_IN_FLIGHT_REQUESTS: 2, DB_LOCK_WAIT_TIMEOUT_S: 10 });
    const participant = await createParticipant(database.sql);
    const lock = await holdRowLock(database.url, participant.code);

    const answers = Promise.all(Array.from({ length: 6 }, (_, device) => checkIn(server!.baseUrl, participant, deviceAddress(200 + device))));
    await eventually('2 requests in flight and 4 waiting', () => server!.gate.inFlight() === 2 && server!.gate.waiting() === 4);
    await holdsFor(200, '2 in flight and 4 waiting while the row is locked', () => server!.gate.inFlight() === 2 && server!.gate.waiting() === 4);
    await lock.release();

    const statuses = (await answers).map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    await eventually('no request in flight', () => server!.gate.inFlight() === 0);
    expect(server.gate.waiting()).toBe(0);
  });

  it('when admitted connections stay silent, then after a moment they stop holding slots and others are served', async () => {
    server = await startTestServer(database.db, { MAX_IN_FLIGHT_REQUESTS: 2 });
    const silent = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect({ port: server!.port, host: '127.0.0.1' }, () => resolve(socket));
            socket.on('error', reject);
          }),
      ),
    );
    await eventually('2 silent connections admitted and 1 waiting', () => server!.gate.inFlight() === 2 && server!.gate.waiting() === 1);
    const participant = await createParticipant(database.sql);

    const started = performance.now();
    const answer = await checkIn(server.baseUrl, participant, deviceAddress(220));

    expect(answer.status).toBe(200);
    // Two reservation periods at most (2 s each): the silent ones are admitted in two rounds.
    expect(performance.now() - started).toBeLessThan(6000);
    expect(silent.map((socket) => socket.destroyed)).toEqual([false, false, false]);
    silent.forEach((socket) => socket.destroy());
  });

  it('when bodies trickle in a byte every few seconds, then they lose their slots after 10 s and others are served', async () => {
    server = await startTestServer(database.db, { MAX_IN_FLIGHT_REQUESTS: 4 });
    const participant = await createParticipant(database.sql);
    const answers = new Map<net.Socket, string>();
    const tricklers = await Promise.all(
      Array.from({ length: 5 }, () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect({ port: server!.port, host: '127.0.0.1' }, () => {
            socket.write('POST /api/check-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
            resolve(socket);
          });
          socket.on('data', (chunk: Buffer) => answers.set(socket, (answers.get(socket) ?? '') + chunk.toString()));
          socket.on('error', () => {});
          socket.once('error', reject);
        }),
      ),
    );
    const drip = setInterval(() => tricklers.forEach((socket) => socket.writable && socket.write(' ')), 2000);
    try {
      await eventually('4 trickling requests admitted and 1 waiting', () => server!.gate.inFlight() === 4 && server!.gate.waiting() === 1);
      const started = performance.now();

      const answer = await checkIn(server.baseUrl, participant, deviceAddress(230));

      expect(answer.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(14_000);
      // Node checks request deadlines once a second, so the four admitted tricklers are cut off up to a
      // second apart, and the check-in may be served as soon as the first two have gone.
      await eventually('the 4 admitted tricklers answered 408', () => [...answers.values()].filter((text) => text.startsWith('HTTP/1.1 408')).length >= 4, 3000);
    } finally {
      clearInterval(drip);
      tricklers.forEach((socket) => socket.destroy());
    }
  });

  it('when dashboards hold live streams open, then they do not use up the slots check-ins are admitted by', async () => {
    server = await startTestServer(database.db, { MAX_IN_FLIGHT_REQUESTS: 1 });
    const proctor = await logInProctor(server.baseUrl, database.db);
    for (let i = 0; i < 3; i++) streams.push(await openSse(`${server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie }));
    const participant = await createParticipant(database.sql);

    const answer = await checkIn(server.baseUrl, participant, deviceAddress(210));

    expect(streams.map((stream) => stream.status)).toEqual([200, 200, 200]);
    expect(answer.status).toBe(200);
    await eventually('no request in flight', () => server!.gate.inFlight() === 0);
  });
});
