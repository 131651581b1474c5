import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

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

export const PROCEDURE_SQL = `
CREATE PROCEDURE bench_check_in(IN p_code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin, IN p_name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci, IN p_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin, IN p_request VARCHAR(64) CHARACTER SET ascii)
BEGIN
  DECLARE v_id BIGINT UNSIGNED DEFAULT NULL;
  DECLARE v_name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
  DECLARE v_status VARCHAR(16);
  DECLARE v_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin;
  DECLARE v_now DATETIME(3) DEFAULT UTC_TIMESTAMP(3);
  DECLARE v_outcome VARCHAR(16);
  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
  START TRANSACTION;
  SELECT id, full_name, status, locked_ip INTO v_id, v_name, v_status, v_ip FROM participants WHERE code = p_code FOR UPDATE;
  IF v_id IS NULL OR v_name <> p_name OR v_status = 'expired' OR (v_ip IS NOT NULL AND v_ip <> p_ip) THEN
    SET v_outcome = 'refused';
  ELSEIF v_ip = p_ip THEN
    SET v_outcome = 'reentered';
  ELSE
    SET v_outcome = 'checked_in';
    UPDATE participants SET status = 'in_progress', locked_ip = p_ip, device_locked_at = v_now, entered_at = COALESCE(entered_at, v_now), status_updated_at = v_now WHERE id = v_id;
  END IF;
  INSERT INTO audit_events (participant_id, code, event_type, source_ip, request_id, status_before, status_after, locked_ip_before, locked_ip_after, created_at)
    VALUES (v_id, p_code, IF(v_outcome = 'refused', 'device_conflict', v_outcome), p_ip, p_request, v_status,
            IF(v_outcome = 'refused', v_status, 'in_progress'), v_ip, IF(v_outcome = 'refused', v_ip, p_ip), v_now);
  COMMIT;
  SELECT v_outcome AS outcome;
END`;

// One round trip: the whole transaction inside a stored procedure. (Name comparison here is exact; the
// product's Unicode-aware comparison would need a precomputed key column.)
export const procedure: Variant = async (connection, attempt) => {
  const [results] = await connection.query<RowDataPacket[][]>('CALL bench_check_in(?, ?, ?, ?)', [attempt.code, attempt.fullName, attempt.ip, attempt.requestId]);
  return results[0]![0]!.outcome as 'checked_in' | 'reentered' | 'refused';
};

export async function installProcedure(pool: Pool): Promise<void> {
  await pool.query('DROP PROCEDURE IF EXISTS bench_check_in');
  await pool.query(PROCEDURE_SQL);
}

export type { ResultSetHeader };
