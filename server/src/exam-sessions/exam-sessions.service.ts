import type { ExamSessionChange, ExamSessionSettings } from '../../../contracts/exam-session.ts';
import type { SessionsOverview } from '../../../contracts/proctor.ts';
import { recordSessionChange } from '../audit/audit.repo.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import { normaliseNetwork } from '../lib/client-ip.ts';
import { InvalidInputError, NotFoundError, StaleUpdateError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import type { SqlHandle, Tx } from '../lib/database.ts';
import { currentSession } from './current-session.ts';
import { type ExamSession, type LockedSession, listSessionSettings, roomCodesAsked, sessionActivity, lockSession, lockSessionByName, readSession, writeSession } from './exam-sessions.repo.ts';
import { SESSION_CACHE_MS, SESSION_CHANGED } from './session-cache.ts';
import { ProctorScope } from '../lib/proctor-scope.ts';
import { ExpiringReads } from '../lib/expiring-reads.ts';

export function sessionSettingsView(session: ExamSession): ExamSessionSettings {
  return {
    id: session.id,
    name: session.name,
    lockPolicy: session.lockPolicy,
    allowedNetworks: session.allowedNetworks,
    opensAt: session.opensAt?.toISOString() ?? null,
    closesAt: session.closesAt?.toISOString() ?? null,
    timeZone: session.timeZone,
    continueUrl: session.continueUrl,
    seating: session.seating,
    deviceSharing: session.deviceSharing,
    roomCodes: session.roomCodes,
    version: session.version,
  };
}

export async function sessionSettings(db: Database, id: number, scope = ProctorScope.CHIEF): Promise<ExamSessionSettings> {
  const session = scope.coversSession(id) ? await db.read((handle) => readSession(handle, id)) : undefined;
  if (!session) throw new NotFoundError(`No exam session ${id}.`);
  return sessionSettingsView(session);
}

export async function allSessionSettings(db: Database, scope = ProctorScope.CHIEF): Promise<ExamSessionSettings[]> {
  return (await db.read(listSessionSettings)).filter((session) => scope.coversSession(session.id)).map(sessionSettingsView);
}

// A room proctor's overview: the sessions of their rooms, counted over their rooms' participants.
export async function sessionsOverview(db: SqlHandle, scope = ProctorScope.CHIEF): Promise<SessionsOverview> {
  const { now, sessions: all } = await sessionActivity(db, scope.roomCondition('p'));
  const sessions = all.filter((session) => scope.coversSession(session.id));
  return {
    current: currentSession(sessions, now),
    sessions: sessions.map(({ id, name, openConflicts, pendingRequests, throttled }) => ({ id, name, openConflicts, pendingRequests, throttled })),
  };
}

type Change = Omit<ExamSessionChange, 'version' | 'reason'>;

function applyChange(session: ExamSession, change: Change): ExamSession {
  const next: ExamSession = {
    ...session,
    lockPolicy: change.lockPolicy ?? session.lockPolicy,
    allowedNetworks: change.allowedNetworks ? [...new Set(change.allowedNetworks.map((network) => normaliseNetwork(network) ?? network))] : session.allowedNetworks,
    opensAt: change.opensAt === undefined ? session.opensAt : change.opensAt === null ? null : new Date(change.opensAt),
    closesAt: change.closesAt === undefined ? session.closesAt : change.closesAt === null ? null : new Date(change.closesAt),
    timeZone: change.timeZone ?? session.timeZone,
    continueUrl: change.continueUrl === undefined ? session.continueUrl : change.continueUrl,
    seating: change.seating ?? session.seating,
    deviceSharing: change.deviceSharing ?? session.deviceSharing,
    roomCodes: change.roomCodes ?? session.roomCodes,
  };
  if (next.opensAt && next.closesAt && next.opensAt >= next.closesAt) {
    throw new InvalidInputError('closesAt must be later than opensAt', [{ path: 'closesAt', message: 'closesAt must be later than opensAt' }]);
  }
  return next;
}

// One transaction under the session row's lock: a change made from a stale view (another proctor, another
// instance) is refused instead of silently undoing the other one. Audited with before and after.
async function change(db: Database, locate: (tx: Tx) => Promise<LockedSession | undefined>, expectedVersion: number | undefined, change: Change, reason: string, actor: Actor): Promise<ExamSessionSettings> {
  const changed = await withTransaction(db, async (tx) => {
    const session = await locate(tx);
    if (!session) throw new NotFoundError('No such exam session.');
    if (expectedVersion !== undefined && session.version !== expectedVersion) throw new StaleUpdateError(`The settings of "${session.name}"`);
    const { now, ...before } = session;
    const next = applyChange(before, change);
    writeSession(tx, next);
    await recordSessionChange(
      tx,
      session.id,
      { sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name, reason },
      { before: sessionSettingsView(before), after: { ...sessionSettingsView(next), version: session.version + 1 }, at: now },
    );
    tx.publish(SESSION_CHANGED, session.id);
    return { ...next, version: session.version + 1 };
  });
  return sessionSettingsView(changed);
}

export function changeSession(db: Database, id: number, request: ExamSessionChange, actor: Actor): Promise<ExamSessionSettings> {
  const { version, reason, ...settings } = request;
  return change(db, (tx) => lockSession(tx, id), version, settings, reason, actor);
}

// The CLI acts on what it reads itself, so it names the session and sends no version.
export function changeSessionByName(db: Database, name: string, settings: Change, reason: string, actor: Actor): Promise<ExamSessionSettings> {
  return change(db, (tx) => lockSessionByName(tx, name), undefined, settings, reason, actor);
}

// Whether the check-in page shows the room code field: every page load asks, so the answer is read at most
// once per SESSION_CACHE_MS, and a change shows as soon as any other setting does.
export function roomCodesAskedNow(db: Database, ttlMs = SESSION_CACHE_MS): () => Promise<boolean> {
  const reads = new ExpiringReads<'asked', boolean>(ttlMs);
  return () => reads.get('asked', () => db.read(roomCodesAsked));
}
