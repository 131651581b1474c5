import type { RowDataPacket } from 'mysql2/promise';
import type { DeviceSharing, LockPolicy } from '../../../contracts/lock-policy.ts';
import type { RoomCodeMode } from '../../../contracts/room-codes.ts';
import type { Seating } from '../../../contracts/rooms.ts';
import type { SqlHandle, SqlValue, Tx } from '../lib/database.ts';

export interface ExamSessionRef {
  id: number;
  name: string;
}

export interface ExamSession extends ExamSessionRef {
  lockPolicy: LockPolicy;
  allowedNetworks: string[];
  opensAt: Date | null;
  closesAt: Date | null;
  timeZone: string;
  continueUrl: string | null;
  seating: Seating;
  deviceSharing: DeviceSharing;
  roomCodes: RoomCodeMode;
  version: number;
}

interface SessionRow extends RowDataPacket {
  id: number;
  name: string;
  lock_policy: LockPolicy;
  allowed_networks: string | null;
  opens_at: Date | null;
  closes_at: Date | null;
  time_zone: string;
  continue_url: string | null;
  seating: Seating;
  device_sharing: DeviceSharing;
  room_codes: RoomCodeMode;
  version: number;
}

const SESSION_COLUMNS = 'id, name, lock_policy, allowed_networks, opens_at, closes_at, time_zone, continue_url, seating, device_sharing, room_codes, version';

function toSession(row: SessionRow): ExamSession {
  return {
    id: Number(row.id),
    name: row.name,
    lockPolicy: row.lock_policy,
    allowedNetworks: row.allowed_networks ? row.allowed_networks.split(',') : [],
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    timeZone: row.time_zone,
    continueUrl: row.continue_url,
    seating: row.seating,
    deviceSharing: row.device_sharing,
    roomCodes: row.room_codes,
    version: Number(row.version),
  };
}

export async function listSessions(db: SqlHandle): Promise<ExamSessionRef[]> {
  const rows = await db.rows<RowDataPacket & ExamSessionRef>('SELECT id, name FROM exam_sessions ORDER BY id DESC');
  return rows.map((row) => ({ id: row.id, name: row.name }));
}

export async function listSessionSettings(db: SqlHandle): Promise<ExamSession[]> {
  return (await db.rows<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM exam_sessions ORDER BY id DESC`)).map(toSession);
}

export async function readSession(db: SqlHandle, id: number): Promise<ExamSession | undefined> {
  const [row] = await db.rows<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM exam_sessions WHERE id = ?`, [id]);
  return row && toSession(row);
}

// Whether any session that is not over asks its participants for room codes.
export async function roomCodesAsked(db: SqlHandle): Promise<boolean> {
  const rows = await db.rows<RowDataPacket>("SELECT 1 FROM exam_sessions WHERE room_codes = 'required' AND (closes_at IS NULL OR closes_at > UTC_TIMESTAMP(3)) LIMIT 1");
  return rows.length > 0;
}

const FIND_SESSION = 'SELECT id FROM exam_sessions WHERE name = ? FOR UPDATE';
const INSERT_SESSION = 'INSERT INTO exam_sessions (name, created_at) VALUES (?, UTC_TIMESTAMP(3))';

// A roster import or a room names its session; the first to name it creates it.
export async function lockOrCreateSession(tx: Tx, name: string): Promise<number> {
  const [existing] = await tx.rows<RowDataPacket & { id: number }>(FIND_SESSION, [name]);
  if (existing) return existing.id;
  const result = await tx.run(INSERT_SESSION, [name]);
  return result.insertId;
}

