import type { RowDataPacket } from 'mysql2/promise';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ADMISSION_TOKEN_ISSUER, ADMISSION_TOKEN_LIFETIME_S, ADMISSION_TOKEN_PARAM, AdmissionClaims, admissionAudience, JWKS_PATH } from '../../contracts/admission-token.ts';
import { deviceFingerprint } from '../../contracts/lock-policy.ts';
import { AdmissionTokens } from '../src/admission-tokens/admission-tokens.service.ts';
import { verifyAuditLog } from '../src/audit/audit-verify.ts';
import { runCli } from './support/cli-process.ts';
import { logInProctor } from './support/proctor-client.ts';
import { createParticipant, participantRow, type TestParticipant } from './support/fixtures.ts';
import { request, TestDevice } from './support/http-client.ts';
import { ProvenDevice } from './support/proven-device.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
const EXAM = 'https://exam.example.org/start?course=42';
let nextAddress = 1;
// 127.0.150.x and up.
const address = () => `127.0.${150 + Math.floor(nextAddress / 250)}.${1 + (nextAddress++ % 250)}`;
const base = () => env.server.baseUrl;
const jwks = () => createRemoteJWKSet(new URL(`${base()}${JWKS_PATH}`));

const participantWithExam = () => createParticipant(env.database.sql, { session: { lockPolicy: 'device', continueUrl: EXAM } });

function tokenOf(continueUrl: string): string {
  const url = new URL(continueUrl);
  expect(`${url.origin}${url.pathname}`).toBe('https://exam.example.org/start');
  expect(url.searchParams.get('course')).toBe('42');
  return url.searchParams.get(ADMISSION_TOKEN_PARAM)!;
}

async function admittedToken(participant: TestParticipant, device = new TestDevice(address())): Promise<string> {
  const response = await device.checkIn(base(), participant);
  expect(response.status).toBe(200);
  return tokenOf(response.json.continueUrl as string);
}

