import type { RowDataPacket } from 'mysql2/promise';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import { deviceFingerprint } from '../../../contracts/lock-policy.ts';
import { type ProctorParticipant, refusalKindOf, sharedWithOf } from '../../../contracts/proctor.ts';
import { isoFromDatabase, type SqlHandle } from '../lib/database.ts';
import { ProctorScope } from '../lib/proctor-scope.ts';

// One statement for the whole table: the conflict summary lives on the participant row (migration 006),
// the last refusal and the holder's browser come from primary-key lookups, and the open requests from one
// pass over the few pending ones (the (status, expires_at) index) rather than a subquery per participant.
const PARTICIPANT_COLUMNS = `
  SELECT p.code, p.session_id, p.full_name, p.status, p.locked_ip, p.locked_device, le.user_agent AS locked_user_agent,
         p.device_locked_at, p.entered_at,
         p.refused_attempts AS refused,
         p.conflict_open AS open_conflict,
         lc.id AS refused_event_id, lc.event_type AS refused_kind, lc.source_ip AS refused_ip, lc.device AS refused_device, lc.user_agent AS refused_user_agent,
         lc.created_at AS refused_at, lc.details AS refused_details,
         r.id AS request_id, r.requester_ip, r.requester_device, r.requester_user_agent, r.holder_ip, r.created_at AS request_created_at,
         r.expires_at AS request_expires_at, th.code IS NOT NULL AS throttled, p.withdrawn_at IS NOT NULL AS withdrawn,
         rm.name AS room_name, p.seat
    FROM participants p
    LEFT JOIN rooms rm ON rm.id = p.room_id
    LEFT JOIN audit_events lc ON lc.id = p.last_refusal_event_id
    LEFT JOIN audit_events le ON le.id = p.lock_event_id
    LEFT JOIN (
      SELECT participant_id, MAX(id) AS id FROM device_change_requests
       WHERE status = 'pending' AND expires_at > UTC_TIMESTAMP(3)
       GROUP BY participant_id
    ) pending ON pending.participant_id = p.id
    LEFT JOIN device_change_requests r ON r.id = pending.id
    LEFT JOIN (SELECT DISTINCT code FROM attempt_failures WHERE code IS NOT NULL AND blocked_until > UTC_TIMESTAMP(3)) th ON th.code = p.code
   WHERE %SCOPE%
   ORDER BY p.code`;

const PARTICIPANTS_OF_SESSION = PARTICIPANT_COLUMNS.replace('%SCOPE%', 'p.session_id = ? AND %ROOMS%');
// Every session's participants who need a proctor: an open conflict, a pending request or a throttle.
const PARTICIPANTS_NEEDING_ATTENTION = PARTICIPANT_COLUMNS.replace('%SCOPE%', '(p.conflict_open = 1 OR r.id IS NOT NULL OR th.code IS NOT NULL) AND %ROOMS%');
const PARTICIPANT_BY_CODE = PARTICIPANT_COLUMNS.replace('%SCOPE%', 'p.code = ?');

// Times arrive as the database's text (dateStrings): mapping 5,000 rows through Date objects and
// toISOString() was a quarter of the list's server time.
interface ProctorParticipantRow extends RowDataPacket {
  code: string;
  session_id: number;
  full_name: string;
  status: ParticipantStatus;
  locked_ip: string | null;
  locked_device: string | null;
  locked_user_agent: string | null;
  device_locked_at: string | null;
  entered_at: string | null;
  refused: number | string;
  open_conflict: number;
  refused_event_id: number | null;
  refused_kind: string | null;
  refused_ip: string | null;
  refused_device: string | null;
  refused_user_agent: string | null;
  refused_at: string | null;
  refused_details: string | null;
  request_id: number | null;
  requester_ip: string | null;
  requester_device: string | null;
  requester_user_agent: string | null;
  holder_ip: string | null;
  request_created_at: string | null;
  request_expires_at: string | null;
  throttled: number;
  withdrawn: number;
  room_name: string | null;
  seat: string | null;
}

function toProctorParticipant(row: ProctorParticipantRow): ProctorParticipant {
  return {
    code: row.code,
    fullName: row.full_name,
    status: row.status,
    lockedIp: row.locked_ip,
    lockedDevice: deviceFingerprint(row.locked_device),
    lockedUserAgent: row.locked_ip === null ? null : row.locked_user_agent,
    deviceLockedAt: isoFromDatabase(row.device_locked_at),
    enteredAt: isoFromDatabase(row.entered_at),
    refusedAttempts: Number(row.refused),
    lastRefused: row.refused_at
      ? {
          eventId: Number(row.refused_event_id),
          kind: refusalKindOf(row.refused_kind ?? ''),
          ip: row.refused_ip,
          device: deviceFingerprint(row.refused_device),
          userAgent: row.refused_user_agent,
          at: isoFromDatabase(row.refused_at),
          sharedWith: sharedWithOf(row.refused_details),
        }
      : null,
    openConflict: Number(row.open_conflict) === 1,
    pendingRequest:
      row.request_id !== null
        ? {
            id: row.request_id,
            requesterIp: row.requester_ip!,
            requesterDevice: deviceFingerprint(row.requester_device),
            userAgent: row.requester_user_agent,
            holderIp: row.holder_ip,
            createdAt: isoFromDatabase(row.request_created_at!),
            expiresAt: isoFromDatabase(row.request_expires_at!),
          }
        : null,
    throttled: Number(row.throttled) === 1,
    withdrawn: Number(row.withdrawn) === 1,
    sessionId: row.session_id,
    room: row.room_name,
    seat: row.seat,
  };
}

// `scope`: the proctor's; a room proctor's lists hold their rooms' participants only.
export async function participantsOfSession(db: SqlHandle, sessionId: number, scope = ProctorScope.CHIEF): Promise<ProctorParticipant[]> {
  const rooms = scope.roomCondition('p');
  return (await db.rows<ProctorParticipantRow>(PARTICIPANTS_OF_SESSION.replace('%ROOMS%', rooms.sql), [sessionId, ...rooms.values], { dateStrings: true })).map(toProctorParticipant);
}

export async function participantsNeedingAttention(db: SqlHandle, scope = ProctorScope.CHIEF): Promise<ProctorParticipant[]> {
  const rooms = scope.roomCondition('p');
  return (await db.rows<ProctorParticipantRow>(PARTICIPANTS_NEEDING_ATTENTION.replace('%ROOMS%', rooms.sql), rooms.values, { dateStrings: true })).map(toProctorParticipant);
}

export async function proctorParticipant(db: SqlHandle, code: string): Promise<ProctorParticipant | undefined> {
  const [row] = await db.rows<ProctorParticipantRow>(PARTICIPANT_BY_CODE, [code], { dateStrings: true });
  return row && toProctorParticipant(row);
}
