import type { RowDataPacket } from 'mysql2/promise';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import { deviceFingerprint, type LockPolicy, matchHolder } from '../../../contracts/lock-policy.ts';
import { admittingEventTypes, type AuditEventType, EVENT_RULES, type ParticipantState, stateAfter } from '../../../contracts/participant-state.ts';
import type { Database, SqlHandle } from '../lib/database.ts';
import { nameHash } from '../participants/full-name.ts';

export interface Violation {
  invariant: 1 | 2 | 3 | 4;
  code: string;
  message: string;
  eventIds: number[];
}

export interface HistoryEvent {
  id: number;
  // The row's addresses and devices were removed by `purge`: the replay no longer knows who held the lock.
  purged: boolean;
  type: AuditEventType;
  sourceIp: string | null;
  device: string | null;
  requestId: string;
  submittedNameHash: string | null;
  statusBefore: ParticipantStatus | null;
  statusAfter: ParticipantStatus | null;
  lockedIpBefore: string | null;
  lockedIpAfter: string | null;
  lockedDeviceBefore: string | null;
  lockedDeviceAfter: string | null;
  // The policy the attempt was decided under; rows from before lock policies were decided by address.
  lockPolicy: LockPolicy | null;
}

// The participants row as verify reads it: its status, lock holder and conflict summary.
export interface ParticipantRow {
  id: number;
  code: string;
  fullName: string;
  status: ParticipantStatus;
  lockedIp: string | null;
  lockedDevice: string | null;
  refusedAttempts: number;
  lastRefusalEventId: number | null;
  conflictOpen: boolean;
}

export const INVARIANTS = {
  1: 'between two lock changes, a code admits one device: one IP under the address policy, one key under the device policies',
  2: 'every successful check-in has exactly one audit row (request ids are unique)',
  3: "replaying a code's audit rows yields its current status, lock holder and conflict summary",
  4: 'no success on an expired code or with a name that did not match',
} as const;

// Stands for a lock holder whose address or device `purge` removed; no address or hash looks like it.
const UNKNOWN = '(purged)';

type ReplayState = ParticipantState<number, number>;

const describeSummary = (state: Pick<ReplayState, 'refusedAttempts' | 'lastRefusal' | 'conflictOpen'>) =>
  `${state.refusedAttempts} refused, last refusal ${state.lastRefusal ?? 'none'}, conflict ${state.conflictOpen ? 'open' : 'closed'}`;
const describeDevice = (ip: string | null, device: string | null) => (ip === null && device === null ? 'none' : `${ip ?? '?'}${device ? ` (device ${deviceFingerprint(device)})` : ''}`);

