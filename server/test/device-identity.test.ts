import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import type { LockPolicy } from '../../contracts/lock-policy.ts';
import { DEVICE_COOKIE, DEVICE_KEY_LIFETIME_S, deviceHash, signKey } from '../src/devices/device-keys.ts';
import { SESSION_CACHE_MS } from '../src/exam-sessions/session-cache.ts';
import { eventually } from './support/eventually.ts';
import { auditRows, createParticipant, participantRow, timePasses } from './support/fixtures.ts';
import { request, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
let nextAddress = 1;
// Each test gets addresses nobody else uses: 127.0.60.x and up.
const address = () => `127.0.${60 + Math.floor(nextAddress / 250)}.${1 + (nextAddress++ % 250)}`;
const participantUnder = (lockPolicy: LockPolicy) => createParticipant(env.database.sql, { session: { lockPolicy } });

async function secret(): Promise<Buffer> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>("SELECT value FROM app_secrets WHERE name = 'device_keys'");
  return row!.value as Buffer;
}

describe('the device key', () => {
  it('when a device checks in, then it gets an HttpOnly, SameSite=Strict key for the API that lasts a week, and only a hash of it is stored', async () => {
    const participant = await participantUnder('device');
    const device = new TestDevice(address());

    const response = await device.checkIn(env.server.baseUrl, participant);

    expect(response.status).toBe(200);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${DEVICE_COOKIE}=[\\w.-]+; Max-Age=${DEVICE_KEY_LIFETIME_S}; Path=/api; HttpOnly; SameSite=Strict$`));
    const key = device.cookies.get(DEVICE_COOKIE)!;
    const row = await participantRow(env.database.sql, participant.code);
    expect(row.locked_device).toBe(deviceHash(key.split('.')[1]!));
    const [stored] = await env.database.sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM audit_events WHERE device = ? OR user_agent LIKE ?', [key, `%${key}%`]);
    expect(Number(stored[0]!.n)).toBe(0);
  });

  it('when the service is reached over https (behind a trusted proxy), then the key is Secure', async () => {
    const server = await startTestServer(env.database.db, { TRUST_PROXY: ['127.0.0.1'] });
    try {
      const participant = await participantUnder('device');
      const response = await request(`${server.baseUrl}/api/check-in`, { json: participant, localAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.7' } });
      expect(String(response.headers['set-cookie'])).toContain('; Secure');
    } finally {
      await server.close();
    }
  });

  it('when a refused device or one asking for a device change has no key, then it gets one', async () => {
    const participant = await participantUnder('device');
    await new TestDevice(address()).checkIn(env.server.baseUrl, participant);
    const refused = new TestDevice(address());

    expect((await refused.checkIn(env.server.baseUrl, participant)).status).toBe(409);
    expect(refused.cookies.has(DEVICE_COOKIE)).toBe(true);
    const asker = new TestDevice(address());
    const ask = await asker.send(`${env.server.baseUrl}/api/device-change-requests`, { json: participant });
    expect(ask.status).toBe(201);
    expect(asker.cookies.has(DEVICE_COOKIE)).toBe(true);
  });

  const badKeys: [string, () => string | Promise<string>][] = [
    ['forged (a well-formed key with a wrong signature)', () => `${Math.floor(Date.now() / 1000).toString(36)}.${randomBytes(16).toString('base64url')}..${randomBytes(16).toString('base64url')}`],
    ['expired (signed, issued eight days ago)', async () => signKey(await secret(), { issuedS: Math.floor(Date.now() / 1000) - 8 * 24 * 3600, random: randomBytes(16).toString('base64url') })],
    ['malformed', () => 'not-a-key'],
    ['not %-encoded', () => '%E0%A4%A'],
    ['absurdly long', () => 'x'.repeat(5000)],
  ];
  it.each(badKeys)('when the key cookie is %s, then it counts as no key: a new one is issued and the holder is not matched', async (_label, makeKey) => {
    const participant = await participantUnder('device');
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);
    const intruder = new TestDevice(holder.ip);
    const bad = await makeKey();
    intruder.cookies.set(DEVICE_COOKIE, bad);

    const response = await intruder.checkIn(env.server.baseUrl, participant);

    expect([response.status, response.json.error?.code]).toEqual([409, 'locked_to_another_device']);
    expect(intruder.cookies.get(DEVICE_COOKIE)).not.toBe(bad);
  });

  it("when a genuine key is presented, then its device is the holder even from another address, and a copy of another device's key does not help", async () => {
    const participant = await participantUnder('device');
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);
    const other = new TestDevice(holder.ip);
    await other.checkIn(env.server.baseUrl, { code: participant.code, fullName: 'someone else' });
    await timePasses(env.database.sql, participant.code);

    expect((await holder.movedTo(address()).checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
    expect((await other.checkIn(env.server.baseUrl, participant)).status).toBe(409);
  });
});

describe('the lock policies', () => {
  // Holder: device A at address 1. Each row: the attempt, and what each policy answers.
  const rows: [string, (holder: TestDevice) => TestDevice, Record<LockPolicy, number>][] = [
    ['same key, new address', (holder) => holder.movedTo(address()), { address: 409, device: 200, device_and_address: 409 }],
    ['new key, same address', (holder) => { const other = new TestDevice(holder.ip); other.cookies.set('warm', '1'); return other; }, { address: 200, device: 409, device_and_address: 409 }],
    ['no key, same address', (holder) => new TestDevice(holder.ip), { address: 200, device: 409, device_and_address: 409 }],
  ];
  for (const [row, attempt, expected] of rows) {
    for (const policy of ['address', 'device', 'device_and_address'] as const) {
      it(`when the policy is ${policy} and the attempt has the ${row}, then ${expected[policy]}`, async () => {
        const participant = await participantUnder(policy);
        const holder = new TestDevice(address());
        await holder.checkIn(env.server.baseUrl, participant);
        const from = attempt(holder);
        if (row === 'new key, same address') await from.checkIn(env.server.baseUrl, { code: 'NO-SUCH-CODE', fullName: 'x' });
        await timePasses(env.database.sql, participant.code);

        const response = await from.checkIn(env.server.baseUrl, participant);

        expect(response.status).toBe(expected[policy]);
        if (response.status === 200) expect(response.json.result).toBe('reentered');
        else expect(response.json.error.code).toBe('locked_to_another_device');
      });
    }
  }

  it('when the holder comes back from another network under the device policy, then network_changed records both addresses and the lock follows', async () => {
    const participant = await participantUnder('device');
    const wifi = new TestDevice(address());
    const first = await wifi.checkIn(env.server.baseUrl, participant);
    const hotspot = wifi.movedTo(address());
    await timePasses(env.database.sql, participant.code);

    const again = await hotspot.checkIn(env.server.baseUrl, participant);

    expect([again.status, again.json.result, again.json.participant.deviceLockedAt]).toEqual([200, 'reentered', first.json.participant.deviceLockedAt]);
    const moved = (await auditRows(env.database.sql, participant.code)).at(-1)!;
    expect(moved).toMatchObject({ event_type: 'network_changed', source_ip: hotspot.ip, locked_ip_before: wifi.ip, locked_ip_after: hotspot.ip, lock_policy: 'device' });
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe(hotspot.ip);
    await timePasses(env.database.sql, participant.code);
    expect((await wifi.checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
  });
});

describe('a copied device key', () => {
  for (const policy of ['address', 'device', 'device_and_address'] as const) {
    it(`when the policy is ${policy} and the holder's key comes from another address seconds after the holder used it, then it is refused as a copy, audited with both addresses, and the proctor sees it`, async () => {
      const proctor = await logInProctor(env.server.baseUrl, env.database.db);
      const participant = await participantUnder(policy);
      const holder = new TestDevice(address());
      await holder.checkIn(env.server.baseUrl, participant);

      const copy = await holder.movedTo(address()).checkIn(env.server.baseUrl, participant);

      expect(copy.status).toBe(409);
      expect(copy.json.error.code).toBe('device_in_use_elsewhere');
      const refused = (await auditRows(env.database.sql, participant.code)).at(-1)!;
      expect(refused).toMatchObject({ event_type: 'device_key_copied', locked_ip_before: holder.ip, locked_ip_after: holder.ip, lock_policy: policy });
      expect(refused.source_ip).not.toBe(holder.ip);
      const listed = (await proctor.get('/api/proctor/participants')).json.participants.find((p: { code: string }) => p.code === participant.code);
      expect(listed).toMatchObject({ lockedIp: holder.ip, openConflict: true, lastRefused: { kind: 'device_key_copied', ip: refused.source_ip } });
      expect((await holder.checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
    });
  }

  it('when copies of the holder\'s key check in from two other addresses at the same instant, then both are refused and the lock stays', async () => {
    const participant = await participantUnder('device');
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);

    const copies = await Promise.all([holder.movedTo(address()), holder.movedTo(address())].map((copy) => copy.checkIn(env.server.baseUrl, participant)));

    expect(copies.map((copy) => copy.json.error?.code)).toEqual(['device_in_use_elsewhere', 'device_in_use_elsewhere']);
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe(holder.ip);
  });

  it('when the proctor decides the copy is the student on a new network, then moving the lock to it lets it in', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await participantUnder('device');
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);
    const moved = holder.movedTo(address());
    await moved.checkIn(env.server.baseUrl, participant);
    const refused = (await auditRows(env.database.sql, participant.code)).at(-1)!;

    const transfer = await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toAttempt: refused.id, reason: 'switched to the hotspot', expectedIp: holder.ip });

    expect(transfer.status).toBe(200);
    expect((await moved.checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
  });
});

