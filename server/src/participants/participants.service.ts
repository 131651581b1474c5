import { randomUUID } from 'node:crypto';
import { insertAuditEvent } from '../audit/audit.repo.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import { NotFoundError } from '../lib/errors.ts';
import { clearDeviceLock, findParticipant, lockParticipantByCode, type ParticipantView, setStatus } from './participants.repo.ts';

export interface Actor {
  name: string;
  ip: string | null;
  requestId?: string;
}

function notFound(code: string): NotFoundError {
  return new NotFoundError(`No participant has the code ${code}.`);
}

export async function resetDeviceLock(db: Database, code: string, actor: Actor, reason: string | null): Promise<ParticipantView> {
  await withTransaction(db, async (tx) => {
    const participant = await lockParticipantByCode(tx, code);
    if (!participant) throw notFound(code);
    await clearDeviceLock(tx, participant.id);
    await insertAuditEvent(tx, {
      participantId: participant.id, code: participant.code, type: 'lock_reset', sourceIp: actor.ip, userAgent: null,
      requestId: actor.requestId ?? randomUUID(), actor: actor.name, reason,
      statusBefore: participant.status, statusAfter: participant.status,
      lockedIpBefore: participant.lockedIp, lockedIpAfter: null, at: participant.now,
    });
  });
  return (await db.read((handle) => findParticipant(handle, code)))!;
}

export async function expireParticipant(db: Database, code: string, actor: Actor, reason: string | null): Promise<ParticipantView> {
  await withTransaction(db, async (tx) => {
    const participant = await lockParticipantByCode(tx, code);
    if (!participant) throw notFound(code);
    await setStatus(tx, participant.id, 'expired', participant.now);
    await insertAuditEvent(tx, {
      participantId: participant.id, code: participant.code, type: 'expired', sourceIp: actor.ip, userAgent: null,
      requestId: actor.requestId ?? randomUUID(), actor: actor.name, reason,
      statusBefore: participant.status, statusAfter: 'expired',
      lockedIpBefore: participant.lockedIp, lockedIpAfter: participant.lockedIp, at: participant.now,
    });
  });
  return (await db.read((handle) => findParticipant(handle, code)))!;
}
