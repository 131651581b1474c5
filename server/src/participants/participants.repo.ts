import type { RowDataPacket } from 'mysql2/promise';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import type { SqlHandle, Tx } from '../lib/database.ts';

export interface LockedParticipant {
  id: number;
  sessionId: number;
  sessionName: string;
  code: string;
  fullName: string;
  status: ParticipantStatus;
  lockedIp: string | null;
  deviceLockedAt: Date | null;
  enteredAt: Date | null;
  lastGuessAt: Date | null;
  nameCheck: string | null;
  // The database's clock, read under the lock, so that every time written by this transaction is one
  // consistent UTC instant computed by the database.
  now: Date;
}

interface LockedParticipantRow extends RowDataPacket {
  id: number;
  session_id: number;
  session_name: string;
  code: string;
  full_name: string;
  status: ParticipantStatus;
  locked_ip: string | null;
  device_locked_at: Date | null;
  entered_at: Date | null;
  last_guess_at: Date | null;
  name_check: string | null;
  now: Date;
}

// The session name comes from a scalar subquery on purpose: a JOIN would make FOR UPDATE lock the
// exam_sessions row too and serialise every check-in of the session behind one lock.
const LOCKED_PARTICIPANT_COLUMNS = `
  p.id, p.session_id, p.code, p.full_name, p.status, p.locked_ip, p.device_locked_at, p.entered_at, p.last_guess_at,
  p.name_check, (SELECT s.name FROM exam_sessions s WHERE s.id = p.session_id) AS session_name,
  UTC_TIMESTAMP(3) AS now`;

const LOCK_PARTICIPANT_BY_CODE = `SELECT ${LOCKED_PARTICIPANT_COLUMNS} FROM participants p WHERE p.code = ? FOR UPDATE`;

export async function lockParticipantByCode(tx: Tx, code: string): Promise<LockedParticipant | undefined> {
  const [row] = await tx.rows<LockedParticipantRow>(LOCK_PARTICIPANT_BY_CODE, [code]);
  return row && toLockedParticipant(row);
}

export interface RecentFailures {
  ipAndCode: number;
  code: number;
  ip: number;
}

// The address's last guess rides along as a scalar subquery: a subquery under READ COMMITTED is a plain
// consistent read, so FOR UPDATE locks the participant row only, never the address's marker (a hall
// behind one NAT address would otherwise check in one student at a time). One statement instead of two
// cost the database a quarter less CPU per check-in.
const LOCK_PARTICIPANT_FOR_CHECK_IN = `
  SELECT ${LOCKED_PARTICIPANT_COLUMNS},
         (SELECT g.last_guess_at FROM guess_sources g WHERE g.source_ip = ?) AS address_last_guess_at
    FROM participants p
   WHERE p.code = ?
     FOR UPDATE`;

const LAST_GUESS_FROM = `SELECT UTC_TIMESTAMP(3) AS now, (SELECT last_guess_at FROM guess_sources WHERE source_ip = ?) AS last_guess_at`;

// The row lock and the address's last guess in one round trip; an unknown code (no row to carry them)
// costs a second one. Refusals of this code are written under the same row lock, so concurrent attempts
// on one code see each other's failures, on every instance.
export async function lockParticipantForCheckIn(
  tx: Tx,
  code: string,
  ip: string,
): Promise<{ participant: LockedParticipant | undefined; now: Date; addressLastGuessAt: Date | null }> {
  const [row] = await tx.rows<LockedParticipantRow & { address_last_guess_at: Date | null }>(LOCK_PARTICIPANT_FOR_CHECK_IN, [ip, code]);
  if (row) return { participant: toLockedParticipant(row), now: row.now, addressLastGuessAt: row.address_last_guess_at };
  const [source] = await tx.rows<RowDataPacket>(LAST_GUESS_FROM, [ip]);
  return { participant: undefined, now: source!.now as Date, addressLastGuessAt: source!.last_guess_at as Date | null };
}

// Only wrong code/name pairs count: that is what guessing produces. A device conflict or an expired code
// needs the right code and name, and a refused student's retries must not lock them out.
const RECENT_FAILURES = `
  SELECT c.by_code, c.ip_and_code, (SELECT COUNT(*) FROM audit_events
           WHERE source_ip = ? AND event_type = 'not_recognised' AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) AS by_ip
    FROM (SELECT COUNT(*) AS by_code, COALESCE(SUM(source_ip = ?), 0) AS ip_and_code FROM audit_events
           WHERE code = ? AND event_type = 'not_recognised' AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) c`;