describe('the check-in window and allowed networks', () => {
  const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

  it('when check-in has not opened, then 403 not_open_yet with the opening time and the exam time zone, audited, no lock', async () => {
    const opensAt = minutes(30);
    const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'device', opensAt, timeZone: 'Europe/Berlin' } });

    const response = await new TestDevice(address()).checkIn(env.server.baseUrl, participant);

    expect(response.status).toBe(403);
    expect(response.json.error).toMatchObject({ code: 'not_open_yet', opensAt: new Date(opensAt).toISOString(), timeZone: 'Europe/Berlin' });
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
    expect((await auditRows(env.database.sql, participant.code)).map((row) => row.event_type)).toEqual(['not_open_yet']);
  });

  it('when inside the window, then let in; after it, 403 check_in_closed even for the holder', async () => {
    const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'device', opensAt: minutes(-30), closesAt: minutes(30) } });
    const device = new TestDevice(address());
    expect((await device.checkIn(env.server.baseUrl, participant)).status).toBe(200);
    // Changed behind the service's back, as another instance would: it applies within SESSION_CACHE_MS.
    await env.database.sql.query('UPDATE exam_sessions SET closes_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [participant.sessionId]);

    const late = await eventually('the holder refused once check-in has closed', async () => {
      const answer = await device.checkIn(env.server.baseUrl, participant);
      return answer.status !== 200 && answer;
    }, SESSION_CACHE_MS + 2000);

    expect([late.status, late.json.error?.code]).toEqual([403, 'check_in_closed']);
  });

  it('when attempts straddle the opening time, then every one before it is refused and the first at or after it is let in', async () => {
    const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'device' } });
    await env.database.sql.query('UPDATE exam_sessions SET opens_at = UTC_TIMESTAMP(3) + INTERVAL 1500000 MICROSECOND WHERE id = ?', [participant.sessionId]);
    const device = new TestDevice(address());

    const answer = await eventually('the first attempt let in', async () => {
      const attempt = await device.checkIn(env.server.baseUrl, participant);
      return attempt.status !== 403 && attempt;
    });

    expect(answer.status).toBe(200);
    const [[{ opens }]] = (await env.database.sql.query('SELECT opens_at AS opens FROM exam_sessions WHERE id = ?', [participant.sessionId])) as unknown as [[{ opens: Date }]];
    const rows = await auditRows(env.database.sql, participant.code);
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.filter((row) => row.event_type === 'not_open_yet' && row.created_at >= opens).map((row) => row.created_at)).toEqual([]);
    expect(rows.at(-1)).toMatchObject({ event_type: 'checked_in' });
    expect(rows.at(-1)!.created_at.getTime()).toBeGreaterThanOrEqual(opens.getTime());
  });

  it('when the session allows only some IPv4 networks, then an attempt from outside gets 403 outside_allowed_networks, audited, no lock', async () => {
    const inside = address();
    const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'device', allowedNetworks: [`${inside}/32`, '10.0.0.0/8'] } });

    const outside = await new TestDevice(address()).checkIn(env.server.baseUrl, participant);
    expect([outside.status, outside.json.error.code]).toEqual([403, 'outside_allowed_networks']);
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
    expect((await new TestDevice(inside).checkIn(env.server.baseUrl, participant)).status).toBe(200);
    expect((await auditRows(env.database.sql, participant.code)).map((row) => row.event_type)).toEqual(['outside_allowed_networks', 'checked_in']);
  });

  it('when the allowed network is an IPv4-mapped IPv6 range, then an IPv4 client inside it is let in', async () => {
    const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'device', allowedNetworks: ['::ffff:127.0.99.0/120'] } });
    expect((await new TestDevice('127.0.99.7').checkIn(env.server.baseUrl, participant)).status).toBe(200);
    expect((await new TestDevice(address()).checkIn(env.server.baseUrl, participant)).json.error.code).toBe('outside_allowed_networks');
  });

  it('when clients reach the service over IPv6 through a trusted proxy, then IPv6 ranges decide', async () => {
    const server = await startTestServer(env.database.db, { TRUST_PROXY: ['127.0.0.1'] });
    try {
      const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'device', allowedNetworks: ['2001:db8:aa::/48'] } });
      const via = (ip: string) => request(`${server.baseUrl}/api/check-in`, { json: participant, localAddress: '127.0.0.1', headers: { 'x-forwarded-for': ip } });
      expect((await via('2001:db8:bb::5')).json.error.code).toBe('outside_allowed_networks');
      expect((await via('2001:db8:aa::5')).status).toBe(200);
      expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe('2001:db8:aa::5');
    } finally {
      await server.close();
    }
  });
});

