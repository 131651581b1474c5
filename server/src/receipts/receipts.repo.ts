import type { RowDataPacket } from 'mysql2/promise';
import { auditEventTypes, EVENT_RULES } from '../../../contracts/participant-state.ts';
import type { SqlHandle, Tx } from '../lib/database.ts';

// The events that give a device a lock of its own, with a new lock time: the receipt's moment.
const LOCK_GIVING = auditEventTypes.filter((type) => EVENT_RULES[type].lock === 'source' || EVENT_RULES[type].lock === 'target');

// Kept for the lookup by receipt, in the admission's own transaction. A re-entry writes it again (a no-op)
// because the lock it holds may come from a proctor's move, which shows no receipt until the device is back.
export function keepReceipt(tx: Tx, row: { participantId: number; grantedAt: Date; receipt: string }): void {
  tx.defer('INSERT INTO check_in_receipts (participant_id, granted_at, receipt) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE receipt = receipt', [
    row.participantId,
    row.grantedAt,
    row.receipt,
  ]);
}

export interface ReceiptRow extends RowDataPacket {
  participant_id: number;
  granted_at: Date;
  code: string;
  full_name: string;
  session_id: number;
  session_name: string;
  holds_lock: number;
  event_id: number | null;
  event_type: string | null;
  source_ip: string | null;
  device: string | null;
}

// Every check-in kept with this receipt (two only if two MACs collide, about one in 10^14 per pair), with
// the audit row that gave the lock at that moment.
export function receiptsNamed(handle: SqlHandle, receipt: string): Promise<ReceiptRow[]> {
  return handle.rows<ReceiptRow>(
    `SELECT r.participant_id, r.granted_at, p.code, p.full_name, p.session_id, s.name AS session_name,
            (p.device_locked_at = r.granted_at AND (p.locked_ip IS NOT NULL OR p.locked_device IS NOT NULL)) AS holds_lock,
            a.id AS event_id, a.event_type, a.source_ip, a.device
       FROM check_in_receipts r
       JOIN participants p ON p.id = r.participant_id
       JOIN exam_sessions s ON s.id = p.session_id
       LEFT JOIN audit_events a ON a.participant_id = r.participant_id AND a.created_at = r.granted_at AND a.event_type IN (${LOCK_GIVING.map((type) => `'${type}'`).join(', ')})
      WHERE r.receipt = ?
      ORDER BY r.granted_at`,
    [receipt],
  );
}
