import type { RowDataPacket } from 'mysql2/promise';
import { auditedUserAgent } from '../audit/audit.repo.ts';
import type { SqlHandle, Tx } from '../lib/database.ts';

export interface DeviceChangeRequestRow {
  id: number;
  participantId: number;
  tokenHash: string;
  requesterIp: string;
  requesterDevice: string | null;
  status: 'pending' | 'approved' | 'declined';
  expiresAt: Date;
  expired: boolean;
}

interface RequestRow extends RowDataPacket {
  id: number;
  participant_id: number;
  token_hash: string;
  requester_ip: string;
  requester_device: string | null;
  status: DeviceChangeRequestRow['status'];
  expires_at: Date;
  expired: number;
}

const COLUMNS = 'id, participant_id, token_hash, requester_ip, requester_device, status, expires_at, expires_at <= UTC_TIMESTAMP(3) AS expired';

function toRequest(row: RequestRow): DeviceChangeRequestRow {
  return {
    id: row.id,
    participantId: row.participant_id,
    tokenHash: row.token_hash,
    requesterIp: row.requester_ip,
    requesterDevice: row.requester_device,
    status: row.status,
    expiresAt: row.expires_at,
    expired: Number(row.expired) === 1,
  };
}

export async function insertRequest(
  tx: Tx,
  request: { participantId: number; tokenHash: string; requesterIp: string; requesterDevice: string; userAgent: string | null; holderIp: string | null; at: Date; ttlS: number },
): Promise<{ id: number; expiresAt: Date }> {
  const expiresAt = new Date(request.at.getTime() + request.ttlS * 1000);
  const result = await tx.run(
    `INSERT INTO device_change_requests (participant_id, token_hash, requester_ip, requester_device, requester_user_agent, holder_ip, status, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    [request.participantId, request.tokenHash, request.requesterIp, request.requesterDevice, auditedUserAgent(request.userAgent), request.holderIp, request.at, expiresAt],
  );
  return { id: result.insertId, expiresAt };
}

// The participant's open request, if any; read under the participant's row lock.
export async function openRequestOf(tx: Tx, participantId: number): Promise<DeviceChangeRequestRow | undefined> {
  const [row] = await tx.rows<RequestRow>(
    `SELECT ${COLUMNS} FROM device_change_requests WHERE participant_id = ? AND status = 'pending' AND expires_at > UTC_TIMESTAMP(3) ORDER BY id DESC LIMIT 1`,
    [participantId],
  );
  return row && toRequest(row);
}

export async function findRequest(db: SqlHandle, id: number): Promise<DeviceChangeRequestRow | undefined> {
  const [row] = await db.rows<RequestRow>(`SELECT ${COLUMNS} FROM device_change_requests WHERE id = ?`, [id]);
  return row && toRequest(row);
}

export async function lockRequest(tx: Tx, id: number): Promise<DeviceChangeRequestRow | undefined> {
  const [row] = await tx.rows<RequestRow>(`SELECT ${COLUMNS} FROM device_change_requests WHERE id = ? FOR UPDATE`, [id]);
  return row && toRequest(row);
}

export async function resolveRequest(tx: Tx, id: number, status: 'approved' | 'declined', by: string): Promise<void> {
  await tx.run('UPDATE device_change_requests SET status = ?, resolved_at = UTC_TIMESTAMP(3), resolved_by = ? WHERE id = ?', [status, by, id]);
}

export async function participantCodeById(db: SqlHandle, participantId: number): Promise<string | undefined> {
  const [row] = await db.rows<RowDataPacket & { code: string }>('SELECT code FROM participants WHERE id = ?', [participantId]);
  return row?.code;
}
