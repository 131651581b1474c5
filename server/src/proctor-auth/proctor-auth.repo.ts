import type { RowDataPacket } from 'mysql2/promise';
import type { SqlHandle } from '../lib/database.ts';

export interface ProctorCredentials {
  id: number;
  username: string;
  passwordHash: string;
}

export async function findProctor(db: SqlHandle, username: string): Promise<ProctorCredentials | undefined> {
  const [row] = await db.rows<RowDataPacket & { id: number; username: string; password_hash: string }>(
    'SELECT id, username, password_hash FROM proctors WHERE username = ?',
    [username],
  );
  return row && { id: row.id, username: row.username, passwordHash: row.password_hash };
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
}

const FIND_ACTIVE_SESSION = `
  SELECT s.token_hash, s.proctor_id, p.username, s.csrf_token,
         TIMESTAMPDIFF(SECOND, s.last_seen_at, UTC_TIMESTAMP(3)) AS idle_seconds
    FROM proctor_sessions s JOIN proctors p ON p.id = s.proctor_id
   WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP(3)
     AND s.last_seen_at > UTC_TIMESTAMP(3) - INTERVAL ? MINUTE`;

export async function findActiveSession(db: SqlHandle, tokenHash: string, idleMin: number): Promise<ActiveSession | undefined> {
  const [row] = await db.rows<RowDataPacket>(FIND_ACTIVE_SESSION, [tokenHash, idleMin]);
  return (
    row && {
      tokenHash: row.token_hash as string,
      proctorId: row.proctor_id as number,
      username: row.username as string,
      csrfToken: row.csrf_token as string,
      idleSeconds: Number(row.idle_seconds),
    }
  );
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
