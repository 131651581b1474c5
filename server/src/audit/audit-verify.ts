import type { RowDataPacket } from 'mysql2/promise';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import { nameHash } from '../checkin/full-name.ts';
import { SETTLING_EVENTS } from './audit.repo.ts';
import type { Database, SqlHandle } from '../lib/database.ts';

export interface Violation {
  invariant: 1 | 2 | 3 | 4;
  code: string;
  message: string;
  eventIds: number[];
}

export interface HistoryEvent {
  id: number;
  // The row's addresses were removed by `purge`: the replay no longer knows who held the lock.
  purged: boolean;
  type: string;
  sourceIp: string | null;
  requestId: string;
  submittedNameHash: string | null;
  statusBefore: ParticipantStatus | null;
  statusAfter: ParticipantStatus | null;
  lockedIpBefore: string | null;
  lockedIpAfter: string | null;
}

export interface ParticipantState {
  id: number;
  code: string;
  fullName: string;
  status: ParticipantStatus;
  lockedIp: string | null;
  // The conflict summary the dashboard reads (migration 006).
  refusedAttempts: number;
  lastRefusalEventId: number | null;
  conflictOpen: boolean;
}

export const INVARIANTS = {
  1: 'between two resets or transfers, all successful check-ins of a code carry one IP',
  2: 'every successful check-in has exactly one audit row (request ids are unique)',
  3: "replaying a code's audit rows yields its current status, lock holder and conflict summary",
  4: 'no success on an expired code or with a name that did not match',
} as const;

const UNKNOWN = Symbol('purged holder');

// Replays one participant's events in id order. The starting state is what the first event recorded as
// "before" (rows created by a roster import start unused and unlocked); every later "before" must agree
// with the replay, and the end must agree with the participants row.
export function verifyParticipantHistory(participant: ParticipantState, events: HistoryEvent[]): Violation[] {
  const violations: Violation[] = [];
  const report = (invariant: Violation['invariant'], message: string, eventIds: number[]) =>
    violations.push({ invariant, code: participant.code, message, eventIds });
  verifyConflictSummary(participant, events, report);
  if (events.length === 0) return violations;
  let status: ParticipantStatus = events[0]!.statusBefore ?? 'unused';
  let holder: string | null | typeof UNKNOWN = events[0]!.purged ? UNKNOWN : events[0]!.lockedIpBefore;
  let holderSince: number | undefined;
  const expectedNameHash = nameHash(participant.fullName);

  for (const event of events) {
    if (event.statusBefore !== null && event.statusBefore !== status) {
      report(3, `event ${event.id} (${event.type}) recorded status ${event.statusBefore}, the replay has ${status}`, [event.id]);
    }
    if (!event.purged && holder === UNKNOWN && event.statusBefore !== null) holder = event.lockedIpBefore;
    if (!event.purged && event.statusBefore !== null && event.lockedIpBefore !== holder) {
      report(3, `event ${event.id} (${event.type}) recorded lock holder ${event.lockedIpBefore ?? 'none'}, the replay has ${String(holder ?? 'none')}`, [event.id]);
    }
    switch (event.type) {
      case 'checked_in':
      case 'reentered': {
        if (status === 'expired') report(4, `event ${event.id} let ${event.sourceIp} in on an expired code`, [event.id]);
        if (event.submittedNameHash !== null && event.submittedNameHash !== expectedNameHash) {
          report(4, `event ${event.id} let ${event.sourceIp} in with a name that does not match`, [event.id]);
        }
        if (event.purged) {
          holder = UNKNOWN;
          status = 'in_progress';
          break;
        }
        if (holder !== null && holder !== UNKNOWN && holder !== event.sourceIp) {
          report(1, `event ${event.id} let ${event.sourceIp} in while ${holder} held the lock`, holderSince !== undefined ? [holderSince, event.id] : [event.id]);
        }
        if (holder !== event.sourceIp) holderSince = event.id;
        holder = event.sourceIp;
        status = 'in_progress';
        break;
      }
      case 'lock_reset':
        holder = null;
        holderSince = undefined;
        break;
      case 'lock_transferred':
        holder = event.purged ? UNKNOWN : event.lockedIpAfter;
        holderSince = event.id;
        status = 'in_progress';
        break;
      case 'expired':
        status = 'expired';
        break;
      case 'reopened':
        status = event.statusAfter ?? status;
        break;
      default:
        break;
    }
  }
  if (status !== participant.status || (holder !== UNKNOWN && holder !== participant.lockedIp)) {
    report(
      3,
      `replay ends at ${status} / ${holder === UNKNOWN ? 'unknown holder' : (holder ?? 'no lock')}, the participants row says ${participant.status} / ${participant.lockedIp ?? 'no lock'}`,
      [events.at(-1)!.id],
    );
  }
  return violations;
}

