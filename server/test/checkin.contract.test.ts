import { describe, expect, it } from 'vitest';
import { auditRows, createParticipant, participantRow, tableSnapshot } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

const DEVICE_A = '127.0.1.1';
const DEVICE_B = '127.0.1.2';

describe('POST /api/check-in', () => {
  it('when the first device checks in with a valid code and name, then it is locked to that device and audited', async () => {
    const participant = await createParticipant(env.database.sql);

    const response = await checkIn(env.server.baseUrl, participant, DEVICE_A, { 'user-agent': 'DeviceA/1.0' });

    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      result: 'checked_in',
      participant: { code: participant.code, fullName: participant.fullName, status: 'in_progress', deviceLockedAt: expect.any(String) },
      examSession: { name: expect.any(String) },
      receipt: expect.stringMatching(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/),
    });
    const row = await participantRow(env.database.sql, participant.code);
    expect(row.status).toBe('in_progress');
    expect(row.locked_ip).toBe(DEVICE_A);
    expect(row.device_locked_at?.toISOString()).toBe(response.json.participant.deviceLockedAt);
    const audit = await auditRows(env.database.sql, participant.code);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ event_type: 'checked_in', source_ip: DEVICE_A, user_agent: 'DeviceA/1.0', participant_id: row.id });
    expect(audit[0]!.request_id).toBe(response.headers['x-request-id']);
  });

  it('when the same device checks in again, then it is let in and the lock time does not change', async () => {
    const participant = await createParticipant(env.database.sql);
    const first = await checkIn(env.server.baseUrl, participant, DEVICE_A);

    const again = await checkIn(env.server.baseUrl, participant, DEVICE_A);

    expect(again.status).toBe(200);
    expect(again.json.result).toBe('reentered');
    expect(again.json.participant.deviceLockedAt).toBe(first.json.participant.deviceLockedAt);
    expect((await auditRows(env.database.sql, participant.code)).map((row) => row.event_type)).toEqual(['checked_in', 'reentered']);
  });

  it('when another device uses a locked code, then it gets 409 telling the person to ask a proctor, and only the conflict summary changes', async () => {
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, DEVICE_A);
    const before = await participantRow(env.database.sql, participant.code);

    const response = await checkIn(env.server.baseUrl, participant, DEVICE_B);

    expect(response.status).toBe(409);
    expect(response.json.error.code).toBe('locked_to_another_device');
    expect(response.json.error.message).toMatch(/proctor/i);
    const audit = await auditRows(env.database.sql, participant.code);
    expect(audit.map((row) => [row.event_type, row.source_ip])).toEqual([
      ['checked_in', DEVICE_A],
      ['device_conflict', DEVICE_B],
    ]);
    const after = await participantRow(env.database.sql, participant.code);
    expect(after).toEqual({
      ...before, refused_attempts: 1, last_refusal_event_id: audit[1]!.id, conflict_open: 1, chain_seq: 2, chain_head: after.chain_head,
    });
    expect(after.chain_head).not.toEqual(before.chain_head);
  });

  it('when the code has expired, then even the device holding the lock gets 403 code_expired (not the device rule)', async () => {
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, DEVICE_A);
    await env.database.sql.query("UPDATE participants SET status = 'expired' WHERE code = ?", [participant.code]);

    const fromHolder = await checkIn(env.server.baseUrl, participant, DEVICE_A);
    const fromOther = await checkIn(env.server.baseUrl, participant, DEVICE_B);

    for (const response of [fromHolder, fromOther]) {
      expect(response.status).toBe(403);
      expect(response.json.error.code).toBe('code_expired');
    }
    const fresh = await createParticipant(env.database.sql, { status: 'expired' });
    const firstDevice = await checkIn(env.server.baseUrl, fresh, DEVICE_A);
    expect(firstDevice.status).toBe(403);
    expect(firstDevice.json.error.code).toBe('code_expired');
    expect((await participantRow(env.database.sql, fresh.code)).locked_ip).toBeNull();
  });

  it('when the code is unknown or the name does not match, then both get the identical 403 not_recognised', async () => {
    const participant = await createParticipant(env.database.sql);

    const unknown = await checkIn(env.server.baseUrl, { code: 'NO-SUCH-CODE', fullName: participant.fullName }, DEVICE_A);
    const wrongName = await checkIn(env.server.baseUrl, { code: participant.code, fullName: 'Somebody Else' }, DEVICE_A);

    expect(unknown.status).toBe(403);
    expect(wrongName.status).toBe(403);
    expect(unknown.json).toEqual(wrongName.json);
    expect(unknown.json.error.code).toBe('not_recognised');
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
    expect((await auditRows(env.database.sql, 'NO-SUCH-CODE')).map((row) => [row.event_type, row.participant_id])).toEqual([['not_recognised', null]]);
    expect((await auditRows(env.database.sql, participant.code)).map((row) => row.event_type)).toEqual(['not_recognised']);
  });

  it('when a wrong name is given for an expired or locked code, then the answer is not_recognised, revealing nothing', async () => {
    const expired = await createParticipant(env.database.sql, { status: 'expired' });
    const locked = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, locked, DEVICE_A);

    for (const code of [expired.code, locked.code]) {
      const response = await checkIn(env.server.baseUrl, { code, fullName: 'Wrong Person' }, DEVICE_B);
      expect(response.status).toBe(403);
      expect(response.json.error.code).toBe('not_recognised');
    }
  });

  it('when the user agent is longer than 512 characters, then its first 512 are stored', async () => {
    const participant = await createParticipant(env.database.sql);
    const userAgent = `Long/${'x'.repeat(600)}`;

    expect((await checkIn(env.server.baseUrl, participant, DEVICE_A, { 'user-agent': userAgent })).status).toBe(200);

    expect((await auditRows(env.database.sql, participant.code)).map((event) => event.user_agent)).toEqual([userAgent.slice(0, 512)]);
  });

  it('when the code is typed in lower case, then it matches the upper-case code', async () => {
    const participant = await createParticipant(env.database.sql);

    const response = await checkIn(env.server.baseUrl, { code: participant.code.toLowerCase(), fullName: participant.fullName }, DEVICE_A);

    expect(response.status).toBe(200);
    expect(response.json.participant.code).toBe(participant.code);
  });
});

