import type { RowDataPacket } from 'mysql2/promise';
import type { ProctorRole } from '../../../contracts/proctor.ts';
import type { SqlHandle, Tx } from '../lib/database.ts';
import { ProctorScope, type ScopeRoom } from '../lib/proctor-scope.ts';

export interface ProctorCredentials {
  id: number;
  username: string;
  passwordHash: string;
  role: ProctorRole;
}

const PROCTOR_BY_NAME = 'SELECT id, username, password_hash, role FROM proctors WHERE username = ?';
type ProctorRow = RowDataPacket & { id: number; username: string; password_hash: string; role: ProctorRole };
const toCredentials = (row: ProctorRow | undefined): ProctorCredentials | undefined => row && { id: row.id, username: row.username, passwordHash: row.password_hash, role: row.role };

export async function findProctor(db: SqlHandle, username: string): Promise<ProctorCredentials | undefined> {
  return toCredentials((await db.rows<ProctorRow>(PROCTOR_BY_NAME, [username]))[0]);
}

export async function lockProctor(tx: Tx, username: string): Promise<ProctorCredentials | undefined> {
  return toCredentials((await tx.rows<ProctorRow>(`${PROCTOR_BY_NAME} FOR UPDATE`, [username]))[0]);
}

export async function upsertProctor(db: SqlHandle, username: string, passwordHash: string): Promise<'created' | 'updated'> {
  const result = await db.run(
    `INSERT INTO proctors (username, password_hash, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))
     ON DUPLICATE KEY UPDATE password_hash = VALUES(password_hash)`,
    [username, passwordHash],
  );
  return result.affectedRows === 1 ? 'created' : 'updated';
}

export async function insertSession(
  db: SqlHandle,
  session: { tokenHash: string; proctorId: number; csrfToken: string; maxHours: number },
): Promise<void> {
  await db.run(
    `INSERT INTO proctor_sessions (token_hash, proctor_id, csrf_token, created_at, last_seen_at, expires_at)
     VALUES (?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? HOUR)`,
    [session.tokenHash, session.proctorId, session.csrfToken, session.maxHours],
  );
}

export interface ActiveSession {
  tokenHash: string;
  proctorId: number;
  username: string;
  csrfToken: string;
  idleSeconds: number;
  scope: ProctorScope;
}

const FIND_ACTIVE_SESSION = `
  SELECT s.token_hash, s.proctor_id, p.username, p.role, s.csrf_token,
         TIMESTAMPDIFF(SECOND, s.last_seen_at, UTC_TIMESTAMP(3)) AS idle_seconds
    FROM proctor_sessions s JOIN proctors p ON p.id = s.proctor_id
   WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP(3)
     AND s.last_seen_at > UTC_TIMESTAMP(3) - INTERVAL ? MINUTE`;

export async function findActiveSession(db: SqlHandle, tokenHash: string, idleMin: number): Promise<ActiveSession | undefined> {
  const [row] = await db.rows<RowDataPacket>(FIND_ACTIVE_SESSION, [tokenHash, idleMin]);
  if (!row) return undefined;
  const role = row.role as ProctorRole;
  return {
    tokenHash: row.token_hash as string,
    proctorId: row.proctor_id as number,
    username: row.username as string,
    csrfToken: row.csrf_token as string,
    idleSeconds: Number(row.idle_seconds),
    // Only a room proctor's rooms are read: a chief's requests cost what they did before roles.
    scope: role === 'chief' ? ProctorScope.CHIEF : new ProctorScope(role, await roomsOf(db, row.proctor_id as number)),
  };
}

export async function roomsOf(db: SqlHandle, proctorId: number): Promise<ScopeRoom[]> {
  const rows = await db.rows<RowDataPacket & { room_id: number; session_id: number; name: string }>(
    'SELECT r.id AS room_id, r.session_id, r.name FROM proctor_rooms pr JOIN rooms r ON r.id = pr.room_id WHERE pr.proctor_id = ? ORDER BY r.session_id DESC, r.name',
    [proctorId],
  );
  return rows.map((room) => ({ roomId: Number(room.room_id), sessionId: Number(room.session_id), name: room.name }));
}

