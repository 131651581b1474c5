import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../lib/hashing.ts';
import type { DeviceChangeStatus, ProctorParticipant } from '../../../contracts/proctor.ts';
import { latestMovableAttemptOf } from '../audit/audit-events.repo.ts';
import { recordEvent } from '../audit/audit.repo.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import { LockChangedError, NoConflictError, NotFoundError, RequestClosedError, RequestPendingError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import { type Credentials, countTowardLimits, type GuardContext, guardAttempt } from '../attempts/attempt-guard.ts';
import { EVENT_RULES } from '../../../contracts/participant-state.ts';
import { admits, decideCheckIn, rulesForParticipant } from '../checkin/checkin-decision.ts';
import { copyCheckFor, refusalError } from '../checkin/checkin.service.ts';
import { closePendingRequests, lockParticipantByCode } from '../participants/participants.repo.ts';
import { lockChanged, moveLock, participantViews, type SeenLock } from '../proctor/proctor.service.ts';
import { type DeviceChangeRequestRow, findRequest, insertRequest, lockRequest, openRequestOf, participantCodeById, resolveRequest } from './device-change.repo.ts';

const hash = sha256Hex;

// The same browser by its device key (requests filed before device keys are known by address alone).
function sameRequester(request: DeviceChangeRequestRow, ask: Credentials): boolean {
  return request.requesterDevice === null ? request.requesterIp === ask.ip : request.requesterDevice === ask.device.hash;
}

export interface DeviceChangeContext extends GuardContext {
  db: Database;
  copyWindowS: number;
  ttlS: number;
}

// Asking needs what checking in needs, through the same guard (limits, an identical refusal for an unknown
// code and a wrong name, an audit row), and is only possible for a device the lock policy refuses: nobody
// can queue requests for codes they do not hold. The request remembers the asking device, so that an
// approval binds exactly that device.
export async function askForDeviceChange(context: DeviceChangeContext, given: Credentials) {
  const asked = await withTransaction(context.db, async (tx) => {
    const guarded = await guardAttempt(tx, context, given);
    if (!guarded.recognised) return { outcome: guarded.proofRefused ? ('device_proof_refused' as const) : ('not_recognised' as const) };
    const { participant, session, attempt: ask } = guarded;
    const refused = (reason: string) =>
      recordEvent(tx, participant, {
        type: 'device_change_refused', sourceIp: ask.ip, sourceDevice: ask.device.hash, userAgent: ask.userAgent, requestId: ask.requestId,
        lockPolicy: session.lockPolicy, reason,
      });
    const outcome = decideCheckIn(participant, rulesForParticipant(session, participant), ask, await copyCheckFor(tx, participant, ask, context.copyWindowS));
    // Only a refusal that opens a conflict (another device holds the lock, or holds this key) is a reason to ask.
    if (EVENT_RULES[outcome].conflict !== 'opens') {
      refused(admits(outcome) ? 'no_conflict' : outcome);
      return { outcome, session };
    }
    // One open request per participant. The device that asked may ask again (its new request replaces
    // its old one); another device waits until a proctor has answered, so a stranger who knows the code
    // and name cannot push the real device's request out of the proctor's sight.
    const open = await openRequestOf(tx, participant.id);
    if (open && !sameRequester(open, ask)) {
      refused('request_pending');
      countTowardLimits(tx, context.limits, ask, participant.id, participant.now);
      return { outcome: 'request_pending' as const };
    }
    closePendingRequests(tx, participant.id, 'superseded');
    countTowardLimits(tx, context.limits, ask, participant.id, participant.now);
    const token = randomBytes(24).toString('base64url');
    const request = await insertRequest(tx, {
      participantId: participant.id, tokenHash: hash(token), requesterIp: ask.ip, requesterDevice: ask.device.hash, userAgent: ask.userAgent,
      holderIp: participant.lockedIp, at: participant.now, ttlS: context.ttlS,
    });
    recordEvent(tx, participant, {
      type: 'device_change_requested', sourceIp: ask.ip, sourceDevice: ask.device.hash, userAgent: ask.userAgent, requestId: ask.requestId,
      lockPolicy: session.lockPolicy,
    });
    return { outcome, created: { requestId: request.id, token, status: 'pending' as const, expiresAt: request.expiresAt.toISOString() } };
  });
  if ('created' in asked) return asked.created;
  if (asked.outcome === 'not_recognised' || asked.outcome === 'device_proof_refused') throw refusalError(asked.outcome, undefined);
  if (asked.outcome === 'request_pending') throw new RequestPendingError();
  if (admits(asked.outcome)) throw new NoConflictError();
  throw refusalError(asked.outcome, asked.session);
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

async function resolve(db: Database, id: number, decision: 'approved' | 'declined', seen: SeenLock, reason: string | null, actor: Actor): Promise<ProctorParticipant> {
  const code = await db.read((handle) => findRequest(handle, id).then((request) => request && participantCodeById(handle, request.participantId)));
  if (!code) throw new NotFoundError('No such device-change request.');
  await withTransaction(db, async (tx) => {
    // Participant row first, request second: the same order as every other path that touches both.
    const participant = await lockParticipantByCode(tx, code);
    const request = await lockRequest(tx, id);
    if (!participant || !request) throw new NotFoundError('No such device-change request.');
    actor.scope?.requireCovers(participant, 'No such device-change request.');
    if (request.status !== 'pending') throw new RequestClosedError(request.status);
    if (request.expired) throw new RequestClosedError('expired');
    if (decision === 'approved') {
      if (lockChanged(participant, seen)) throw new LockChangedError([participant.code]);
      await resolveRequest(tx, id, 'approved', actor.name);
      const asked = request.requesterDevice === null ? undefined : await latestMovableAttemptOf(tx, participant.id, request.requesterDevice);
      moveLock(tx, participant, { ip: request.requesterIp, device: request.requesterDevice, event: asked?.id ?? null }, reason ?? 'Device change request approved', actor);
    } else {
      recordEvent(tx, participant, {
        type: 'device_change_declined', sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name, reason,
      });
    }
  });
  return (await participantViews(db, [code]))[0]!;
}

export function approveDeviceChange(db: Database, id: number, seen: SeenLock, reason: string | null, actor: Actor) {
  return resolve(db, id, 'approved', seen, reason, actor);
}

export function declineDeviceChange(db: Database, id: number, reason: string | null, actor: Actor) {
  return resolve(db, id, 'declined', { expectedIp: undefined }, reason, actor);
}
