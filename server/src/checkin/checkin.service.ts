import type { CheckInResponse } from '../../../contracts/checkin.ts';
import { insertAuditEvent } from '../audit/audit.repo.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import { CodeExpiredError, DeviceLockedError, NotRecognisedError } from '../lib/errors.ts';
import { notifyAuditCommitted } from '../live/audit-notifier.ts';
import { lockDevice, lockParticipantByCode } from '../participants/participants.repo.ts';
import { type CheckInDecision, decideCheckIn } from './checkin-decision.ts';

export interface CheckInAttempt {
  code: string;
  fullName: string;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

type Outcome =
  | { decision: Extract<CheckInDecision, { kind: 'checked_in' | 'reentered' }>; response: CheckInResponse }
  | { decision: Exclude<CheckInDecision, { kind: 'checked_in' | 'reentered' }> };

const refusals = {
  device_conflict: () => new DeviceLockedError(),
  code_expired: () => new CodeExpiredError(),
  not_recognised: () => new NotRecognisedError(),
} as const;

// One transaction: lock the participant row, decide under the lock, write the change and its audit event.
// Refusals are audited and committed too, and only then reported as errors.
export async function checkIn(db: Database, attempt: CheckInAttempt): Promise<CheckInResponse> {
  const outcome = await withTransaction(db, async (tx): Promise<Outcome> => {
    const participant = await lockParticipantByCode(tx, attempt.code);
    const decision = decideCheckIn(participant, attempt);
    const auditBase = {
      code: attempt.code,
      type: decision.kind,
      sourceIp: attempt.ip,
      userAgent: attempt.userAgent,
      requestId: attempt.requestId,
    };
    if (!participant) {
      insertAuditEvent(tx, {
        ...auditBase, participantId: null, statusBefore: null, statusAfter: null,
        lockedIpBefore: null, lockedIpAfter: null, at: null,
      });
      return { decision: { kind: 'not_recognised' } };
    }
    const before = { statusBefore: participant.status, lockedIpBefore: participant.lockedIp };
    if (decision.kind !== 'checked_in' && decision.kind !== 'reentered') {
      insertAuditEvent(tx, {
        ...auditBase, ...before, participantId: participant.id, statusAfter: participant.status,
        lockedIpAfter: participant.lockedIp, at: participant.now,
      });
      return { decision };
    }
    let lockedAt = participant.deviceLockedAt ?? participant.now;
    if (decision.kind === 'checked_in') {
      lockedAt = participant.now;
      lockDevice(tx, participant.id, attempt.ip, lockedAt);
    }
    insertAuditEvent(tx, {
      ...auditBase, ...before, participantId: participant.id, statusAfter: 'in_progress',
      lockedIpAfter: attempt.ip, at: participant.now,
    });
    return {
      decision,
      response: {
        result: decision.kind,
        participant: {
          code: participant.code,
          fullName: participant.fullName,
          status: 'in_progress',
          deviceLockedAt: lockedAt.toISOString(),
        },
        examSession: { name: participant.sessionName },
      },
    };
  });
  notifyAuditCommitted();
  if ('response' in outcome) return outcome.response;
  throw refusals[outcome.decision.kind]();
}
