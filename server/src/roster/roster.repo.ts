import type { RowDataPacket } from 'mysql2/promise';
import type { SqlHandle, Tx } from '../lib/database.ts';

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

export async function insertParticipants(tx: Tx, sessionId: number, participants: { code: string; fullName: string; roomId?: number | null; seat?: string | null }[]): Promise<void> {
  const BATCH = 100;
  for (let start = 0; start < participants.length; start += BATCH) {
    const batch = participants.slice(start, start + BATCH);
    const sql = `INSERT INTO participants (session_id, code, full_name, room_id, seat, status, status_updated_at) VALUES ${batch
      .map(() => "(?, ?, ?, ?, ?, 'unused', UTC_TIMESTAMP(3))")
      .join(', ')}`;
    await tx.run(sql, batch.flatMap((participant) => [sessionId, participant.code, participant.fullName, participant.roomId ?? null, participant.seat ?? null]));
  }
}

// The seat rows of the session's newly seated participants name them as holders (the caller checked, under
// the seats' locks, that those seats were free).
export async function holdRosterSeats(tx: Tx, sessionId: number): Promise<void> {
  await tx.run(
    `UPDATE seats s JOIN participants p ON p.room_id = s.room_id AND p.seat = s.label
        SET s.holder_id = p.id
      WHERE p.session_id = ? AND p.seat IS NOT NULL AND s.holder_id IS NULL`,
    [sessionId],
  );
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
