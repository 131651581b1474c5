import { describe, expect, it } from 'vitest';
import { type AuditEventType, auditEventTypes, EVENT_RULES, type ParticipantState, stateAfter, stateChanged } from './participant-state.ts';

type State = ParticipantState<string, string>;

const fresh: State = {
  status: 'unused', lockedIp: null, lockedDevice: null, lockEvent: null, deviceLockedAt: null, enteredAt: null, conflictOpen: false, refusedAttempts: 0, lastRefusal: null,
};
const heldWithConflict: State = {
  status: 'in_progress', lockedIp: '10.0.0.1', lockedDevice: 'dev-1', lockEvent: 'e1', deviceLockedAt: 't1', enteredAt: 't1', conflictOpen: true, refusedAttempts: 2, lastRefusal: 'e2',
};
const finished: State = { ...heldWithConflict, status: 'expired', conflictOpen: false };
const event = (type: AuditEventType) => ({ type, sourceIp: '10.0.0.9', sourceDevice: 'dev-9', targetIp: '10.0.0.7', targetDevice: 'dev-7', targetRef: 'e7', at: 't9', ref: 'e9' });

// Each event type, applied to a participant who holds a lock and has an open conflict: what it changes.
const changesOnHeld: Record<AuditEventType, Partial<State>> = {
  checked_in: { lockedIp: '10.0.0.9', lockedDevice: 'dev-9', lockEvent: 'e9', deviceLockedAt: 't9', conflictOpen: false },
  reentered: {},
  network_changed: { lockedIp: '10.0.0.9', lockEvent: 'e9' },
  device_conflict: { refusedAttempts: 3, lastRefusal: 'e9' },
  code_expired: {},
  not_recognised: {},
  device_proof_refused: {},
  not_open_yet: {},
  check_in_closed: {},
  outside_allowed_networks: {},
  room_full: {},
  device_shared: { refusedAttempts: 3, lastRefusal: 'e9' },
  // Let in from a device holding another participant's lock: the lock is this device's, and a proctor should look.
  checked_in_shared_device: { lockedIp: '10.0.0.9', lockedDevice: 'dev-9', lockEvent: 'e9', deviceLockedAt: 't9', refusedAttempts: 3, lastRefusal: 'e9' },
  lock_reset: { lockedIp: null, lockedDevice: null, lockEvent: null, deviceLockedAt: null, conflictOpen: false },
  lock_transferred: { lockedIp: '10.0.0.7', lockedDevice: 'dev-7', lockEvent: 'e7', deviceLockedAt: 't9', conflictOpen: false },
  expired: { status: 'expired', conflictOpen: false },
  reopened: { conflictOpen: false },
  device_change_requested: {},
  device_change_declined: {},
  device_change_refused: {},
  device_key_copied: { refusedAttempts: 3, lastRefusal: 'e9' },
  throttle_cleared: {},
  withdrawn: { status: 'expired', conflictOpen: false },
  reinstated: { conflictOpen: false },
  renamed: {},
  incident_recorded: {},
  seat_changed: {},
  session_changed: {},
  proctor_account_changed: {},
  admission_key_rotated: {},
};

describe('the participant state table', () => {
  it.each(auditEventTypes)('when %s happens to a participant holding a lock with an open conflict, then only the listed fields change', (type) => {
    expect(stateAfter(heldWithConflict, event(type))).toEqual({ ...heldWithConflict, ...changesOnHeld[type] });
  });

  it('when every event type is listed, then each has a rule and an expectation', () => {
    expect(Object.keys(EVENT_RULES).sort()).toEqual([...auditEventTypes].sort());
    expect(Object.keys(changesOnHeld).sort()).toEqual([...auditEventTypes].sort());
  });

  it('when a fresh participant checks in, then the device takes the lock, the participant is in, and the entry time is kept on later admissions', () => {
    const inside = stateAfter(fresh, event('checked_in'));
    expect(inside).toEqual({ ...fresh, status: 'in_progress', lockedIp: '10.0.0.9', lockedDevice: 'dev-9', lockEvent: 'e9', deviceLockedAt: 't9', enteredAt: 't9' });
    expect(stateAfter(inside, { ...event('reentered'), at: 't10' }).enteredAt).toBe('t9');
  });

  it('when the holder comes back from a new network, then the lock follows its address and keeps its time', () => {
    const moved = stateAfter(heldWithConflict, { ...event('network_changed'), sourceDevice: 'dev-1' });
    expect([moved.lockedIp, moved.lockedDevice, moved.deviceLockedAt]).toEqual(['10.0.0.9', 'dev-1', 't1']);
  });

  it('when a lock without a device lets a device in, then the lock learns that device', () => {
    const legacy: State = { ...heldWithConflict, lockedDevice: null, lockedIp: '10.0.0.9' };
    expect(stateAfter(legacy, event('reentered'))).toMatchObject({ lockedDevice: 'dev-9', lockEvent: 'e9', lockedIp: '10.0.0.9' });
  });

  it('when a finished participant is reopened, then they are in progress if they had a lock or had been in, and unused otherwise', () => {
    expect(stateAfter(finished, event('reopened')).status).toBe('in_progress');
    expect(stateAfter({ ...fresh, status: 'expired' }, event('reopened')).status).toBe('unused');
    expect(stateAfter({ ...fresh, status: 'expired', enteredAt: 't1' }, event('reopened')).status).toBe('in_progress');
  });

  it('when the first device is refused, then a conflict opens with one refusal', () => {
    expect(stateAfter({ ...heldWithConflict, conflictOpen: false, refusedAttempts: 0, lastRefusal: null }, event('device_conflict'))).toMatchObject({
      conflictOpen: true, refusedAttempts: 1, lastRefusal: 'e9',
    });
  });

  it('when an event changes nothing, then stateChanged says so, and says otherwise for every change', () => {
    expect(stateChanged(heldWithConflict, stateAfter(heldWithConflict, event('reentered')))).toBe(false);
    const changing = auditEventTypes.filter((type) => Object.keys(changesOnHeld[type]).length > 0);
    expect(changing.filter((type) => !stateChanged(heldWithConflict, stateAfter(heldWithConflict, event(type))))).toEqual([]);
  });

  it('when the rules name which events close a device-change request and which admit, then only answers, moves, the end and a withdrawal close', () => {
    expect(auditEventTypes.filter((type) => EVENT_RULES[type].request === 'closes')).toEqual(['lock_transferred', 'expired', 'device_change_declined', 'withdrawn']);
    expect(auditEventTypes.filter((type) => EVENT_RULES[type].admits)).toEqual(['checked_in', 'reentered', 'network_changed', 'checked_in_shared_device']);
  });
});
