import { matchHolder } from '../../../contracts/lock-policy.ts';
import { type CheckInOutcome, EVENT_RULES } from '../../../contracts/participant-state.ts';
import type { SessionRules } from '../exam-sessions/session-cache.ts';
import type { LockedParticipant } from '../participants/participants.repo.ts';

export type Admitted = Extract<CheckInOutcome, 'checked_in' | 'checked_in_shared_device' | 'reentered' | 'network_changed'>;

export function admits(outcome: CheckInOutcome): outcome is Admitted {
  return EVENT_RULES[outcome].admits;
}

// An admission that gives the device the participant's lock (a first check-in, or one after a reset), as
// opposed to one by the device that holds it.
export function takesLock(outcome: CheckInOutcome): boolean {
  return EVENT_RULES[outcome].lock === 'source';
}

export interface Attempt {
  ip: string;
  device: { hash: string };
}

export type SessionRulesForDecision = Pick<SessionRules, 'lockPolicy' | 'opensAt' | 'closesAt' | 'insideAllowedNetworks'>;

// A participant's room, when it has networks of its own, says where they may check in from.
export function rulesForParticipant(session: SessionRules, participant: Pick<LockedParticipant, 'roomId'>): SessionRulesForDecision {
  const room = participant.roomId === null ? undefined : session.rooms.get(participant.roomId);
  return room?.insideAllowedNetworks ? { ...session, insideAllowedNetworks: room.insideAllowedNetworks } : session;
}

// The holder's device key from another address: when the holder was last let in, and how recent that may
// be before the two uses look like two machines with one key. Under every policy.
export interface CopyCheck {
  windowMs: number;
  holderLastAdmittedAt: Date | null;
}

// Whether the attempt is the holder's key from another address, so that copyCheck needs the holder's last
// admission (one more read, only on this path).
export function isHolderKeyElsewhere(participant: LockedParticipant, attempt: Attempt): boolean {
  return participant.lockedDevice !== null && participant.lockedDevice === attempt.device.hash && participant.lockedIp !== null && participant.lockedIp !== attempt.ip;
}

// Made under the row lock, for a code and name the attempt guard recognised (the first rule: nothing below
// may tell a guesser that a code exists); what the outcome changes is the state table's business. Then, in
// this order: expiry; the window, [opensAt, closesAt) on the database's clock; the networks; the device
// rule (a copied key first). The window and the networks come before the device rule, so that no lock is
// taken from outside them.
export function decideCheckIn(participant: LockedParticipant, session: SessionRulesForDecision, attempt: Attempt, copy: CopyCheck): Exclude<CheckInOutcome, 'not_recognised'> {
  if (participant.status === 'expired') return 'code_expired';
  if (session.opensAt !== null && participant.now < session.opensAt) return 'not_open_yet';
  if (session.closesAt !== null && participant.now >= session.closesAt) return 'check_in_closed';
  if (session.insideAllowedNetworks && !session.insideAllowedNetworks(attempt.ip)) return 'outside_allowed_networks';
  if (
    copy.holderLastAdmittedAt !== null &&
    isHolderKeyElsewhere(participant, attempt) &&
    participant.now.getTime() - copy.holderLastAdmittedAt.getTime() < copy.windowMs
  ) {
    return 'device_key_copied';
  }
  const holder = matchHolder(session.lockPolicy, { ip: participant.lockedIp, device: participant.lockedDevice }, { ip: attempt.ip, device: attempt.device.hash });
  if (holder === 'other') return 'device_conflict';
  if (holder === 'holder_moved') return 'network_changed';
  return holder === 'holder' && participant.status === 'in_progress' ? 'reentered' : 'checked_in';
}
