import type { CheckInResponse } from '../../../contracts/checkin.ts';
import type { Placement } from '../../../contracts/rooms.ts';
import { formatReceipt } from '../../../contracts/receipt.ts';
import { type Credentials, type GuardContext, guardAttempt } from '../attempts/attempt-guard.ts';
import { recordEvent } from '../audit/audit.repo.ts';
import { type SessionRules, webhookTargets } from '../exam-sessions/session-cache.ts';
import { lastAdmissionAt } from '../audit/audit-events.repo.ts';
import { type Database, type Tx, withTransaction } from '../lib/database.ts';
import { JUST_INSERTED, type LockedParticipant, lockEventOf } from '../participants/participants.repo.ts';
import type { AdmissionTokens } from '../admission-tokens/admission-tokens.service.ts';
import type { CheckInOutcome, ParticipantState } from '../../../contracts/participant-state.ts';
import {
  type AppError,
  CheckInClosedError,
  CodeExpiredError,
  DeviceInUseElsewhereError,
  DeviceLockedError,
  DeviceProofInvalidError,
  DeviceSharedError,
  NotOpenYetError,
  NotRecognisedError,
  OutsideAllowedNetworksError,
  RoomFullError,
} from '../lib/errors.ts';
import { holdSeat, probedSeat, type SeatDraw, seatDraw, seatProbe, takeFreeSeat } from '../rooms/seats.repo.ts';
import type { RowDataPacket } from 'mysql2/promise';
import { nameHash } from '../participants/full-name.ts';
import type { SecretSource } from '../lib/app-secrets.ts';
import { receiptCode } from '../receipts/receipt-code.ts';
import { keepReceipt } from '../receipts/receipts.repo.ts';
import { type Claimed, claimDevice, claimedBy, deviceClaimFor, otherHolder } from '../devices/session-devices.repo.ts';
import { type Admitted, admits, type Attempt, type CopyCheck, decideCheckIn, isHolderKeyElsewhere, rulesForParticipant, takesLock } from './checkin-decision.ts';

export interface CheckInContext extends GuardContext {
  db: Database;
  copyWindowS: number;
  admissionTokens: AdmissionTokens;
  receiptKey: SecretSource;
}

// Only for the holder's own key from another address is the holder's last admission read.
export async function copyCheckFor(tx: Tx, participant: LockedParticipant, attempt: Attempt, windowS: number): Promise<CopyCheck> {
  const windowMs = windowS * 1000;
  if (windowMs === 0 || !isHolderKeyElsewhere(participant, attempt)) return { windowMs, holderLastAdmittedAt: null };
  return { windowMs, holderLastAdmittedAt: await lastAdmissionAt(tx, participant.id) };
}

export type Refusal = Exclude<CheckInOutcome, Admitted>;
type DecidedOutcome = Exclude<CheckInOutcome, 'not_recognised'>;

// The answer to each refusal; device-change requests answer the same way.
export function refusalError(outcome: Refusal | 'not_recognised' | 'device_proof_refused', session: Pick<SessionRules, 'opensAt' | 'timeZone'> | undefined): AppError {
  switch (outcome) {
    case 'device_conflict':
      return new DeviceLockedError();
    case 'device_key_copied':
      return new DeviceInUseElsewhereError();
    case 'code_expired':
      return new CodeExpiredError();
    case 'not_open_yet':
      return new NotOpenYetError(session!.opensAt!, session!.timeZone);
    case 'check_in_closed':
      return new CheckInClosedError();
    case 'outside_allowed_networks':
      return new OutsideAllowedNetworksError();
    case 'room_full':
      return new RoomFullError();
    case 'device_shared':
      return new DeviceSharedError();
    case 'not_recognised':
      return new NotRecognisedError();
    case 'device_proof_refused':
      return new DeviceProofInvalidError();
  }
}

// Under seating at_check_in, an admitted participant of a room with a seat plan who has no seat gets a free
// one, under their row lock and in the transaction that admits them. A first check-in needs one: without a
// free seat it is refused (room_full) and takes no lock. A re-entry without one (seating switched on after
// the participant came in) gets one if there is one, and is let in either way.
// `draw`: where the early read started, when it was sent.
async function seatFor(tx: Tx, session: SessionRules, participant: LockedParticipant, outcome: DecidedOutcome, draw: SeatDraw | undefined, probed: RowDataPacket[] | undefined): Promise<DecidedOutcome> {
  if (!admits(outcome) || session.seating !== 'at_check_in' || participant.seat !== null || participant.roomId === null) return outcome;
  const room = session.rooms.get(participant.roomId);
  if (!room || room.seats === 0) return outcome;
  const seat = probedSeat(probed) ?? (await takeFreeSeat(tx, room.id, draw ?? seatDraw(tx), probed !== undefined));
  if (seat === undefined) return takesLock(outcome) ? 'room_full' : outcome;
  holdSeat(tx, participant.id, seat);
  // The participant's row gets it with the state its event writes (recordEvent).
  participant.seat = seat.label;
  return outcome;
}

// A first check-in from a device that holds another participant's lock in the session, unless the session
// allows that: refused, or let in and flagged for a proctor. `sharedWith`: that participant's code (the
// audit row's details). Only a check-in that gives the device a lock is judged; under `allowed` nothing is.
// `claimed`: what the claim sent with the row lock found, when it was sent for this device (otherwise the
// device is claimed here, one round trip more).
async function deviceSharingFor(tx: Tx, session: SessionRules, participant: LockedParticipant, outcome: DecidedOutcome, device: string, claimed: Claimed | undefined): Promise<{ outcome: DecidedOutcome; sharedWith?: string }> {
  if (outcome !== 'checked_in' || session.deviceSharing === 'allowed') return { outcome };
  const claim = { sessionId: session.id, deviceHash: device, participantId: participant.id };
  // Flagged, the row keeps naming the first holder: the one a proctor should compare with.
  const sharedWith = await otherHolder(tx, claimed ?? (await claimDevice(tx, claim)), claim);
  if (sharedWith === undefined) return { outcome };
  return { outcome: session.deviceSharing === 'refused' ? 'device_shared' : 'checked_in_shared_device', sharedWith };
}

