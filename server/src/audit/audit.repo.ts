import { type AuditEventType, EVENT_RULES, type ParticipantState, stateAfter, stateChanged } from '../../../contracts/participant-state.ts';
import type { LockPolicy } from '../../../contracts/lock-policy.ts';
import type { RowDataPacket } from 'mysql2/promise';
import type { Tx } from '../lib/database.ts';
import { closePendingRequests, JUST_INSERTED, type LockedParticipant, setWithdrawn, writeChainHead, writeState } from '../participants/participants.repo.ts';
import { enqueueDeliveries } from '../webhooks/webhooks.repo.ts';
import { CHAIN_KEYS, type ChainLink, linkHash, personalDigest, unknownCodeChain } from './audit-chain.ts';

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
     session_id, details, created_at, chain_key, chain_seq, personal_digest, chain_hash, room_id, seat)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

type Recorded = ParticipantState<Date, unknown> | null;

interface Place {
  roomId: number | null;
  seat: string | null;
}

// Writes the row as the next link of its chain (a participant's, or `chainKey`'s) and returns the link's
// hash: the chain's new head, which the caller stores under the same lock it read the old one with.
function insertEvent(
  tx: Tx,
  code: string,
  facts: EventFacts,
  row: { participantId: number | null; before: Recorded; after: Recorded; at: Date; sessionId?: number; chainKey: string | null; link: ChainLink; place?: Place },
): Buffer {
  const personal = {
    sourceIp: facts.sourceIp,
    device: facts.sourceDevice ?? null,
    userAgent: auditedUserAgent(facts.userAgent),
    submittedNameHash: facts.submittedNameHash ?? null,
    lockedIpBefore: row.before?.lockedIp ?? null,
    lockedIpAfter: row.after?.lockedIp ?? null,
    lockedDeviceBefore: row.before?.lockedDevice ?? null,
    lockedDeviceAfter: row.after?.lockedDevice ?? null,
    reason: facts.reason ?? null,
    details: facts.details ?? null,
  };
  const content = {
    participantId: row.participantId,
    chainKey: row.chainKey,
    seq: row.link.seq + 1,
    code,
    eventType: facts.type,
    requestId: facts.requestId,
    actor: facts.actor ?? null,
    statusBefore: row.before?.status ?? null,
    statusAfter: row.after?.status ?? null,
    lockPolicy: facts.lockPolicy ?? null,
    sessionId: row.sessionId ?? null,
    createdAt: row.at,
    roomId: row.place?.roomId ?? null,
    seat: row.place?.seat ?? null,
  };
  const digest = personalDigest(personal);
  const hash = linkHash(row.link.head, content, digest);
  tx.defer(INSERT_AUDIT_EVENT, [
    content.participantId,
    code,
    content.eventType,
    personal.sourceIp,
    personal.device,
    personal.userAgent,
    personal.submittedNameHash,
    content.requestId,
    content.actor,
    personal.reason,
    content.statusBefore,
    content.statusAfter,
    personal.lockedIpBefore,
    personal.lockedIpAfter,
    personal.lockedDeviceBefore,
    personal.lockedDeviceAfter,
    content.lockPolicy,
    content.sessionId,
    personal.details,
    content.createdAt,
    content.chainKey,
    content.seq,
    digest,
    hash,
    content.roomId,
    content.seat,
  ]);
  tx.publish(AUDIT_COMMITTED, { code, type: facts.type } satisfies CommittedAuditEvent);
  return hash;
}

// A chain of events that belong to no participant, locked until the transaction ends: its links are
// written one after another.
async function lockChain(tx: Tx, chainKey: string): Promise<ChainLink> {
  const [row] = await tx.rows<RowDataPacket & { seq: number; head: Buffer | null }>('SELECT seq, head FROM audit_chains WHERE chain_key = ? FOR UPDATE', [chainKey]);
  if (!row) throw new Error(`audit chain ${chainKey} is missing (migration 016 makes them)`);
  return { seq: Number(row.seq), head: row.head };
}

