import type { ParticipantStatus } from './checkin.ts';

// Every row of the audit log is one of these. A participant's state is what its events made of it, so
// the state table below is the only place that says what an event changes: the audit writer applies
// it, `audit verify` replays it, and the dashboard patches its cache with it.
export const auditEventTypes = [
  'checked_in',
  'reentered',
  'network_changed',
  'device_conflict',
  // The lock holder's own device key, from another address seconds after the holder last used it: two
  // machines with one key (a copied cookie), or a network switch made that fast. Refused, for a proctor.
  'device_key_copied',
  'code_expired',
  'not_recognised',
  // A check-in or device-change request with the right code and name whose proof of possession did not
  // hold (a forged challenge, a signature by another key, a challenge already spent); its reason says which.
  'device_proof_refused',
  'not_open_yet',
  'check_in_closed',
  'outside_allowed_networks',
  // A first check-in under seating at_check_in when the participant's room has no free seat: no lock taken.
  'room_full',
  // A first check-in from a device key that holds another participant's lock in the session (its details
  // name that participant's code): refused under device sharing `refused`; let in under `flagged`, with a
  // conflict opened for a proctor.
  'device_shared',
  'checked_in_shared_device',
  'lock_reset',
  'lock_transferred',
  'expired',
  'reopened',
  'device_change_requested',
  'device_change_declined',
  // A device-change request with the right code and name that was not filed: its reason says why (the
  // refusal a check-in would get, no_conflict, or request_pending).
  'device_change_refused',
  'throttle_cleared',
  // A roster sync (PUT /api/sessions/{id}/roster) left the participant out, named them again, or changed
  // their name.
  'withdrawn',
  'reinstated',
  'renamed',
  // A proctor wrote down what happened (contracts/incidents.ts), for a participant or a whole session.
  'incident_recorded',
  // A proctor moved the participant to another room or seat, or freed their seat (the row's room and seat say where).
  'seat_changed',
  'session_changed',
  'proctor_account_changed',
  // An operator rotated the keys that sign admission tokens (npm run cli -- keys rotate).
  'admission_key_rotated',
] as const;
export type AuditEventType = (typeof auditEventTypes)[number];

// What a check-in attempt can be recorded as, once its code is known.
export const checkInOutcomes = [
  'checked_in',
  'reentered',
  'network_changed',
  'device_conflict',
  'device_key_copied',
  'code_expired',
  'not_recognised',
  'not_open_yet',
  'check_in_closed',
  'outside_allowed_networks',
  'room_full',
  'device_shared',
  'checked_in_shared_device',
] as const satisfies readonly AuditEventType[];
export type CheckInOutcome = (typeof checkInOutcomes)[number];

export interface EventRule {
  // Who holds the device lock afterwards: unchanged, nobody, the device that made the attempt
  // ('source'), the device a proctor named ('target'), or the same device from the attempt's new
  // address ('move': the lock keeps its time).
  lock: 'keep' | 'clear' | 'source' | 'target' | 'move';
  // 'reopen' is in_progress for a participant who has a lock or has been in, unused otherwise.
  status: 'keep' | 'in_progress' | 'expired' | 'reopen';
  // An open conflict is a refused device that no proctor (and no later check-in) has dealt with yet.
  conflict: 'keep' | 'opens' | 'settles';
  // A pending device-change request: asked for, or answered (by a decline, a move of the lock, the end).
  request: 'keep' | 'opens' | 'closes';
  // The attempt was let in: a success that `audit verify` holds to the one-device rule.
  admits: boolean;
  // A failed attempt that counts toward the attempt limits: afterwards the participant may be throttled.
  countsFailure: boolean;
  // A proctor let the participant try again after too many failed attempts.
  unthrottles: boolean;
  // What a roster sync changed besides the state: the participant left out (withdrawn_at set), named again
  // (cleared), or their name.
  roster: 'keep' | 'withdraws' | 'reinstates' | 'renames';
  // Where the participant sits (room and seat, carried by the audit row): kept, or moved to anywhere by
  // this event. An admission may also give a seatless participant a seat of their room (seating at_check_in).
  place: 'keep' | 'moves';
}

const NOTHING: EventRule = { lock: 'keep', status: 'keep', conflict: 'keep', request: 'keep', admits: false, countsFailure: false, unthrottles: false, roster: 'keep', place: 'keep' };

