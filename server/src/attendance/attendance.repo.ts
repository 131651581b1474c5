import type { RowDataPacket } from 'mysql2/promise';
import type { LockChange, SealSummary } from '../../../contracts/attendance-record.ts';
import { deviceFingerprint } from '../../../contracts/lock-policy.ts';
import type { SqlHandle } from '../lib/database.ts';

interface LockChangeRow extends RowDataPacket {
  id: number;
  code: string;
  event_type: LockChange['type'];
  created_at: Date;
  actor: string | null;
  reason: string | null;
  locked_ip_after: string | null;
  locked_device_after: string | null;
}

// Every reset and move of a lock in the session, by participant code, oldest first.
export async function lockChangesOfSession(handle: SqlHandle, sessionId: number): Promise<Map<string, LockChange[]>> {
  const rows = await handle.rows<LockChangeRow>(
    `SELECT a.id, p.code, a.event_type, a.created_at, a.actor, a.reason, a.locked_ip_after, a.locked_device_after
       FROM participants p JOIN audit_events a ON a.participant_id = p.id AND a.event_type IN ('lock_reset', 'lock_transferred')
      WHERE p.session_id = ?
      ORDER BY a.created_at, a.id`,
    [sessionId],
  );
  const changes = new Map<string, LockChange[]>();
  for (const row of rows) {
    const list = changes.get(row.code) ?? [];
    list.push({
      id: Number(row.id),
      type: row.event_type,
      at: row.created_at.toISOString(),
      proctor: row.actor,
      reason: row.reason,
      toIp: row.locked_ip_after,
      toDevice: deviceFingerprint(row.locked_device_after),
    });
    changes.set(row.code, list);
  }
  return changes;
}

export async function latestSeal(handle: SqlHandle): Promise<SealSummary | null> {
  const [row] = await handle.rows<RowDataPacket & { digest: Buffer; sealed_at: Date; chains: number; events: number }>(
    'SELECT digest, sealed_at, chains, events FROM audit_seals ORDER BY sealed_at DESC, id DESC LIMIT 1',
  );
  return row ? { digest: row.digest.toString('hex'), sealedAt: row.sealed_at.toISOString(), chains: Number(row.chains), events: Number(row.events) } : null;
}
