import { describe, expect, it } from 'vitest';
import { auditRows, createParticipant, createParticipants, participantRow } from './support/fixtures.ts';
import { checkIn } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

describe('lock actions', () => {
  it('when a proctor resets a lock they saw, then it is cleared, audited with proctor, reason, before and after, and the next device may check in', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.1');

    const response = await proctor.post(`/api/proctor/participants/${participant.code}/reset-lock`, { reason: 'laptop died', expectedIp: '127.0.8.1' });

    expect(response.status).toBe(200);
    expect(response.json.participant).toMatchObject({ code: participant.code, lockedIp: null, status: 'in_progress' });
    const reset = (await auditRows(env.database.sql, participant.code)).at(-1)!;
    expect(reset).toMatchObject({ event_type: 'lock_reset', actor: proctor.username, reason: 'laptop died', locked_ip_before: '127.0.8.1', locked_ip_after: null });
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.2')).json.result).toBe('checked_in');
  });

  it('when the lock changed since the proctor looked, then reset answers 409 lock_changed and nothing changes', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.3');
    const before = await participantRow(env.database.sql, participant.code);

    const response = await proctor.post(`/api/proctor/participants/${participant.code}/reset-lock`, { reason: 'r', expectedIp: '127.0.8.99' });

    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe('lock_changed');
    expect(await participantRow(env.database.sql, participant.code)).toEqual(before);
    expect((await auditRows(env.database.sql, participant.code)).map((row) => row.event_type)).toEqual(['checked_in']);
  });

  it('when a proctor moves the lock to a refused device, then that device is let in and the old one is refused', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.4');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.5')).status).toBe(409);

    const response = await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toIp: '127.0.8.5', reason: 'wifi', expectedIp: '127.0.8.4' });

    expect(response.status).toBe(200);
    expect(response.json.participant.lockedIp).toBe('127.0.8.5');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.5')).json.result).toBe('reentered');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.4')).status).toBe(409);
    expect((await auditRows(env.database.sql, participant.code)).find((row) => row.event_type === 'lock_transferred')).toMatchObject({
      locked_ip_before: '127.0.8.4', locked_ip_after: '127.0.8.5', actor: proctor.username, reason: 'wifi',
    });
  });

  it('when a transfer races a check-in from a third device, then the third device never ends up holding the lock', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participants = await createParticipants(env.database.sql, 30);
    for (const participant of participants) await checkIn(env.server.baseUrl, participant, '127.0.8.10');

    const outcomes = await Promise.all(
      participants.map(async (participant) => {
        const [transfer, third] = await Promise.all([
          proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toIp: '127.0.8.11', reason: 'move', expectedIp: '127.0.8.10' }),
          checkIn(env.server.baseUrl, participant, '127.0.8.12'),
        ]);
        return { transfer: transfer.status, third: third.status, locked: (await participantRow(env.database.sql, participant.code)).locked_ip };
      }),
    );

    expect(outcomes).toEqual(participants.map(() => ({ transfer: 200, third: 409, locked: '127.0.8.11' })));
  });

  it('when a bulk reset includes one stale lock, then nothing is reset and the stale code is named', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const [a, b, c] = await createParticipants(env.database.sql, 3);
    for (const [i, p] of [a!, b!, c!].entries()) await checkIn(env.server.baseUrl, p, `127.0.8.${20 + i}`);

    const stale = await proctor.post('/api/proctor/bulk/reset-lock', {
      reason: 'room change',
      items: [{ code: a!.code, expectedIp: '127.0.8.20' }, { code: b!.code, expectedIp: '127.0.8.99' }, { code: c!.code, expectedIp: '127.0.8.22' }],
    });

    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('lock_changed');
    expect(stale.json.error.message).toContain(b!.code);
    for (const p of [a!, b!, c!]) expect((await participantRow(env.database.sql, p.code)).locked_ip).not.toBeNull();

    const fresh = await proctor.post('/api/proctor/bulk/reset-lock', {
      reason: 'room change',
      items: [{ code: a!.code, expectedIp: '127.0.8.20' }, { code: b!.code, expectedIp: '127.0.8.21' }, { code: c!.code, expectedIp: '127.0.8.22' }],
    });
    expect(fresh.status).toBe(200);
    expect(fresh.json.participants.map((p: { lockedIp: string | null }) => p.lockedIp)).toEqual([null, null, null]);
  });

  it('when a code is marked expired and reopened, then check-ins are refused and then allowed again, each change audited', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.30');

    expect((await proctor.post(`/api/proctor/participants/${participant.code}/expire`, { reason: 'finished' })).json.participant.status).toBe('expired');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.30')).json.error.code).toBe('code_expired');
    expect((await proctor.post(`/api/proctor/participants/${participant.code}/reopen`, { reason: 'submitted by mistake' })).json.participant.status).toBe('in_progress');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.8.30')).json.result).toBe('reentered');
    expect((await auditRows(env.database.sql, participant.code)).map((row) => row.event_type)).toEqual(['checked_in', 'expired', 'code_expired', 'reopened', 'reentered']);
  });

  it('when an action names an unknown code or lacks a reason, then 404 not_found or 400 invalid_input', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    expect((await proctor.post('/api/proctor/participants/NOPE-9999/reset-lock', { reason: 'r', expectedIp: null })).json.error.code).toBe('not_found');
    expect((await proctor.post(`/api/proctor/participants/${participant.code}/reset-lock`, { expectedIp: null })).status).toBe(400);
    expect((await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { reason: 'r', expectedIp: null, toIp: 'not-an-ip' })).status).toBe(400);
  });
});