async function insertChainedEvent(tx: Tx, chainKey: string, code: string, facts: EventFacts, row: { at: Date; sessionId?: number }): Promise<void> {
  const link = await lockChain(tx, chainKey);
  const head = insertEvent(tx, code, facts, { participantId: null, before: null, after: null, ...row, chainKey, link });
  tx.defer('UPDATE audit_chains SET seq = ?, head = ? WHERE chain_key = ?', [link.seq + 1, head, chainKey]);
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
  const link = { seq: participant.chainSeq, head: participant.chainHead };
  // Where the participant sits after the event (a check-in that gave a seat has set it).
  const place = { roomId: participant.roomId, seat: participant.seat };
  const head = insertEvent(tx, participant.code, facts, { participantId: participant.id, before: participant, after, at: participant.now, chainKey: null, link, place });
  // In this transaction: a committed event is delivered to the session's webhooks, a rolled-back one never.
  enqueueDeliveries(tx, { participantId: participant.id, sessionId: participant.sessionId, type: facts.type, at: participant.now }, webhooks);
  const chain = { seq: link.seq + 1, head };
  if (stateChanged(participant, after)) writeState(tx, participant, after, chain);
  else writeChainHead(tx, participant, chain);
  // A second event in the same transaction links to this one.
  participant.chainSeq = chain.seq;
  participant.chainHead = chain.head;
  const rule = EVENT_RULES[facts.type];
  if (rule.request === 'closes') closePendingRequests(tx, participant.id, facts.actor ?? facts.type);
  if (rule.roster === 'withdraws' || rule.roster === 'reinstates') setWithdrawn(tx, participant.id, rule.roster === 'withdraws' ? participant.now : null);
  return after;
}

// An attempt on a code that does not exist: audited like any other, with nothing to change.
export function recordAttemptOnUnknownCode(tx: Tx, code: string, facts: EventFacts, at: Date): Promise<void> {
  return insertChainedEvent(tx, unknownCodeChain(code), code, facts, { at });
}

// out_of_scope: a room proctor named a participant outside their rooms (`tried`: which, on which route).
export type AccountChange = 'added' | 'password_changed' | 'removed' | 'sessions_revoked' | 'role_changed' | 'out_of_scope';

// A change to a proctor account; `sessionsEnded` counts the sessions it ended.
export function recordAccountChange(
  tx: Tx,
  facts: Omit<EventFacts, 'type'>,
  change: { username: string; change: AccountChange; sessionsEnded: number; at: Date; role?: { role: string; rooms: string[] }; tried?: { code: string; route: string } },
): Promise<void> {
  const details = JSON.stringify({ username: change.username, change: change.change, sessionsEnded: change.sessionsEnded, ...(change.role ? change.role : {}), ...(change.tried ? { tried: change.tried } : {}) });
  return insertChainedEvent(tx, CHAIN_KEYS.accounts, '', { ...facts, type: 'proctor_account_changed', details }, { at: change.at });
}

// Failure counts dropped for an address (no participant of its own); for a code, recordEvent is used.
export function recordAddressUnthrottled(tx: Tx, facts: Omit<EventFacts, 'type'>, at: Date): Promise<void> {
  return insertChainedEvent(tx, CHAIN_KEYS.throttles, '', { ...facts, type: 'throttle_cleared' }, { at });
}

// A change of an exam session's settings, with what they were and became.
export function recordSessionChange(tx: Tx, sessionId: number, facts: Omit<EventFacts, 'type'>, change: { before: unknown; after: unknown; at: Date }): Promise<void> {
  const details = JSON.stringify({ before: change.before, after: change.after });
  return insertChainedEvent(tx, CHAIN_KEYS.sessions, '', { ...facts, type: 'session_changed', details }, { at: change.at, sessionId });
}

// An incident a proctor recorded for a whole exam session (a participant's goes through recordEvent).
export function recordSessionIncident(tx: Tx, sessionId: number, facts: Omit<EventFacts, 'type'>, at: Date): Promise<void> {
  return insertChainedEvent(tx, CHAIN_KEYS.incidents, '', { ...facts, type: 'incident_recorded' }, { at, sessionId });
}

// A rotation of the admission-token keys: the new key and the keys it retires (key ids, never keys).
export function recordKeyRotation(tx: Tx, facts: Omit<EventFacts, 'type'>, rotation: { kid: string; retiring: string[]; at: Date }): Promise<void> {
  const details = JSON.stringify({ kid: rotation.kid, retiring: rotation.retiring });
  return insertChainedEvent(tx, CHAIN_KEYS.keys, '', { ...facts, type: 'admission_key_rotated', details }, { at: rotation.at });
}
