import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { linkHash, personalDigest } from '../server/src/audit/audit-chain.ts';
import { receiptCode } from '../server/src/receipts/receipt-code.ts';

// Check-in transactions written straight against mysql2 (no HTTP, no Express), to measure what the
// database path itself allows. Each keeps the decision under the SELECT ... FOR UPDATE row lock.

export interface VariantAttempt {
  code: string;
  fullName: string;
  ip: string;
  requestId: string;
}

export type Variant = (connection: PoolConnection, attempt: VariantAttempt) => Promise<'checked_in' | 'reentered' | 'refused'>;

const LOCK = `SELECT id, full_name, status, locked_ip, UTC_TIMESTAMP(3) AS now FROM participants WHERE code = ? FOR UPDATE`;
const UPDATE = `UPDATE participants SET status = 'in_progress', locked_ip = ?, device_locked_at = ?, entered_at = COALESCE(entered_at, ?), status_updated_at = ? WHERE id = ?`;
const AUDIT = `INSERT INTO audit_events (participant_id, code, event_type, source_ip, user_agent, request_id, status_before, status_after, locked_ip_before, locked_ip_after, created_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`;

interface LockedRow extends RowDataPacket {
  id: number;
  full_name: string;
  status: string;
  locked_ip: string | null;
  now: Date;
}

function decide(row: LockedRow | undefined, attempt: VariantAttempt): 'checked_in' | 'reentered' | 'refused' {
  if (!row || row.full_name !== attempt.fullName || row.status === 'expired') return 'refused';
  if (row.locked_ip !== null && row.locked_ip !== attempt.ip) return 'refused';
  return row.locked_ip === attempt.ip ? 'reentered' : 'checked_in';
}

// Five round trips: BEGIN, SELECT ... FOR UPDATE, UPDATE, INSERT, COMMIT (prepared statements).
export const naive: Variant = async (connection, attempt) => {
  await connection.query('START TRANSACTION');
  try {
    const [[row]] = await connection.execute<LockedRow[]>(LOCK, [attempt.code]);
    const outcome = decide(row, attempt);
    if (outcome === 'checked_in') await connection.execute(UPDATE, [attempt.ip, row!.now, row!.now, row!.now, row!.id]);
    await connection.execute(AUDIT, [row?.id ?? null, attempt.code, outcome === 'refused' ? 'device_conflict' : outcome, attempt.ip, attempt.requestId,
      row?.status ?? null, outcome === 'refused' ? (row?.status ?? null) : 'in_progress', row?.locked_ip ?? null, outcome === 'refused' ? (row?.locked_ip ?? null) : attempt.ip, row?.now ?? new Date()]);
    await connection.query('COMMIT');
    return outcome;
  } catch (error) {
    await connection.query('ROLLBACK');
    throw error;
  }
};

// Two round trips: "BEGIN; SELECT ... FOR UPDATE" together, then the decided writes and COMMIT together
// (text protocol, multi-statement; values still go through placeholders).
export const pipelined: Variant = async (connection, attempt) => {
  try {
    const [results] = await connection.query<RowDataPacket[][]>(`START TRANSACTION; ${LOCK}`, [attempt.code]);
    const row = results[1]![0] as LockedRow | undefined;
    const outcome = decide(row, attempt);
    const audit = [row?.id ?? null, attempt.code, outcome === 'refused' ? 'device_conflict' : outcome, attempt.ip, attempt.requestId,
      row?.status ?? null, outcome === 'refused' ? (row?.status ?? null) : 'in_progress', row?.locked_ip ?? null, outcome === 'refused' ? (row?.locked_ip ?? null) : attempt.ip, row?.now ?? new Date()];
    if (outcome === 'checked_in') await connection.query(`${UPDATE}; ${AUDIT}; COMMIT`, [attempt.ip, row!.now, row!.now, row!.now, row!.id, ...audit]);
    else await connection.query(`${AUDIT}; COMMIT`, audit);
    return outcome;
  } catch (error) {
    await connection.query('ROLLBACK');
    throw error;
  }
};

// `pipelined` with the audit row as a link of the participant's hash chain, as examgate writes it: the
// head read with the row lock, the link hashed in this process, the chain columns in the audit row and the
// new head written with the participant's update (or by an update of its own for a refusal).
const LOCK_CHAINED = `SELECT id, full_name, status, locked_ip, chain_seq, chain_head, UTC_TIMESTAMP(3) AS now FROM participants WHERE code = ? FOR UPDATE`;
const UPDATE_CHAINED = `UPDATE participants SET status = 'in_progress', locked_ip = ?, device_locked_at = ?, entered_at = COALESCE(entered_at, ?), status_updated_at = ?, chain_seq = ?, chain_head = ? WHERE id = ?`;
const HEAD_ONLY = 'UPDATE participants SET chain_seq = ?, chain_head = ? WHERE id = ?';
const AUDIT_CHAINED = `INSERT INTO audit_events (participant_id, code, event_type, source_ip, user_agent, request_id, status_before, status_after, locked_ip_before, locked_ip_after, created_at, chain_seq, personal_digest, chain_hash) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

// With `receiptKey`, an admission also keeps its receipt (check_in_receipts, as examgate's check-in does).
const RECEIPT = 'INSERT INTO check_in_receipts (participant_id, granted_at, receipt) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE receipt = receipt';

export const chainedVariant = (receiptKey?: Buffer): Variant => async (connection, attempt) => {
  try {
    const [results] = await connection.query<RowDataPacket[][]>(`START TRANSACTION; ${LOCK_CHAINED}`, [attempt.code]);
    const row = results[1]![0] as (LockedRow & { chain_seq: number; chain_head: Buffer | null }) | undefined;
    const outcome = decide(row, attempt);
    if (!row) throw new Error('chained variant: every bench code exists');
    const type = outcome === 'refused' ? 'device_conflict' : outcome;
    const statusAfter = outcome === 'refused' ? row.status : 'in_progress';
    const lockedAfter = outcome === 'refused' ? row.locked_ip : attempt.ip;
    const seq = Number(row.chain_seq) + 1;
    const digest = personalDigest({ sourceIp: attempt.ip, device: null, userAgent: null, submittedNameHash: null, lockedIpBefore: row.locked_ip, lockedIpAfter: lockedAfter, lockedDeviceBefore: null, lockedDeviceAfter: null, reason: null, details: null });
    const hash = linkHash(row.chain_head, { participantId: row.id, chainKey: null, seq, code: attempt.code, eventType: type, requestId: attempt.requestId, actor: null, statusBefore: row.status, statusAfter, lockPolicy: null, sessionId: null, createdAt: row.now, roomId: null, seat: null }, digest);
    const audit = [row.id, attempt.code, type, attempt.ip, attempt.requestId, row.status, statusAfter, row.locked_ip, lockedAfter, row.now, seq, digest, hash];
    const receipt = receiptKey && outcome !== 'refused' ? [row.id, row.now, receiptCode(receiptKey, row.id, row.now)] : undefined;
    if (outcome === 'checked_in') {
      await connection.query(`${UPDATE_CHAINED}; ${AUDIT_CHAINED}; ${receipt ? `${RECEIPT}; ` : ''}COMMIT`, [attempt.ip, row.now, row.now, row.now, seq, hash, row.id, ...audit, ...(receipt ?? [])]);
    } else await connection.query(`${AUDIT_CHAINED}; ${HEAD_ONLY}; COMMIT`, [...audit, seq, hash, row.id]);
    return outcome;
  } catch (error) {
    await connection.query('ROLLBACK');
    throw error;
  }
};

export const chained = chainedVariant();

export type { ResultSetHeader };