// The replay counts a check-in as settling too, so that the shortcut insertAuditEvent takes (see there)
// is checked rather than assumed.
const SETTLES_CONFLICT: ReadonlySet<string> = new Set([...SETTLING_EVENTS, 'checked_in']);

function verifyConflictSummary(
  participant: ParticipantState,
  events: HistoryEvent[],
  report: (invariant: Violation['invariant'], message: string, eventIds: number[]) => void,
): void {
  let refused = 0;
  let lastRefusal: number | null = null;
  let open = false;
  for (const event of events) {
    if (event.type === 'device_conflict') {
      refused++;
      lastRefusal = event.id;
      open = true;
    } else if (SETTLES_CONFLICT.has(event.type)) open = false;
  }
  if (refused !== participant.refusedAttempts || lastRefusal !== participant.lastRefusalEventId || open !== participant.conflictOpen) {
    const describe = (count: number, last: number | null, isOpen: boolean) =>
      `${count} refused, last refusal ${last ?? 'none'}, conflict ${isOpen ? 'open' : 'closed'}`;
    report(
      3,
      `the audit log says ${describe(refused, lastRefusal, open)}; the participants row says ${describe(participant.refusedAttempts, participant.lastRefusalEventId, participant.conflictOpen)}`,
      lastRefusal !== null ? [lastRefusal] : [],
    );
  }
}

interface EventRow extends RowDataPacket {
  id: number;
  participant_id: number;
  event_type: string;
  source_ip: string | null;
  request_id: string;
  submitted_name_hash: string | null;
  status_before: ParticipantStatus | null;
  status_after: ParticipantStatus | null;
  locked_ip_before: string | null;
  locked_ip_after: string | null;
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
      WHERE event_type IN ('checked_in', 'reentered') GROUP BY request_id HAVING COUNT(*) > 1`,
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
      const page = await handle.rows<RowDataPacket>(`SELECT id, code, full_name, status, locked_ip, refused_attempts, last_refusal_event_id, conflict_open FROM participants WHERE id > ? ORDER BY id LIMIT ${PAGE}`, [after]);
      if (page.length === 0) break;
      after = Number(page.at(-1)!.id);
      const first = Number(page[0]!.id);
      const rows = await handle.rows<EventRow>(
        `SELECT id, participant_id, event_type, source_ip, request_id, submitted_name_hash, status_before, status_after, locked_ip_before, locked_ip_after, purged_at
           FROM audit_events WHERE participant_id BETWEEN ? AND ? ORDER BY participant_id, id`,
        [first, after],
      );
      const byParticipant = new Map<number, HistoryEvent[]>();
      for (const row of rows) {
        const list = byParticipant.get(Number(row.participant_id)) ?? [];
        list.push({
          id: Number(row.id), purged: row.purged_at !== null, type: row.event_type, sourceIp: row.source_ip, requestId: row.request_id,
          submittedNameHash: row.submitted_name_hash, statusBefore: row.status_before, statusAfter: row.status_after,
          lockedIpBefore: row.locked_ip_before, lockedIpAfter: row.locked_ip_after,
        });
        byParticipant.set(Number(row.participant_id), list);
      }
      for (const row of page) {
        const history = byParticipant.get(Number(row.id)) ?? [];
        events += history.length;
        violations.push(
          ...verifyParticipantHistory(
            {
              id: Number(row.id), code: row.code, fullName: row.full_name, status: row.status, lockedIp: row.locked_ip,
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
