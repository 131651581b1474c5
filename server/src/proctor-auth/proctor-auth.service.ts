import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../lib/hashing.ts';
import type { Config } from '../lib/config.ts';
import type { Database } from '../lib/database.ts';
import { recordAccountChange } from '../audit/audit.repo.ts';
import { CsrfError, InvalidCredentialsError, InvalidInputError, NotFoundError, RateLimitedError, UnauthenticatedError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.ts';
import { ProctorScope } from '../lib/proctor-scope.ts';
import { reserveAttempt, type ScopeFailures, uncountAttempt } from '../attempts/attempt-failures.repo.ts';
import { loginScope, loginUserScope } from '../attempts/attempt-scopes.ts';
import { databaseNow, withTransaction } from '../lib/database.ts';
import {
  type ActiveSession,
  deleteProctor,
  deleteSession,
  deleteSessionsOf,
  findActiveSession,
  findProctor,
  insertSession,
  roomsOf,
  touchSession,
  upsertProctor,
} from './proctor-auth.repo.ts';

export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function hashToken(token: string): string {
  return sha256Hex(token);
}

export async function addProctor(db: Database, username: string, password: string, actor: Actor): Promise<'created' | 'updated'> {
  if (!USERNAME_PATTERN.test(username)) throw new InvalidInputError('A username has 1 to 64 letters, digits, dots, hyphens or underscores.');
  if (password.length < 10) throw new InvalidInputError('A password needs at least 10 characters.');
  const passwordHash = await hashPassword(password);
  return withTransaction(db, async (tx) => {
    const outcome = await upsertProctor(tx, username, passwordHash);
    // A new password ends every session opened with the old one, live streams included.
    const proctor = outcome === 'updated' ? await findProctor(tx, username) : undefined;
    const sessionsEnded = proctor ? await deleteSessionsOf(tx, proctor.id) : 0;
    await recordAccountChange(tx, byActor(actor), { username, change: outcome === 'created' ? 'added' : 'password_changed', sessionsEnded, at: await databaseNow(tx) });
    return outcome;
  });
}

// Removal and "log out everywhere" both end every session of the account (open streams close within
// STREAM_SESSION_CHECK_MS); removal also deletes the account.
async function endProctorSessions(db: Database, username: string, change: 'removed' | 'sessions_revoked', reason: string | null, actor: Actor): Promise<number> {
  return withTransaction(db, async (tx) => {
    const proctor = await findProctor(tx, username.toLowerCase());
    if (!proctor) throw new NotFoundError(`No proctor is called ${username}.`);
    const sessionsEnded = await deleteSessionsOf(tx, proctor.id);
    if (change === 'removed') await deleteProctor(tx, proctor.id);
    await recordAccountChange(tx, { ...byActor(actor), reason }, { username: proctor.username, change, sessionsEnded, at: await databaseNow(tx) });
    return sessionsEnded;
  });
}

export const removeProctor = (db: Database, username: string, reason: string | null, actor: Actor) => endProctorSessions(db, username, 'removed', reason, actor);
export const revokeProctorSessions = (db: Database, username: string, reason: string | null, actor: Actor) =>
  endProctorSessions(db, username, 'sessions_revoked', reason, actor);

function byActor(actor: Actor) {
  return { sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name };
}

type AuthConfig = Pick<
  Config,
  | 'LOGIN_FAILURE_WINDOW_MIN'
  | 'LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS'
  | 'LOGIN_MAX_FAILURES_PER_USER'
  | 'LOGIN_MAX_TRIES_PER_ADDRESS_WHEN_TARGETED'
  | 'PROCTOR_SESSION_MAX_HOURS'
  | 'PROCTOR_IDLE_TIMEOUT_MIN'
>;

export interface LoginResult {
  token: string;
  csrfToken: string;
  username: string;
  scope: ProctorScope;
}

// The attempt is counted before the password is checked (argon2 takes tens of milliseconds, long enough
// for a burst of guesses to all pass a check made before any of them counted). Limits: per account and
// address, so a stranger elsewhere cannot lock a proctor out; and per account, which, once reached, marks
// the account as targeted: every address then gets only a few tries for it per window (this one counted),
// so that guessing one account stays slow however many addresses the guesser has, while the proctor at
// their own address, with a typo or two, still gets in whatever other addresses did.
export async function logIn(db: Database, config: AuthConfig, attempt: { username: string; password: string; ip: string }): Promise<LoginResult> {
  const username = attempt.username.toLowerCase();
  const windowS = config.LOGIN_FAILURE_WINDOW_MIN * 60;
  const pair = loginScope(username, attempt.ip);
  const account = loginUserScope(username);
  await withTransaction(db, async (tx) => {
    const { now, counts } = await reserveAttempt(
      tx,
      [
        { scope: pair, limit: { windowS, max: config.LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS } },
        { scope: account, limit: { windowS, max: config.LOGIN_MAX_FAILURES_PER_USER } },
      ],
      { address: attempt.ip, code: null },
    );
    const fromHere = counts.get(pair)!;
    const overall = counts.get(account)!;
    const clearsIn = (row: ScopeFailures) => windowS - (now.getTime() - row.windowStartedAt.getTime()) / 1000;
    if (fromHere.failures > config.LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS) {
      throw new RateLimitedError('Too many failed logins for this username from this address. Wait and try again.', clearsIn(fromHere));
    }
    if (overall.failures > config.LOGIN_MAX_FAILURES_PER_USER && fromHere.failures > config.LOGIN_MAX_TRIES_PER_ADDRESS_WHEN_TARGETED) {
      throw new RateLimitedError('Too many failed logins for this username. Wait and try again.', clearsIn(overall));
    }
  });
  const proctor = USERNAME_PATTERN.test(username) ? await db.read((handle) => findProctor(handle, username)) : undefined;
  const valid = await verifyPassword(proctor?.passwordHash ?? (await dummyPasswordHash()), attempt.password);
  if (!proctor || !valid) throw new InvalidCredentialsError();
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const scope = await db.read(async (handle) => {
    await uncountAttempt(handle, [pair, account]);
    await insertSession(handle, { tokenHash: hashToken(token), proctorId: proctor.id, csrfToken, maxHours: config.PROCTOR_SESSION_MAX_HOURS });
    return proctor.role === 'chief' ? ProctorScope.CHIEF : new ProctorScope(proctor.role, await roomsOf(handle, proctor.id));
  });
  return { token, csrfToken, username: proctor.username, scope };
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

export function checkOrigin(origin: string | undefined, ours: string): void {
  if (origin !== undefined && origin !== ours) throw new CsrfError();
}

export function checkCsrf(session: Pick<ActiveSession, 'csrfToken'>, header: string | undefined): void {
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(header ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CsrfError();
}

export async function logOut(db: Database, tokenHash: string): Promise<void> {
  await db.read((handle) => deleteSession(handle, tokenHash));
}
