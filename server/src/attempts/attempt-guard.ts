import { recordAttemptOnUnknownCode, recordEvent } from '../audit/audit.repo.ts';
import type { DeviceIdentity } from '../devices/device-keys.ts';
import { webhookTargets, type SessionCache, type SessionRules } from '../exam-sessions/session-cache.ts';
import type { Config } from '../lib/config.ts';
import type { RowDataPacket } from 'mysql2/promise';
import type { Statement, Tx } from '../lib/database.ts';
import { RateLimitedError } from '../lib/errors.ts';
import type { RoomCodes } from '../rooms/room-codes.ts';
import { nameHash, sameName } from '../participants/full-name.ts';
import { type LockedParticipant, lockParticipantForAttempt, markGuess } from '../participants/participants.repo.ts';
import { countFailure, lockFailures } from './attempt-failures.repo.ts';
import { addressAndCodeScope, deviceScope } from './attempt-scopes.ts';

export interface AttemptLimits {
  windowS: number;
  perDevice: number;
  perAddressAndCode: number;
}

export function attemptLimits(config: Config): AttemptLimits {
  return { windowS: config.CHECKIN_FAILURE_WINDOW_S, perDevice: config.CHECKIN_MAX_FAILURES_PER_DEVICE, perAddressAndCode: config.CHECKIN_MAX_FAILURES_PER_ADDRESS_AND_CODE };
}

export interface Credentials {
  code: string;
  fullName: string;
  ip: string;
  device: DeviceIdentity;
  userAgent: string | null;
  requestId: string;
  // As typed, when the participant's room shows one (contracts/room-codes.ts).
  roomCode?: string | undefined;
}

export interface GuardContext {
  limits: AttemptLimits;
  sessions: SessionCache;
  roomCodes: RoomCodes;
}

// Not recognised: an unknown code or a wrong name, or (proofRefused) the right ones from a request whose
// proof of possession did not hold.
// Recognised, the attempt comes back as the decision must see it (see asHolderCookie).
export type Guarded =
  | { recognised: false; proofRefused?: boolean }
  | { recognised: true; participant: LockedParticipant; session: SessionRules; attempt: Credentials; alongsideRows?: RowDataPacket[][] };

// A proven browser whose lock was taken with its cookie key (before the page signed its check-ins) is that
// cookie key's device: it is let in as the holder, and the lock, audited under the cookie key, stays a
// cookie key on the dashboard. This weakens nothing: a cookie-key lock could be copied anyway, and a lock
// held by a bound key never looks at cookies.
function asHolderCookie(participant: LockedParticipant, attempt: Credentials): Credentials {
  const { cookieHash } = attempt.device;
  return cookieHash !== undefined && participant.lockedDevice === cookieHash ? { ...attempt, device: { hash: cookieHash } } : attempt;
}