// Replays one participant's events in id order through the state table. The starting state is what the
// first event recorded as "before" (rows created by a roster import start unused, unlocked and without
// a conflict); every recorded before and after must agree with the replay, and its end with the row.
export function verifyParticipantHistory(participant: ParticipantRow, events: HistoryEvent[]): Violation[] {
  const violations: Violation[] = [];
  const report = (invariant: Violation['invariant'], message: string, eventIds: number[]) =>
    violations.push({ invariant, code: participant.code, message, eventIds });
  const first = events[0];
  const startedIn = first !== undefined && (first.statusBefore === 'in_progress' || first.lockedIpBefore !== null);
  let state: ReplayState = {
    status: first?.statusBefore ?? 'unused',
    lockedIp: first?.purged ? UNKNOWN : (first?.lockedIpBefore ?? null),
    lockedDevice: first?.purged ? UNKNOWN : (first?.lockedDeviceBefore ?? null),
    lockEvent: null,
    deviceLockedAt: null,
    enteredAt: startedIn ? 0 : null,
    conflictOpen: false,
    refusedAttempts: 0,
    lastRefusal: null,
  };
  let holderSince: number | undefined;
  const expectedNameHash = nameHash(participant.fullName);
  const agrees = (recorded: string | null, replayed: string | null) => replayed === UNKNOWN || recorded === replayed;

  for (const event of events) {
    if (!event.purged && event.statusBefore !== null && state.lockedIp === UNKNOWN) {
      state.lockedIp = event.lockedIpBefore;
      state.lockedDevice = event.lockedDeviceBefore;
    }
    if (event.statusBefore !== null && event.statusBefore !== state.status) {
      report(3, `event ${event.id} (${event.type}) recorded status ${event.statusBefore}, the replay has ${state.status}`, [event.id]);
    }
    if (!event.purged && event.statusBefore !== null && !(agrees(event.lockedIpBefore, state.lockedIp) && agrees(event.lockedDeviceBefore, state.lockedDevice))) {
      report(3, `event ${event.id} (${event.type}) recorded lock holder ${describeDevice(event.lockedIpBefore, event.lockedDeviceBefore)}, the replay has ${describeDevice(state.lockedIp, state.lockedDevice)}`, [event.id]);
    }
    const rule = EVENT_RULES[event.type];
    if (rule.admits) {
      if (state.status === 'expired') report(4, `event ${event.id} let ${event.sourceIp} in on an expired code`, [event.id]);
      if (event.submittedNameHash !== null && event.submittedNameHash !== expectedNameHash) {
        report(4, `event ${event.id} let ${event.sourceIp} in with a name that does not match`, [event.id]);
      }
      const holderKnown = state.lockedIp !== UNKNOWN && state.lockedDevice !== UNKNOWN;
      const policy = event.lockPolicy ?? 'address';
      if (!event.purged && holderKnown && matchHolder(policy, { ip: state.lockedIp, device: state.lockedDevice }, { ip: event.sourceIp, device: event.device }) === 'other') {
        report(
          1,
          `event ${event.id} let ${describeDevice(event.sourceIp, event.device)} in while ${describeDevice(state.lockedIp, state.lockedDevice)} held the lock (${policy} policy)`,
          holderSince !== undefined ? [holderSince, event.id] : [event.id],
        );
      }
    }
    const before = { ip: state.lockedIp, device: state.lockedDevice };
    state = stateAfter(state, {
      type: event.type,
      sourceIp: event.purged ? UNKNOWN : event.sourceIp,
      sourceDevice: event.purged ? UNKNOWN : event.device,
      targetIp: event.purged ? UNKNOWN : event.lockedIpAfter,
      targetDevice: event.purged ? UNKNOWN : event.lockedDeviceAfter,
      at: event.id,
      ref: event.id,
    });
    if (state.lockedIp !== before.ip || state.lockedDevice !== before.device) holderSince = state.lockedIp === null ? undefined : event.id;
    if (event.statusAfter !== null && event.statusAfter !== state.status) {
      report(3, `event ${event.id} (${event.type}) recorded status ${event.statusAfter} after it, the replay has ${state.status}`, [event.id]);
    }
    if (!event.purged && event.statusAfter !== null && !(agrees(event.lockedIpAfter, state.lockedIp) && agrees(event.lockedDeviceAfter, state.lockedDevice))) {
      report(3, `event ${event.id} (${event.type}) recorded lock holder ${describeDevice(event.lockedIpAfter, event.lockedDeviceAfter)} after it, the replay has ${describeDevice(state.lockedIp, state.lockedDevice)}`, [event.id]);
    }
  }
  const last = events.at(-1);
  const holderDiffers = (state.lockedIp !== UNKNOWN && state.lockedIp !== participant.lockedIp) || (state.lockedDevice !== UNKNOWN && state.lockedDevice !== participant.lockedDevice);
  if (last && (state.status !== participant.status || holderDiffers)) {
    const replayed = state.lockedIp === UNKNOWN ? 'unknown holder' : state.lockedIp === null ? 'no lock' : describeDevice(state.lockedIp, state.lockedDevice);
    const row = participant.lockedIp === null ? 'no lock' : describeDevice(participant.lockedIp, participant.lockedDevice);
    report(3, `replay ends at ${state.status} / ${replayed}, the participants row says ${participant.status} / ${row}`, [last.id]);
  }
  const row = { refusedAttempts: participant.refusedAttempts, lastRefusal: participant.lastRefusalEventId, conflictOpen: participant.conflictOpen };
  if (row.refusedAttempts !== state.refusedAttempts || row.lastRefusal !== state.lastRefusal || row.conflictOpen !== state.conflictOpen) {
    report(3, `the audit log says ${describeSummary(state)}; the participants row says ${describeSummary(row)}`, state.lastRefusal !== null ? [state.lastRefusal] : []);
  }
  return violations;
}

