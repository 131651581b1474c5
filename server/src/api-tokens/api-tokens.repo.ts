import type { RowDataPacket } from 'mysql2/promise';
import type { ApiTokenScope } from '../../../contracts/api-tokens.ts';
import type { SqlHandle } from '../lib/database.ts';

export interface StoredToken {
  id: number;
  sessionId: number;
  name: string;
  scopes: ApiTokenScope[];
  revoked: boolean;
}

export interface ListedToken extends StoredToken {
  sessionName: string;
  createdAt: Date;
  revokedAt: Date | null;
  uses: number;
  lastUsedAt: Date | null;
}

interface TokenRow extends RowDataPacket {
  id: number;
  session_id: number;
  name: string;
  scopes: string;
  revoked_at: Date | null;
}

const toStored = (row: TokenRow): StoredToken => ({
  id: Number(row.id),
  sessionId: Number(row.session_id),
  name: row.name,
  scopes: row.scopes.split(',') as ApiTokenScope[],
  revoked: row.revoked_at !== null,
});

export async function insertToken(db: SqlHandle, token: { sessionId: number; name: string; tokenHash: string; scopes: readonly ApiTokenScope[] }): Promise<number> {
  const result = await db.run(
    'INSERT INTO api_tokens (session_id, name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))',
    [token.sessionId, token.name, token.tokenHash, token.scopes.join(',')],
  );
  return result.insertId;
}

export async function tokenByHash(db: SqlHandle, tokenHash: string): Promise<StoredToken | undefined> {
  const [row] = await db.rows<TokenRow>('SELECT id, session_id, name, scopes, revoked_at FROM api_tokens WHERE token_hash = ?', [tokenHash]);
  return row && toStored(row);
}

export async function listTokens(db: SqlHandle): Promise<ListedToken[]> {
  const rows = await db.rows<TokenRow & { session_name: string; created_at: Date; uses: number; last_used_at: Date | null }>(
    `SELECT t.id, t.session_id, t.name, t.scopes, t.revoked_at, t.created_at, s.name AS session_name,
            (SELECT COUNT(*) FROM api_token_uses u WHERE u.token_id = t.id) AS uses,
            (SELECT MAX(u.created_at) FROM api_token_uses u WHERE u.token_id = t.id) AS last_used_at
       FROM api_tokens t JOIN exam_sessions s ON s.id = t.session_id
      ORDER BY t.id`,
  );
  return rows.map((row) => ({
    ...toStored(row),
    sessionName: row.session_name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    uses: Number(row.uses),
    lastUsedAt: row.last_used_at,
  }));
}

export async function revokeToken(db: SqlHandle, id: number): Promise<boolean> {
  const result = await db.run('UPDATE api_tokens SET revoked_at = UTC_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL', [id]);
  return result.affectedRows === 1;
}

export interface TokenUse {
  tokenId: number;
  method: string;
  path: string;
  sourceIp: string | null;
  requestId: string;
}

export async function insertUse(db: SqlHandle, use: TokenUse): Promise<number> {
  const result = await db.run(
    'INSERT INTO api_token_uses (token_id, method, path, source_ip, request_id, created_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3))',
    [use.tokenId, use.method.slice(0, 8), use.path.slice(0, 300), use.sourceIp, use.requestId.slice(0, 64)],
  );
  return result.insertId;
}

export async function finishUse(db: SqlHandle, useId: number, status: number): Promise<void> {
  await db.run('UPDATE api_token_uses SET status = ? WHERE id = ?', [status, useId]);
}

export interface RecordedUse {
  id: number;
  method: string;
  path: string;
  sourceIp: string | null;
  status: number | null;
  at: Date;
}

export async function usesOf(db: SqlHandle, tokenId: number, limit: number): Promise<RecordedUse[]> {
  const rows = await db.rows<RowDataPacket & { id: number; method: string; path: string; source_ip: string | null; status: number | null; created_at: Date }>(
    `SELECT id, method, path, source_ip, status, created_at FROM api_token_uses WHERE token_id = ? ORDER BY id DESC LIMIT ${Math.trunc(limit)}`,
    [tokenId],
  );
  return rows.map((row) => ({ id: Number(row.id), method: row.method, path: row.path, sourceIp: row.source_ip, status: row.status === null ? null : Number(row.status), at: row.created_at }));
}