function placementOf(session: SessionRules, participant: LockedParticipant): { placement?: Placement } {
  const room = participant.roomId === null ? undefined : session.rooms.get(participant.roomId);
  return room ? { placement: { room: room.name, seat: participant.seat } } : {};
}

// Each attempt is one transaction, two round trips: the statement that locks the participant row, then
// the writes decided under that lock, sent with COMMIT (a seat drawn without the early read, or after it
// found none, costs one more). Refusals are audited and committed too, and only
// then reported as errors. Throttled attempts (429) are the exception: they change nothing and write nothing.
export async function checkIn(context: CheckInContext, given: Credentials): Promise<CheckInResponse> {
  const receiptKey = await context.receiptKey.get();
  const decided = await withTransaction(context.db, async (tx) => {
    const lockStarted = performance.now();
    // While this instance serves sessions that draw seats, the first read for a free seat rides along with
    // the row lock (seats.repo.ts).
    const draw = context.sessions.drawsSeats() ? seatDraw(tx) : undefined;
    // So does the claim of the device, while it serves sessions that judge devices checking in a second code.
    const claimsDevice = context.sessions.judgesDevices();
    const guarded = await guardAttempt(tx, context, given, [...(draw ? [seatProbe(given.code, draw)] : []), ...(claimsDevice ? [deviceClaimFor(given.code, given.device.hash)] : [])]);
    context.db.events.emit('row-lock', (performance.now() - lockStarted) / 1000);
    if (!guarded.recognised) return { refusal: guarded.proofRefused ? ('device_proof_refused' as const) : ('not_recognised' as const) };
    const { participant, session, attempt } = guarded;
    const decided = decideCheckIn(participant, rulesForParticipant(session, participant), attempt, await copyCheckFor(tx, participant, attempt, context.copyWindowS));
    const [probed, claimResult] = draw ? (guarded.alongsideRows ?? []) : [undefined, ...(guarded.alongsideRows ?? [])];
    // A proven browser let in as its old cookie key's holder is judged by that key, which the claim did not name.
    const claimed = claimsDevice && attempt.device.hash === given.device.hash ? claimedBy(claimResult) : undefined;
    const shared = await deviceSharingFor(tx, session, participant, decided, attempt.device.hash, claimed);
    const outcome = await seatFor(tx, session, participant, shared.outcome, draw, draw ? probed : undefined);
    const facts = {
      type: outcome,
      sourceIp: attempt.ip,
      sourceDevice: attempt.device.hash,
      userAgent: attempt.userAgent,
      submittedNameHash: nameHash(attempt.fullName),
      requestId: attempt.requestId,
      lockPolicy: session.lockPolicy,
      // Only while the outcome is the shared device's own (a full room then refuses for its own reason).
      ...(shared.sharedWith === undefined || outcome !== shared.outcome ? {} : { details: JSON.stringify({ sharedWith: shared.sharedWith }) }),
    };
    const after = recordEvent(tx, participant, facts, webhookTargets(session, participant.now, facts.type));
    const receipt = admits(outcome) ? receiptCode(receiptKey, participant.id, after.deviceLockedAt!) : undefined;
    if (receipt !== undefined) keepReceipt(tx, { participantId: participant.id, grantedAt: after.deviceLockedAt!, receipt });
    return { outcome, session, participant, after, receipt };
  });
  if (decided.refusal) throw refusalError(decided.refusal, undefined);
  const { outcome, session, participant, after, receipt } = decided;
  if (!admits(outcome)) throw refusalError(outcome, session);
  if (receipt === undefined) throw new Error('an admission without a receipt');
  return {
    // A network change is a re-entry for the participant; only the audit log and the dashboard tell it apart.
    // A flagged shared device is a proctor's business.
    result: outcome === 'network_changed' ? 'reentered' : outcome === 'checked_in_shared_device' ? 'checked_in' : outcome,
    participant: { code: participant.code, fullName: participant.fullName, status: 'in_progress', deviceLockedAt: after.deviceLockedAt!.toISOString() },
    examSession: { name: session.name },
    ...placementOf(session, participant),
    receipt: formatReceipt(receipt),
    ...(session.continueUrl === null ? {} : { continueUrl: await admissionUrl(context, session, participant, after) }),
  };
}

// The way on to the exam platform, with a token naming this admission. Only a committed admission gets one,
// so the event that gave the lock is read back when this check-in wrote it.
async function admissionUrl(context: CheckInContext, session: SessionRules, participant: LockedParticipant, after: ParticipantState<Date, number | typeof JUST_INSERTED>): Promise<string> {
  const auditEvent = after.lockEvent === JUST_INSERTED ? await context.db.read((handle) => lockEventOf(handle, participant.id)) : after.lockEvent;
  return context.admissionTokens.continueUrl({
    sessionId: session.id,
    sessionName: session.name,
    continueUrl: session.continueUrl!,
    code: participant.code,
    lockedDevice: after.lockedDevice,
    deviceLockedAt: after.deviceLockedAt!,
    auditEvent: auditEvent ?? 0,
  });
}
