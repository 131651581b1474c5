import type { RowDataPacket } from 'mysql2/promise';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import { deviceFingerprint } from '../../../contracts/lock-policy.ts';
import { fromRoomOf, sharedWithOf, type StreamEvent } from '../../../contracts/proctor.ts';
import { admittingEventTypes } from '../../../contracts/participant-state.ts';
import type { SqlHandle, Tx } from '../lib/database.ts';
import { ProctorScope } from '../lib/proctor-scope.ts';

// The audit log as the proctors read it: the live stream, the paged history and the CSV export.
export interface AuditEventRow extends RowDataPacket {
  id: number;
  code: string;
  event_type: StreamEvent['type'];
  source_ip: string | null;
  device: string | null;
  user_agent: string | null;
  actor: string | null;
  reason: string | null;
  status_after: ParticipantStatus | null;
  locked_ip_before: string | null;
  locked_ip_after: string | null;
  locked_device_before: string | null;
  locked_device_after: string | null;
  lock_policy: string | null;
  session_id: number | null;
  details: string | null;
  room_id: number | null;
  seat: string | null;
  created_at: Date;
}

export const AUDIT_EVENT_COLUMNS = `id, code, event_type, source_ip, device, user_agent, actor, reason, status_after, locked_ip_before, locked_ip_after,
  locked_device_before, locked_device_after, lock_policy, session_id, details, room_id, seat, created_at`;

export function toStreamEvent(row: AuditEventRow): StreamEvent {
  return {
    id: Number(row.id),
    type: row.event_type,
    code: row.code,
    ip: row.source_ip,
    device: deviceFingerprint(row.device),
    at: row.created_at.toISOString(),
    userAgent: row.user_agent,
    actor: row.actor,
    reason: row.reason,
    statusAfter: row.status_after,
    lockedIpBefore: row.locked_ip_before,
    lockedIpAfter: row.locked_ip_after,
    lockedDeviceBefore: deviceFingerprint(row.locked_device_before),
    lockedDeviceAfter: deviceFingerprint(row.locked_device_after),
    sessionId: row.session_id === null ? null : Number(row.session_id),
    roomId: row.room_id === null ? null : Number(row.room_id),
    seat: row.seat,
    sharedWith: sharedWithOf(row.details),
    fromRoomId: fromRoomOf(row.details),
  };
}

// LIMIT as a placeholder is not accepted by every server's prepared statements, so it is inlined as a
// validated integer.
// `scope`: a room proctor reads the events of their rooms' participants (the room an event's row names).
export async function auditEventsBefore(db: SqlHandle, before: number, limit: number, scope = ProctorScope.CHIEF): Promise<StreamEvent[]> {
  const rooms = scope.eventCondition('audit_events');
  const rows = await db.rows<AuditEventRow>(
    `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_events WHERE id < ? AND ${rooms.sql} ORDER BY id DESC LIMIT ${Math.trunc(limit)}`,
    [before, ...rooms.values],
  );
  return rows.map(toStreamEvent);
}

// In id order, above `after` and up to `upTo` (inclusive) when given.
export async function auditRowsAfter(db: SqlHandle, after: number, limit: number, upTo = Number.MAX_SAFE_INTEGER, scope = ProctorScope.CHIEF): Promise<AuditEventRow[]> {
  const rooms = scope.eventCondition('audit_events');
  return db.rows<AuditEventRow>(
    `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_events WHERE id > ? AND id <= ? AND ${rooms.sql} ORDER BY id LIMIT ${Math.trunc(limit)}`,
    [after, upTo, ...rooms.values],
  );
}

// The ids written in the last `seconds` (by the database's clock), up to `upTo`: an index-only read of
// (created_at, id), for the live stream's look back at rows that became visible late.
export async function recentAuditIds(db: SqlHandle, seconds: number, upTo: number): Promise<number[]> {
  const rows = await db.rows<RowDataPacket & { id: number }>(
    'SELECT id FROM audit_events WHERE created_at >= UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND id <= ?',
    [seconds, upTo],
  );
  return rows.map((row) => Number(row.id));
}

export async function auditRowsByIds(db: SqlHandle, ids: number[]): Promise<AuditEventRow[]> {
  if (ids.length === 0) return [];
  return db.rows<AuditEventRow>(`SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_events WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
}

// The devices a proctor can move a lock to: those refused on this participant, or asking for the move.
const MOVABLE_TO = "('device_conflict', 'device_key_copied', 'device_change_requested')";

export interface MovableAttempt {
  id: number;
  ip: string;
  device: string | null;
}

type MovableRow = RowDataPacket & { id: number; source_ip: string; device: string | null };
const toMovable = (row: MovableRow | undefined): MovableAttempt | undefined => row && { id: Number(row.id), ip: row.source_ip, device: row.device };

export async function movableAttempt(db: SqlHandle, participantId: number, id: number): Promise<MovableAttempt | undefined> {
  const [row] = await db.rows<MovableRow>(
    `SELECT id, source_ip, device FROM audit_events WHERE id = ? AND participant_id = ? AND event_type IN ${MOVABLE_TO} AND source_ip IS NOT NULL`,
    [id, participantId],
  );
  return toMovable(row);
}

export async function latestMovableAttemptFrom(db: SqlHandle, participantId: number, ip: string): Promise<MovableAttempt | undefined> {
  const [row] = await db.rows<MovableRow>(
    `SELECT id, source_ip, device FROM audit_events WHERE participant_id = ? AND source_ip = ? AND event_type IN ${MOVABLE_TO} ORDER BY id DESC LIMIT 1`,
    [participantId, ip],
  );
  return toMovable(row);
}

export async function latestMovableAttemptOf(db: SqlHandle, participantId: number, device: string): Promise<MovableAttempt | undefined> {
  const [row] = await db.rows<MovableRow>(
    `SELECT id, source_ip, device FROM audit_events WHERE participant_id = ? AND device = ? AND event_type IN ${MOVABLE_TO} ORDER BY id DESC LIMIT 1`,
    [participantId, device],
  );
  return toMovable(row);
}

// When the participant was last let in (checked in, re-entered, or moved networks); read under its row lock.
export async function lastAdmissionAt(tx: Tx, participantId: number): Promise<Date | null> {
  const [row] = await tx.rows<RowDataPacket & { created_at: Date }>(
    `SELECT created_at FROM audit_events WHERE participant_id = ? AND event_type IN (${admittingEventTypes.map(() => '?').join(', ')}) ORDER BY id DESC LIMIT 1`,
    [participantId, ...admittingEventTypes],
  );
  return row?.created_at ?? null;
}
