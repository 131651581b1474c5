import { describe, expect, it } from 'vitest';
import type { LockPolicy } from '../../../contracts/lock-policy.ts';
import { networkMatcher } from '../exam-sessions/allowed-networks.ts';
import type { LockedParticipant } from '../participants/participants.repo.ts';
import { decideCheckIn, type SessionRulesForDecision } from './checkin-decision.ts';

const now = new Date('2026-01-01T08:00:00.000Z');
const participant = (overrides: Partial<LockedParticipant> = {}): LockedParticipant => ({
  id: 1, sessionId: 1, code: 'ABCD', fullName: 'Ada Lovelace', status: 'unused', lockedIp: null, lockedDevice: null, lockEvent: null,
  deviceLockedAt: null, enteredAt: null, conflictOpen: false, refusedAttempts: 0, lastRefusal: null, lastGuessAt: null, chainSeq: 0, chainHead: null, roomId: null, seat: null, now,
  ...overrides,
});
const session = (overrides: Partial<SessionRulesForDecision> = {}): SessionRulesForDecision => ({
  lockPolicy: 'device', opensAt: null, closesAt: null, insideAllowedNetworks: null, ...overrides,
});
const attempt = { ip: '10.0.0.1', device: { hash: 'device-a' } };
const noCopy = { windowMs: 10_000, holderLastAdmittedAt: null };
const lockedTo = (ip: string, device: string | null) => participant({ status: 'in_progress', lockedIp: ip, lockedDevice: device });

// The name is checked before all of this, by the attempt guard (server/test/attempt-limits.test.ts).
describe('decideCheckIn', () => {
  it('when the code is expired, then code_expired before the window, the network and the device rule', () => {
    expect(decideCheckIn(participant({ status: 'expired', lockedIp: '10.9.9.9' }), session({ closesAt: now, insideAllowedNetworks: () => false }), attempt, noCopy)).toBe('code_expired');
  });

  it('when check-in has not opened, then not_open_yet up to the last millisecond before opensAt, and open from opensAt on', () => {
    expect(decideCheckIn(participant(), session({ opensAt: new Date(now.getTime() + 1) }), attempt, noCopy)).toBe('not_open_yet');
    expect(decideCheckIn(participant(), session({ opensAt: now }), attempt, noCopy)).toBe('checked_in');
  });

  it('when check-in has closed, then check_in_closed from closesAt on, and open until the millisecond before', () => {
    expect(decideCheckIn(participant(), session({ closesAt: now }), attempt, noCopy)).toBe('check_in_closed');
    expect(decideCheckIn(participant(), session({ closesAt: new Date(now.getTime() + 1) }), attempt, noCopy)).toBe('checked_in');
  });

  it('when the window is shut, then no lock is taken even by the holder, and the network comes before the device', () => {
    expect(decideCheckIn(lockedTo('10.0.0.1', 'device-a'), session({ opensAt: new Date(now.getTime() + 1000) }), attempt, noCopy)).toBe('not_open_yet');
    expect(decideCheckIn(lockedTo('10.9.9.9', 'device-b'), session({ insideAllowedNetworks: networkMatcher(['192.168.0.0/16']) }), attempt, noCopy)).toBe('outside_allowed_networks');
  });

  it('when the attempt comes from an allowed network (IPv4, IPv6, or IPv4 inside an IPv4-mapped range), then it is let in', () => {
    const inside = networkMatcher(['10.0.0.0/8', '2001:db8::/32', '::ffff:192.0.2.0/120']);
    expect(decideCheckIn(participant(), session({ insideAllowedNetworks: inside }), attempt, noCopy)).toBe('checked_in');
    expect(decideCheckIn(participant(), session({ insideAllowedNetworks: inside }), { ...attempt, ip: '2001:db8::5' }, noCopy)).toBe('checked_in');
    expect(decideCheckIn(participant(), session({ insideAllowedNetworks: inside }), { ...attempt, ip: '192.0.2.7' }, noCopy)).toBe('checked_in');
    expect(decideCheckIn(participant(), session({ insideAllowedNetworks: inside }), { ...attempt, ip: '2001:db9::5' }, noCopy)).toBe('outside_allowed_networks');
  });

  // The policy table of README "Lock policies": the holder is device-a at 10.0.0.1.
  const table: [LockPolicy, string, string, string][] = [
    ['address', 'same key, new address', 'device_conflict', ''],
    ['address', 'new key, same address', 'reentered', ''],
    ['device', 'same key, new address', 'network_changed', ''],
    ['device', 'new key, same address', 'device_conflict', ''],
    ['device_and_address', 'same key, new address', 'device_conflict', ''],
    ['device_and_address', 'new key, same address', 'device_conflict', ''],
  ];
  it.each(table)('when the policy is %s and the attempt has the %s, then %s', (policy, row, outcome) => {
    const from = row === 'same key, new address' ? { ...attempt, ip: '10.0.0.2' } : { ...attempt, device: { hash: 'device-b' } };
    expect(decideCheckIn(lockedTo('10.0.0.1', 'device-a'), session({ lockPolicy: policy }), from, noCopy)).toBe(outcome);
  });

  it.each(['address', 'device', 'device_and_address'] as const)('when the policy is %s and the holder comes back unchanged, then reentered; a free lock is checked_in', (policy) => {
    expect(decideCheckIn(lockedTo('10.0.0.1', 'device-a'), session({ lockPolicy: policy }), attempt, noCopy)).toBe('reentered');
    expect(decideCheckIn(participant(), session({ lockPolicy: policy }), attempt, noCopy)).toBe('checked_in');
  });

  it('when a lock has no device (taken before device keys), then under the device policies its address decides', () => {
    expect(decideCheckIn(lockedTo('10.0.0.1', null), session(), { ...attempt, device: { hash: 'device-new' } }, noCopy)).toBe('reentered');
    expect(decideCheckIn(lockedTo('10.0.0.1', null), session(), { ...attempt, ip: '10.0.0.2' }, noCopy)).toBe('device_conflict');
  });

  it.each(['address', 'device', 'device_and_address'] as const)(
    'when the policy is %s and the holder\'s key comes from another address within the copy window, then device_key_copied; after it, the policy decides',
    (policy) => {
      const elsewhere = { ...attempt, ip: '10.0.0.2' };
      const held = lockedTo('10.0.0.1', 'device-a');
      const admittedAgo = (ms: number) => ({ windowMs: 10_000, holderLastAdmittedAt: new Date(now.getTime() - ms) });
      expect(decideCheckIn(held, session({ lockPolicy: policy }), elsewhere, admittedAgo(9_999))).toBe('device_key_copied');
      expect(decideCheckIn(held, session({ lockPolicy: policy }), elsewhere, admittedAgo(10_000))).toBe(policy === 'device' ? 'network_changed' : 'device_conflict');
      // The holder at its own address, and another key, are never a copy.
      expect(decideCheckIn(held, session({ lockPolicy: policy }), attempt, admittedAgo(0))).toBe('reentered');
      expect(decideCheckIn(held, session({ lockPolicy: policy }), { ip: '10.0.0.2', device: { hash: 'device-b' } }, admittedAgo(0))).toBe('device_conflict');
    },
  );
});
