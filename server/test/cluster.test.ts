import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordAttemptOnUnknownCode } from '../src/audit/audit.repo.ts';
import { verifyAuditLog } from '../src/audit/audit-verify.ts';
import { loadConfig } from '../src/lib/config.ts';
import { Database, type DatabaseOptions, databaseNow, withTransaction } from '../src/lib/database.ts';
import { ClusterNotReadyError } from '../src/lib/database-url.ts';
import { setUpDatabase } from '../src/lib/database-setup.ts';
import { migrate, MIGRATIONS_DIR } from '../src/lib/migrate.ts';
import { eventually } from './support/eventually.ts';
import { createParticipants, createRoom, type TestParticipant } from './support/fixtures.ts';
import { expandSeatRanges } from '../../contracts/rooms.ts';
import { ROOM_CODE_DIGITS } from '../../contracts/room-codes.ts';
import { type GaleraCluster, startGaleraCluster } from './support/galera-cluster.ts';
import { checkIn, deviceAddress, request, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { ProvenDevice } from './support/proven-device.ts';
import { untilSubscriptionActive, WebhookReceiver } from './support/webhook-receiver.ts';
import { addSubscription } from '../src/webhooks/webhooks.service.ts';
import { auditIds, openSse } from './support/sse-client.ts';
import { testDatabaseDefaults } from './support/test-database.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// A three-node Galera cluster on this machine (see support/galera-cluster.ts): every node takes writes.
let cluster: GaleraCluster;
let baseDir: string;
const DATABASE = `examgate_cluster_${Math.random().toString(36).slice(2, 8)}`;
let sql: mysql.Connection;
const databases: Database[] = [];
const servers: TestServer[] = [];

function databaseOn(url: string, options: Partial<DatabaseOptions> = {}): Database {
  const db = new Database({ ...testDatabaseDefaults, url, ...options });
  databases.push(db);
  return db;
}

async function serverOn(node: number): Promise<TestServer> {
  const server = await startTestServer(databaseOn(cluster.nodeUrl(node, DATABASE)));
  servers.push(server);
  return server;
}

beforeAll(async () => {
  baseDir = await mkdtemp(path.join(os.tmpdir(), 'examgate-galera-'));
  cluster = await startGaleraCluster(baseDir);
  const admin = await mysql.createConnection({ uri: cluster.nodes[0]!.serverUrl });
  await admin.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  await migrate(cluster.nodeUrl(0, DATABASE));
  sql = await mysql.createConnection({ uri: cluster.nodeUrl(0, DATABASE), timezone: 'Z' });
}, 120_000);

afterAll(async () => {
  for (const server of servers) await server.close().catch(() => {});
  for (const db of databases) await db.close().catch(() => {});
  await sql?.end().catch(() => {});
  await cluster?.stop();
  await rm(baseDir, { recursive: true, force: true });
}, 60_000);

describe('examgate on a three-node Galera cluster', () => {
  it('when two instances migrate an empty database at once through two nodes, then each migration is applied once', async () => {
    const admin = await mysql.createConnection({ uri: cluster.nodes[0]!.serverUrl });
    await admin.query('CREATE DATABASE examgate_cluster_migrate');
    await admin.end();
    // The other node applies the DDL in its own time (seen once: node 2 did not know the database yet).
    const otherNode = await mysql.createConnection({ uri: cluster.nodes[1]!.serverUrl });
    await vi.waitFor(
      async () => {
        const [found] = await otherNode.query<mysql.RowDataPacket[]>("SHOW DATABASES LIKE 'examgate_cluster_migrate'");
        expect(found).toHaveLength(1);
      },
      { timeout: 10_000, interval: 50 },
    );
    await otherNode.end();

    const [first, second] = await Promise.all([migrate(cluster.nodeUrl(0, 'examgate_cluster_migrate')), migrate(cluster.nodeUrl(1, 'examgate_cluster_migrate'))]);

    const files = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.sql')).sort();
    expect([...first.applied, ...second.applied].sort()).toEqual(files);
    const check = await mysql.createConnection({ uri: cluster.nodeUrl(2, 'examgate_cluster_migrate') });
    const [[row]] = (await check.query('SELECT COUNT(*) AS n, COUNT(DISTINCT name) AS names FROM schema_migrations')) as unknown as [[{ n: number; names: number }]];
    await check.query('DROP DATABASE examgate_cluster_migrate');
    await check.end();
    expect([Number(row.n), Number(row.names)]).toEqual([files.length, files.length]);
  });

  it('when 40 codes are raced by 10 devices each, half through node 1 and half through node 2, then every code has exactly one winner', async () => {
    const [a, b] = [await serverOn(0), await serverOn(1)];
    const participants = await createParticipants(sql, 40, { session: { lockPolicy: 'device' } });

    const answers = await Promise.all(
      participants.flatMap((participant, p) =>
        Array.from({ length: 10 }, (_, d) => checkIn((d % 2 === 0 ? a : b).baseUrl, participant, deviceAddress(1000 + p * 10 + d)).then((response) => ({ code: participant.code, status: response.status }))),
      ),
    );

    const winners = new Map<string, number>();
    for (const { code, status } of answers) if (status === 200) winners.set(code, (winners.get(code) ?? 0) + 1);
    expect(participants.filter((participant) => winners.get(participant.code) !== 1).map((participant) => participant.code)).toEqual([]);
    expect(answers.filter(({ status }) => status !== 200 && status !== 409 && status !== 503)).toEqual([]);
    const verified = await verifyAuditLog(databaseOn(cluster.nodeUrl(2, DATABASE)));
    expect(verified.violations).toEqual([]);
  });

  // SKIP LOCKED sees only the node's own locks: two nodes may draw one seat, and the second to commit fails
  // certification and is retried with a new draw. A client answered 503 retries, as the page does.
  it('when 301 participants of a 300-seat room check in at once, half through node 1 and half through node 2, then 300 get 300 different seats and one is refused room_full', { timeout: 120_000 }, async () => {
    const [a, b] = [await serverOn(0), await serverOn(1)];
    const participants = await createParticipants(sql, 301, { session: { lockPolicy: 'device', seating: 'at_check_in' } });
    const plan = expandSeatRanges('A1-A150,B1-B150');
    if (!('seats' in plan)) throw new Error(plan.problem);
    const room = await createRoom(sql, participants[0]!.sessionId, { seats: plan.seats, participants });
    let retried = 0;
    const answers = await Promise.all(
      participants.map(async (participant, p) => {
        for (let attempt = 1; ; attempt++) {
          const response = await checkIn((p % 2 === 0 ? a : b).baseUrl, participant, deviceAddress(2000 + p));
          if (response.status !== 503 || attempt === 10) return response;
          retried++;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }),
    );
    const admitted = answers.filter((response) => response.status === 200);
    expect(answers.filter((response) => response.status !== 200).map((response) => response.json.error?.code)).toEqual(['room_full']);
    expect(new Set(admitted.map((response) => response.json.placement.seat)).size).toBe(300);
    const [[held]] = await sql.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n, COUNT(DISTINCT holder_id) AS holders FROM seats WHERE room_id = ? AND holder_id IS NOT NULL', [room.id]);
    expect([Number(held!.n), Number(held!.holders)]).toEqual([300, 300]);
    const [[seated]] = await sql.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n, COUNT(DISTINCT seat) AS seats FROM participants WHERE room_id = ? AND seat IS NOT NULL', [room.id]);
    expect([Number(seated!.n), Number(seated!.seats)]).toEqual([300, 300]);
    const verified = await verifyAuditLog(databaseOn(cluster.nodeUrl(2, DATABASE)));
    expect(verified.violations).toEqual([]);
    console.log(`seat race across two nodes: ${retried} answer(s) were 503 and retried`);
    for (const server of [a, b]) {
      servers.splice(servers.indexOf(server), 1);
      await server.close();
    }
  });

  // Two first check-ins from one device write its session_devices row on two nodes: the second to commit
  // fails certification and is retried, and then sees the lock the first took. A 503 is retried, as the
  // page does.
  it('when each of 40 devices checks in two codes at once under device sharing refused, one through node 1 and one through node 2, then one code per device is let in and the other refused device_shared', { timeout: 120_000 }, async () => {
    const [a, b] = [await serverOn(0), await serverOn(1)];
    const earlier = await createParticipants(sql, 40, { session: { lockPolicy: 'device' } });
    const participants = await createParticipants(sql, 80, { session: { lockPolicy: 'device', deviceSharing: 'refused' } });
    const devices = earlier.map((_, index) => new TestDevice(deviceAddress(3000 + index)));
    expect((await Promise.all(devices.map((device, index) => device.checkIn(a.baseUrl, earlier[index]!)))).map((response) => response.status)).toEqual(devices.map(() => 200));
    let retried = 0;
    const withRetries = async (send: () => Promise<Awaited<ReturnType<typeof checkIn>>>) => {
      for (let attempt = 1; ; attempt++) {
        const response = await send();
        if (response.status !== 503 || attempt === 10) return response;
        retried++;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    };

    const answers = await Promise.all(
      devices.map((device, index) =>
        Promise.all([
          withRetries(() => device.checkIn(a.baseUrl, participants[2 * index]!)),
          withRetries(() => device.movedTo(deviceAddress(3100 + index)).checkIn(b.baseUrl, participants[2 * index + 1]!)),
        ]),
      ),
    );

    const perDevice = answers.map((pair) => pair.map((response) => `${response.status} ${response.json.error?.code ?? ''}`.trim()).sort());
    expect(perDevice.filter((pair) => pair.join() !== '200,409 device_shared')).toEqual([]);
    const verified = await verifyAuditLog(databaseOn(cluster.nodeUrl(2, DATABASE)));
    expect(verified.violations).toEqual([]);
    console.log(`device sharing race across two nodes: ${retried} answer(s) were 503 and retried`);
    for (const server of [a, b]) {
      servers.splice(servers.indexOf(server), 1);
      await server.close();
    }
  });

  it('when a participant checks in through node 1, then a proctor on node 2 finds the check-in by its receipt, and an incident recorded there is in the record read through node 1', async () => {
    // Its own instances, closed at its end: the failover tests after it want the nodes unloaded.
    const [dbA, dbB] = [new Database({ ...testDatabaseDefaults, url: cluster.nodeUrl(0, DATABASE) }), new Database({ ...testDatabaseDefaults, url: cluster.nodeUrl(1, DATABASE) })];
    const [a, b] = [await startTestServer(dbA), await startTestServer(dbB)];
    try {
      const [participant] = await createParticipants(sql, 1, { session: { lockPolicy: 'device' } });
      const laptop = new TestDevice(deviceAddress(1500));
      const admitted = await laptop.checkIn(a.baseUrl, participant!);
      expect(admitted.status).toBe(200);
      const onB = await logInProctor(b.baseUrl, dbB);
      const onA = await logInProctor(a.baseUrl, dbA);

      // Another node applies a commit a moment later: read until it has.
      const found = await eventually('the receipt on node 2', async () => {
        const answer = await onB.get(`/api/proctor/receipts/${admitted.json.receipt}`);
        return answer.status === 200 && answer.json;
      });
      expect(found).toMatchObject({ participant: { code: participant!.code }, auditEvent: { type: 'checked_in', sourceIp: laptop.ip }, holdsLock: true });
      const incident = await onB.post('/api/proctor/incidents', { sessionId: participant!.sessionId, participantCode: participant!.code, category: 'identity_check', text: 'Checked at the door of hall B' });
      expect(incident.status).toBe(201);
      const record = await eventually('the incident on node 1', async () => {
        const answer = await onA.get(`/api/proctor/record?session=${participant!.sessionId}`);
        return answer.json.totals?.incidents === 1 && answer.json;
      });
      expect(record.entries[0].incidents).toEqual([expect.objectContaining({ id: incident.json.id, text: 'Checked at the door of hall B' })]);
      expect((await verifyAuditLog(databaseOn(cluster.nodeUrl(2, DATABASE)))).violations).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([dbA.close(), dbB.close()]);
    }
  });

  it('when two instances on two nodes first need the room codes at the same moment, then both show the same code and each accepts the code the other shows', async () => {
    const [dbA, dbB] = [new Database({ ...testDatabaseDefaults, url: cluster.nodeUrl(0, DATABASE) }), new Database({ ...testDatabaseDefaults, url: cluster.nodeUrl(1, DATABASE) })];
    const [a, b] = [await startTestServer(dbA), await startTestServer(dbB)];
    try {
      const people = await createParticipants(sql, 3, { session: { lockPolicy: 'device', roomCodes: 'required' } });
      const room = await createRoom(sql, people[0]!.sessionId, { participants: people });
      const [onA, onB] = await Promise.all([logInProctor(a.baseUrl, dbA), logInProctor(b.baseUrl, dbB)]);
      const codesPath = `/api/proctor/rooms/codes?session=${people[0]!.sessionId}`;

      // Neither instance has read the key yet: both make one at once, and the cluster keeps one of them.
      const shown = await Promise.all([onA.get(codesPath), onB.get(codesPath)]);

      expect(shown.map((answer) => answer.status)).toEqual([200, 200]);
      const [codeOnA, codeOnB] = shown.map((answer) => (answer.json.rooms as { roomId: number; code: string }[]).find((entry) => entry.roomId === room.id)!.code);
      expect(codeOnA).toBe(codeOnB);
      expect((await new TestDevice(deviceAddress(1520)).checkIn(b.baseUrl, { ...people[0]!, roomCode: codeOnA })).json.result).toBe('checked_in');
      expect((await new TestDevice(deviceAddress(1521)).checkIn(a.baseUrl, { ...people[1]!, roomCode: codeOnB })).json.result).toBe('checked_in');
      const wrong = String((Number(codeOnA) + 1) % 10 ** ROOM_CODE_DIGITS).padStart(ROOM_CODE_DIGITS, '0');
      expect((await new TestDevice(deviceAddress(1522)).checkIn(b.baseUrl, { ...people[2]!, roomCode: wrong })).json.error.code).toBe('not_recognised');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([dbA.close(), dbB.close()]);
    }
  });

  it('when 20 signed check-ins are each sent twice at the same instant, once through node 1 and once through node 2, then each challenge is spent once and each code admits one', async () => {
    const [a, b] = [await serverOn(0), await serverOn(1)];
    const participants = await createParticipants(sql, 20, { session: { lockPolicy: 'device' } });
    const bodies = await Promise.all(participants.map((participant, p) => new ProvenDevice(deviceAddress(5000 + p * 2)).signedBody(a.baseUrl, participant)));

    const answers = await Promise.all(
      bodies.flatMap((body, p) => [a, b].map((server, copy) => request(`${server.baseUrl}/api/check-in`, { json: body, localAddress: deviceAddress(5000 + p * 2 + copy) }))),
    );

    const statuses = bodies.map((_, p) => [answers[p * 2]!.status, answers[p * 2 + 1]!.status].sort());
    expect(statuses.filter(([first, second]) => first !== 200 || second !== 403)).toEqual([]);
    const [[spent]] = await sql.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM device_challenges_used WHERE nonce IN (?)', [bodies.map((body) => body.proof.challenge.split('.')[1])]);
    expect(Number(spent!.n)).toBe(20);
    expect((await verifyAuditLog(databaseOn(cluster.nodeUrl(2, DATABASE)))).violations).toEqual([]);
  });

  it('when two instances on two nodes deliver webhooks, then each committed event is delivered once, each participant’s in order', async () => {
    const delivering = { WEBHOOK_DELIVERY: true, WEBHOOK_POLL_MS: 100, WEBHOOK_RETRY_MAX_S: 2 } as const;
    const [a, b] = [
      await startTestServer(databaseOn(cluster.nodeUrl(0, DATABASE)), delivering),
      await startTestServer(databaseOn(cluster.nodeUrl(1, DATABASE)), delivering),
    ];
    servers.push(a, b);
    const participants = await createParticipants(sql, 20, { session: { lockPolicy: 'device' } });
    const [[session]] = await sql.query<mysql.RowDataPacket[]>('SELECT name FROM exam_sessions WHERE id = ?', [participants[0]!.sessionId]);
    const receiver = new WebhookReceiver();
    await receiver.up();
    try {
      const created = await addSubscription(databases.at(-1)!, session!.name as string, { url: receiver.url, eventTypes: [] });
      receiver.useSecret(created.secret);
      await untilSubscriptionActive(sql, created.activeFrom);

      await Promise.all(
        participants.map(async (participant, p) => {
          const holder = new TestDevice(deviceAddress(6000 + p * 2));
          expect((await holder.checkIn((p % 2 === 0 ? a : b).baseUrl, participant)).status).toBe(200);
          expect((await new TestDevice(deviceAddress(6001 + p * 2)).checkIn((p % 2 === 0 ? b : a).baseUrl, participant)).status).toBe(409);
        }),
      );

      const [rows] = await sql.query<mysql.RowDataPacket[]>('SELECT id, code FROM audit_events WHERE code IN (?) ORDER BY created_at, id', [participants.map((participant) => participant.code)]);
      const expected = new Map<string, number[]>(participants.map((participant) => [participant.code, []]));
      for (const row of rows) expected.get(row.code as string)!.push(Number(row.id));
      await vi.waitFor(
        () => {
          const received = new Map<string, number[]>();
          for (const { payload } of receiver.received) received.set(payload.data.code, [...(received.get(payload.data.code) ?? []), payload.data.event_id]);
          expect(received).toEqual(expected);
        },
        { timeout: 20_000, interval: 50 },
      );
      expect(receiver.received).toHaveLength(40);
      expect(receiver.unverified).toEqual([]);
    } finally {
      await receiver.down();
    }
  });

  const ROUNDS = Number(process.env.CLUSTER_STREAM_ROUNDS ?? 10);
  const PER_ROUND = Number(process.env.CLUSTER_STREAM_PARTICIPANTS ?? 40);
  it(`when events are written through three nodes while a dashboard follows one of them, then it receives every event exactly once, each participant's in commit order (${ROUNDS} rounds)`, async () => {
    // The watched instance writes too (as behind a load balancer): its own commits make it poll at once,
    // while the other node's lower ids may still be on their way.
    const [writerA, watched, writerC] = [await serverOn(0), await serverOn(1), await serverOn(2)];
    const proctor = await logInProctor(watched.baseUrl, databases.at(-1)!);
    const stream = await openSse(`${watched.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    await stream.waitFor((messages) => messages.some((message) => message.event === 'ready'));
    const onNode2 = await mysql.createConnection({ uri: cluster.nodeUrl(1, DATABASE) });
    try {
      const everyone: TestParticipant[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const participants = await createParticipants(sql, PER_ROUND, { session: { lockPolicy: 'device' } });
        everyone.push(...participants);
        // Each participant: four devices at once, through nodes 1, 2, 3 and 2.
        await Promise.all(
          participants.flatMap((participant, p) =>
            Array.from({ length: 4 }, (_, d) => checkIn([writerA, watched, writerC, watched][d]!.baseUrl, participant, deviceAddress(2000 + (round * PER_ROUND + p) * 4 + d))),
          ),
        );
      }
      const codes = everyone.map((participant) => participant.code);
      const [rows] = (await onNode2.query(`SELECT id, code, event_type FROM audit_events WHERE code IN (${codes.map(() => '?').join(',')}) ORDER BY id`, codes)) as unknown as [{ id: number; code: string; event_type: string }[]];
      const expected = rows.map((row) => Number(row.id));

      await stream.waitFor((messages) => new Set(auditIds(messages)).size >= expected.length, 15_000).catch(() => undefined);
      const delivered = auditIds(stream.messages);
      expect(expected.filter((id) => !delivered.includes(id))).toEqual([]);
      expect(delivered.length).toBe(new Set(delivered).size);
      // Per participant: the winner's check-in before the loser's refusal, as they committed.
      const typeOf = new Map(rows.map((row) => [Number(row.id), row.event_type]));
      const order = new Map<string, string[]>();
      for (const message of stream.messages.filter((m) => m.event === 'audit')) {
        const event = JSON.parse(message.data) as { id: number; code: string };
        order.set(event.code, [...(order.get(event.code) ?? []), typeOf.get(event.id) ?? '?']);
      }
      expect([...order.values()].filter((types) => types[0] !== 'checked_in')).toEqual([]);
    } finally {
      stream.close();
      await onNode2.end();
    }
  });

  it('when another node commits a lower id after higher ones were delivered, then the dashboard still receives it, once', async () => {
    const watched = await serverOn(1);
    const writer = await serverOn(0);
    const proctor = await logInProctor(watched.baseUrl, databases.at(-1)!);
    const stream = await openSse(`${watched.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    await stream.waitFor((messages) => messages.some((message) => message.event === 'ready'));
    const [participant] = await createParticipants(sql, 1, { session: { lockPolicy: 'device' } });
    // Node 3 takes an id and holds it, in a transaction of its own that records an attempt as the app does
    // (a link of its chain); this node's transactions are invisible to node 2.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let insertedId = 0;
    const slowDb = databaseOn(cluster.nodeUrl(2, DATABASE));
    const slow = withTransaction(slowDb, async (tx) => {
      await recordAttemptOnUnknownCode(tx, participant!.code, { type: 'not_recognised', sourceIp: '127.0.12.90', userAgent: null, requestId: 'late-on-node-3' }, await databaseNow(tx));
      const [row] = await tx.rows<mysql.RowDataPacket>('SELECT LAST_INSERT_ID() AS id');
      insertedId = Number(row!.id);
      await released;
    });
    try {
      await vi.waitFor(() => expect(insertedId).toBeGreaterThan(0), { timeout: 5000, interval: 20 });
      for (let i = 0; i < 5; i++) await checkIn(writer.baseUrl, participant, deviceAddress(4000 + i));
      const [[{ max }]] = (await sql.query('SELECT MAX(id) AS max FROM audit_events')) as unknown as [[{ max: number }]];
      expect(Number(max)).toBeGreaterThan(insertedId);
      await stream.waitFor((messages) => auditIds(messages).includes(Number(max)), 3000);
      await new Promise((resolve) => setTimeout(resolve, 500));

      release();
      await slow;

      await stream.waitFor((messages) => auditIds(messages).includes(insertedId), 5000);
      expect(auditIds(stream.messages).filter((id) => id === insertedId)).toHaveLength(1);
    } finally {
      release();
      stream.close();
      await slow.catch(() => {});
      await slowDb.close();
    }
  });

  it('when the node an instance uses is killed under load, then it moves to another node within 5 s, no check-in is lost or doubled, and the log verifies after the node rejoins', async () => {
    const db = databaseOn(cluster.urlFor(DATABASE, [0, 1, 2]), { acquireTimeoutMs: 1000, queryTimeoutMs: 2000 });
    const moved: { from: string; to: string; at: number }[] = [];
    db.events.on('failover', (move: { from: string; to: string }) => moved.push({ ...move, at: Date.now() }));
    const server = await startTestServer(db);
    servers.push(server);
    const participants = await createParticipants(sql, 150, { session: { lockPolicy: 'device' } });
    const devices = participants.map((_, i) => new TestDevice(deviceAddress(3000 + i)));
    let killedAt = 0;
    const firstSuccessAfterKill: number[] = [];
    // Each device retries after a 503, as the check-in page does, until it is let in.
    const run = async (i: number) => {
      for (;;) {
        const response = await devices[i]!.checkIn(server.baseUrl, participants[i]).catch(() => ({ status: 0 }));
        if (response.status === 200) {
          if (killedAt > 0) firstSuccessAfterKill.push(Date.now());
          return;
        }
        expect([0, 503]).toContain(response.status);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const load = (async () => {
      for (let i = 0; i < participants.length; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => run(i + k)));
    })();
    await eventually('a third of the check-ins done', async () => {
      const [[row]] = (await sql.query(`SELECT COUNT(*) AS n FROM participants WHERE session_id = ? AND locked_device IS NOT NULL`, [participants[0]!.sessionId])) as unknown as [[{ n: number }]];
      return Number(row.n) >= 50;
    }, 20_000);

    killedAt = Date.now();
    await cluster.kill(0);
    await load;

    expect(moved.map((move) => move.to)).toEqual([`127.0.0.1:${cluster.nodes[1]!.port}`]);
    expect(moved[0]!.at - killedAt).toBeLessThan(5000);
    expect(Math.min(...firstSuccessAfterKill) - killedAt).toBeLessThan(5000);
    const onNode2 = await mysql.createConnection({ uri: cluster.nodeUrl(1, DATABASE) });
    const [locks] = (await onNode2.query('SELECT code, locked_device FROM participants WHERE session_id = ?', [participants[0]!.sessionId])) as unknown as [{ code: string; locked_device: string | null }[]];
    await onNode2.end();
    expect(locks.filter((lock) => lock.locked_device === null)).toEqual([]);

    await cluster.restart(0);
    const verified = await verifyAuditLog(databaseOn(cluster.nodeUrl(0, DATABASE)));
    expect(verified.violations).toEqual([]);
  }, 120_000);

  it('when a node leaves the primary component, then an instance will not start on it, picks a ready node from the list, and /readyz and /metrics name the cluster', async () => {
    const isolate = async (on: boolean) => {
      const connection = await mysql.createConnection({ uri: cluster.nodes[2]!.serverUrl });
      await connection.query(`SET GLOBAL wsrep_provider_options = 'gmcast.isolate=${on ? 1 : 0}'`);
      await connection.end();
    };
    await isolate(true);
    try {
      await eventually('node 3 outside the primary component', async () => {
        const connection = await mysql.createConnection({ uri: cluster.nodes[2]!.serverUrl });
        const [[row]] = (await connection.query("SHOW STATUS LIKE 'wsrep_cluster_status'")) as unknown as [[{ Value: string }]];
        await connection.end();
        return row.Value !== 'Primary';
      }, 15_000);
      const config = (url: string) => ({ ...loadConfig({}), DATABASE_URL: url });

      await expect(setUpDatabase(config(cluster.nodeUrl(2, DATABASE)))).rejects.toBeInstanceOf(ClusterNotReadyError);
      const setup = await setUpDatabase(config(cluster.urlFor(DATABASE, [2, 1])));
      try {
        expect(setup.db.node).toBe(`127.0.0.1:${cluster.nodes[1]!.port}`);
        const server = await startTestServer(setup.db);
        servers.push(server);
        const ready = await request(`${server.baseUrl}/readyz`);
        expect(ready.json).toEqual({ status: 'ready', cluster: { size: 2, node: `127.0.0.1:${cluster.nodes[1]!.port}`, state: 'Synced' } });
        expect((await request(`${server.baseUrl}/metrics`)).text).toMatch(/^examgate_db_cluster_size 2$/m);
      } finally {
        await setup.close();
      }
    } finally {
      await isolate(false);
      await eventually('node 3 back in the cluster', async () => {
        const connection = await mysql.createConnection({ uri: cluster.nodes[0]!.serverUrl });
        const [[row]] = (await connection.query("SHOW STATUS LIKE 'wsrep_cluster_size'")) as unknown as [[{ Value: string }]];
        await connection.end();
        return Number(row.Value) === 3;
      }, 30_000);
    }
  }, 90_000);
});