export const EVENT_RULES: { readonly [T in AuditEventType]: Readonly<EventRule> } = {
  checked_in: { ...NOTHING, lock: 'source', status: 'in_progress', conflict: 'settles', admits: true },
  reentered: { ...NOTHING, admits: true },
  network_changed: { ...NOTHING, lock: 'move', admits: true },
  device_conflict: { ...NOTHING, conflict: 'opens' },
  device_key_copied: { ...NOTHING, conflict: 'opens' },
  code_expired: NOTHING,
  not_recognised: { ...NOTHING, countsFailure: true },
  device_proof_refused: { ...NOTHING, countsFailure: true },
  not_open_yet: NOTHING,
  check_in_closed: NOTHING,
  outside_allowed_networks: NOTHING,
  room_full: NOTHING,
  device_shared: { ...NOTHING, conflict: 'opens' },
  checked_in_shared_device: { ...NOTHING, lock: 'source', status: 'in_progress', conflict: 'opens', admits: true },
  lock_reset: { ...NOTHING, lock: 'clear', conflict: 'settles' },
  lock_transferred: { ...NOTHING, lock: 'target', status: 'in_progress', conflict: 'settles', request: 'closes' },
  expired: { ...NOTHING, status: 'expired', conflict: 'settles', request: 'closes' },
  reopened: { ...NOTHING, status: 'reopen', conflict: 'settles', roster: 'reinstates' },
  device_change_requested: { ...NOTHING, request: 'opens' },
  device_change_declined: { ...NOTHING, request: 'closes' },
  device_change_refused: NOTHING,
  throttle_cleared: { ...NOTHING, unthrottles: true },
  // A withdrawn participant's code is refused like an expired one; named again, it is as a reopen leaves it.
  withdrawn: { ...NOTHING, status: 'expired', conflict: 'settles', request: 'closes', roster: 'withdraws' },
  reinstated: { ...NOTHING, status: 'reopen', conflict: 'settles', roster: 'reinstates' },
  renamed: { ...NOTHING, roster: 'renames' },
  incident_recorded: NOTHING,
  seat_changed: { ...NOTHING, place: 'moves' },
  // Not participants' events: an exam session's settings changed; a proctor account was added, changed its
  // password, was removed, or had its sessions ended.
  session_changed: NOTHING,
  proctor_account_changed: NOTHING,
  admission_key_rotated: NOTHING,
};

// The events of a participant's history (all but changes to settings and accounts): what webhooks deliver.
const aboutNoParticipant: readonly AuditEventType[] = ['session_changed', 'proctor_account_changed', 'admission_key_rotated'];
export const participantEventTypes: readonly AuditEventType[] = auditEventTypes.filter((type) => !aboutNoParticipant.includes(type));

// The events that let an attempt in: what `audit verify` holds to the one-device rule, and a holder's
// last use (a copied device key is judged by it).
export const admittingEventTypes = auditEventTypes.filter((type) => EVENT_RULES[type].admits);

// Time and Ref are the reader's own: Date or ISO text for times, and whatever names an event where it is
// kept (an audit id in the database, the event itself on the dashboard). A device is named by the hash of
// its key in the database and by that hash's fingerprint on the dashboard; null is a lock taken without
// a key (before device keys, or moved to a bare address).
export interface ParticipantState<Time = string, Ref = unknown> {
  status: ParticipantStatus;
  lockedIp: string | null;
  lockedDevice: string | null;
  // The event that gave the holder the lock, or last moved it: where its browser is read from.
  lockEvent: Ref | null;
  deviceLockedAt: Time | null;
  enteredAt: Time | null;
  conflictOpen: boolean;
  refusedAttempts: number;
  lastRefusal: Ref | null;
}

export interface StateEvent<Time, Ref> {
  type: AuditEventType;
  // The device that made the attempt, and the device a proctor moved the lock to.
  sourceIp: string | null;
  sourceDevice: string | null;
  targetIp: string | null;
  targetDevice: string | null;
  // The attempt the lock was moved to, when the reader knows it: the new holder's browser is read from it.
  targetRef?: Ref | null;
  at: Time;
  // How this event is named in the reader's state (see lastRefusal).
  ref: Ref;
}

export function stateAfter<Time, Ref>(state: ParticipantState<Time, Ref>, event: StateEvent<Time, Ref>): ParticipantState<Time, Ref> {
  const rule = EVENT_RULES[event.type];
  const next = { ...state };
  if (rule.lock === 'clear') {
    next.lockedIp = null;
    next.lockedDevice = null;
    next.lockEvent = null;
    next.deviceLockedAt = null;
  } else if (rule.lock === 'move') {
    next.lockedIp = event.sourceIp;
    next.lockEvent = event.ref;
  } else if (rule.lock !== 'keep') {
    const fromSource = rule.lock === 'source';
    next.lockedIp = fromSource ? event.sourceIp : event.targetIp;
    next.lockedDevice = fromSource ? event.sourceDevice : event.targetDevice;
    next.lockEvent = fromSource ? event.ref : (event.targetRef ?? null);
    next.deviceLockedAt = event.at;
  }
  // A lock that knows no device learns it from the first device let in under it.
  if (rule.admits && next.lockedDevice === null && next.lockedIp !== null) {
    next.lockedDevice = event.sourceDevice;
    next.lockEvent = event.ref;
  }
  if (rule.admits) next.enteredAt ??= event.at;
  if (rule.status === 'reopen') next.status = next.lockedIp !== null || next.enteredAt !== null ? 'in_progress' : 'unused';
  else if (rule.status !== 'keep') next.status = rule.status;
  if (rule.conflict === 'opens') {
    next.conflictOpen = true;
    next.refusedAttempts += 1;
    next.lastRefusal = event.ref;
  } else if (rule.conflict === 'settles') next.conflictOpen = false;
  return next;
}

export const STATE_FIELDS = [
  'status', 'lockedIp', 'lockedDevice', 'lockEvent', 'deviceLockedAt', 'enteredAt', 'conflictOpen', 'refusedAttempts', 'lastRefusal',
] as const;

export function stateChanged<Time, Ref>(before: ParticipantState<Time, Ref>, after: ParticipantState<Time, Ref>): boolean {
  return STATE_FIELDS.some((field) => before[field] !== after[field]);
}