export interface ProctorAccount {
  id: number;
  username: string;
  role: ProctorRole;
}

export type ScopeRoomNamed = ScopeRoom & { sessionName: string };

export async function listProctors(db: SqlHandle): Promise<(ProctorAccount & { rooms: ScopeRoomNamed[] })[]> {
  const accounts = await db.rows<RowDataPacket & { id: number; username: string; role: ProctorRole }>('SELECT id, username, role FROM proctors ORDER BY username');
  const rooms = await db.rows<RowDataPacket & { proctor_id: number; room_id: number; session_id: number; name: string; session_name: string }>(
    `SELECT pr.proctor_id, r.id AS room_id, r.session_id, r.name, s.name AS session_name
       FROM proctor_rooms pr JOIN rooms r ON r.id = pr.room_id JOIN exam_sessions s ON s.id = r.session_id ORDER BY s.name, r.name`,
  );
  return accounts.map((account) => ({
    id: Number(account.id),
    username: account.username,
    role: account.role,
    rooms: rooms.filter((room) => Number(room.proctor_id) === Number(account.id)).map((room) => ({ roomId: Number(room.room_id), sessionId: Number(room.session_id), name: room.name, sessionName: room.session_name })),
  }));
}

// The account's role and rooms, replaced (the caller holds the account's row lock).
export async function setRoleAndRooms(db: Tx, proctorId: number, role: ProctorRole, roomIds: readonly number[]): Promise<void> {
  await db.run('UPDATE proctors SET role = ? WHERE id = ?', [role, proctorId]);
  await db.run('DELETE FROM proctor_rooms WHERE proctor_id = ?', [proctorId]);
  if (roomIds.length > 0) await db.run(`INSERT INTO proctor_rooms (proctor_id, room_id) VALUES ${roomIds.map(() => '(?, ?)').join(', ')}`, roomIds.flatMap((id) => [proctorId, id]));
}

export async function touchSession(db: SqlHandle, tokenHash: string): Promise<void> {
  await db.run('UPDATE proctor_sessions SET last_seen_at = UTC_TIMESTAMP(3) WHERE token_hash = ?', [tokenHash]);
}

export async function deleteSession(db: SqlHandle, tokenHash: string): Promise<void> {
  await db.run('DELETE FROM proctor_sessions WHERE token_hash = ?', [tokenHash]);
}

// Of these sessions, the ones still valid; those with an open live stream are touched (at most once a
// minute), since a proctor watching the dashboard is not idle.
export async function aliveSessions(db: SqlHandle, tokenHashes: string[], idleMin: number): Promise<Set<string>> {
  const marks = tokenHashes.map(() => '?').join(', ');
  const rows = await db.rows<RowDataPacket & { token_hash: string }>(
    `SELECT token_hash FROM proctor_sessions
      WHERE token_hash IN (${marks}) AND expires_at > UTC_TIMESTAMP(3) AND last_seen_at > UTC_TIMESTAMP(3) - INTERVAL ? MINUTE`,
    [...tokenHashes, idleMin],
  );
  const alive = rows.map((row) => row.token_hash);
  if (alive.length > 0) {
    await db.run(
      `UPDATE proctor_sessions SET last_seen_at = UTC_TIMESTAMP(3)
        WHERE token_hash IN (${alive.map(() => '?').join(', ')}) AND last_seen_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND`,
      alive,
    );
  }
  return new Set(alive);
}

export async function deleteSessionsOf(db: SqlHandle, proctorId: number): Promise<number> {
  return (await db.run('DELETE FROM proctor_sessions WHERE proctor_id = ?', [proctorId])).affectedRows;
}

export async function deleteProctor(db: SqlHandle, proctorId: number): Promise<void> {
  await db.run('DELETE FROM proctors WHERE id = ?', [proctorId]);
}

export async function countProctors(db: SqlHandle): Promise<number> {
  const [row] = await db.rows<RowDataPacket & { n: number }>('SELECT COUNT(*) AS n FROM proctors');
  return Number(row!.n);
}
