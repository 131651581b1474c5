import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/lib/database.ts';
import { addProctor } from '../../src/proctor-auth/proctor-auth.service.ts';
import { type HttpResponse, request } from './http-client.ts';

export interface ProctorClient {
  username: string;
  cookie: string;
  csrfToken: string;
  get(path: string): Promise<HttpResponse>;
  post(path: string, body: unknown, options?: { csrf?: boolean; localAddress?: string }): Promise<HttpResponse>;
  patch(path: string, body: unknown): Promise<HttpResponse>;
}

export async function createProctor(db: Database): Promise<{ username: string; password: string }> {
  const username = `proctor-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  await addProctor(db, username, password, { name: 'test', ip: null, requestId: randomBytes(8).toString('hex') });
  return { username, password };
}

export async function logInProctor(baseUrl: string, db: Database): Promise<ProctorClient> {
  const { username, password } = await createProctor(db);
  const response = await request(`${baseUrl}/api/proctor/login`, { json: { username, password } });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  const cookie = String(response.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const csrfToken = response.json.csrfToken as string;
  return {
    username,
    cookie,
    csrfToken,
    get: (path) => request(`${baseUrl}${path}`, { headers: { cookie } }),
    patch: (path, body) => request(`${baseUrl}${path}`, { method: 'PATCH', json: body, headers: { cookie, 'x-csrf-token': csrfToken } }),
    post: (path, body, options = {}) =>
      request(`${baseUrl}${path}`, {
        json: body,
        localAddress: options.localAddress,
        headers: { cookie, ...(options.csrf === false ? {} : { 'x-csrf-token': csrfToken }) },
      }),
  };
}