export async function recentFailures(tx: Tx, code: string, ip: string, windowS: number): Promise<RecentFailures> {
  const [c] = await tx.rows<RowDataPacket>(RECENT_FAILURES, [ip, windowS, ip, code, windowS]);
  return { ipAndCode: Number(c!.ip_and_code), code: Number(c!.by_code), ip: Number(c!.by_ip) };
}

const MARK_GUESS_FROM = `
  INSERT INTO guess_sources (source_ip, last_guess_at) VALUES (?, ?)
  ON DUPLICATE KEY UPDATE last_guess_at = GREATEST(last_guess_at, VALUES(last_guess_at))`;
const MARK_GUESS_AT = 'UPDATE participants SET last_guess_at = ? WHERE id = ?';

export function markGuess(tx: Tx, ip: string, participantId: number | null, at: Date): void {
  tx.defer(MARK_GUESS_FROM, [ip, at]);
  if (participantId !== null) tx.defer(MARK_GUESS_AT, [at, participantId]);
}

const FAILURE_WINDOW_CLEARS = `
  SELECT
    COALESCE(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), (SELECT MIN(created_at) FROM audit_events
      WHERE code = ? AND source_ip = ? AND event_type = 'not_recognised' AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) + INTERVAL ? SECOND), 0) AS ip_and_code,
    COALESCE(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), (SELECT MIN(created_at) FROM audit_events
      WHERE code = ? AND event_type = 'not_recognised' AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) + INTERVAL ? SECOND), 0) AS by_code,
    COALESCE(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), (SELECT MIN(created_at) FROM audit_events
      WHERE source_ip = ? AND event_type = 'not_recognised' AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) + INTERVAL ? SECOND), 0) AS by_ip`;

// Seconds until the oldest counted failure of each scope leaves the window; read only when throttling.
export async function failureWindowClears(tx: Tx, code: string, ip: string, windowS: number): Promise<RecentFailures> {
  const w = windowS;
  const [row] = await tx.rows<RowDataPacket>(FAILURE_WINDOW_CLEARS, [code, ip, w, w, code, w, w, ip, w, w]);
  return { ipAndCode: Number(row!.ip_and_code), code: Number(row!.by_code), ip: Number(row!.by_ip) };
}

function toLockedParticipant(row: LockedParticipantRow): LockedParticipant {
  return {
    id: row.id,
    sessionId: row.session_id,
    sessionName: row.session_name,
    code: row.code,
    fullName: row.full_name,
    status: row.status,
    lockedIp: row.locked_ip,
    deviceLockedAt: row.device_locked_at,
    enteredAt: row.entered_at,
    lastGuessAt: row.last_guess_at,
    nameCheck: row.name_check,
    now: row.now,
  };
}

const LOCK_DEVICE = `
  UPDATE participants
     SET status = 'in_progress', locked_ip = ?, device_locked_at = ?, entered_at = COALESCE(entered_at, ?),
         status_updated_at = ?
   WHERE id = ?`;

export function lockDevice(tx: Tx, participantId: number, ip: string, at: Date): void {
  tx.defer(LOCK_DEVICE, [ip, at, at, at, participantId]);
}

const SET_NAME_CHECK = 'UPDATE participants SET name_check = ? WHERE id = ?';

// For participants added before migration 007 or whose name was changed without it.
export function setNameCheck(tx: Tx, participantId: number, check: string): void {
  tx.defer(SET_NAME_CHECK, [check, participantId]);
}

const MOVE_DEVICE_LOCK = `
  UPDATE participants
     SET status = 'in_progress', locked_ip = ?, device_locked_at = ?, status_updated_at = ?
   WHERE id = ?`;

export function moveDeviceLock(tx: Tx, participantId: number, ip: string, at: Date): void {
  tx.defer(MOVE_DEVICE_LOCK, [ip, at, at, participantId]);
}

const CLEAR_DEVICE_LOCK = `
  UPDATE participants SET locked_ip = NULL, device_locked_at = NULL WHERE id = ?`;

export function clearDeviceLock(tx: Tx, participantId: number): void {
  tx.defer(CLEAR_DEVICE_LOCK, [participantId]);
}

const SET_STATUS = `UPDATE participants SET status = ?, status_updated_at = ? WHERE id = ?`;

export function setStatus(tx: Tx, participantId: number, status: ParticipantStatus, at: Date): void {
  tx.defer(SET_STATUS, [status, at, participantId]);
}
