import type { LockedParticipant } from '../participants/participants.repo.ts';
import { sameName } from './full-name.ts';

export type CheckInDecision =
  | { kind: 'checked_in' }
  | { kind: 'reentered' }
  | { kind: 'device_conflict' }
  | { kind: 'code_expired' }
  | { kind: 'not_recognised' };

// Made under the row lock. The order matters: the name is checked before anything that would tell a
// guesser that a code exists (expired, locked), and expiry before the device rule.
export function decideCheckIn(
  participant: LockedParticipant | undefined,
  attempt: { fullName: string; ip: string },
): CheckInDecision {
  if (!participant || !sameName(participant.fullName, attempt.fullName)) return { kind: 'not_recognised' };
  if (participant.status === 'expired') return { kind: 'code_expired' };
  if (participant.lockedIp !== null && participant.lockedIp !== attempt.ip) return { kind: 'device_conflict' };
  if (participant.lockedIp === attempt.ip && participant.status === 'in_progress') return { kind: 'reentered' };
  return { kind: 'checked_in' };
}
