import { describe, expect, it } from 'vitest';
import { createParticipant } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { openSse } from './support/sse-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

function metricValue(text: string, line: string): number {
  const match = text.split('\n').find((candidate) => candidate.startsWith(`${line} `));
  return match ? Number(match.slice(line.length + 1)) : NaN;
}

describe('GET /metrics', () => {
  it('when check-ins happen, then they are counted by outcome, with row-lock timings, pool and dashboard gauges', async () => {
    const participant = await createParticipant(env.database.sql);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const stream = await openSse(`${env.server.baseUrl}/api/proctor/stream`, { cookie: proctor.cookie });
    try {
      await checkIn(env.server.baseUrl, participant, '127.0.28.1');
      await checkIn(env.server.baseUrl, participant, '127.0.28.1');
      await checkIn(env.server.baseUrl, participant, '127.0.28.2');
      await checkIn(env.server.baseUrl, { code: participant.code, fullName: 'Nobody' }, '127.0.28.3');
      await checkIn(env.server.baseUrl, { code: '!', fullName: 'x' }, '127.0.28.3');

      const metrics = await request(`${env.server.baseUrl}/metrics`);

      expect(metrics.status).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/text\/plain/);
      expect(metricValue(metrics.text, 'examgate_checkins_total{outcome="checked_in"}')).toBe(1);
      expect(metricValue(metrics.text, 'examgate_checkins_total{outcome="reentered"}')).toBe(1);
      expect(metricValue(metrics.text, 'examgate_checkins_total{outcome="locked_to_another_device"}')).toBe(1);
      expect(metricValue(metrics.text, 'examgate_checkins_total{outcome="not_recognised"}')).toBe(1);
      expect(metricValue(metrics.text, 'examgate_checkins_total{outcome="invalid_input"}')).toBe(1);
      // One per attempt that reached the row lock (the invalid input never did).
      expect(metricValue(metrics.text, 'examgate_row_lock_seconds_count')).toBe(4);
      expect(metricValue(metrics.text, 'examgate_db_pool_connections{state="queued"}')).toBe(0);
      expect(metricValue(metrics.text, 'examgate_stream_clients')).toBe(1);
      expect(metrics.text).toContain('examgate_transaction_retries_total 0');
      expect(metrics.text).not.toContain(participant.code);
    } finally {
      stream.close();
    }
  });
});
