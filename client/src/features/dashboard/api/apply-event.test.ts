import { describe, expect, it } from 'vitest';
import type { ProctorParticipant, StreamEvent } from '../../../../../contracts/proctor.ts';
import { applyEvent, refetchDelayMs } from './apply-event.ts';

const row: ProctorParticipant = {
  code: 'ABCD-1234', fullName: 'Ada Lovelace', status: 'in_progress', lockedIp: '10.0.0.1', lockedDevice: 'aaaa1111', lockedUserAgent: 'Firefox/140',
  deviceLockedAt: '2026-01-01T08:00:00.000Z', enteredAt: '2026-01-01T08:00:00.000Z', refusedAttempts: 0, lastRefused: null, openConflict: false,
  pendingRequest: { id: 7, requesterIp: '10.0.0.2', requesterDevice: 'bbbb2222', userAgent: null, holderIp: '10.0.0.1', createdAt: '2026-01-01T08:01:00.000Z', expiresAt: '2026-01-01T08:11:00.000Z' },
  throttled: false,
  withdrawn: false,
  sessionId: 1,
  room: null,
  seat: null,
};
const at = '2026-01-01T08:02:00.000Z';
const event = (overrides: Partial<StreamEvent>): StreamEvent => ({
  id: 10, type: 'reentered', code: row.code, ip: '10.0.0.2', device: 'bbbb2222', at, userAgent: 'Chrome/150', actor: null, reason: null, statusAfter: 'in_progress',
  lockedIpBefore: '10.0.0.1', lockedIpAfter: '10.0.0.1', lockedDeviceBefore: 'aaaa1111', lockedDeviceAfter: 'aaaa1111', sessionId: null, roomId: null, seat: null, sharedWith: null, fromRoomId: null, ...overrides,
});

describe('applyEvent', () => {
  it('when a device is refused, then the row shows one more refusal from that device and an open conflict', () => {
    expect(applyEvent(row, event({ type: 'device_conflict' }))).toEqual({
      ...row, refusedAttempts: 1, openConflict: true, lastRefused: { eventId: 10, kind: 'device_conflict', ip: '10.0.0.2', device: 'bbbb2222', userAgent: 'Chrome/150', at, sharedWith: null },
    });
  });

  it('when a device holding another participant\'s lock is let in under flagged, then the row holds that device, with an open conflict naming the other participant', () => {
    const fresh = { ...row, status: 'unused' as const, lockedIp: null, lockedDevice: null, lockedUserAgent: null, deviceLockedAt: null, enteredAt: null, pendingRequest: null };
    const after = applyEvent(fresh, event({ type: 'checked_in_shared_device', sharedWith: 'WXYZ-9876', lockedIpAfter: '10.0.0.2', lockedDeviceAfter: 'bbbb2222' }));
    expect(after).toMatchObject({ status: 'in_progress', lockedIp: '10.0.0.2', lockedDevice: 'bbbb2222', openConflict: true, refusedAttempts: 1 });
    expect(after.lastRefused).toMatchObject({ kind: 'checked_in_shared_device', sharedWith: 'WXYZ-9876' });
  });

  it('when a check-in gives the participant a seat, then the row shows it; a room_full refusal leaves the row as it was', () => {
    const fresh = { ...row, status: 'unused' as const, lockedIp: null, lockedDevice: null, lockedUserAgent: null, deviceLockedAt: null, enteredAt: null, pendingRequest: null, room: 'Hall A' };
    expect(applyEvent(fresh, event({ type: 'checked_in', seat: 'B7', lockedIpAfter: '10.0.0.2', lockedDeviceAfter: 'bbbb2222' }))).toMatchObject({ room: 'Hall A', seat: 'B7', status: 'in_progress', lockedIp: '10.0.0.2' });
    expect(applyEvent(fresh, event({ type: 'room_full' }))).toEqual(fresh);
  });

  it('when the holder\'s own key is refused from another address as a copy, then the row shows an open conflict of that kind', () => {
    const copied = applyEvent(row, event({ type: 'device_key_copied', ip: '10.0.0.2', device: 'aaaa1111' }));
    expect(copied).toMatchObject({ refusedAttempts: 1, openConflict: true, lockedIp: '10.0.0.1', lastRefused: { kind: 'device_key_copied', ip: '10.0.0.2', device: 'aaaa1111' } });
  });

  it('when the holder comes back from a new network, then the row follows its address, keeps its device and lock time, and shows its browser', () => {
    const moved = applyEvent(row, event({ type: 'network_changed', ip: '10.0.0.9', device: 'aaaa1111', userAgent: 'Firefox/141', lockedIpAfter: '10.0.0.9' }));
    expect(moved).toMatchObject({ lockedIp: '10.0.0.9', lockedDevice: 'aaaa1111', deviceLockedAt: row.deviceLockedAt, lockedUserAgent: 'Firefox/141' });
  });

  it('when a proctor moves the lock, then the row holds the new device, the conflict is settled, the request is gone, and the row is refetched for its browser', () => {
    const conflicted = applyEvent(row, event({ type: 'device_conflict' }));
    const move = event({ id: 11, type: 'lock_transferred', ip: '10.9.9.9', device: null, actor: 'alice', lockedIpAfter: '10.0.0.2', lockedDeviceAfter: 'bbbb2222' });
    expect(applyEvent(conflicted, move)).toMatchObject({ lockedIp: '10.0.0.2', lockedDevice: 'bbbb2222', deviceLockedAt: at, openConflict: false, pendingRequest: null, refusedAttempts: 1 });
    expect(refetchDelayMs(move)).toBe(150);
  });

  it('when a proctor lets a throttled participant try again, then the row is no longer throttled; a failed attempt refetches the row', () => {
    const throttled = { ...row, throttled: true };
    expect(applyEvent(throttled, event({ type: 'throttle_cleared', actor: 'alice' })).throttled).toBe(false);
    expect(applyEvent(throttled, event({ type: 'reentered' })).throttled).toBe(true);
    expect(refetchDelayMs(event({ type: 'not_recognised' }))).toBe(2000);
    expect(refetchDelayMs(event({ type: 'reentered' }))).toBeUndefined();
  });

  it('when a lock is reset, then nobody holds it and the lock time and browser are cleared', () => {
    expect(applyEvent(row, event({ type: 'lock_reset', ip: '10.9.9.9', lockedIpAfter: null, lockedDeviceAfter: null }))).toMatchObject({
      lockedIp: null, lockedDevice: null, lockedUserAgent: null, deviceLockedAt: null,
    });
  });

  it('when the same device re-enters, or an attempt is refused by window or network, then nothing on the row changes', () => {
    for (const type of ['reentered', 'not_open_yet', 'check_in_closed', 'outside_allowed_networks'] as const) {
      expect(applyEvent(row, event({ type, ip: '10.0.0.1', device: 'aaaa1111' })), type).toEqual(row);
    }
  });

  it('when a device-change request arrives, then the row is refetched for its details; a refusal is patched in place', () => {
    expect(refetchDelayMs(event({ type: 'device_change_requested' }))).toBe(150);
    expect(refetchDelayMs(event({ type: 'device_conflict' }))).toBeUndefined();
  });
});
