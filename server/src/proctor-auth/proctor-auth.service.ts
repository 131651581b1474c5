import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../lib/config.ts';
import type { Database } from '../lib/database.ts';
import { CsrfError, InvalidCredentialsError, RateLimitedError, UnauthenticatedError } from '../lib/errors.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.ts';
import {
  type ActiveSession,
  countRecentFailures,
  deleteSession,
  findActiveSession,
  findProctor,
  insertSession,
  recordFailure,
  touchSession,
  upsertProctor,
} from './proctor-auth.repo.ts';

export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function addProctor(db: Database, username: string, password: string): Promise<'created' | 'updated'> {
  if (!USERNAME_PATTERN.test(username)) throw new Error('A username has 1 to 64 letters, digits, dots, hyphens or underscores.');
  if (password.length < 10) throw new Error('A password needs at least 10 characters.');
  const passwordHash = await hashPassword(password);
  return db.read((handle) => upsertProctor(handle, username, passwordHash));
}

type AuthConfig = Pick<
  Config,
  'LOGIN_FAILURE_WINDOW_MIN' | 'LOGIN_MAX_FAILURES_PER_USER' | 'LOGIN_MAX_FAILURES_PER_IP' | 'PROCTOR_SESSION_MAX_HOURS' | 'PROCTOR_IDLE_TIMEOUT_MIN'
>;

export interface LoginResult {
  token: string;
  csrfToken: string;
  username: string;
}

export async function logIn(db: Database, config: AuthConfig, attempt: { username: string; password: string; ip: string }): Promise<LoginResult> {
  const username = attempt.username.toLowerCase();
  const windowS = config.LOGIN_FAILURE_WINDOW_MIN * 60;
  const failures = await db.read((handle) => countRecentFailures(handle, username, attempt.ip, config.LOGIN_FAILURE_WINDOW_MIN));
  if (failures.byUser >= config.LOGIN_MAX_FAILURES_PER_USER) {
    throw new RateLimitedError('Too many failed logins for this username. Wait and try again.', windowS - failures.oldestByUserAgeS);
  }
  if (failures.byIp >= config.LOGIN_MAX_FAILURES_PER_IP) {
    throw new RateLimitedError('Too many failed logins from this address. Wait and try again.', windowS - failures.oldestByIpAgeS);
  }
  const proctor = USERNAME_PATTERN.test(username) ? await db.read((handle) => findProctor(handle, username)) : undefined;
  const valid = await verifyPassword(proctor?.passwordHash ?? (await dummyPasswordHash()), attempt.password);
  if (!proctor || !valid) {
    await db.read((handle) => recordFailure(handle, username, attempt.ip));
    throw new InvalidCredentialsError();
  }
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  await db.read((handle) =>
    insertSession(handle, { tokenHash: hashToken(token), proctorId: proctor.id, csrfToken, maxHours: config.PROCTOR_SESSION_MAX_HOURS }),
  );
  return { token, csrfToken, username: proctor.username };
}

export async function authenticate(db: Database, config: AuthConfig, token: string | undefined): Promise<ActiveSession> {
  if (!token) throw new UnauthenticatedError();
  const session = await db.read((handle) => findActiveSession(handle, hashToken(token), config.PROCTOR_IDLE_TIMEOUT_MIN));
  if (!session) throw new UnauthenticatedError();
  // Writing last_seen_at on every request would turn each dashboard read into a write; a minute's
  // precision is plenty for an idle timeout measured in hours.
  if (session.idleSeconds >= 60) await db.read((handle) => touchSession(handle, session.tokenHash));
  return session;
}

export function checkCsrf(session: ActiveSession, header: string | undefined): void {
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(header ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CsrfError();
}

export async function logOut(db: Database, token: string): Promise<void> {
  await db.read((handle) => deleteSession(handle, hashToken(token)));
}
