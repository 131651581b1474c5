import type { ProctorParticipant } from '../../../contracts/proctor.ts';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import { type AuditEventType, insertAuditEvent } from '../audit/audit.repo.ts';
import { type Database, type Tx, withTransaction } from '../lib/database.ts';
import { CodeExpiredError, LockChangedError, NotFoundError } from '../lib/errors.ts';
import { notifyAuditCommitted } from '../live/audit-notifier.ts';
import {
  type LockedParticipant,
  clearDeviceLock,
  lockParticipantByCode,
  moveDeviceLock,
  setStatus,
} from '../participants/participants.repo.ts';
import { participantsOfSession, proctorParticipant } from './proctor.repo.ts';

export interface Actor {
  name: string;
  ip: string | null;
  requestId: string;
}

// `undefined` skips the check (the CLI acts on what it reads itself); null means "I saw no lock".
export type ExpectedIp = string | null | undefined;

function notFound(code: string): NotFoundError {
  return new NotFoundError(`No participant has the code ${code}.`);
}

function audit(tx: Tx, participant: LockedParticipant, actor: Actor, reason: string | null, type: AuditEventType, after: { status: ParticipantStatus; lockedIp: string | null }) {
  insertAuditEvent(tx, {
    participantId: participant.id,
    code: participant.code,
    type,
    sourceIp: actor.ip,
    userAgent: null,
    requestId: actor.requestId,
    actor: actor.name,
    reason,
    statusBefore: participant.status,
    statusAfter: after.status,
    lockedIpBefore: participant.lockedIp,
    lockedIpAfter: after.lockedIp,
    at: participant.now,
  });
}

// Rows are locked in code order, so two bulk actions over overlapping selections cannot deadlock each other.
async function lockAll(tx: Tx, codes: string[]): Promise<LockedParticipant[]> {
  const locked: LockedParticipant[] = [];
  for (const code of [...new Set(codes)].sort()) {
    const participant = await lockParticipantByCode(tx, code);
    if (!participant) throw notFound(code);
    locked.push(participant);
  }
  return locked;
}

async function views(db: Database, codes: string[]): Promise<ProctorParticipant[]> {
  return db.read(async (handle) => {
    const result: ProctorParticipant[] = [];
    for (const code of codes) {
      const view = await proctorParticipant(handle, code);
      if (view) result.push(view);
    }
    return result;
  });
}

export async function resetLocks(db: Database, items: { code: string; expectedIp: ExpectedIp }[], reason: string | null, actor: Actor): Promise<ProctorParticipant[]> {
  const expected = new Map(items.map((item) => [item.code, item.expectedIp]));
  await withTransaction(db, async (tx) => {
    const participants = await lockAll(tx, items.map((item) => item.code));
    const changed = participants.filter((p) => expected.get(p.code) !== undefined && p.lockedIp !== expected.get(p.code));
    if (changed.length > 0) throw new LockChangedError(changed.map((p) => p.code));
    for (const participant of participants) {
      clearDeviceLock(tx, participant.id);
      audit(tx, participant, actor, reason, 'lock_reset', { status: participant.status, lockedIp: null });
    }
  });
  notifyAuditCommitted();
  return views(db, items.map((item) => item.code));
}

// The lock goes from the old holder straight to `toIp` inside one transaction: there is no moment without
// a holder in which a third device could check in.
export async function transferLock(db: Database, code: string, toIp: string, expectedIp: ExpectedIp, reason: string | null, actor: Actor): Promise<ProctorParticipant> {
  await withTransaction(db, async (tx) => {
    const [participant] = await lockAll(tx, [code]);
    if (expectedIp !== undefined && participant!.lockedIp !== expectedIp) throw new LockChangedError([code]);
    await moveLock(tx, participant!, toIp, reason, actor);
  });
  notifyAuditCommitted();
  return (await views(db, [code]))[0]!;
}

export async function moveLock(tx: Tx, participant: LockedParticipant, toIp: string, reason: string | null, actor: Actor): Promise<void> {
  if (participant.status === 'expired') throw new CodeExpiredError();
  moveDeviceLock(tx, participant.id, toIp, participant.now);
  audit(tx, participant, actor, reason, 'lock_transferred', { status: 'in_progress', lockedIp: toIp });
}

export async function setExpired(db: Database, codes: string[], expired: boolean, reason: string | null, actor: Actor): Promise<ProctorParticipant[]> {
  await withTransaction(db, async (tx) => {
    const participants = await lockAll(tx, codes);
    for (const participant of participants) {
      if (expired) {
        if (participant.status === 'expired') continue;
        setStatus(tx, participant.id, 'expired', participant.now);
        audit(tx, participant, actor, reason, 'expired', { status: 'expired', lockedIp: participant.lockedIp });
      } else {
        if (participant.status !== 'expired') continue;
        const status: ParticipantStatus = participant.lockedIp !== null || participant.enteredAt !== null ? 'in_progress' : 'unused';
        setStatus(tx, participant.id, status, participant.now);
        audit(tx, participant, actor, reason, 'reopened', { status, lockedIp: participant.lockedIp });
      }
    }
  });
  notifyAuditCommitted();
  return views(db, codes);
}

export async function sessionParticipants(db: Database, sessionId: number): Promise<ProctorParticipant[]> {
  return db.read((handle) => participantsOfSession(handle, sessionId));
}
