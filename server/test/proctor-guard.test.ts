import { describe, expect, it } from 'vitest';
import { routesOf } from './support/app-routes.ts';
import { request } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

const PUBLIC = ['POST /api/proctor/login'];
const concrete = (path: string) => path.replace(':code', 'ABCD-1234').replace(':id', '1');

describe('every proctor route carries its own guard', () => {
  const proctorRoutes = () => routesOf(env.server.app).filter((route) => route.path.startsWith('/api/proctor/'));

  it('when the app is read, then it has the proctor routes this test expects to guard', () => {
    const names = proctorRoutes().map((route) => `${route.method} ${route.path}`);
    expect(names).toEqual(expect.arrayContaining([...PUBLIC, 'GET /api/proctor/stream', 'POST /api/proctor/participants/:code/transfer-lock']));
    expect(names.length).toBeGreaterThanOrEqual(16);
  });

  it('when no session cookie is sent, then every proctor route but login answers 401 unauthenticated', async () => {
    const answers: string[] = [];
    for (const route of proctorRoutes()) {
      if (PUBLIC.includes(`${route.method} ${route.path}`)) continue;
      const response = await request(`${env.server.baseUrl}${concrete(route.path)}`, { method: route.method, ...(route.method === 'GET' ? {} : { json: {} }) });
      answers.push(`${route.method} ${route.path} -> ${response.status} ${response.json?.error?.code}`);
    }
    expect(answers.filter((answer) => !answer.endsWith('-> 401 unauthenticated'))).toEqual([]);
  });

  it('when a logged-in proctor sends a state-changing request without the CSRF token, then every such route answers 403 csrf', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const answers: string[] = [];
    for (const route of proctorRoutes()) {
      if (route.method === 'GET' || PUBLIC.includes(`${route.method} ${route.path}`)) continue;
      const response = await request(`${env.server.baseUrl}${concrete(route.path)}`, { method: route.method, json: {}, headers: { cookie: proctor.cookie } });
      answers.push(`${route.method} ${route.path} -> ${response.status} ${response.json?.error?.code}`);
    }
    expect(answers.length).toBeGreaterThanOrEqual(10);
    expect(answers.filter((answer) => !answer.endsWith('-> 403 csrf'))).toEqual([]);
  });

  it('when a forged CSRF token is sent, then the write is refused', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const forged = await request(`${env.server.baseUrl}/api/proctor/logout`, { json: {}, headers: { cookie: proctor.cookie, 'x-csrf-token': 'x'.repeat(43) } });
    expect([forged.status, forged.json.error.code]).toEqual([403, 'csrf']);
  });

  it('when a state-changing request names another origin, then it is refused; our own origin, or none, passes', async () => {
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const post = (origin?: string) =>
      request(`${env.server.baseUrl}/api/proctor/addresses/let-try-again`, {
        json: { address: '127.0.0.99', reason: 'origin test' },
        headers: { cookie: proctor.cookie, 'x-csrf-token': proctor.csrfToken, ...(origin ? { origin } : {}) },
      });

    const foreign = await post('https://evil.example');
    expect([foreign.status, foreign.json.error.code]).toEqual([403, 'csrf']);
    expect((await post(env.server.baseUrl)).status).toBe(200);
    expect((await post()).status).toBe(200);
  });

  it('when the session cookie cannot be decoded, then the answer is 401, not 500', async () => {
    for (const cookie of ['examgate_proctor=%', 'examgate_proctor=%E0%A4%A', `examgate_proctor=${'x'.repeat(5000)}`]) {
      const response = await request(`${env.server.baseUrl}/api/proctor/participants`, { headers: { cookie } });
      expect([response.status, response.json?.error?.code], cookie.slice(0, 30)).toEqual([401, 'unauthenticated']);
    }
  });
});
