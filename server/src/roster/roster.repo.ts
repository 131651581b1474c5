import type { RowDataPacket } from 'mysql2/promise';
import type { SqlHandle, Tx } from '../lib/database.ts';

const FIND_SESSION = 'SELECT id FROM exam_sessions WHERE name = ? FOR UPDATE';
const INSERT_SESSION = 'INSERT INTO exam_sessions (name, created_at) VALUES (?, UTC_TIMESTAMP(3))';

export async function lockOrCreateSession(tx: Tx, name: string): Promise<number> {
  const [existing] = await tx.rows<RowDataPacket & { id: number }>(FIND_SESSION, [name]);
  if (existing) return existing.id;
  const result = await tx.run(INSERT_SESSION, [name]);
  return result.insertId;
}

export async function existingCodes(db: SqlHandle, codes: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  // Fixed-size batches keep the number of distinct statement texts (and prepared statements) small.
  const BATCH = 100;
  for (let start = 0; start < codes.length; start += BATCH) {
    const batch = codes.slice(start, start + BATCH);
    while (batch.length < BATCH) batch.push('');
    const sql = `SELECT code FROM participants WHERE code IN (${batch.map(() => '?').join(', ')})`;
    const rows = await db.rows<RowDataPacket & { code: string }>(sql, batch);
    for (const row of rows) found.add(row.code);
  }
  return found;
}

export async function insertParticipants(tx: Tx, sessionId: number, participants: { code: string; fullName: string }[]): Promise<void> {
  const BATCH = 100;
  for (let start = 0; start < participants.length; start += BATCH) {
    const batch = participants.slice(start, start + BATCH);
    const sql = `INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES ${batch
      .map(() => "(?, ?, ?, 'unused', UTC_TIMESTAMP(3))")
      .join(', ')}`;
    await tx.run(sql, batch.flatMap((participant) => [sessionId, participant.code, participant.fullName]));
  }
}

export async function countSessions(db: SqlHandle): Promise<number> {
  const [row] = await db.rows<RowDataPacket & { n: number }>('SELECT COUNT(*) AS n FROM exam_sessions');
  return Number(row?.n ?? 0);
}

export interface SessionMember {
  code: string;
  fullName: string;
  withdrawn: boolean;
}

export async function lockSession(tx: Tx, sessionId: number): Promise<boolean> {
  const [row] = await tx.rows<RowDataPacket & { id: number }>('SELECT id FROM exam_sessions WHERE id = ? FOR UPDATE', [sessionId]);
  return row !== undefined;
}

export async function sessionMembers(db: SqlHandle, sessionId: number): Promise<SessionMember[]> {
  const rows = await db.rows<RowDataPacket & { code: string; full_name: string; withdrawn_at: Date | null }>(
    'SELECT code, full_name, withdrawn_at FROM participants WHERE session_id = ?',
    [sessionId],
  );
  return rows.map((row) => ({ code: row.code, fullName: row.full_name, withdrawn: row.withdrawn_at !== null }));
}

export function setFullName(tx: Tx, participantId: number, fullName: string): void {
  tx.defer('UPDATE participants SET full_name = ? WHERE id = ?', [fullName, participantId]);
}