describe('proctors and devices behind one address', () => {
  it('when a proctor approves a device change, then exactly the asking browser gets in, and a third browser behind the same address is still refused', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await participantUnder('device');
    const hall = address();
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);
    const asker = new TestDevice(hall);
    const third = new TestDevice(hall);
    const ask = await asker.send(`${env.server.baseUrl}/api/device-change-requests`, { json: participant });

    const approve = await proctor.post(`/api/proctor/device-change-requests/${ask.json.requestId}/approve`, { expectedIp: holder.ip });

    expect(approve.status).toBe(200);
    expect(approve.json.participant.lockedDevice).toEqual(expect.stringMatching(/^[0-9a-f]{8}$/));
    expect((await asker.checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
    expect((await third.checkIn(env.server.baseUrl, participant)).status).toBe(409);
    expect((await holder.checkIn(env.server.baseUrl, participant)).status).toBe(409);
  });

  it('when a proctor moves the lock to one refused attempt, then only that browser of the shared address gets in', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await participantUnder('device');
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);
    const hall = address();
    const [first, second] = [new TestDevice(hall), new TestDevice(hall)];
    await first.checkIn(env.server.baseUrl, participant);
    await second.checkIn(env.server.baseUrl, participant);
    const refusals = (await auditRows(env.database.sql, participant.code)).filter((row) => row.event_type === 'device_conflict');
    const listed = (await proctor.get(`/api/proctor/participants?session=${participant.sessionId}`)).json.participants[0];

    const moved = await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, {
      toAttempt: refusals[0]!.id, reason: 'the first laptop is the right one', expectedIp: holder.ip, expectedDevice: listed.lockedDevice,
    });

    expect(moved.status).toBe(200);
    expect((await first.checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
    expect((await second.checkIn(env.server.baseUrl, participant)).status).toBe(409);
  });

  it('when the device the proctor saw is not the holder any more, then the move is refused with lock_changed', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await participantUnder('device');
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);

    const stale = await proctor.post(`/api/proctor/participants/${participant.code}/reset-lock`, { reason: 'r', expectedIp: holder.ip, expectedDevice: '00000000' });

    expect([stale.status, stale.json.error.code]).toEqual([409, 'lock_changed']);
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe(holder.ip);
  });

  it('when a move names an address, then the latest refused device from it gets the lock; with none, the bare address does', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await participantUnder('device');
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);
    const refused = new TestDevice(address());
    await refused.checkIn(env.server.baseUrl, participant);

    await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toIp: refused.ip, reason: 'r', expectedIp: holder.ip });

    expect((await new TestDevice(refused.ip).checkIn(env.server.baseUrl, participant)).status).toBe(409);
    expect((await refused.checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
    const bare = address();
    await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toIp: bare, reason: 'r', expectedIp: refused.ip });
    const newcomer = new TestDevice(bare);
    expect((await newcomer.checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
    expect((await new TestDevice(bare).checkIn(env.server.baseUrl, participant)).status).toBe(409);
  });

  it('when a move names its address or the holder in another spelling (IPv4-mapped IPv6), then it is the same address', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await participantUnder('device');
    const holder = new TestDevice(address());
    await holder.checkIn(env.server.baseUrl, participant);
    const target = address();

    const moved = await proctor.post(`/api/proctor/participants/${participant.code}/transfer-lock`, { toIp: `::ffff:${target}`, reason: 'r', expectedIp: `::FFFF:${holder.ip}` });

    expect(moved.status).toBe(200);
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe(target);
    expect((await new TestDevice(target).checkIn(env.server.baseUrl, participant)).json.result).toBe('reentered');
  });

  it('when a move names neither or both targets, or an attempt of another participant, then 400', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const participant = await participantUnder('device');
    const other = await participantUnder('device');
    await new TestDevice(address()).checkIn(env.server.baseUrl, other);
    const [foreign] = await auditRows(env.database.sql, other.code);
    const at = `/api/proctor/participants/${participant.code}/transfer-lock`;
    expect((await proctor.post(at, { reason: 'r', expectedIp: null })).status).toBe(400);
    expect((await proctor.post(at, { reason: 'r', expectedIp: null, toIp: '10.1.1.1', toAttempt: 1 })).status).toBe(400);
    expect((await proctor.post(at, { reason: 'r', expectedIp: null, toAttempt: foreign!.id })).json.error.code).toBe('invalid_input');
  });
});
