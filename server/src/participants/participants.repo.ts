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
  now: Date;
}

// The session name comes from a scalar subquery on purpose: a JOIN would make FOR UPDATE lock the
// exam_sessions row too and serialise every check-in of the session behind one lock.
const LOCK_PARTICIPANT_BY_CODE = `
  SELECT p.id, p.session_id, p.code, p.full_name, p.status, p.locked_ip, p.device_locked_at, p.entered_at,
         (SELECT s.name FROM exam_sessions s WHERE s.id = p.session_id) AS session_name,
         UTC_TIMESTAMP(3) AS now
    FROM participants p
   WHERE p.code = ?
     FOR UPDATE`;

export async function lockParticipantByCode(tx: Tx, code: string): Promise<LockedParticipant | undefined> {
  const [row] = await tx.rows<LockedParticipantRow>(LOCK_PARTICIPANT_BY_CODE, [code]);
  return row && toLockedParticipant(row);
}

export interface RecentFailures {
  ipAndCode: number;
  code: number;
  ip: number;
  // Seconds until the oldest failure of each count leaves the window.
  ipAndCodeClearsInS: number;
  codeClearsInS: number;
  ipClearsInS: number;
}

// Only wrong code/name pairs count: that is what guessing produces. A device conflict or an expired code
// needs the right code and name, and a refused student's retries must not lock them out.
const REFUSALS = "'not_recognised'";
const RECENT_FAILURES = `
  SELECT
    (SELECT COUNT(*) FROM audit_events WHERE code = ? AND source_ip = ? AND event_type IN (${REFUSALS}) AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) AS ip_and_code,
    (SELECT COALESCE(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), MIN(created_at) + INTERVAL ? SECOND), 0) FROM audit_events WHERE code = ? AND source_ip = ? AND event_type IN (${REFUSALS}) AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) AS ip_and_code_clears,
    (SELECT COUNT(*) FROM audit_events WHERE code = ? AND event_type IN (${REFUSALS}) AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) AS by_code,
    (SELECT COALESCE(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), MIN(created_at) + INTERVAL ? SECOND), 0) FROM audit_events WHERE code = ? AND event_type IN (${REFUSALS}) AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) AS code_clears,
    (SELECT COUNT(*) FROM audit_events WHERE source_ip = ? AND event_type IN (${REFUSALS}) AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) AS by_ip,
    (SELECT COALESCE(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), MIN(created_at) + INTERVAL ? SECOND), 0) FROM audit_events WHERE source_ip = ? AND event_type IN (${REFUSALS}) AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND) AS ip_clears`;

// The row lock and the failure counts in one round trip. Refusals of this code are written under the same
// row lock, so concurrent attempts on one code see each other's failures, on every instance.
export async function lockParticipantWithFailures(
  tx: Tx,
  code: string,
  ip: string,
  windowS: number,
): Promise<{ participant: LockedParticipant | undefined; failures: RecentFailures }> {
  const w = windowS;
  const [locked, counts] = await tx.rowsOfEach([
    { sql: LOCK_PARTICIPANT_BY_CODE, values: [code] },
    { sql: RECENT_FAILURES, values: [code, ip, w, w, code, ip, w, code, w, w, code, w, ip, w, w, ip, w] },
  ]);
  const row = locked![0] as LockedParticipantRow | undefined;
  const c = counts![0]!;
  return {
    participant: row && toLockedParticipant(row),
    failures: {
      ipAndCode: Number(c.ip_and_code),
      code: Number(c.by_code),
      ip: Number(c.by_ip),
      ipAndCodeClearsInS: Number(c.ip_and_code_clears),
      codeClearsInS: Number(c.code_clears),
      ipClearsInS: Number(c.ip_clears),
    },
  };
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

export interface ParticipantView {
  code: string;
  fullName: string;
  status: ParticipantStatus;
  lockedIp: string | null;
  deviceLockedAt: Date | null;
  enteredAt: Date | null;
  sessionName: string;
}

interface ParticipantViewRow extends RowDataPacket {
  code: string;
  full_name: string;
  status: ParticipantStatus;
  locked_ip: string | null;
  device_locked_at: Date | null;
  entered_at: Date | null;
  session_name: string;
}

const FIND_PARTICIPANT = `
  SELECT p.code, p.full_name, p.status, p.locked_ip, p.device_locked_at, p.entered_at, s.name AS session_name
    FROM participants p JOIN exam_sessions s ON s.id = p.session_id
   WHERE p.code = ?`;

export async function findParticipant(db: SqlHandle, code: string): Promise<ParticipantView | undefined> {
  const [row] = await db.rows<ParticipantViewRow>(FIND_PARTICIPANT, [code]);
  if (!row) return undefined;
  return {
    code: row.code,
    fullName: row.full_name,
    status: row.status,
    lockedIp: row.locked_ip,
    deviceLockedAt: row.device_locked_at,
    enteredAt: row.entered_at,
    sessionName: row.session_name,
  };
}
