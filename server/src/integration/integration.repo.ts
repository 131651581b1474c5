import type { RowDataPacket } from 'mysql2/promise';
import { type ApiParticipant } from '../../../contracts/api-tokens.ts';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import { deviceFingerprint } from '../../../contracts/lock-policy.ts';
import { webhookEventData, type WebhookEventData } from '../../../contracts/webhooks.ts';
import type { SqlHandle } from '../lib/database.ts';

export async function sessionParticipants(db: SqlHandle, sessionId: number): Promise<ApiParticipant[]> {
  const rows = await db.rows<RowDataPacket & {
    code: string; full_name: string; status: ParticipantStatus; withdrawn_at: Date | null; locked_device: string | null; device_locked_at: Date | null; entered_at: Date | null;
  }>('SELECT code, full_name, status, withdrawn_at, locked_device, device_locked_at, entered_at FROM participants WHERE session_id = ? ORDER BY code', [sessionId]);
  return rows.map((row) => ({
    code: row.code,
    fullName: row.full_name,
    status: row.status,
    withdrawn: row.withdrawn_at !== null,
    device: deviceFingerprint(row.locked_device),
    deviceLockedAt: row.device_locked_at?.toISOString() ?? null,
    enteredAt: row.entered_at?.toISOString() ?? null,
  }));
}

export interface EventCursor {
  at: Date;
  id: number;
}

// Ordered by (time, id) rather than id: ids are taken at INSERT and become visible at COMMIT, and on a
// Galera cluster each node hands out its own, so an id cursor would skip an event that commits late. Only
// events older than `settleS` are read, by when every transaction that stamped an earlier time has
// committed (events are stamped under their row lock, and a check-in's transaction lasts milliseconds).
export async function participantEventsAfter(db: SqlHandle, sessionId: number, after: EventCursor | undefined, limit: number, settleS: number): Promise<{ events: WebhookEventData[]; last: EventCursor | undefined }> {
  const rows = await db.rows<RowDataPacket & {
    id: number; event_type: string; code: string; source_ip: string | null; device: string | null; actor: string | null; reason: string | null;
    status_after: string | null; locked_ip_after: string | null; locked_device_after: string | null; created_at: Date;
  }>(
    `SELECT a.id, a.event_type, a.code, a.source_ip, a.device, a.actor, a.reason, a.status_after, a.locked_ip_after, a.locked_device_after, a.created_at
       FROM audit_events a JOIN participants p ON p.id = a.participant_id
      WHERE p.session_id = ? AND (a.created_at > ? OR (a.created_at = ? AND a.id > ?))
        AND a.created_at <= UTC_TIMESTAMP(3) - INTERVAL ? SECOND
      ORDER BY a.created_at, a.id
      LIMIT ${Math.trunc(limit)}`,
    [sessionId, after?.at ?? new Date(0), after?.at ?? new Date(0), after?.id ?? 0, settleS],
  );
  const events = rows.map((row) =>
    webhookEventData({
      id: Number(row.id), type: row.event_type, sessionId, code: row.code, at: row.created_at, sourceIp: row.source_ip, device: row.device, actor: row.actor,
      reason: row.reason, statusAfter: row.status_after, lockedIpAfter: row.locked_ip_after, lockedDeviceAfter: row.locked_device_after,
    }),
  );
  const lastRow = rows.at(-1);
  return { events, last: lastRow ? { at: lastRow.created_at, id: Number(lastRow.id) } : after };
}
