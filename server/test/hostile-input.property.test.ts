import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createParticipants, tableSnapshot } from './support/fixtures.ts';
import { type HttpResponse, request } from './support/http-client.ts';
import { logInProctor, type ProctorClient } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
const RUNS = 120;

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom('\u0000', 'A\u0000B', "' OR 1=1 --", '<script>alert(1)</script>', '../../etc/passwd', '\ud800', '\udfff', '🧑‍🎓'.repeat(50), ' '.repeat(500), '%00', '${jndi:ldap://x}'),
  fc.string({ minLength: 5_000, maxLength: 20_000 }),
);

const deepNesting = fc.integer({ min: 50, max: 3000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));

const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.constantFrom('code', 'fullName', 'reason', 'expectedIp', 'toIp', 'items', 'codes', 'username', 'password', '__proto__', 'constructor'), hostileString), tie('value'), { maxKeys: 6 }),
  ),
})).value;

// Bodies with the right field names but anything in them.
const shapedBody = fc.record(
  {
    code: jsonish, fullName: jsonish, reason: jsonish, expectedIp: jsonish, toIp: jsonish, items: jsonish, codes: jsonish,
    username: jsonish, password: jsonish,
  },
  { requiredKeys: [] },
);

const rawBody = fc.oneof(
  jsonish.map((value) => JSON.stringify(value) ?? 'undefined'),
  shapedBody.map((value) => JSON.stringify(value)),
  deepNesting,
  fc.constantFrom('{"code":"ABCD-1234","code":{"a":1},"fullName":"x","fullName":7}', '{"__proto__":{"admin":true},"code":"ABCD"}', '', 'null', '"just a string"', '{', '\u0000'),
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
);

const contentType = fc.constantFrom(
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', undefined,
);

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });
const forgedHeaders = fc.record(
  { 'x-forwarded-for': printable, forwarded: printable, 'x-real-ip': printable, 'user-agent': printable, 'x-csrf-token': printable },
  { requiredKeys: [] },
);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const pathJunk = fc.oneof(hostileString.map((s) => encodeURIComponent(s.slice(0, 200).replace(LONE_SURROGATE, '\ufffd'))), fc.constantFrom('..', '%2e%2e', '%00', 'ABCD-1234', '-1', '0', '99999999999999999999', '%E0%A4%A'));

function expectWellFormed(response: HttpResponse, label: string): void {
  expect(response.status, `${label}: ${response.text.slice(0, 200)}`).toBeLessThan(500);
  expect(response.status, label).toBeGreaterThanOrEqual(200);
  if (response.status >= 400) {
    expect(response.json?.error?.code, `${label}: ${response.text.slice(0, 200)}`).toEqual(expect.any(String));
    expect(response.json?.error?.message, label).toEqual(expect.any(String));
  }
  expect(response.text, label).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expect(response.elapsedMs, label).toBeLessThan(5000);
}

async function send(path: string, body: string | Buffer | undefined, type: string | undefined, headers: Record<string, string>, method = 'POST') {
  return request(`${env.server.baseUrl}${path}`, {
    method,
    body,
    headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
    localAddress: '127.0.29.1',
  });
}

describe('hostile input', () => {
  it('when anything is sent to the public endpoints, then every answer is a 4xx envelope or a success, and nothing changes', async () => {
    const participants = await createParticipants(env.database.sql, 5);
    const before = await tableSnapshot(env.database.sql, 'participants');
    const targets = ['/api/check-in', '/api/device-change-requests', '/api/proctor/login'];

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), rawBody, contentType, forgedHeaders, async (path, body, type, headers) => {
        expectWellFormed(await send(path, body, type, headers), `${path} ${type}`);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(pathJunk, printable, async (junk, token) => {
        expectWellFormed(await send(`/api/device-change-requests/${junk}`, undefined, undefined, { 'x-request-token': token }, 'GET'), `GET request ${junk}`);
        expectWellFormed(await send(`/api/${junk}`, undefined, undefined, {}, 'GET'), `GET /api/${junk}`);
      }),
      { numRuns: RUNS },
    );

    expect(await tableSnapshot(env.database.sql, 'participants')).toEqual(before);
    expect(participants).toHaveLength(5);
  }, 120_000);

  it('when anything is sent to the proctor endpoints by a logged-in proctor, then every answer is well formed, and only successful actions change anything', async () => {
    const proctor: ProctorClient = await logInProctor(env.server.baseUrl, env.database.db);
    const participants = await createParticipants(env.database.sql, 5);
    const changed = new Set<string>();
    const before = await tableSnapshot(env.database.sql, 'participants');
    const verbs = ['reset-lock', 'transfer-lock', 'expire', 'reopen'];
    const code = fc.oneof(fc.constantFrom(...participants.map((p) => p.code)), pathJunk);

    await fc.assert(
      fc.asyncProperty(code, fc.constantFrom(...verbs), rawBody, contentType, forgedHeaders, async (target, verb, body, type, headers) => {
        const response = await send(`/api/proctor/participants/${target}/${verb}`, body, type, {
          ...headers, cookie: proctor.cookie, 'x-csrf-token': proctor.csrfToken,
        });
        expectWellFormed(response, `${verb} ${target}`);
        if (response.status === 200) changed.add(response.json.participant.code);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('bulk/reset-lock', 'bulk/expire', 'bulk/reopen', 'device-change-requests/1/approve', 'device-change-requests/x/decline'), rawBody, contentType, async (path, body, type) => {
        const response = await send(`/api/proctor/${path}`, body, type, { cookie: proctor.cookie, 'x-csrf-token': proctor.csrfToken });
        expectWellFormed(response, path);
        if (response.status === 200) for (const p of participants) changed.add(p.code);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('participants', 'summary', 'events'), printable, async (path, query) => {
        const response = await request(`${env.server.baseUrl}/api/proctor/${path}?${encodeURI(query)}`, { headers: { cookie: proctor.cookie } });
        expectWellFormed(response, `${path}?${query}`);
      }),
      { numRuns: RUNS },
    );

    const after = (await tableSnapshot(env.database.sql, 'participants')) as { code: string }[];
    const untouched = (rows: unknown[]) => (rows as { code: string }[]).filter((row) => !changed.has(row.code));
    expect(untouched(after)).toEqual(untouched(before));
  }, 120_000);
});