// Every endpoint that checks a code and a name goes through here, under the participant's row lock:
// 1. A party that failed too often is refused before anything of its attempt is looked at, right pairs
//    included (a limit that let a right guess through would tell the guesser it was right). The parties
//    are the device key and the pair of address and code; never the address alone (an exam hall is one
//    address) nor the code alone (a stranger could lock its owner out).
// 2. An unknown code and a wrong name get the same answer, and are both audited and counted.
// 3. A request whose proof of possession does not hold (device-keys.ts), or whose challenge was spent before
//    (spent here, under the lock), is refused after the name check, audited and counted: it is either an
//    attack or a broken client, and in neither case the device it claims.
// 4. Under room codes, a right code and name with a missing or wrong room code is a wrong pair (2.): the
//    answer does not tell whether code and name were right.
// Only a party that failed recently has its failures read and locked: the code's row says whether anyone
// failed on it, a plain read of the device's failures row (in the same statement as the row lock) whether
// the device did; an honest hall pays one primary-key lookup per attempt and no round trip.
// `alongside`: statements for the caller, sent in the row lock's round trip (see lockParticipantForAttempt).
export async function guardAttempt(tx: Tx, { limits, sessions, roomCodes }: GuardContext, attempt: Credentials, alongside: readonly Statement[] = []): Promise<Guarded> {
  const device = deviceScope(attempt.device.hash);
  const { participant, now, deviceFailingSince, challengeFresh, alongsideRows } = await lockParticipantForAttempt(tx, attempt.code, device, attempt.device.challenge, alongside);
  const windowStart = now.getTime() - limits.windowS * 1000;
  const pair = addressAndCodeScope(attempt.ip, attempt.code);
  const suspects: string[] = [];
  if (!participant || (participant.lastGuessAt !== null && participant.lastGuessAt.getTime() > windowStart)) suspects.push(pair);
  if (deviceFailingSince !== null && deviceFailingSince.getTime() > windowStart) suspects.push(device);
  if (suspects.length > 0) {
    const over = (await lockFailures(tx, suspects)).filter((row) => row.blockedUntil !== null && row.blockedUntil > now);
    if (over.length > 0) {
      const retryAfterS = Math.max(...over.map((row) => (row.blockedUntil!.getTime() - now.getTime()) / 1000));
      // Thrown inside the transaction: it rolls back, and a throttled attempt writes nothing.
      throw new RateLimitedError('Too many failed attempts. Wait a moment and try again, or ask a proctor.', retryAfterS);
    }
  }
  const session = participant && (await sessions.get(tx, participant.sessionId));
  const recognised = participant !== undefined && session !== undefined && sameName(participant.fullName, attempt.fullName);
  const proofRefusal = attempt.device.proofRefused ?? (challengeFresh === false ? 'replayed' : undefined);
  if (recognised && proofRefusal === undefined) {
    const judged = asHolderCookie(participant, attempt);
    const roomCodeRefusal = await roomCodeRefusalOf(roomCodes, session, participant, judged);
    if (roomCodeRefusal === undefined) return { recognised: true, participant, session, attempt: judged, alongsideRows };
    return refuse(tx, limits, { attempt, participant, session, now }, { proofRefused: false, reason: roomCodeRefusal });
  }
  return refuse(tx, limits, { attempt, participant, session, now }, { proofRefused: recognised, reason: recognised ? (proofRefusal ?? null) : null });
}

// A wrong pair is audited (on the participant's history, or as an attempt on an unknown code) and counted.
// A wrong room code is one too: only the audit row's reason tells it apart.
async function refuse(
  tx: Tx,
  limits: AttemptLimits,
  { attempt, participant, session, now }: { attempt: Credentials; participant: LockedParticipant | undefined; session: SessionRules | undefined; now: Date },
  { proofRefused, reason }: { proofRefused: boolean; reason: string | null },
): Promise<Guarded> {
  const facts = {
    type: proofRefused ? ('device_proof_refused' as const) : ('not_recognised' as const),
    sourceIp: attempt.ip,
    sourceDevice: attempt.device.hash,
    userAgent: attempt.userAgent,
    submittedNameHash: nameHash(attempt.fullName),
    requestId: attempt.requestId,
    reason,
    lockPolicy: proofRefused ? (session?.lockPolicy ?? null) : null,
  };
  if (participant) recordEvent(tx, participant, facts, session && webhookTargets(session, now, facts.type));
  else await recordAttemptOnUnknownCode(tx, attempt.code, facts, now);
  countTowardLimits(tx, limits, attempt, participant?.id, now);
  return { recognised: false, proofRefused };
}

// Under room codes, a participant of a room types the room's code (contracts/room-codes.ts), except from the
// device that holds their lock: it showed the code when it took the lock, and its refresh or network switch
// must not need the code of the moment. A participant without a room has no code to type.
async function roomCodeRefusalOf(roomCodes: RoomCodes, session: SessionRules, participant: LockedParticipant, attempt: Credentials): Promise<'room_code_missing' | 'room_code_wrong' | undefined> {
  if (session.roomCodes !== 'required' || participant.roomId === null || participant.lockedDevice === attempt.device.hash) return undefined;
  if (attempt.roomCode === undefined || attempt.roomCode === '') return 'room_code_missing';
  return (await roomCodes.accepts(participant.roomId, attempt.roomCode, participant.now)) ? undefined : 'room_code_wrong';
}

// A wrong code/name pair counts toward the limits, and so does a device-change request: it needs the
// right code and name, but whoever has them must not be able to file requests without end.
export function countTowardLimits(tx: Tx, limits: AttemptLimits, attempt: Credentials, participantId: number | undefined, now: Date): void {
  if (participantId !== undefined) markGuess(tx, participantId, now);
  const origin = { address: attempt.ip, code: attempt.code };
  countFailure(tx, deviceScope(attempt.device.hash), now, { windowS: limits.windowS, max: limits.perDevice }, origin);
  countFailure(tx, addressAndCodeScope(attempt.ip, attempt.code), now, { windowS: limits.windowS, max: limits.perAddressAndCode }, origin);
}
