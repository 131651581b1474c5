import { type AuditEventType, EVENT_RULES, type ParticipantState, stateAfter, stateChanged } from '../../../contracts/participant-state.ts';
import type { LockPolicy } from '../../../contracts/lock-policy.ts';
import type { Tx } from '../lib/database.ts';
import { closePendingRequests, JUST_INSERTED, type LockedParticipant, setWithdrawn, writeState } from '../participants/participants.repo.ts';
import { enqueueDeliveries } from '../webhooks/webhooks.repo.ts';

// Published by every transaction that wrote audit rows, once it has committed (Tx.publish).
export const AUDIT_COMMITTED = 'audit-committed';

export interface EventFacts {
  type: AuditEventType;
  sourceIp: string | null;
  // The hash of the attempting device's key.
  sourceDevice?: string | null;
  userAgent: string | null;
  // SHA-256 of the normalised name typed at a check-in (see audit verify's invariant 4).
  submittedNameHash?: string | null;
  requestId: string;
  actor?: string | null;
  reason?: string | null;
  // Where a proctor moved the lock (lock_transferred).
  targetIp?: string | null;
  targetDevice?: string | null;
  // The audit id of the attempt the lock was moved to, if any.
  targetEvent?: number | null;
  // The exam session's lock policy the attempt was decided under.
  lockPolicy?: LockPolicy | null;
  // What a non-participant event changed, as JSON (a session's settings, an account, a throttle).
  details?: string | null;
}

export interface CommittedAuditEvent {
  code: string;
  type: AuditEventType;
}

const USER_AGENT_MAX = 512;

export function auditedUserAgent(userAgent: string | null): string | null {
  return userAgent === null ? null : userAgent.slice(0, USER_AGENT_MAX);
}

const INSERT_AUDIT_EVENT = `
  INSERT INTO audit_events
    (participant_id, code, event_type, source_ip, device, user_agent, submitted_name_hash, request_id, actor, reason,
     status_before, status_after, locked_ip_before, locked_ip_after, locked_device_before, locked_device_after, lock_policy,
     session_id, details, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

type Recorded = ParticipantState<Date, unknown> | null;

function insertEvent(
  tx: Tx,
  code: string,
  facts: EventFacts,
  row: { participantId: number | null; before: Recorded; after: Recorded; at: Date; sessionId?: number },
): void {
  tx.defer(INSERT_AUDIT_EVENT, [
    row.participantId,
    code,
    facts.type,
    facts.sourceIp,
    facts.sourceDevice ?? null,
    auditedUserAgent(facts.userAgent),
    facts.submittedNameHash ?? null,
    facts.requestId,
    facts.actor ?? null,
    facts.reason ?? null,
    row.before?.status ?? null,
    row.after?.status ?? null,
    row.before?.lockedIp ?? null,
    row.after?.lockedIp ?? null,
    row.before?.lockedDevice ?? null,
    row.after?.lockedDevice ?? null,
    facts.lockPolicy ?? null,
    row.sessionId ?? null,
    facts.details ?? null,
    row.at,
  ]);
  tx.publish(AUDIT_COMMITTED, { code, type: facts.type } satisfies CommittedAuditEvent);
}

// The one way a participant's state changes: its audit row and the change the state table derives from
// it, written in the caller's transaction under the caller's row lock, so they commit or vanish together
// and the log always replays to the row. Deferred: they travel with the next statement or the COMMIT.
// `webhooks`: the subscriptions the event goes to when the caller knows them (webhookTargets), so that the
// check-in path writes its outbox rows as values, or skips them; undefined, the outbox statement reads them.
export function recordEvent(tx: Tx, participant: LockedParticipant, facts: EventFacts, webhooks?: readonly number[]): ParticipantState<Date, number | typeof JUST_INSERTED> {
  const after = stateAfter<Date, number | typeof JUST_INSERTED>(participant, {
    type: facts.type,
    sourceIp: facts.sourceIp,
    sourceDevice: facts.sourceDevice ?? null,
    targetIp: facts.targetIp ?? null,
    targetDevice: facts.targetDevice ?? null,
    targetRef: facts.targetEvent ?? null,
    at: participant.now,
    ref: JUST_INSERTED,
  });
  insertEvent(tx, participant.code, facts, { participantId: participant.id, before: participant, after, at: participant.now });
  // In this transaction: a committed event is delivered to the session's webhooks, a rolled-back one never.
  enqueueDeliveries(tx, { participantId: participant.id, sessionId: participant.sessionId, type: facts.type, at: participant.now }, webhooks);
  if (stateChanged(participant, after)) writeState(tx, participant, after);
  const rule = EVENT_RULES[facts.type];
  if (rule.request === 'closes') closePendingRequests(tx, participant.id, facts.actor ?? facts.type);
  if (rule.roster === 'withdraws' || rule.roster === 'reinstates') setWithdrawn(tx, participant.id, rule.roster === 'withdraws' ? participant.now : null);
  return after;
}

// An attempt on a code that does not exist: audited like any other, with nothing to change.
export function recordAttemptOnUnknownCode(tx: Tx, code: string, facts: EventFacts, at: Date): void {
  insertEvent(tx, code, facts, { participantId: null, before: null, after: null, at });
}

export type AccountChange = 'added' | 'password_changed' | 'removed' | 'sessions_revoked';

// A change to a proctor account; `sessionsEnded` counts the sessions it ended.
export function recordAccountChange(tx: Tx, facts: Omit<EventFacts, 'type'>, change: { username: string; change: AccountChange; sessionsEnded: number; at: Date }): void {
  const details = JSON.stringify({ username: change.username, change: change.change, sessionsEnded: change.sessionsEnded });
  insertEvent(tx, '', { ...facts, type: 'proctor_account_changed', details }, { participantId: null, before: null, after: null, at: change.at });
}

// Failure counts dropped for an address (no participant of its own); for a code, recordEvent is used.
export function recordAddressUnthrottled(tx: Tx, facts: Omit<EventFacts, 'type'>, at: Date): void {
  insertEvent(tx, '', { ...facts, type: 'throttle_cleared' }, { participantId: null, before: null, after: null, at });
}

// A change of an exam session's settings, with what they were and became.
export function recordSessionChange(tx: Tx, sessionId: number, facts: Omit<EventFacts, 'type'>, change: { before: unknown; after: unknown; at: Date }): void {
  const details = JSON.stringify({ before: change.before, after: change.after });
  insertEvent(tx, '', { ...facts, type: 'session_changed', details }, { participantId: null, before: null, after: null, at: change.at, sessionId });
}
