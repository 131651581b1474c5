import { describe, expect, it } from 'vitest';
import { createParticipant, createParticipants, createRoom, createSession } from './support/fixtures.ts';
import { request, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

const patch = (proctor: Awaited<ReturnType<typeof logInProctor>>, id: number, body: unknown) =>
  request(`${env.server.baseUrl}/api/proctor/sessions/${id}`, { method: 'PATCH', json: body, headers: { cookie: proctor.cookie, 'x-csrf-token': proctor.csrfToken } });

describe('/api/proctor/sessions/:id', () => {
  it('when allowed networks are given in other spellings, then each is stored once, in its one spelling, and still matches', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);

    const changed = await patch(proctor, participant.sessionId, { version: 0, reason: 'hall network', allowedNetworks: ['::ffff:127.0.15.0/120', '127.0.15.0/24', '2001:DB8:0:0::/32', '::FFFF:10.9.8.7'] });

    expect(changed.status).toBe(200);
    expect(changed.json.session.allowedNetworks).toEqual(['127.0.15.0/24', '2001:db8::/32', '10.9.8.7']);
    expect((await new TestDevice('127.0.15.9').checkIn(env.server.baseUrl, participant)).status).toBe(200);
  });

  it('when a proctor reads a session, then it has its policy, window, networks, time zone, continue URL, seating, device sharing, room codes and version', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const id = await createSession(env.database.sql, { lockPolicy: 'device', allowedNetworks: ['10.0.0.0/8'], opensAt: '2030-01-01T08:00:00Z', timeZone: 'Asia/Tokyo' });

    const response = await proctor.get(`/api/proctor/sessions/${id}`);

    expect(response.json.session).toEqual({
      id, name: expect.any(String), lockPolicy: 'device', allowedNetworks: ['10.0.0.0/8'], opensAt: '2030-01-01T08:00:00.000Z', closesAt: null, timeZone: 'Asia/Tokyo', continueUrl: null, seating: 'none', deviceSharing: 'flagged', roomCodes: 'off', version: 0,
    });
  });

  it('when a proctor sets device sharing to refused, then the next second code from a device that holds a lock is refused at once', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const [first, second] = await createParticipants(env.database.sql, 2, { session: { lockPolicy: 'device' } });
    const laptop = new TestDevice('127.0.90.7');
    expect((await laptop.checkIn(env.server.baseUrl, first!)).status).toBe(200);

    const changed = await patch(proctor, first!.sessionId, { version: 0, reason: 'one laptop per candidate', deviceSharing: 'refused' });

    expect([changed.status, changed.json.session.deviceSharing]).toEqual([200, 'refused']);
    const refused = await laptop.checkIn(env.server.baseUrl, second!);
    expect([refused.status, refused.json.error.code]).toEqual([409, 'device_shared']);
  });

  it('when a proctor changes the policy, then it applies to the next check-in at once, the version moves on, and the change is audited with before and after', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'address' } });
    const holder = new TestDevice('127.0.90.1');
    await holder.checkIn(env.server.baseUrl, participant);
    expect((await new TestDevice('127.0.90.1').checkIn(env.server.baseUrl, participant)).status).toBe(200);

    const changed = await patch(proctor, participant.sessionId, { version: 0, reason: 'NAT hall', lockPolicy: 'device' });

    expect(changed.json.session).toMatchObject({ lockPolicy: 'device', version: 1 });
    expect((await new TestDevice('127.0.90.1').checkIn(env.server.baseUrl, participant)).status).toBe(409);
    expect((await holder.checkIn(env.server.baseUrl, participant)).status).toBe(200);
    const events = (await proctor.get('/api/proctor/events?limit=20')).json.events as { type: string; sessionId: number | null; actor: string; reason: string }[];
    expect(events.find((event) => event.type === 'session_changed' && event.sessionId === participant.sessionId)).toMatchObject({ actor: proctor.username, reason: 'NAT hall' });
  });

  it('when the change was made from a stale view, then 409 stale_update and nothing changes', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const id = await createSession(env.database.sql, { lockPolicy: 'device' });
    await patch(proctor, id, { version: 0, reason: 'first', timeZone: 'Europe/Paris' });

    const stale = await patch(proctor, id, { version: 0, reason: 'second', lockPolicy: 'address' });

    expect([stale.status, stale.json.error.code]).toEqual([409, 'stale_update']);
    expect((await proctor.get(`/api/proctor/sessions/${id}`)).json.session).toMatchObject({ lockPolicy: 'device', timeZone: 'Europe/Paris', version: 1 });
  });

  it('when the change is not valid, then 400 invalid_input naming the field, and nothing changes', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const id = await createSession(env.database.sql, { lockPolicy: 'device', opensAt: '2030-01-01T08:00:00Z' });
    const bodies: [unknown, string][] = [
      [{ reason: 'r', lockPolicy: 'device' }, 'version'],
      [{ version: 0, reason: 'r', lockPolicy: 'ip' }, 'lockPolicy'],
      [{ version: 0, reason: 'r', allowedNetworks: ['10.0.0.0/40'] }, 'allowedNetworks.0'],
      [{ version: 0, reason: 'r', timeZone: 'Mars/Olympus' }, 'timeZone'],
      [{ version: 0, reason: 'r', closesAt: '2029-01-01T08:00:00Z' }, 'closesAt'],
      [{ version: 0, lockPolicy: 'device' }, 'reason'],
      [{ version: 0, reason: 'r', seating: 'random' }, 'seating'],
    ];
    for (const [body, field] of bodies) {
      const response = await patch(proctor, id, body);
      expect([response.status, response.json.error.code], JSON.stringify(body)).toEqual([400, 'invalid_input']);
      expect(response.json.error.issues?.map((issue: { path: string }) => issue.path) ?? [response.json.error.message], JSON.stringify(body)).toContain(field);
    }
    expect((await proctor.get(`/api/proctor/sessions/${id}`)).json.session.version).toBe(0);
    expect((await patch(proctor, 99_999_999, { version: 0, reason: 'r', lockPolicy: 'device' })).status).toBe(404);
  });

  it('when a proctor sets the seating, then the next check-in draws a seat, and the change is audited', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'device' } });
    await createRoom(env.database.sql, participant.sessionId, { name: 'Hall S', seats: ['S1'], participants: [participant] });
    const changed = await patch(proctor, participant.sessionId, { version: 0, reason: 'draw seats', seating: 'at_check_in' });
    expect(changed.json.session).toMatchObject({ seating: 'at_check_in', version: 1 });
    expect((await new TestDevice('127.0.90.9').checkIn(env.server.baseUrl, participant)).json.placement).toEqual({ room: 'Hall S', seat: 'S1' });
    const events = (await proctor.get('/api/proctor/events?limit=20')).json.events as { type: string; sessionId: number | null; reason: string }[];
    expect(events.find((event) => event.type === 'session_changed' && event.sessionId === participant.sessionId)).toMatchObject({ reason: 'draw seats' });
  });
});