export async function findSessionByName(db: SqlHandle, name: string): Promise<ExamSession | undefined> {
  const [row] = await db.rows<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM exam_sessions WHERE name = ?`, [name]);
  return row && toSession(row);
}

// What a check-in needs to know of a session's webhooks: its subscriptions, as of the database's `readAt`.
export interface SessionWebhooks {
  webhooks: SessionSubscription[];
  readAt: Date;
}

export interface SessionSubscription {
  id: number;
  // '*' or audit event types, comma-separated.
  eventTypes: string;
  activeFrom: Date;
}

export async function readSessionWithWebhooks(db: SqlHandle, id: number): Promise<(ExamSession & SessionWebhooks) | undefined> {
  const [row] = await db.rows<SessionRow & { read_at: Date }>(`SELECT ${SESSION_COLUMNS}, UTC_TIMESTAMP(3) AS read_at FROM exam_sessions WHERE id = ?`, [id]);
  if (!row) return undefined;
  // Read after `read_at`: a subscription missing here was added after it.
  const webhooks = await db.rows<RowDataPacket & { id: number; event_types: string; active_from: Date }>(
    'SELECT id, event_types, active_from FROM webhook_subscriptions WHERE session_id = ? AND removed_at IS NULL',
    [id],
  );
  return { ...toSession(row), webhooks: webhooks.map((w) => ({ id: Number(w.id), eventTypes: w.event_types, activeFrom: w.active_from })), readAt: row.read_at };
}

// With the database's clock read under the lock, for the audit row of the change.
export interface LockedSession extends ExamSession {
  now: Date;
}

export async function lockSessionByName(tx: Tx, name: string): Promise<LockedSession | undefined> {
  const [row] = await tx.rows<SessionRow & { now: Date }>(`SELECT ${SESSION_COLUMNS}, UTC_TIMESTAMP(3) AS now FROM exam_sessions WHERE name = ? FOR UPDATE`, [name]);
  return row && { ...toSession(row), now: row.now };
}

export async function lockSession(tx: Tx, id: number): Promise<LockedSession | undefined> {
  const [row] = await tx.rows<SessionRow & { now: Date }>(`SELECT ${SESSION_COLUMNS}, UTC_TIMESTAMP(3) AS now FROM exam_sessions WHERE id = ? FOR UPDATE`, [id]);
  return row && { ...toSession(row), now: row.now };
}

const WRITE_SESSION = `
  UPDATE exam_sessions
     SET lock_policy = ?, allowed_networks = ?, opens_at = ?, closes_at = ?, time_zone = ?, continue_url = ?, seating = ?, device_sharing = ?, room_codes = ?, version = version + 1
   WHERE id = ?`;

export function writeSession(tx: Tx, session: ExamSession): void {
  tx.defer(WRITE_SESSION, [
    session.lockPolicy,
    session.allowedNetworks.length > 0 ? session.allowedNetworks.join(',') : null,
    session.opensAt,
    session.closesAt,
    session.timeZone,
    session.continueUrl,
    session.seating,
    session.deviceSharing,
    session.roomCodes,
    session.id,
  ]);
}

export interface SessionActivityRow {
  id: number;
  name: string;
  opensAt: Date | null;
  closesAt: Date | null;
  lastCheckIn: Date | null;
  openConflicts: number;
  pendingRequests: number;
  throttled: number;
}

// Per session: what needs a proctor, and when check-in last happened. Three grouped passes rather than
// one join, so that a participant with a pending request and a throttle is not counted twice.
// `rooms`: a condition on participants p (a room proctor's rooms, see ProctorScope.roomCondition).
export async function sessionActivity(db: SqlHandle, rooms: { sql: string; values: SqlValue[] } = { sql: 'TRUE', values: [] }): Promise<{ now: Date; sessions: SessionActivityRow[] }> {
  const sessions = await db.rows<RowDataPacket & { id: number; name: string; opens_at: Date | null; closes_at: Date | null; last_check_in: Date | null; open_conflicts: string | number; now: Date }>(
    `SELECT s.id, s.name, s.opens_at, s.closes_at, MAX(p.device_locked_at) AS last_check_in, COALESCE(SUM(p.conflict_open), 0) AS open_conflicts,
            UTC_TIMESTAMP(3) AS now
       FROM exam_sessions s LEFT JOIN participants p ON p.session_id = s.id AND ${rooms.sql}
      GROUP BY s.id, s.name, s.opens_at, s.closes_at
      ORDER BY s.id DESC`,
    rooms.values,
  );
  const countBySession = async (sql: string) =>
    new Map((await db.rows<RowDataPacket & { session_id: number; n: number }>(sql, rooms.values)).map((row) => [row.session_id, Number(row.n)]));
  const requests = await countBySession(
    `SELECT p.session_id, COUNT(DISTINCT r.participant_id) AS n FROM device_change_requests r JOIN participants p ON p.id = r.participant_id
      WHERE r.status = 'pending' AND r.expires_at > UTC_TIMESTAMP(3) AND ${rooms.sql} GROUP BY p.session_id`,
  );
  const throttled = await countBySession(
    `SELECT p.session_id, COUNT(DISTINCT p.id) AS n FROM attempt_failures f JOIN participants p ON p.code = f.code
      WHERE f.blocked_until > UTC_TIMESTAMP(3) AND ${rooms.sql} GROUP BY p.session_id`,
  );
  return {
    now: sessions[0]?.now ?? new Date(),
    sessions: sessions.map((row) => ({
      id: row.id,
      name: row.name,
      opensAt: row.opens_at,
      closesAt: row.closes_at,
      lastCheckIn: row.last_check_in,
      openConflicts: Number(row.open_conflicts),
      pendingRequests: requests.get(row.id) ?? 0,
      throttled: throttled.get(row.id) ?? 0,
    })),
  };
}
