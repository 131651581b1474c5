import type { CheckInResponse } from '../../../contracts/checkin.ts';
import { insertAuditEvent } from '../audit/audit.repo.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import type { Config } from '../lib/config.ts';
import { CodeExpiredError, DeviceLockedError, NotRecognisedError, RateLimitedError } from '../lib/errors.ts';
import { notifyAuditCommitted } from '../live/audit-notifier.ts';
import {
  failureWindowClears,
  lockDevice,
  lockParticipantForCheckIn,
  markGuess,
  type RecentFailures,
  recentFailures,
  setNameCheck,
} from '../participants/participants.repo.ts';
import { checkInInDatabase } from './checkin.repo.ts';
import { type CheckInDecision, decideCheckIn } from './checkin-decision.ts';
import { nameCheck, nameHash } from './full-name.ts';

export interface CheckInAttempt {
  code: string;
  fullName: string;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export interface FailureLimits {
  windowS: number;
  perIpAndCode: number;
  perCode: number;
  perIp: number;
}

export function failureLimits(config: Config): FailureLimits {
  return {
    windowS: config.CHECKIN_FAILURE_WINDOW_S,
    perIpAndCode: config.CHECKIN_MAX_FAILURES_PER_IP_AND_CODE,
    perCode: config.CHECKIN_MAX_FAILURES_PER_CODE,
    perIp: config.CHECKIN_MAX_FAILURES_PER_IP,
  };
}

// Only failures count, so a hall of students behind one NAT address checking in with their own codes is
// never slowed down. Once a limit is reached every attempt is refused, right ones included: letting a
// correct guess through would turn the limit into an oracle.
function limitsReached(failures: RecentFailures, limits: FailureLimits): (keyof RecentFailures)[] {
  const reached: (keyof RecentFailures)[] = [];
  if (failures.ipAndCode >= limits.perIpAndCode) reached.push('ipAndCode');
  if (failures.code >= limits.perCode) reached.push('code');
  if (failures.ip >= limits.perIp) reached.push('ip');
  return reached;
}

type Outcome =
  | { decision: Extract<CheckInDecision, { kind: 'checked_in' | 'reentered' }>; response: CheckInResponse }
  | { decision: Exclude<CheckInDecision, { kind: 'checked_in' | 'reentered' }> };

const refusals = {
  device_conflict: () => new DeviceLockedError(),
  code_expired: () => new CodeExpiredError(),
  not_recognised: () => new NotRecognisedError(),
} as const;

// Each attempt is one transaction that locks the participant row, decides under the lock and writes the
// change with its audit event. Refusals are audited and committed too, and only then reported as errors.
// Throttled attempts (429) are the exception: they change nothing and write nothing.
//
// The common case (a known code, the confirmed name, no recent guessing) is decided by the database's
// check-in procedure in one round trip. Whatever it leaves undecided, having written nothing, is decided
// here in a second transaction: the decision rules are the same (checkin-decision.ts; the tests run
// both paths), and whichever path decides, it does so under the row lock.
export async function checkIn(db: Database, limits: FailureLimits, attempt: CheckInAttempt): Promise<CheckInResponse> {
  const submittedNameHash = nameHash(attempt.fullName);
  const decided = await withTransaction(db, async (tx) => {
    const started = performance.now();
    const result = await checkInInDatabase(tx, { ...attempt, nameHash: submittedNameHash, failureWindowS: limits.windowS });
    db.events.emit('row-lock', (performance.now() - started) / 1000);
    return result;
  });
  if (decided.outcome === 'undecided') return checkInInApplication(db, limits, attempt, submittedNameHash);
  notifyAuditCommitted();
  if (decided.outcome !== 'checked_in' && decided.outcome !== 'reentered') throw refusals[decided.outcome]();
  return {
    result: decided.outcome,
    participant: { code: attempt.code, fullName: decided.fullName, status: 'in_progress', deviceLockedAt: decided.deviceLockedAt.toISOString() },
    examSession: { name: decided.sessionName },
  };
}

// Exported for the benchmark, which runs this path side by side with the procedure.
export async function checkInInApplication(db: Database, limits: FailureLimits, attempt: CheckInAttempt, submittedNameHash: string): Promise<CheckInResponse> {
  const outcome = await withTransaction(db, async (tx): Promise<Outcome> => {
    const lockStarted = performance.now();
    const { participant, now, addressLastGuessAt } = await lockParticipantForCheckIn(tx, attempt.code, attempt.ip);
    db.events.emit('row-lock', (performance.now() - lockStarted) / 1000);
    // Counting failures costs a query; codes and addresses that have not guessed within the window cannot
    // be over a limit, and that is nearly all traffic.
    const windowStart = now.getTime() - limits.windowS * 1000;
    const recent = (at: Date | null | undefined) => at !== null && at !== undefined && at.getTime() > windowStart;
    const guessedRecently = recent(participant?.lastGuessAt) || recent(addressLastGuessAt);
    const reached = guessedRecently ? limitsReached(await recentFailures(tx, attempt.code, attempt.ip, limits.windowS), limits) : [];
    if (reached.length > 0) {
      const clears = await failureWindowClears(tx, attempt.code, attempt.ip, limits.windowS);
      const retryAfterS = Math.max(1, ...reached.map((scope) => clears[scope]));
      // Thrown inside the transaction: it rolls back, and a throttled attempt writes nothing.
      throw new RateLimitedError('Too many failed check-in attempts. Wait a moment and try again, or ask a proctor.', retryAfterS);
    }
    const decision = decideCheckIn(participant, attempt);
    const auditBase = {
      code: attempt.code,
      type: decision.kind,
      sourceIp: attempt.ip,
      userAgent: attempt.userAgent,
      submittedNameHash,
      requestId: attempt.requestId,
    };
    if (participant) {
      const check = nameCheck(participant.fullName);
      if (participant.nameCheck !== check) setNameCheck(tx, participant.id, check);
    }
    if (decision.kind === 'not_recognised') markGuess(tx, attempt.ip, participant?.id ?? null, participant?.now ?? now);
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
