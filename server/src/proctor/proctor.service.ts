import { type DeviceRef, deviceFingerprint } from '../../../contracts/lock-policy.ts';
import type { AuditEventType } from '../../../contracts/participant-state.ts';
import type { ProctorParticipant } from '../../../contracts/proctor.ts';
import { latestMovableAttemptFrom, movableAttempt } from '../audit/audit-events.repo.ts';
import { recordEvent } from '../audit/audit.repo.ts';
import { type Database, type Tx, withTransaction } from '../lib/database.ts';
import { normaliseIp } from '../lib/client-ip.ts';
import type { Actor } from '../lib/http.ts';
import { CodeExpiredError, ForbiddenError, InvalidInputError, LockChangedError, NotFoundError, SeatTakenError, StaleUpdateError } from '../lib/errors.ts';
import { proctorParticipant } from '../participants/participant-view.repo.ts';
import { type LockedParticipant, lockParticipantByCode, type SeatTaken, setRoom } from '../participants/participants.repo.ts';
import { roomsOfSession, sameRoomName } from '../rooms/rooms.repo.ts';
import { holdSeat, lockSeat, releaseSeat } from '../rooms/seats.repo.ts';
import { lockMovedTo } from '../devices/session-devices.repo.ts';
import { ProctorScope } from '../lib/proctor-scope.ts';

// What the proctor saw of the lock; an action on a lock that changed since is refused. `undefined` skips a
// check (the CLI acts on what it reads itself, and a device is only compared when the proctor sent one);
// null means "I saw no lock" or "no device".
export interface SeenLock {
  expectedIp: string | null | undefined;
  expectedDevice?: string | null | undefined;
}

export type TransferTarget = { toIp: string } | { toAttempt: number };

export function lockChanged(participant: LockedParticipant, seen: SeenLock): boolean {
  // Stored addresses are normalised (clientIp); what the proctor sends back may be spelled otherwise.
  const expectedIp = seen.expectedIp ? (normaliseIp(seen.expectedIp) ?? seen.expectedIp) : seen.expectedIp;
  if (expectedIp !== undefined && participant.lockedIp !== expectedIp) return true;
  return seen.expectedDevice !== undefined && deviceFingerprint(participant.lockedDevice) !== seen.expectedDevice;
}

// Where a lock is moved: a device, and the attempt it is known by (its browser), if any.
export interface MoveTarget extends DeviceRef {
  event: number | null;
}

function byActor(actor: Actor, reason: string | null, type: AuditEventType, target?: MoveTarget) {
  return {
    type, sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name, reason,
    targetIp: target?.ip ?? null, targetDevice: target?.device ?? null, targetEvent: target?.event ?? null,
  };
}

// Rows are locked in code order, so two bulk actions over overlapping selections cannot deadlock each other.
// Each is then held to the acting proctor's rooms.
async function lockAll(tx: Tx, codes: string[], actor: Actor): Promise<LockedParticipant[]> {
  const locked: LockedParticipant[] = [];
  for (const code of [...new Set(codes)].sort()) {
    const participant = await lockParticipantByCode(tx, code);
    if (!participant) throw new NotFoundError(`No participant has the code ${code}.`);
    actor.scope?.requireCovers(participant);
    locked.push(participant);
  }
  return locked;
}

export async function participantViews(db: Database, codes: string[]): Promise<ProctorParticipant[]> {
  return db.read(async (handle) => {
    const result: ProctorParticipant[] = [];
    for (const code of codes) {
      const view = await proctorParticipant(handle, code);
      if (view) result.push(view);
    }
    return result;
  });
}

export async function resetLocks(db: Database, items: ({ code: string } & SeenLock)[], reason: string | null, actor: Actor): Promise<ProctorParticipant[]> {
  const seen = new Map(items.map((item) => [item.code, item]));
  await withTransaction(db, async (tx) => {
    const participants = await lockAll(tx, items.map((item) => item.code), actor);
    const changed = participants.filter((p) => lockChanged(p, seen.get(p.code)!));
    if (changed.length > 0) throw new LockChangedError(changed.map((p) => p.code));
    for (const participant of participants) recordEvent(tx, participant, byActor(actor, reason, 'lock_reset'));
  });
  return participantViews(db, items.map((item) => item.code));
}

