import { describe, expect, it } from 'vitest';
import type { LockedParticipant } from '../participants/participants.repo.ts';
import { decideCheckIn } from './checkin-decision.ts';

const now = new Date('2026-01-01T08:00:00Z');
const participant = (overrides: Partial<LockedParticipant> = {}): LockedParticipant => ({
  id: 1, sessionId: 1, sessionName: 'S', code: 'ABCD', fullName: 'Ada Lovelace', status: 'unused',
  lockedIp: null, deviceLockedAt: null, enteredAt: null, lastGuessAt: null, nameCheck: null, now, ...overrides,
});
const attempt = { fullName: 'Ada Lovelace', ip: '10.0.0.1' };

describe('decideCheckIn', () => {
  it('when the code is unknown, then not_recognised', () => {
    expect(decideCheckIn(undefined, attempt).kind).toBe('not_recognised');
  });
  it('when the name differs, then not_recognised even if the code is expired or locked elsewhere', () => {
    const wrong = { ...attempt, fullName: 'Grace Hopper' };
    expect(decideCheckIn(participant({ status: 'expired' }), wrong).kind).toBe('not_recognised');
    expect(decideCheckIn(participant({ status: 'in_progress', lockedIp: '10.9.9.9' }), wrong).kind).toBe('not_recognised');
  });
  it('when the code is expired, then code_expired before the device rule', () => {
    expect(decideCheckIn(participant({ status: 'expired', lockedIp: '10.9.9.9' }), attempt).kind).toBe('code_expired');
    expect(decideCheckIn(participant({ status: 'expired', lockedIp: attempt.ip }), attempt).kind).toBe('code_expired');
  });
  it('when another device holds the lock, then device_conflict', () => {
    expect(decideCheckIn(participant({ status: 'in_progress', lockedIp: '10.9.9.9' }), attempt).kind).toBe('device_conflict');
  });
  it('when this device holds the lock, then reentered', () => {
    expect(decideCheckIn(participant({ status: 'in_progress', lockedIp: attempt.ip }), attempt).kind).toBe('reentered');
  });
  it('when nobody holds the lock (new, or reset by a proctor), then checked_in', () => {
    expect(decideCheckIn(participant(), attempt).kind).toBe('checked_in');
    expect(decideCheckIn(participant({ status: 'in_progress', lockedIp: null }), attempt).kind).toBe('checked_in');
  });
});