describe('name comparison', () => {
  const cases: [string, string, string][] = [
    ['case and surrounding/inner whitespace', 'Jane  Mary Doe', '  jane mary   DOE\t'],
    ['decomposed accents (NFD) against composed (NFC)', 'José Álvarez', 'Jose\u0301 A\u0301lvarez'],
    ['Arabic', 'محمد علي', ' محمد   علي '],
    ['CJK', '李明', '李明 '],
    ['German sharp s', 'Hans Straße', 'HANS STRASSE'],
    ['non-breaking space', 'Zoë Müller', 'Zoë\u00a0Müller'],
  ];
  for (const [label, registered, typed] of cases) {
    it(`when the typed name differs only by ${label}, then the participant is recognised`, async () => {
      const participant = await createParticipant(env.database.sql, { fullName: () => registered });

      const response = await checkIn(env.server.baseUrl, { code: participant.code, fullName: typed }, DEVICE_A);

      expect(response.status).toBe(200);
    });
  }

  it('when the typed name differs by a letter, then it is not recognised', async () => {
    const participant = await createParticipant(env.database.sql, { fullName: () => 'José Álvarez' });

    const response = await checkIn(env.server.baseUrl, { code: participant.code, fullName: 'Jose Alvarez' }, DEVICE_A);

    expect(response.status).toBe(403);
  });
});

describe('bad input', () => {
  const invalidBodies: [string, unknown][] = [
    ['a code that is an object', { code: { a: 1 }, fullName: 'A B' }],
    ['a missing code', { fullName: 'A B' }],
    ['a missing name', { code: 'ABCD-1234' }],
    ['a numeric code', { code: 12345678, fullName: 'A B' }],
    ['a code with bad characters', { code: 'ABC 123', fullName: 'A B' }],
    ['a code with SQL in it', { code: "A' OR 1=1 --", fullName: 'A B' }],
    ['a code too short', { code: 'ABC', fullName: 'A B' }],
    ['a code too long', { code: 'A'.repeat(33), fullName: 'A B' }],
    ['a name over 200 characters', { code: 'ABCD-1234', fullName: 'x'.repeat(201) }],
    ['a blank name', { code: 'ABCD-1234', fullName: '   ' }],
    ['an array body', [1, 2]],
    ['null fields', { code: null, fullName: null }],
  ];
  for (const [label, body] of invalidBodies) {
    it(`when the body has ${label}, then 400 invalid_input and nothing is written`, async () => {
      const participantsBefore = await tableSnapshot(env.database.sql, 'participants');
      const auditBefore = await tableSnapshot(env.database.sql, 'audit_events');

      const response = await checkIn(env.server.baseUrl, body, DEVICE_A);

      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('invalid_input');
      expect(response.json.error.message).toEqual(expect.any(String));
      expect(await tableSnapshot(env.database.sql, 'participants')).toEqual(participantsBefore);
      expect(await tableSnapshot(env.database.sql, 'audit_events')).toEqual(auditBefore);
    });
  }

  it('when the JSON is malformed, then 400 invalid_input', async () => {
    const response = await request(`${env.server.baseUrl}/api/check-in`, { body: '{"code": "ABCD', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('invalid_input');
  });

  it('when the body is over 16 KB, then 413 with the error envelope', async () => {
    const response = await checkIn(env.server.baseUrl, { code: 'ABCD-1234', fullName: 'x'.repeat(17 * 1024) });
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('payload_too_large');
  });

  it('when the body is not JSON, then 415 with the error envelope', async () => {
    const response = await request(`${env.server.baseUrl}/api/check-in`, { body: 'code=ABCD-1234', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(415);
    expect(response.json.error.code).toBe('unsupported_media_type');
  });

  it('when an unknown API route is called, then 404 with the error envelope and no stack trace', async () => {
    const response = await request(`${env.server.baseUrl}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('not_found');
    expect(response.text).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('when any API answer is sent, then it is never cached or sniffed, has no X-Powered-By, and no HSTS over plain HTTP', async () => {
    const participant = await createParticipant(env.database.sql);
    for (const response of [await request(`${env.server.baseUrl}/api/nothing-here`), await checkIn(env.server.baseUrl, participant, DEVICE_A)]) {
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('when a trusted proxy says the request came over https, then API answers carry HSTS, and a login answer is not cached either', async () => {
    const server = await startTestServer(env.database.db, { TRUST_PROXY: ['127.0.0.1'] });
    try {
      const participant = await createParticipant(env.database.sql);
      const secure = await checkIn(server.baseUrl, participant, '127.0.0.1', { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.7' });
      const login = await request(`${server.baseUrl}/api/proctor/login`, { json: { username: 'nobody', password: 'wrong-password' }, headers: { 'x-forwarded-proto': 'https' } });

      expect(secure.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(String(secure.headers['set-cookie'])).toMatch(/; Secure/i);
      expect(login.headers['cache-control']).toBe('no-store');
    } finally {
      await server.close();
    }
  });
});
