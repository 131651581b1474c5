import type { RowDataPacket } from 'mysql2/promise';
import type { ProctorParticipant, StreamEvent } from '../../../contracts/proctor.ts';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import { isoFromDatabase, type SqlHandle } from '../lib/database.ts';

export interface ExamSessionRef {
  id: number;
  name: string;
}

export async function listSessions(db: SqlHandle): Promise<ExamSessionRef[]> {
  const rows = await db.rows<RowDataPacket & ExamSessionRef>('SELECT id, name FROM exam_sessions ORDER BY id DESC');
  return rows.map((row) => ({ id: row.id, name: row.name }));
}

// One statement for the whole table: the conflict summary lives on the participant row (migration 006),
// the last refusal comes from a primary-key lookup, and the open requests from one pass over the few
// pending ones (the (status, expires_at) index) rather than a subquery per participant (5 ms of 22).
const PARTICIPANT_COLUMNS = `
  SELECT p.code, p.full_name, p.status, p.locked_ip, p.device_locked_at, p.entered_at,
         p.refused_attempts AS refused,
         (p.conflict_open = 1 AND p.status <> 'expired') AS open_conflict,
         lc.source_ip AS refused_ip, lc.user_agent AS refused_user_agent, lc.created_at AS refused_at,
         r.id AS request_id, r.requester_ip, r.requester_user_agent, r.holder_ip, r.created_at AS request_created_at,
         r.expires_at AS request_expires_at
    FROM participants p
    LEFT JOIN audit_events lc ON lc.id = p.last_refusal_event_id
    LEFT JOIN (
      SELECT participant_id, MAX(id) AS id FROM device_change_requests
       WHERE status = 'pending' AND expires_at > UTC_TIMESTAMP(3)
       GROUP BY participant_id
    ) pending ON pending.participant_id = p.id
    LEFT JOIN device_change_requests r ON r.id = pending.id
   WHERE %SCOPE%
   ORDER BY p.code`;

const PARTICIPANTS_OF_SESSION = PARTICIPANT_COLUMNS.replace('%SCOPE%', 'p.session_id = ?');
const PARTICIPANT_BY_CODE = PARTICIPANT_COLUMNS.replace('%SCOPE%', 'p.code = ?');

// Times arrive as the database's text (dateStrings): mapping 5,000 rows through Date objects and
// toISOString() was a quarter of the list's server time.
interface ProctorParticipantRow extends RowDataPacket {
  code: string;
  full_name: string;
  status: ParticipantStatus;
  locked_ip: string | null;
  device_locked_at: string | null;
  entered_at: string | null;
  refused: number | string;
  open_conflict: number;
  refused_ip: string | null;
  refused_user_agent: string | null;
  refused_at: string | null;
  request_id: number | null;
  requester_ip: string | null;
  requester_user_agent: string | null;
  holder_ip: string | null;
  request_created_at: string | null;
  request_expires_at: string | null;
}

function toProctorParticipant(row: ProctorParticipantRow): ProctorParticipant {
  return {
    code: row.code,
    fullName: row.full_name,
    status: row.status,
    lockedIp: row.locked_ip,
    deviceLockedAt: isoFromDatabase(row.device_locked_at),
    enteredAt: isoFromDatabase(row.entered_at),
    refusedAttempts: Number(row.refused),
    lastRefused: row.refused_at ? { ip: row.refused_ip, userAgent: row.refused_user_agent, at: isoFromDatabase(row.refused_at) } : null,
    openConflict: Number(row.open_conflict) === 1,
    pendingRequest:
      row.request_id !== null
        ? {
            id: row.request_id,
            requesterIp: row.requester_ip!,
            userAgent: row.requester_user_agent,
            holderIp: row.holder_ip,
            createdAt: isoFromDatabase(row.request_created_at!),
            expiresAt: isoFromDatabase(row.request_expires_at!),
          }
        : null,
  };
}

export async function participantsOfSession(db: SqlHandle, sessionId: number): Promise<ProctorParticipant[]> {
  return (await db.rows<ProctorParticipantRow>(PARTICIPANTS_OF_SESSION, [sessionId], { dateStrings: true })).map(toProctorParticipant);
}

export async function proctorParticipant(db: SqlHandle, code: string): Promise<ProctorParticipant | undefined> {
  const [row] = await db.rows<ProctorParticipantRow>(PARTICIPANT_BY_CODE, [code], { dateStrings: true });
  return row && toProctorParticipant(row);
}

export interface AuditEventRow extends RowDataPacket {
  id: number;
  code: string;
  event_type: StreamEvent['type'];
  source_ip: string | null;
  user_agent: string | null;
  actor: string | null;
  reason: string | null;
  status_after: ParticipantStatus | null;
  locked_ip_before: string | null;
  locked_ip_after: string | null;
  created_at: Date;
}

export const AUDIT_EVENT_COLUMNS =
  'id, code, event_type, source_ip, user_agent, actor, reason, status_after, locked_ip_before, locked_ip_after, created_at';

export function toStreamEvent(row: AuditEventRow): StreamEvent {
  return {
    id: Number(row.id),
    type: row.event_type,
    code: row.code,
    ip: row.source_ip,
    at: row.created_at.toISOString(),
    userAgent: row.user_agent,
    actor: row.actor,
    reason: row.reason,
    statusAfter: row.status_after,
    lockedIpBefore: row.locked_ip_before,
    lockedIpAfter: row.locked_ip_after,
  };
}

export async function auditEventsBefore(db: SqlHandle, before: number, limit: number): Promise<StreamEvent[]> {
  // LIMIT as a placeholder is not accepted by every server's prepared statements, so it is inlined as a
  // validated integer.
  const rows = await db.rows<AuditEventRow>(
    `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_events WHERE id < ? ORDER BY id DESC LIMIT ${Math.trunc(limit)}`,
    [before],
  );
  return rows.map(toStreamEvent);
}
