import { describe, expect, it } from 'vitest';
import { auditRows, createParticipant, createParticipants, participantRow, tableSnapshot } from './support/fixtures.ts';
import { checkIn } from './support/http-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

describe('failed check-in limits', () => {
  it('when one address keeps guessing names for a code, then the 11th attempt gets 429 with Retry-After and writes nothing', async () => {
    const participant = await createParticipant(env.database.sql);
    for (let i = 0; i < 10; i++) {
      expect((await checkIn(env.server.baseUrl, { code: participant.code, fullName: `Guess ${i}` }, '127.0.13.1')).status).toBe(403);
    }
    const auditBefore = await tableSnapshot(env.database.sql, 'audit_events');

    const limited = await checkIn(env.server.baseUrl, participant, '127.0.13.1');

    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(300);
    expect(await tableSnapshot(env.database.sql, 'audit_events')).toEqual(auditBefore);
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
    expect((await checkIn(env.server.baseUrl, participant, '127.0.13.2')).status).toBe(200);
  });

  it('when guesses for one code come from many addresses, then the code is limited after 30 across all of them', async () => {
    const participant = await createParticipant(env.database.sql);
    for (let i = 0; i < 30; i++) await checkIn(env.server.baseUrl, { code: participant.code, fullName: 'Wrong' }, `127.0.14.${i + 1}`);

    const limited = await checkIn(env.server.baseUrl, participant, '127.0.14.200');

    expect(limited.status).toBe(429);
  });

  it('when one address guesses across many codes, then it is limited across codes too', async () => {
    const server = await startTestServer(env.database.db, { CHECKIN_MAX_FAILURES_PER_IP: 5 });
    try {
      const participants = await createParticipants(env.database.sql, 6);
      for (const participant of participants.slice(0, 5)) await checkIn(server.baseUrl, { code: participant.code, fullName: 'Wrong' }, '127.0.18.1');

      expect((await checkIn(server.baseUrl, participants[5], '127.0.18.1')).status).toBe(429);
      expect((await checkIn(server.baseUrl, participants[5], '127.0.18.2')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('when 200 students behind one address check in with their own codes, then none is throttled', async () => {
    const participants = await createParticipants(env.database.sql, 200);

    const responses = await Promise.all(participants.map((participant) => checkIn(env.server.baseUrl, participant, '127.0.15.1')));

    expect(responses.filter((response) => response.status !== 200)).toEqual([]);
  });

  it('when a refused device keeps retrying, then it keeps getting the device answer, never 429', async () => {
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.16.1');
    for (let i = 0; i < 15; i++) expect((await checkIn(env.server.baseUrl, participant, '127.0.16.2')).status).toBe(409);
  });

  it('when the failures are spread over two server instances, then the limit still holds', async () => {
    const other = await startTestServer(env.database.db);
    try {
      const participant = await createParticipant(env.database.sql);
      for (let i = 0; i < 10; i++) {
        await checkIn(i % 2 === 0 ? env.server.baseUrl : other.baseUrl, { code: participant.code, fullName: 'Wrong' }, '127.0.17.1');
      }
      expect((await checkIn(other.baseUrl, participant, '127.0.17.1')).status).toBe(429);
      expect((await auditRows(env.database.sql, participant.code)).filter((row) => row.event_type === 'not_recognised')).toHaveLength(10);
    } finally {
      await other.close();
    }
  });
});
