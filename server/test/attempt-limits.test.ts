import { describe, expect, it } from 'vitest';
import { auditRows, createParticipant, createParticipants, participantRow, tableSnapshot, uniqueCode } from './support/fixtures.ts';
import { checkIn, type HttpResponse, request, TestDevice } from './support/http-client.ts';
import { createProctor, logInProctor } from './support/proctor-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

const refusal = (response: HttpResponse) => ({ status: response.status, error: response.json?.error });

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

describe('attempt limits in an exam hall behind one address', () => {
  it('when 500 students behind one address make 500 typos, then every one of them checks in with the right code and name, while a device hammering wrong pairs there is throttled', async () => {
    const hall = '127.0.40.1';
    const participants = await createParticipants(env.database.sql, 500, { session: { lockPolicy: 'device' } });
    const devices = participants.map(() => new TestDevice(hall));
    const typo = (index: number) => {
      const { code, fullName } = participants[index]!;
      // Half misspell their name, half mistype their code (which then matches nobody).
      return index % 2 === 0 ? { code, fullName: `${fullName}x` } : { code: `${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`, fullName };
    };
    const typos: HttpResponse[] = [];
    await inBatches([...participants.keys()], 50, async (index) => {
      typos.push(await devices[index]!.checkIn(env.server.baseUrl, typo(index)));
    });
    expect(typos.map((response) => response.status)).toEqual(Array(500).fill(403));

    const hammer = new TestDevice(hall);
    const victim = participants[0]!;
    const hammered: number[] = [];
    for (let i = 0; i < 11; i++) hammered.push((await hammer.checkIn(env.server.baseUrl, { code: uniqueCode('G'), fullName: `Guess ${i}` })).status);

    const checkIns: HttpResponse[] = [];
    await inBatches([...participants.keys()], 50, async (index) => {
      checkIns.push(await devices[index]!.checkIn(env.server.baseUrl, participants[index]));
    });

    expect(hammered).toEqual([...Array(10).fill(403), 429]);
    expect(checkIns.filter((response) => response.status !== 200).map(refusal)).toEqual([]);
    expect((await hammer.checkIn(env.server.baseUrl, { code: uniqueCode('G'), fullName: 'Again' })).status).toBe(429);
    expect((await participantRow(env.database.sql, victim.code)).locked_device).not.toBeNull();
  });

  it('when one address keeps guessing names for one code without keeping a device key, then the 11th attempt gets 429 with Retry-After and writes nothing', async () => {
    const participant = await createParticipant(env.database.sql);
    for (let i = 0; i < 10; i++) {
      expect((await checkIn(env.server.baseUrl, { code: participant.code, fullName: `Guess ${i}` }, '127.0.41.1')).status).toBe(403);
    }
    const auditBefore = await tableSnapshot(env.database.sql, 'audit_events');

    const limited = await checkIn(env.server.baseUrl, participant, '127.0.41.1');

    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(300);
    expect(await tableSnapshot(env.database.sql, 'audit_events')).toEqual(auditBefore);
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
    // The owner, anywhere else, is not affected.
    expect((await checkIn(env.server.baseUrl, participant, '127.0.41.2')).status).toBe(200);
  });

  it('when a device fails on ten different codes, then it is throttled for any code, right ones included, and a neighbour at its address is not', async () => {
    const [target, ...others] = await createParticipants(env.database.sql, 11);
    const device = new TestDevice('127.0.42.1');
    for (const other of others.slice(0, 10)) expect((await device.checkIn(env.server.baseUrl, { code: other.code, fullName: 'Wrong' })).status).toBe(403);

    expect((await device.checkIn(env.server.baseUrl, target)).status).toBe(429);
    expect((await new TestDevice('127.0.42.1').checkIn(env.server.baseUrl, target)).status).toBe(200);
  });

  it('when a device that was throttled replays the key it had before its first failure, then it is still throttled', async () => {
    const codes = await createParticipants(env.database.sql, 12);
    const device = new TestDevice('127.0.44.9');
    expect((await device.checkIn(env.server.baseUrl, codes[0])).status).toBe(200);
    const keyBeforeFailing = new Map(device.cookies);
    for (const participant of codes.slice(1, 11)) await device.checkIn(env.server.baseUrl, { code: participant.code, fullName: 'Wrong Name' });

    const replayed = new TestDevice('127.0.44.9');
    for (const [name, value] of keyBeforeFailing) replayed.cookies.set(name, value);
    const answer = await replayed.checkIn(env.server.baseUrl, { code: codes[11]!.code, fullName: 'Wrong Again' });

    expect(answer.status).toBe(429);
    expect(await auditRows(env.database.sql, codes[11]!.code)).toEqual([]);
  });

  it('when strangers fail on a code from 30 addresses, or 30 times from one, then its owner still checks in', async () => {
    const [spread, focused] = await createParticipants(env.database.sql, 2);
    for (let i = 0; i < 30; i++) await checkIn(env.server.baseUrl, { code: spread!.code, fullName: 'Wrong' }, `127.0.43.${i + 1}`);
    for (let i = 0; i < 30; i++) await checkIn(env.server.baseUrl, { code: focused!.code, fullName: 'Wrong' }, '127.0.43.100');

    expect((await checkIn(env.server.baseUrl, spread, '127.0.43.200')).status).toBe(200);
    expect((await checkIn(env.server.baseUrl, focused, '127.0.43.201')).status).toBe(200);
  });

  it('when a known and an unknown code are guessed the same way, then every answer is the same, throttled or not', async () => {
    const participant = await createParticipant(env.database.sql);
    const unknown = uniqueCode('NONE');
    const known: HttpResponse[] = [];
    const missing: HttpResponse[] = [];
    for (let i = 0; i < 12; i++) {
      known.push(await checkIn(env.server.baseUrl, { code: participant.code, fullName: `Guess ${i}` }, '127.0.44.1'));
      missing.push(await checkIn(env.server.baseUrl, { code: unknown, fullName: `Guess ${i}` }, '127.0.44.2'));
    }

    expect(known.map(refusal)).toEqual(missing.map(refusal));
    expect(known.map((response) => response.status)).toEqual([...Array(10).fill(403), 429, 429]);
    expect(known.map((response) => response.headers['retry-after'] !== undefined)).toEqual(missing.map((response) => response.headers['retry-after'] !== undefined));
  });

  it('when an IPv6 client guesses from many addresses of one /64, then they count as one address; another /64 is not affected', async () => {
    const server = await startTestServer(env.database.db, { TRUST_PROXY: ['127.0.0.1'] });
    try {
      const participant = await createParticipant(env.database.sql);
      const from = (address: string, fullName: string) => checkIn(server.baseUrl, { code: participant.code, fullName }, '127.0.0.1', { 'x-forwarded-for': address });
      for (let i = 1; i <= 10; i++) expect((await from(`2001:db8:aa:1::${i.toString(16)}`, 'Wrong')).status).toBe(403);

      expect((await from('2001:db8:aa:1:ffff::1', 'Wrong')).status).toBe(429);
      expect((await from('2001:db8:aa:2::1', participant.fullName)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('when a forwarded address is malformed or absurdly long behind TRUST_PROXY, then the answer is 400 invalid_input, not 500; a valid one is normalised', async () => {
    const server = await startTestServer(env.database.db, { TRUST_PROXY: ['127.0.0.1'] });
    try {
      const participant = await createParticipant(env.database.sql);
      for (const forwarded of ['1'.repeat(200), 'not-an-address', '300.1.1.1', `${'a:'.repeat(100)}1`]) {
        const response = await checkIn(server.baseUrl, participant, '127.0.0.1', { 'x-forwarded-for': forwarded });
        expect([response.status, response.json?.error?.code], forwarded.slice(0, 20)).toEqual([400, 'invalid_input']);
      }
      const response = await checkIn(server.baseUrl, participant, '127.0.0.1', { 'x-forwarded-for': '2001:DB8:0:0::0:1' });
      expect(response.status).toBe(200);
      expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe('2001:db8::1');
    } finally {
      await server.close();
    }
  });

  it('when a refused device keeps retrying, then it keeps getting the device answer, never 429', async () => {
    const participant = await createParticipant(env.database.sql);
    await checkIn(env.server.baseUrl, participant, '127.0.45.1');
    for (let i = 0; i < 15; i++) expect((await checkIn(env.server.baseUrl, participant, '127.0.45.2')).status).toBe(409);
  });

  it('when the failures are spread over two server instances, then the limit still holds', async () => {
    const other = await startTestServer(env.database.db);
    try {
      const participant = await createParticipant(env.database.sql);
      for (let i = 0; i < 10; i++) {
        await checkIn(i % 2 === 0 ? env.server.baseUrl : other.baseUrl, { code: participant.code, fullName: 'Wrong' }, '127.0.46.1');
      }
      expect((await checkIn(other.baseUrl, participant, '127.0.46.1')).status).toBe(429);
      expect((await auditRows(env.database.sql, participant.code)).filter((row) => row.event_type === 'not_recognised')).toHaveLength(10);
    } finally {
      await other.close();
    }
  });

  it('when 40 wrong guesses race from one device, then no more than the limit are judged', async () => {
    const participant = await createParticipant(env.database.sql);
    const device = new TestDevice('127.0.47.1');
    // The first failure gives the device its suspect mark; the racing ones all carry it.
    await device.checkIn(env.server.baseUrl, { code: participant.code, fullName: 'Wrong 0' });

    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => device.checkIn(env.server.baseUrl, { code: participant.code, fullName: `Wrong ${i + 1}` })));

    expect(responses.filter((response) => response.status === 403)).toHaveLength(9);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(31);
    expect((await auditRows(env.database.sql, participant.code)).filter((row) => row.event_type === 'not_recognised')).toHaveLength(10);
  });
});

describe('device-change requests go through the same guard', () => {
  it('when names are guessed for a known code through the device-change endpoint, then each is audited, the answer equals an unknown code\'s, and the 11th is throttled even with the right name', async () => {
    const participant = await createParticipant(env.database.sql);
    const attacker = new TestDevice('127.0.48.1');
    const ask = (device: TestDevice, body: unknown) => device.send(`${env.server.baseUrl}/api/device-change-requests`, { json: body });
    const answers: HttpResponse[] = [];
    for (let i = 0; i < 10; i++) answers.push(await ask(attacker, { code: participant.code, fullName: `Guess ${i}` }));
    const unknownAnswer = await ask(new TestDevice('127.0.48.2'), { code: uniqueCode('NONE'), fullName: 'Guess' });

    expect(answers.map(refusal)).toEqual(Array(10).fill(refusal(unknownAnswer)));
    expect(unknownAnswer.status).toBe(403);
    expect((await auditRows(env.database.sql, participant.code)).filter((row) => row.event_type === 'not_recognised')).toHaveLength(10);

    expect((await ask(attacker, participant)).status).toBe(429);
    // A fresh device at the attacker's address is still the same (address, code) pair.
    expect((await checkIn(env.server.baseUrl, participant, '127.0.48.1')).status).toBe(429);
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
    expect((await checkIn(env.server.baseUrl, participant, '127.0.48.3')).status).toBe(200);
  });

  it('when a device failed at check-in, then its device-change requests count against the same limit', async () => {
    const participant = await createParticipant(env.database.sql);
    const device = new TestDevice('127.0.49.1');
    for (let i = 0; i < 5; i++) await device.checkIn(env.server.baseUrl, { code: uniqueCode('X'), fullName: 'Wrong' });
    for (let i = 0; i < 5; i++) await device.send(`${env.server.baseUrl}/api/device-change-requests`, { json: { code: uniqueCode('X'), fullName: 'Wrong' } });

    expect((await device.checkIn(env.server.baseUrl, participant)).status).toBe(429);
  });
});

describe('letting a throttled participant try again', () => {
  it('when a proctor lets a participant try again, then the throttled device gets in at once, the dashboard shows the throttle until then, and it is audited', async () => {
    const participant = await createParticipant(env.database.sql);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const nervous = new TestDevice('127.0.50.1');
    for (let i = 0; i < 10; i++) await nervous.checkIn(env.server.baseUrl, { code: participant.code, fullName: `Typo ${i}` });
    expect((await nervous.checkIn(env.server.baseUrl, participant)).status).toBe(429);
    const before = await proctor.get(`/api/proctor/participants?session=${participant.sessionId}`);
    expect(before.json.participants.find((row: { code: string }) => row.code === participant.code).throttled).toBe(true);

    const cleared = await proctor.post(`/api/proctor/participants/${participant.code}/let-try-again`, { reason: 'typed her name wrong' });

    expect(cleared.status).toBe(200);
    expect(cleared.json.participant.throttled).toBe(false);
    expect((await nervous.checkIn(env.server.baseUrl, participant)).status).toBe(200);
    const audited = (await auditRows(env.database.sql, participant.code)).find((row) => row.event_type === 'throttle_cleared');
    expect(audited).toMatchObject({ actor: proctor.username, reason: 'typed her name wrong' });
  });

  it('when a proctor lets an address try again, then a device throttled there and the address\'s pairs are cleared', async () => {
    const participant = await createParticipant(env.database.sql);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    for (let i = 0; i < 10; i++) await checkIn(env.server.baseUrl, { code: participant.code, fullName: `Typo ${i}` }, '127.0.51.1');
    expect((await checkIn(env.server.baseUrl, participant, '127.0.51.1')).status).toBe(429);

    const cleared = await proctor.post('/api/proctor/addresses/let-try-again', { address: '127.0.51.1', reason: 'hall 3' });

    expect(cleared.status).toBe(200);
    // The pair (address, code), and each of the ten one-time devices that failed there.
    expect(cleared.json).toEqual({ address: '127.0.51.1', cleared: 11 });
    expect((await checkIn(env.server.baseUrl, participant, '127.0.51.1')).status).toBe(200);
    expect((await proctor.post('/api/proctor/addresses/let-try-again', { address: 'hall 3', reason: 'x' })).json.error.code).toBe('invalid_input');
  });

  it('when a proctor lets an address try again, then password guesses from it stay limited', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const target = await createProctor(env.database.db);
    const login = (password: string) => request(`${env.server.baseUrl}/api/proctor/login`, { json: { username: target.username, password }, localAddress: '127.0.52.1' });
    for (let i = 0; i < 10; i++) expect((await login('wrong-wrong')).status).toBe(401);
    expect((await login(target.password)).status).toBe(429);

    const cleared = await proctor.post('/api/proctor/addresses/let-try-again', { address: '127.0.52.1', reason: 'hall 3' });

    expect(cleared.json).toEqual({ address: '127.0.52.1', cleared: 0 });
    expect((await login(target.password)).status).toBe(429);
  });
});