describe('admission tokens', () => {
  it('when a participant is let in, then the answer continues to the exam with a token that verifies with jose from the JWKS URL alone and names this admission', async () => {
    const participant = await participantWithExam();
    const laptop = new ProvenDevice(address());

    const token = await admittedToken(participant, laptop);

    const { payload, protectedHeader } = await jwtVerify(token, jwks(), { issuer: ADMISSION_TOKEN_ISSUER, audience: admissionAudience(participant.sessionId) });
    expect(protectedHeader.alg).toBe('ES256');
    const claims = AdmissionClaims.parse(payload);
    const row = await participantRow(env.database.sql, participant.code);
    expect(claims).toMatchObject({
      sub: participant.code,
      session_id: participant.sessionId,
      device: deviceFingerprint(row.locked_device as string),
      device_kind: 'bound',
      checked_in_at: (row.device_locked_at as Date).toISOString(),
      audit_event: Number(row.lock_event_id),
      room: null,
      seat: null,
    });
    expect(claims.exp - claims.iat).toBe(ADMISSION_TOKEN_LIFETIME_S);
    const [[event]] = await env.database.sql.query<RowDataPacket[]>('SELECT event_type, code FROM audit_events WHERE id = ?', [claims.audit_event]);
    expect(event).toMatchObject({ event_type: 'checked_in', code: participant.code });
    // A re-entry gets a fresh token for the same admission.
    const again = await admittedToken(participant, laptop);
    expect(again).not.toBe(token);
    expect((await jwtVerify(again, jwks(), { audience: admissionAudience(participant.sessionId) })).payload.audit_event).toBe(claims.audit_event);
  });

  it('when a second device is refused, or the session has no continue URL, then no token is handed out', async () => {
    const participant = await participantWithExam();
    await admittedToken(participant);

    const refused = await new TestDevice(address()).checkIn(base(), participant);
    const plain = await new TestDevice(address()).checkIn(base(), await createParticipant(env.database.sql, { session: { lockPolicy: 'device' } }));

    expect(refused.status).toBe(409);
    expect(refused.text).not.toContain(ADMISSION_TOKEN_PARAM);
    expect(plain.status).toBe(200);
    expect(plain.json.continueUrl).toBeUndefined();
  });

  it('when a token is expired, tampered with, or presented to another session, then it does not verify', async () => {
    const participant = await participantWithExam();
    const token = await admittedToken(participant);
    const audience = admissionAudience(participant.sessionId);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'SOMEONE-ELSE' })).toString('base64url');

    await expect(jwtVerify(token, jwks(), { audience, currentDate: new Date(Date.now() + (ADMISSION_TOKEN_LIFETIME_S + 1) * 1000) })).rejects.toBeInstanceOf(errors.JWTExpired);
    await expect(jwtVerify(`${header}.${forged}.${signature}`, jwks(), { audience })).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    await expect(jwtVerify(token, jwks(), { audience: admissionAudience(participant.sessionId + 1) })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
    await expect(jwtVerify(token, jwks(), { audience })).resolves.toBeDefined();
  });

  it('when the keys are rotated, then a token signed by the old key verifies until it expires, and new tokens are signed by the new key once it signs', async () => {
    const participant = await participantWithExam();
    const oldToken = await admittedToken(participant);
    const oldKid = decodeProtectedHeader(oldToken).kid;

    const rotated = await runCli(['keys', 'rotate'], { env: { DATABASE_URL: env.database.url } });

    expect(rotated.code).toBe(0);
    const newKid = /Added key ([0-9a-f]{16})/.exec(rotated.stdout)?.[1];
    expect(rotated.stdout).toContain(`Key ${oldKid} signs until then`);
    // Audited, on the keys' own chain: who rotated, which key came and which went.
    const [[audit]] = await env.database.sql.query<RowDataPacket[]>("SELECT actor, chain_key, details FROM audit_events WHERE event_type = 'admission_key_rotated' ORDER BY id DESC LIMIT 1");
    expect(audit).toMatchObject({ chain_key: 'keys', actor: expect.stringMatching(/\S/) });
    expect(JSON.parse(audit!.details)).toEqual({ kid: newKid, retiring: [oldKid] });
    expect((await verifyAuditLog(env.database.db)).violations).toEqual([]);
    const published = await new AdmissionTokens(env.database.db).jwks();
    expect(published.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    const audience = admissionAudience(participant.sessionId);
    await expect(jwtVerify(oldToken, createLocalJWKSet(published), { audience })).resolves.toBeDefined();
    await expect(jwtVerify(oldToken, createLocalJWKSet(published), { audience, currentDate: new Date(Date.now() + (ADMISSION_TOKEN_LIFETIME_S + 1) * 1000) })).rejects.toBeInstanceOf(errors.JWTExpired);
    // Until the new key has been published for a minute, the old one signs.
    const soon = new AdmissionTokens(env.database.db);
    const admission = { sessionId: participant.sessionId, sessionName: 'x', continueUrl: EXAM, code: participant.code, lockedDevice: null, deviceLockedAt: new Date(), auditEvent: 1 };
    expect(decodeProtectedHeader(tokenOf(await soon.continueUrl(admission))).kid).toBe(oldKid);
    await env.database.sql.query('UPDATE admission_keys SET created_at = created_at - INTERVAL 61 SECOND, retired_at = retired_at - INTERVAL 61 SECOND WHERE kid = ? OR kid = ?', [newKid, oldKid]);
    const later = new AdmissionTokens(env.database.db);
    const newToken = tokenOf(await later.continueUrl(admission));
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    await expect(jwtVerify(newToken, createLocalJWKSet(await later.jwks()), { audience })).resolves.toBeDefined();
    // The retired key is still published: tokens it signed a moment ago are still valid.
    expect((await later.jwks()).keys.map((key) => key.kid)).toContain(oldKid);
  });

  it('when the JWKS is fetched, then it holds only public keys and may be cached briefly by anyone', async () => {
    const response = await request(`${base()}${JWKS_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=10');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    for (const key of response.json.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });

  it('when the CLI sets a continue URL that is not http(s), then it is refused; "none" removes it', async () => {
    const participant = await participantWithExam();
    const [[session]] = await env.database.sql.query<RowDataPacket[]>('SELECT name FROM exam_sessions WHERE id = ?', [participant.sessionId]);
    const cli = (args: string[]) => runCli(args, { env: { DATABASE_URL: env.database.url } });

    const bad = await cli(['session', 'set', session!.name, '--continue-url', 'javascript:alert(1)']);
    const none = await cli(['session', 'set', session!.name, '--continue-url', 'none']);

    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('continueUrl must be an http or https URL');
    expect(none.code).toBe(0);
    const [[after]] = await env.database.sql.query<RowDataPacket[]>('SELECT continue_url FROM exam_sessions WHERE id = ?', [participant.sessionId]);
    expect(after!.continue_url).toBeNull();
  });

  it('when a proctor sets the continue URL on the dashboard, then a non-http(s) address is a 400 and a good one applies to the next check-in', async () => {
    const participant = await createParticipant(env.database.sql, { session: { lockPolicy: 'device' } });
    const proctor = await logInProctor(base(), env.database.db);
    const patch = (body: object) => request(`${base()}/api/proctor/sessions/${participant.sessionId}`, { method: 'PATCH', json: body, headers: { cookie: proctor.cookie, 'x-csrf-token': proctor.csrfToken } });

    const bad = await patch({ version: 0, reason: 'exam link', continueUrl: 'ftp://exam.example.org/' });
    const good = await patch({ version: 0, reason: 'exam link', continueUrl: EXAM });

    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_input');
    expect(good.status).toBe(200);
    expect(good.json.session.continueUrl).toBe(EXAM);
    const token = await admittedToken(participant);
    await expect(jwtVerify(token, jwks(), { audience: admissionAudience(participant.sessionId) })).resolves.toBeDefined();
  });
});