// The lock goes from the old holder straight to the target inside one transaction: there is no moment
// without a holder in which a third device could check in. A target named by a refused attempt is exactly
// that device, even behind an address it shares with others.
export async function transferLock(db: Database, code: string, target: TransferTarget, seen: SeenLock, reason: string | null, actor: Actor): Promise<ProctorParticipant> {
  await withTransaction(db, async (tx) => {
    const [participant] = await lockAll(tx, [code], actor);
    if (lockChanged(participant!, seen)) throw new LockChangedError([code]);
    let to: MoveTarget;
    if ('toAttempt' in target) {
      const attempt = await movableAttempt(tx, participant!.id, target.toAttempt);
      if (!attempt) throw new InvalidInputError(`Attempt ${target.toAttempt} is not a refused attempt or device-change request of ${code}.`, [{ path: 'toAttempt', message: 'not a refused attempt of this participant' }]);
      to = { ...attempt, event: attempt.id };
    } else {
      const toIp = normaliseIp(target.toIp) ?? target.toIp;
      const latest = await latestMovableAttemptFrom(tx, participant!.id, toIp);
      to = { ip: toIp, device: latest?.device ?? null, event: latest?.id ?? null };
    }
    moveLock(tx, participant!, to, reason, actor);
  });
  return (await participantViews(db, [code]))[0]!;
}

export function moveLock(tx: Tx, participant: LockedParticipant, to: MoveTarget, reason: string | null, actor: Actor): void {
  if (participant.status === 'expired') throw new CodeExpiredError();
  recordEvent(tx, participant, byActor(actor, reason, 'lock_transferred', to));
  if (to.device !== null) lockMovedTo(tx, { sessionId: participant.sessionId, deviceHash: to.device, participantId: participant.id });
}

export async function setExpired(db: Database, codes: string[], expired: boolean, reason: string | null, actor: Actor): Promise<ProctorParticipant[]> {
  await withTransaction(db, async (tx) => {
    for (const participant of await lockAll(tx, codes, actor)) {
      if ((participant.status === 'expired') === expired) continue;
      recordEvent(tx, participant, byActor(actor, reason, expired ? 'expired' : 'reopened'));
    }
  });
  return participantViews(db, codes);
}

// Where the proctor wants the participant: a room (null: none) and a seat of it (null: none). `expected`:
// where the proctor saw them; undefined skips the check (the CLI acts on what it reads itself).
export interface SeatMove {
  room: string | null;
  seat: string | null;
  expected?: { room: string | null; seat: string | null };
}

// A proctor moves a participant to another room or seat, or frees their seat: one transaction under the
// participant's row lock, then the seat rows' (the order every check-in takes them in). Refused when the
// participant sits elsewhere than the proctor saw (stale_update), or the seat is someone else's (seat_taken).
// A room proctor moves their participants between their own rooms only (another room is not found).
export async function moveSeat(db: Database, code: string, move: SeatMove, reason: string | null, actor: Actor): Promise<ProctorParticipant> {
  const scope = actor.scope ?? ProctorScope.CHIEF;
  await withTransaction(db, async (tx) => {
    const [participant] = (await lockAll(tx, [code], actor)) as [LockedParticipant];
    const rooms = await roomsOfSession(tx, participant.sessionId);
    const current = rooms.find((room) => room.id === participant.roomId);
    if (move.expected && ((current?.name ?? null) !== move.expected.room || participant.seat !== move.expected.seat)) throw new StaleUpdateError(`Where ${code} sits`);
    // Out of every room is out of a room proctor's sight: a chief's move.
    if (move.room === null && !scope.isChief) throw new ForbiddenError('Only a chief proctor can take a participant out of every room.');
    const room = move.room === null ? undefined : rooms.find((candidate) => sameRoomName(candidate.name, move.room!) && scope.coversRoom(candidate.id));
    if (move.room !== null && !room) throw new NotFoundError(`This exam session has no room "${move.room}".`);
    let seat: SeatTaken | undefined;
    if (move.seat !== null) {
      if (!room) throw new InvalidInputError('A seat needs a room.', [{ path: 'room', message: 'a seat needs a room' }]);
      const locked = await lockSeat(tx, room.id, move.seat);
      if (!locked) throw new NotFoundError(`${room.name} has no seat ${move.seat} in its seat plan.`);
      if (locked.holderId !== null && locked.holderId !== participant.id) throw new SeatTakenError(room.name, locked.label);
      seat = locked;
    }
    const roomId = room?.id ?? null;
    if (roomId === participant.roomId && (seat?.label ?? null) === participant.seat) return;
    if (participant.roomId !== null && participant.seat !== null) releaseSeat(tx, participant.id, { roomId: participant.roomId, label: participant.seat });
    if (seat) holdSeat(tx, participant.id, seat);
    const leftRoom = roomId !== participant.roomId ? participant.roomId : null;
    if (roomId !== participant.roomId) setRoom(tx, participant.id, roomId);
    participant.roomId = roomId;
    participant.seat = seat?.label ?? null;
    // The room left, for its proctors' stream (ProctorScope.coversEvent).
    recordEvent(tx, participant, { ...byActor(actor, reason, 'seat_changed'), ...(leftRoom === null ? {} : { details: JSON.stringify({ fromRoomId: leftRoom }) }) });
  });
  return (await participantViews(db, [code]))[0]!;
}
