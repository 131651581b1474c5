import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { eventually, holdsFor } from './support/eventually.ts';
import { SLOW_BODY_GRACE_MS } from '../src/lib/admission.ts';
import { createParticipant, createParticipants, holdRowLock } from './support/fixtures.ts';
import { checkIn, deviceAddress, type HttpResponse, request } from './support/http-client.ts';
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

  it('when one address trickles bodies into every slot while another waits, then the trickles beyond its share are cut at once and the rest at the 10 s request deadline', async () => {
    server = await startTestServer(database.db, { MAX_IN_FLIGHT_REQUESTS: 4 });
    const participant = await createParticipant(database.sql);
    const tricklers = await Promise.all(Array.from({ length: 5 }, () => trickle(server!.port)));
    const drip = setInterval(() => tricklers.forEach((trickler) => trickler.socket.writable && trickler.socket.write(' ')), 2000);
    try {
      await eventually('4 trickling requests admitted and 1 waiting', () => server!.gate.inFlight() === 4 && server!.gate.waiting() === 1);
      const started = performance.now();

      const answer = await checkIn(server.baseUrl, participant, deviceAddress(230));

      // Two addresses compete for 4 slots: the trickling one keeps 2. Its two oldest trickles are cut
      // once they are SLOW_BODY_GRACE_MS old, and the check-in is served.
      expect(answer.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(SLOW_BODY_GRACE_MS + 3000);
      expect(tricklers.filter((trickler) => trickler.socket.destroyed || trickler.closed)).toHaveLength(2);
      const metrics = (await request(`${server.baseUrl}/metrics`)).text;
      expect(metrics).toContain('examgate_admission_slow_bodies_cut_total 2\n');
      expect(metrics).toMatch(/examgate_admission_requests\{state="in_flight"\} [1-4]\n/);
      // The two within the share are left to the HTTP server's request deadline, as they would be alone.
      await eventually('2 tricklers answered 408', () => tricklers.filter((trickler) => trickler.answer.startsWith('HTTP/1.1 408')).length === 2, { timeoutMs: 15_000 });
    } finally {
      clearInterval(drip);
      tricklers.forEach((trickler) => trickler.socket.destroy());
    }
  });

  it('when every slot is taken and connections wait, then /healthz, /readyz and /metrics are still answered at once, on new and on kept-alive connections', async () => {
    server = await startTestServer(database.db, { MAX_IN_FLIGHT_REQUESTS: 2, DB_LOCK_WAIT_TIMEOUT_S: 10 });
    const participant = await createParticipant(database.sql);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const keptAlive = (path: string) => getWith(agent, `${server!.baseUrl}${path}`);
    expect((await keptAlive('/healthz')).status).toBe(200);
    const lock = await holdRowLock(database.url, participant.code);
    const blocked = Promise.all(Array.from({ length: 4 }, (_, device) => checkIn(server!.baseUrl, participant, deviceAddress(240 + device))));
    try {
      await eventually('2 check-ins in flight and 2 waiting', () => server!.gate.inFlight() === 2 && server!.gate.waiting() === 2);

      const answers = await Promise.all([request(`${server.baseUrl}/healthz`), request(`${server.baseUrl}/readyz`), keptAlive('/healthz'), keptAlive('/readyz?probe=lb'), request(`${server.baseUrl}/metrics`)]);

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      expect(answers[4].text).toContain('examgate_admission_requests{state="waiting"} 2\n');
      expect(server.gate.inFlight()).toBe(2);
      expect(server.gate.waiting()).toBe(2);
    } finally {
      await lock.release();
      agent.destroy();
    }
    expect((await blocked).map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409]);
  });

  it('when a kept-alive connection sends another request while every slot is taken, then it waits its turn instead of going past the limit', async () => {
    server = await startTestServer(database.db, { MAX_IN_FLIGHT_REQUESTS: 2, DB_LOCK_WAIT_TIMEOUT_S: 10 });
    const [held, other] = await createParticipants(database.sql, 2);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await postWith(agent, `${server.baseUrl}/api/check-in`, { code: 'NOSUCHCODE', fullName: 'Nobody Here' })).status).toBe(403);
    const lock = await holdRowLock(database.url, held!.code);
    const blocked = Promise.all([0, 1].map((device) => checkIn(server!.baseUrl, held, deviceAddress(250 + device))));
    let second: Promise<{ status: number }> | undefined;
    try {
      await eventually('2 check-ins in flight', () => server!.gate.inFlight() === 2);

      second = postWith(agent, `${server.baseUrl}/api/check-in`, other);
      await eventually('the kept-alive request waiting', () => server!.gate.waiting() === 1);
      await holdsFor(200, 'never more than 2 in flight', () => server!.gate.inFlight() === 2 && server!.gate.waiting() === 1);
    } finally {
      await lock.release();
    }
    expect((await second)?.status).toBe(200);
    agent.destroy();
    expect((await blocked).map((answer) => answer.status).sort()).toEqual([200, 409]);
  });

  it('when one address has many requests waiting and another address one, then the other is served next rather than after all of them', async () => {
    server = await startTestServer(database.db, { MAX_IN_FLIGHT_REQUESTS: 1, DB_LOCK_WAIT_TIMEOUT_S: 10 });
    const [held, other] = await createParticipants(database.sql, 2);
    const lock = await holdRowLock(database.url, held!.code);
    const finished: string[] = [];
    const track = (label: string, answer: Promise<HttpResponse>) => answer.then((response) => (finished.push(label), response));
    const flooder = '127.0.9.9';
    const first = track('flood', checkIn(server.baseUrl, held, flooder));
    await eventually('the first flood request in flight', () => server!.gate.inFlight() === 1);
    const flood = Array.from({ length: 6 }, (_, i) => track('flood', checkIn(server!.baseUrl, { code: `NOSUCH${i}`, fullName: 'Nobody Here' }, flooder)));
    await eventually('6 flood requests waiting', () => server!.gate.waiting() === 6);
    const fair = track('other', checkIn(server.baseUrl, other, deviceAddress(260)));
    await eventually('the other address waiting too', () => server!.gate.waiting() === 7);

    await lock.release();
    await Promise.all([first, fair, ...flood]);

    // Turns alternate between the two addresses: the flood's next request, then the other address.
    expect(finished.indexOf('other')).toBeLessThanOrEqual(2);
    expect((await fair).status).toBe(200);
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

interface Trickler {
  socket: net.Socket;
  answer: string;
  closed: boolean;
}

// A check-in whose body is promised as 1,000 bytes and arrives a byte at a time.
function trickle(port: number): Promise<Trickler> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write('POST /api/check-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      resolve(trickler);
    });
    const trickler: Trickler = { socket, answer: '', closed: false };
    socket.on('data', (chunk: Buffer) => (trickler.answer += chunk.toString()));
    socket.on('close', () => (trickler.closed = true));
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

function sendWith(agent: http.Agent, url: string, method: string, body?: unknown): Promise<{ status: number }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(text);
  });
}
const getWith = (agent: http.Agent, url: string) => sendWith(agent, url, 'GET');
const postWith = (agent: http.Agent, url: string, body: unknown) => sendWith(agent, url, 'POST', body);
