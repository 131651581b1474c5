import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DeviceChangeStatus } from '../../../contracts/proctor.ts';
import type { ProctorParticipant } from '../../../contracts/proctor.ts';
import { insertAuditEvent } from '../audit/audit.repo.ts';
import { sameName } from '../checkin/full-name.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import { CodeExpiredError, LockChangedError, NoConflictError, NotFoundError, NotRecognisedError, RequestClosedError } from '../lib/errors.ts';
import { notifyAuditCommitted } from '../live/audit-notifier.ts';
import { lockParticipantByCode } from '../participants/participants.repo.ts';
import { type Actor, type ExpectedIp, moveLock } from '../proctor/proctor.service.ts';
import { proctorParticipant } from '../proctor/proctor.repo.ts';
import { closePendingRequests, findRequest, insertRequest, lockRequest, participantCodeById, resolveRequest } from './device-change.repo.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface DeviceChangeAsk {
  code: string;
  fullName: string;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

// Asking needs the same code and name as checking in, and is only possible for the refused side of a
// real conflict: nobody can queue requests for codes they do not hold.
export async function askForDeviceChange(db: Database, ask: DeviceChangeAsk, ttlS: number) {
  const created = await withTransaction(db, async (tx) => {
    const participant = await lockParticipantByCode(tx, ask.code);
    if (!participant || !sameName(participant.fullName, ask.fullName)) throw new NotRecognisedError();
    if (participant.status === 'expired') throw new CodeExpiredError();
    if (participant.lockedIp === null || participant.lockedIp === ask.ip) throw new NoConflictError();
    await closePendingRequests(tx, participant.id, 'superseded');
    const token = randomBytes(24).toString('base64url');
    const request = await insertRequest(tx, {
      participantId: participant.id, tokenHash: hash(token), requesterIp: ask.ip, userAgent: ask.userAgent,
      holderIp: participant.lockedIp, at: participant.now, ttlS,
    });
    insertAuditEvent(tx, {
      participantId: participant.id, code: participant.code, type: 'device_change_requested', sourceIp: ask.ip,
      userAgent: ask.userAgent, requestId: ask.requestId, statusBefore: participant.status, statusAfter: participant.status,
      lockedIpBefore: participant.lockedIp, lockedIpAfter: participant.lockedIp, at: participant.now,
    });
    return { requestId: request.id, token, status: 'pending' as const, expiresAt: request.expiresAt.toISOString() };
  });
  notifyAuditCommitted();
  return created;
}

export async function deviceChangeStatus(db: Database, id: number, token: string): Promise<DeviceChangeStatus> {
  const request = await db.read((handle) => findRequest(handle, id));
  const expected = request ? Buffer.from(request.tokenHash) : undefined;
  const given = Buffer.from(hash(token));
  if (!request || !expected || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new NotFoundError('No such device-change request.');
  }
  const status = request.status === 'pending' && request.expired ? 'expired' : request.status;
  return { requestId: request.id, status, expiresAt: request.expiresAt.toISOString() };
}

async function resolve(db: Database, id: number, decision: 'approved' | 'declined', expectedIp: ExpectedIp, reason: string | null, actor: Actor): Promise<ProctorParticipant> {
  const code = await db.read((handle) => findRequest(handle, id).then((request) => request && participantCodeById(handle, request.participantId)));
  if (!code) throw new NotFoundError('No such device-change request.');
  await withTransaction(db, async (tx) => {
    // Participant row first, request second: the same order as every other path that touches both.
    const participant = await lockParticipantByCode(tx, code);
    const request = await lockRequest(tx, id);
    if (!participant || !request) throw new NotFoundError('No such device-change request.');
    if (request.status !== 'pending') throw new RequestClosedError(request.status);
    if (request.expired) throw new RequestClosedError('expired');
    if (decision === 'approved') {
      if (expectedIp !== undefined && participant.lockedIp !== expectedIp) throw new LockChangedError([participant.code]);
      await resolveRequest(tx, id, 'approved', actor.name);
      await moveLock(tx, participant, request.requesterIp, reason ?? 'Device change request approved', actor);
    } else {
      await resolveRequest(tx, id, 'declined', actor.name);
      insertAuditEvent(tx, {
        participantId: participant.id, code: participant.code, type: 'device_change_declined', sourceIp: actor.ip, userAgent: null,
        requestId: actor.requestId, actor: actor.name, reason, statusBefore: participant.status, statusAfter: participant.status,
        lockedIpBefore: participant.lockedIp, lockedIpAfter: participant.lockedIp, at: participant.now,
      });
    }
  });
  notifyAuditCommitted();
  return (await db.read((handle) => proctorParticipant(handle, code)))!;
}

export function approveDeviceChange(db: Database, id: number, expectedIp: ExpectedIp, reason: string | null, actor: Actor) {
  return resolve(db, id, 'approved', expectedIp, reason, actor);
}

export function declineDeviceChange(db: Database, id: number, reason: string | null, actor: Actor) {
  return resolve(db, id, 'declined', undefined, reason, actor);
}
