import { matchHolder } from '../../../contracts/lock-policy.ts';
import type { AuditEventType } from '../../../contracts/participant-state.ts';
import type { SessionRules } from '../exam-sessions/session-cache.ts';
import type { LockedParticipant } from '../participants/participants.repo.ts';

export type CheckInOutcome = Extract<
  AuditEventType,
  'checked_in' | 'reentered' | 'network_changed' | 'device_conflict' | 'code_expired' | 'not_recognised' | 'not_open_yet' | 'check_in_closed' | 'outside_allowed_networks'
>;

export interface Attempt {
  ip: string;
  device: { hash: string };
}

export type SessionRulesForDecision = Pick<SessionRules, 'lockPolicy' | 'opensAt' | 'closesAt' | 'insideAllowedNetworks'>;

// Made under the row lock, for a code and name the attempt guard recognised (the first rule: nothing below
// may tell a guesser that a code exists); what the outcome changes is the state table's business. Then, in
// this order: expiry; the window, [opensAt, closesAt) on the database's clock; the networks; the device
// rule. The window and the networks come before the device rule, so that no lock is taken from outside them.
export function decideCheckIn(participant: LockedParticipant, session: SessionRulesForDecision, attempt: Attempt): Exclude<CheckInOutcome, 'not_recognised'> {
  if (participant.status === 'expired') return 'code_expired';
  if (session.opensAt !== null && participant.now < session.opensAt) return 'not_open_yet';
  if (session.closesAt !== null && participant.now >= session.closesAt) return 'check_in_closed';
  if (session.insideAllowedNetworks && !session.insideAllowedNetworks(attempt.ip)) return 'outside_allowed_networks';
  const holder = matchHolder(session.lockPolicy, { ip: participant.lockedIp, device: participant.lockedDevice }, { ip: attempt.ip, device: attempt.device.hash });
  if (holder === 'other') return 'device_conflict';
  if (holder === 'holder_moved') return 'network_changed';
  return holder === 'holder' && participant.status === 'in_progress' ? 'reentered' : 'checked_in';
}
