import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import type { StreamEventType } from '../../../contracts/proctor.ts';
import type { Tx } from '../lib/database.ts';

export type AuditEventType = StreamEventType;

export interface NewAuditEvent {
  participantId: number | null;
  code: string;
  type: AuditEventType;
  sourceIp: string | null;
  userAgent: string | null;
  submittedNameHash?: string | null;
  requestId: string;
  actor?: string | null;
  reason?: string | null;
  statusBefore: ParticipantStatus | null;
  statusAfter: ParticipantStatus | null;
  lockedIpBefore: string | null;
  lockedIpAfter: string | null;
  // The transaction's database time when it has one; otherwise the database's clock at insert.
  at: Date | null;
}

const USER_AGENT_MAX = 512;

// Both writers of audit rows (insertAuditEvent and the check-in procedure's caller) store at most this much.
export function auditedUserAgent(userAgent: string | null): string | null {
  return userAgent === null ? null : userAgent.slice(0, USER_AGENT_MAX);
}

const INSERT_AUDIT_EVENT = `
  INSERT INTO audit_events
    (participant_id, code, event_type, source_ip, user_agent, submitted_name_hash, request_id, actor, reason,
     status_before, status_after, locked_ip_before, locked_ip_after, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, UTC_TIMESTAMP(3)))`;

// The participant's conflict summary (migration 006) follows the events that change it. A check-in is
// not among the settling events here although it settles a conflict in the replay: it needs a free lock,
// and the only event that frees a lock after a conflict is a reset, which already closed it. Leaving it out
// keeps a check-in at two statements plus COMMIT; `audit verify` would catch a path that breaks this.
const RECORD_REFUSAL = `
  UPDATE participants
     SET refused_attempts = refused_attempts + 1, last_refusal_event_id = LAST_INSERT_ID(), conflict_open = 1
   WHERE id = ?`;
const SETTLE_CONFLICT = 'UPDATE participants SET conflict_open = 0 WHERE id = ? AND conflict_open = 1';
export const SETTLING_EVENTS: ReadonlySet<AuditEventType> = new Set(['lock_reset', 'lock_transferred', 'expired', 'reopened']);

// Written in the transaction that made the change, so the event and the change commit or vanish
// together; deferred, so it travels to the database with the next statement or the COMMIT.
export function insertAuditEvent(tx: Tx, event: NewAuditEvent): void {
  tx.defer(INSERT_AUDIT_EVENT, [
    event.participantId,
    event.code,
    event.type,
    event.sourceIp,
    auditedUserAgent(event.userAgent),
    event.submittedNameHash ?? null,
    event.requestId,
    event.actor ?? null,
    event.reason ?? null,
    event.statusBefore,
    event.statusAfter,
    event.lockedIpBefore,
    event.lockedIpAfter,
    event.at,
  ]);
  if (event.participantId === null) return;
  // Right after the INSERT, so LAST_INSERT_ID() is this event's id.
  if (event.type === 'device_conflict') tx.defer(RECORD_REFUSAL, [event.participantId]);
  else if (SETTLING_EVENTS.has(event.type)) tx.defer(SETTLE_CONFLICT, [event.participantId]);
}
