import type mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { CHAINED_COLUMNS, chainedContent, type ChainedRowData, personalValues } from '../../src/audit/audit-chain-verify.ts';
import { linkHash, personalDigest } from '../../src/audit/audit-chain.ts';

// What anyone with write access to the database can do after editing a participant's rows: hash their
// chain again over the rows as they now are (personal values included), and store its new head. Tests that make time pass by moving
// rows back use it (the log must still verify), and the seal test shows that a seal kept elsewhere is what
// finds it out.
export async function rewriteParticipantChain(sql: mysql.Connection, code: string): Promise<void> {
  const [rows] = await sql.query<ChainedRowData[]>(
    `SELECT ${CHAINED_COLUMNS} FROM audit_events WHERE participant_id = (SELECT id FROM participants WHERE code = ?) AND chain_seq IS NOT NULL ORDER BY chain_seq`,
    [code],
  );
  const head = await rehash(sql, rows);
  await sql.query<RowDataPacket[]>('UPDATE participants SET chain_head = ?, chain_seq = ? WHERE code = ?', [head, rows.length, code]);
}

// The same for a chain of events without a participant (accounts, sessions, throttles, unknown-NN).
export async function rewriteKeyedChain(sql: mysql.Connection, chainKey: string): Promise<void> {
  const [rows] = await sql.query<ChainedRowData[]>(`SELECT ${CHAINED_COLUMNS} FROM audit_events WHERE chain_key = ? ORDER BY chain_seq`, [chainKey]);
  const head = await rehash(sql, rows);
  await sql.query('UPDATE audit_chains SET head = ?, seq = ? WHERE chain_key = ?', [head, rows.length, chainKey]);
}

async function rehash(sql: mysql.Connection, rows: ChainedRowData[]): Promise<Buffer | null> {
  let previous: Buffer | null = null;
  for (const row of rows) {
    const digest = row.purged_at === null ? personalDigest(personalValues(row)) : row.personal_digest!;
    const hash = linkHash(previous, chainedContent(row), digest);
    await sql.query('UPDATE audit_events SET personal_digest = ?, chain_hash = ? WHERE id = ?', [digest, hash, row.id]);
    previous = hash;
  }
  return previous;
}