interface ParticipantRowData extends RowDataPacket {
  id: number;
  code: string;
  full_name: string;
  status: ParticipantStatus;
  locked_ip: string | null;
  locked_device: string | null;
  refused_attempts: number;
  last_refusal_event_id: number | null;
  conflict_open: number;
}

interface EventRow extends RowDataPacket {
  id: number;
  participant_id: number;
  event_type: AuditEventType;
  source_ip: string | null;
  device: string | null;
  request_id: string;
  submitted_name_hash: string | null;
  status_before: ParticipantStatus | null;
  status_after: ParticipantStatus | null;
  locked_ip_before: string | null;
  locked_ip_after: string | null;
  locked_device_before: string | null;
  locked_device_after: string | null;
  lock_policy: LockPolicy | null;
  purged_at: Date | null;
}

const PAGE = 500;

export interface VerifyReport {
  participants: number;
  events: number;
  violations: Violation[];
}

async function duplicateSuccessRequests(handle: SqlHandle): Promise<Violation[]> {
  const rows = await handle.rows<RowDataPacket>(
    `SELECT request_id, GROUP_CONCAT(id ORDER BY id) AS ids, MIN(code) AS code FROM audit_events
      WHERE event_type IN (${admittingEventTypes.map(() => '?').join(', ')}) GROUP BY request_id HAVING COUNT(*) > 1`,
    admittingEventTypes,
  );
  return rows.map((row) => ({
    invariant: 2 as const,
    code: String(row.code),
    message: `request ${row.request_id} has ${String(row.ids).split(',').length} success rows`,
    eventIds: String(row.ids).split(',').map(Number),
  }));
}

export async function verifyAuditLog(db: Database): Promise<VerifyReport> {
  return db.read(async (handle) => {
    const violations = await duplicateSuccessRequests(handle);
    let participants = 0;
    let events = 0;
    let after = 0;
    for (;;) {
      const page = await handle.rows<ParticipantRowData>(`SELECT id, code, full_name, status, locked_ip, locked_device, refused_attempts, last_refusal_event_id, conflict_open FROM participants WHERE id > ? ORDER BY id LIMIT ${PAGE}`, [after]);
      if (page.length === 0) break;
      after = Number(page.at(-1)!.id);
      const first = Number(page[0]!.id);
      const rows = await handle.rows<EventRow>(
        `SELECT id, participant_id, event_type, source_ip, device, request_id, submitted_name_hash, status_before, status_after,
                locked_ip_before, locked_ip_after, locked_device_before, locked_device_after, lock_policy, purged_at
           FROM audit_events WHERE participant_id BETWEEN ? AND ? ORDER BY participant_id, id`,
        [first, after],
      );
      const byParticipant = new Map<number, HistoryEvent[]>();
      for (const row of rows) {
        const list = byParticipant.get(Number(row.participant_id)) ?? [];
        list.push({
          id: Number(row.id), purged: row.purged_at !== null, type: row.event_type, sourceIp: row.source_ip, device: row.device,
          requestId: row.request_id, submittedNameHash: row.submitted_name_hash, statusBefore: row.status_before, statusAfter: row.status_after,
          lockedIpBefore: row.locked_ip_before, lockedIpAfter: row.locked_ip_after, lockedDeviceBefore: row.locked_device_before,
          lockedDeviceAfter: row.locked_device_after, lockPolicy: row.lock_policy,
        });
        byParticipant.set(Number(row.participant_id), list);
      }
      for (const row of page) {
        const history = byParticipant.get(Number(row.id)) ?? [];
        events += history.length;
        violations.push(
          ...verifyParticipantHistory(
            {
              id: Number(row.id), code: row.code, fullName: row.full_name, status: row.status, lockedIp: row.locked_ip, lockedDevice: row.locked_device,
              refusedAttempts: Number(row.refused_attempts),
              lastRefusalEventId: row.last_refusal_event_id === null ? null : Number(row.last_refusal_event_id),
              conflictOpen: Number(row.conflict_open) === 1,
            },
            history,
          ),
        );
      }
      participants += page.length;
    }
    return { participants, events, violations };
  });
}
