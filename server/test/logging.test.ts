import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/lib/logger.ts';
import { createParticipant } from './support/fixtures.ts';
import { lineSink } from './support/log-sink.ts';
import { checkIn, request } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

describe('logs', () => {
  it('when participants and proctors use the service at debug level, then every request line carries its request id and route pattern, and no participant code appears', async () => {
    const { lines, sink } = lineSink();
    const server = await startTestServer(env.database.db, {}, pino({ level: 'debug' }, sink));
    try {
      const participant = await createParticipant(env.database.sql);
      const proctor = await logInProctor(server.baseUrl, env.database.db);
      await checkIn(server.baseUrl, participant, '127.0.31.1');
      await checkIn(server.baseUrl, participant, '127.0.31.2');
      await checkIn(server.baseUrl, { code: participant.code, fullName: 'Wrong' }, '127.0.31.3');
      await request(`${server.baseUrl}/api/device-change-requests`, { json: participant, localAddress: '127.0.31.2' });
      await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toIp: '127.0.31.2', reason: 'r', expectedIp: '127.0.31.1' });
      await request(`${server.baseUrl}/api/no-such/${participant.code}`);

      const records = lines.map((line) => JSON.parse(line) as { msg: string; reqId?: string; route?: string });
      const requestLines = records.filter((record) => record.msg === 'request');
      expect(requestLines.length).toBeGreaterThanOrEqual(7);
      expect(requestLines.filter((record) => typeof record.reqId !== 'string' || record.reqId.length === 0)).toEqual([]);
      expect(requestLines.map((record) => record.route)).toContain('/api/proctor/participants/:code/transfer-lock');
      expect(lines.filter((line) => line.includes(participant.code))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('when the log level is info, then requests write no line of their own', async () => {
    const { lines, sink } = lineSink();
    const server = await startTestServer(env.database.db, {}, pino({ level: 'info' }, sink));
    try {
      const participant = await createParticipant(env.database.sql);
      await checkIn(server.baseUrl, participant, '127.0.31.9');
      await request(`${server.baseUrl}/api/no-such/thing`);

      expect(lines.filter((line) => line.includes('"msg":"request"'))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('when a database error is logged, then the statement and the message keep their shape but lose their values', async () => {
    const { lines, sink } = lineSink();
    const logger = createLogger({ level: 'info', format: 'json', destination: sink });
    const participant = await createParticipant(env.database.sql);
    const error = await env.database.sql
      .query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, 'Personal Name', 'unused', UTC_TIMESTAMP(3))", [participant.sessionId, participant.code])
      .then(() => undefined, (failure: unknown) => failure);

    logger.error({ err: error }, 'unhandled error');

    const logged = lines.join('');
    const record = JSON.parse(logged) as { err: { sql: string; sqlMessage: string; code: string } };
    expect(record.err).toMatchObject({
      code: 'ER_DUP_ENTRY',
      sql: 'INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(?))',
      sqlMessage: 'Duplicate entry ? for key ?',
    });
    expect(logged).not.toContain(participant.code);
    expect(logged).not.toContain('Personal Name');
  });
});
