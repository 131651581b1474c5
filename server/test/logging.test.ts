import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createParticipant } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

describe('logs', () => {
  it('when participants and proctors use the service, then every request line carries its request id and no participant code appears at info level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        callback();
      },
    });
    const server = await startTestServer(env.database.db, {}, pino({ level: 'info' }, sink));
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
      expect(requestLines.every((record) => typeof record.reqId === 'string' && record.reqId.length > 0)).toBe(true);
      expect(requestLines.map((record) => record.route)).toContain('/api/proctor/participants/:code/transfer-lock');
      expect(lines.filter((line) => line.includes(participant.code))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
