import { describe, expect, it } from 'vitest';
import { request } from './support/http-client.ts';
import { createProctor, logInProctor } from './support/proctor-client.ts';
import { startTestServer, useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

describe('proctor authentication', () => {
  it('when a proctor logs in, then the cookie is HttpOnly and SameSite=Strict and the session endpoint returns the CSRF token', async () => {
    const { username, password } = await createProctor(env.database.db);
    const login = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username, password } });
    expect(login.status).toBe(200);
    expect(login.json).toEqual({ proctor: { username, role: 'chief', rooms: [] }, csrfToken: expect.any(String) });
    const cookie = String(login.headers['set-cookie']?.[0]);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = await request(`${env.server.baseUrl}/api/proctor/session`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(session.json).toEqual(login.json);
  });

  it('when a proctor logs in twice, then each login gets a new session id, and logging out ends only that session', async () => {
    const { username, password } = await createProctor(env.database.db);
    const first = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username, password } });
    const second = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username, password } });
    const cookieOf = (r: typeof first) => String(r.headers['set-cookie']?.[0]).split(';')[0]!;
    expect(cookieOf(first)).not.toBe(cookieOf(second));

    await request(`${env.server.baseUrl}/api/proctor/logout`, { json: {}, headers: { cookie: cookieOf(first), 'x-csrf-token': first.json.csrfToken } });

    expect((await request(`${env.server.baseUrl}/api/proctor/session`, { headers: { cookie: cookieOf(first) } })).status).toBe(401);
    expect((await request(`${env.server.baseUrl}/api/proctor/session`, { headers: { cookie: cookieOf(second) } })).status).toBe(200);
  });

  it('when a session has been idle longer than the idle timeout, then it is refused with 401', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    expect((await proctor.get('/api/proctor/session')).status).toBe(200);
    await env.database.sql.query(
      'UPDATE proctor_sessions s JOIN proctors p ON p.id = s.proctor_id SET s.last_seen_at = UTC_TIMESTAMP(3) - INTERVAL 121 MINUTE WHERE p.username = ?',
      [proctor.username],
    );
    expect((await proctor.get('/api/proctor/session')).status).toBe(401);
  });

  it('when a session is past its absolute expiry, then it is refused even if active', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    await env.database.sql.query(
      'UPDATE proctor_sessions s JOIN proctors p ON p.id = s.proctor_id SET s.expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE p.username = ?',
      [proctor.username],
    );
    expect((await proctor.get('/api/proctor/participants')).status).toBe(401);
  });

  it('when the password or username is wrong, then 401 invalid_credentials with the same message', async () => {
    const { username } = await createProctor(env.database.db);
    const wrongPassword = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username, password: 'nope-nope-nope' } });
    const unknownUser = await request(`${env.server.baseUrl}/api/proctor/login`, { json: { username: 'nobody-here', password: 'nope-nope-nope' } });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.json).toEqual(unknownUser.json);
    expect(wrongPassword.json.error.code).toBe('invalid_credentials');
  });

  const login = (baseUrl: string, username: string, password: string, localAddress?: string) =>
    request(`${baseUrl}/api/proctor/login`, { json: { username, password }, localAddress });

  it('when a username keeps failing from one address, then that address gets 429 with Retry-After even with the right password, and the proctor elsewhere gets in', async () => {
    const { username, password } = await createProctor(env.database.db);
    for (let i = 0; i < 10; i++) expect((await login(env.server.baseUrl, username, 'wrong-wrong', '127.0.60.1')).status).toBe(401);

    const limited = await login(env.server.baseUrl, username, password, '127.0.60.1');

    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(env.server.baseUrl, username, password, '127.0.60.2')).status).toBe(200);
  });

  it('when 200 wrong logins for one user arrive at once, then at most 10 are judged, and the right password afterwards is refused', async () => {
    const { username, password } = await createProctor(env.database.db);

    const responses = await Promise.all(Array.from({ length: 200 }, () => login(env.server.baseUrl, username, 'wrong-wrong', '127.0.61.1')));

    const judged = responses.filter((response) => response.status === 401).length;
    expect(judged).toBeLessThanOrEqual(10);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(200 - judged);
    expect((await login(env.server.baseUrl, username, password, '127.0.61.1')).status).toBe(429);
  });

  it('when the right password is attempt 140 of 150 sent at once, then at most 10 attempts are judged in all', async () => {
    const { username, password } = await createProctor(env.database.db);

    const responses = await Promise.all(Array.from({ length: 150 }, (_, i) => login(env.server.baseUrl, username, i === 139 ? password : 'wrong-wrong', '127.0.62.1')));

    expect(responses.filter((response) => response.status !== 429).length).toBeLessThanOrEqual(10);
  });

  it('when 50 logins with random usernames fail from one address, then a proctor at that address still logs in', async () => {
    const { username, password } = await createProctor(env.database.db);
    for (let i = 0; i < 50; i++) await login(env.server.baseUrl, `guess-${i}-${Math.random().toString(36).slice(2)}`, 'x-x-x-x-x-x', '127.0.63.1');

    expect((await login(env.server.baseUrl, username, password, '127.0.63.1')).status).toBe(200);
  });

  it('when an account has failed too often overall, then each address gets three tries for it, however many addresses the guesser has', async () => {
    const server = await startTestServer(env.database.db, { LOGIN_MAX_FAILURES_PER_USER: 5 });
    try {
      const { username, password } = await createProctor(env.database.db);
      for (let i = 1; i <= 5; i++) expect((await login(server.baseUrl, username, 'wrong-wrong', `127.0.64.${i}`)).status).toBe(401);

      const guesses = [];
      for (let i = 0; i < 4; i++) guesses.push((await login(server.baseUrl, username, 'wrong-wrong', '127.0.64.6')).status);
      expect(guesses).toEqual([401, 401, 401, 429]);
      expect((await login(server.baseUrl, username, password, '127.0.64.6')).status).toBe(429);
      expect((await login(server.baseUrl, username, password, '127.0.64.7')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('when strangers failed 60 times for an account from 60 addresses, then its proctor with one typo from their own address still gets in', async () => {
    const { username, password } = await createProctor(env.database.db);
    for (let batch = 0; batch < 60; batch += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => login(env.server.baseUrl, username, 'wrong-wrong', `127.0.67.${batch + i + 1}`)));
    }
    expect((await login(env.server.baseUrl, username, 'wrong-wrong', '127.0.67.200')).status).toBe(401);

    expect((await login(env.server.baseUrl, username, password, '127.0.67.200')).status).toBe(200);
  });

  it('when a username has characters outside the allowed set, then the login is refused as wrong credentials and counted', async () => {
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push((await login(env.server.baseUrl, 'bøb-ünïcödé-名前', 'wrong-wrong', '127.0.65.1')).status);
    expect(answers).toEqual([...Array(10).fill(401), 429]);
  });
});
