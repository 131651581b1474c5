import { describe, expect, it } from 'vitest';
import { createParticipant, createParticipants } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

describe('read API', () => {
  it('when a device is refused, then the participants list shows the holder, the refused attempt and an open conflict, and the summary counts it', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const [holder, ...others] = await createParticipants(env.database.sql, 3);
    await checkIn(env.server.baseUrl, holder, '127.0.8.40');
    await checkIn(env.server.baseUrl, holder, '127.0.8.41', { 'user-agent': 'PhoneBrowser/2' });

    const list = await proctor.get('/api/proctor/participants');
    const summary = await proctor.get('/api/proctor/summary');

    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(list.headers['server-timing']).toMatch(/^app;dur=\d+\.\d$/);
    expect(list.json.participants).toHaveLength(3);
    expect(list.json.participants.find((p: { code: string }) => p.code === holder!.code)).toMatchObject({
      status: 'in_progress', lockedIp: '127.0.8.40', refusedAttempts: 1, openConflict: true,
      lastRefused: { ip: '127.0.8.41', userAgent: 'PhoneBrowser/2', at: expect.any(String) }, pendingRequest: null,
    });
    expect(list.json.participants.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(others.map((o) => o.code)));
    expect(summary.json).toMatchObject({ total: 3, unused: 2, inProgress: 1, expired: 0, openConflicts: 1, pendingRequests: 0 });
  });

  it('when the audit log is paged, then pages are newest first and do not overlap', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    for (let i = 0; i < 5; i++) await checkIn(env.server.baseUrl, participant, `127.0.8.${50 + i}`);

    const first = await proctor.get('/api/proctor/events?limit=3');
    const second = await proctor.get(`/api/proctor/events?limit=3&before=${first.json.nextBefore}`);

    const ids = [...first.json.events, ...second.json.events].map((event: { id: number }) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when the audit log is exported, then it is CSV with a header and spreadsheet formulas are neutralised', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.8.60', { 'user-agent': '=HYPERLINK("http://evil")' });

    const csv = await proctor.get('/api/proctor/events.csv');

    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[0]).toBe('id,at,type,code,ip,device,user_agent,actor,reason,status_after,locked_ip_before,locked_ip_after,locked_device_before,locked_device_after,lock_policy');
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    const row = csv.text.split('\n').find((line) => line.includes(participant.code))!;
    // The device as a fingerprint, next to the address.
    expect(row).toMatch(new RegExp(`,${participant.code},127\\.0\\.8\\.60,[0-9a-f]{8},`));
  });

  it('when several sessions exist, then the dashboard opens on the one whose check-in is open now, the overview counts what needs a proctor in each, and "all" lists those participants', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const now = Date.now();
    const [open] = await createParticipants(env.database.sql, 1, { session: { opensAt: new Date(now - 600_000).toISOString(), closesAt: new Date(now + 3_600_000).toISOString() } });
    const [conflicted, requesting, throttled, calm] = await createParticipants(env.database.sql, 4);
    await checkIn(env.server.baseUrl, conflicted, '127.0.8.70');
    await checkIn(env.server.baseUrl, conflicted, '127.0.8.71');
    await checkIn(env.server.baseUrl, requesting, '127.0.8.72');
    await request(`${env.server.baseUrl}/api/device-change-requests`, { json: requesting, localAddress: '127.0.8.73' });
    for (let i = 0; i < 10; i++) await checkIn(env.server.baseUrl, { code: throttled!.code, fullName: `Typo ${i}` }, '127.0.8.74');

    const defaultView = await proctor.get('/api/proctor/participants');
    const overview = await proctor.get('/api/proctor/overview');
    const all = await proctor.get('/api/proctor/participants?session=all');

    expect(defaultView.json.session.id).toBe(open!.sessionId);
    expect(overview.json.current).toBe(open!.sessionId);
    expect(overview.json.sessions.find((s: { id: number }) => s.id === conflicted!.sessionId)).toMatchObject({ openConflicts: 1, pendingRequests: 1, throttled: 1 });
    expect(overview.json.sessions.find((s: { id: number }) => s.id === open!.sessionId)).toMatchObject({ openConflicts: 0, pendingRequests: 0, throttled: 0 });
    const codes = all.json.participants.map((p: { code: string; sessionId: number }) => `${p.code}@${p.sessionId}`);
    expect(codes).toEqual(expect.arrayContaining([conflicted, requesting, throttled].map((p) => `${p!.code}@${p!.sessionId}`)));
    expect(codes).not.toContain(`${calm!.code}@${calm!.sessionId}`);
    expect(codes).not.toContain(`${open!.code}@${open!.sessionId}`);
  });
});
