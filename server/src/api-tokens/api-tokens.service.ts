import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { API_TOKEN_PREFIX, type ApiTokenScope, apiTokenScopes } from '../../../contracts/api-tokens.ts';
import type { Database } from '../lib/database.ts';
import { InvalidInputError, NotFoundError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/hashing.ts';
import { insertToken, type ListedToken, listTokens, type RecordedUse, revokeToken, type StoredToken, tokenByHash, usesOf } from './api-tokens.repo.ts';

// 256 random bits: a token is looked up by its SHA-256, which is all the database ever holds; a slow
// password hash would add nothing against guessing at this length.
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = new RegExp(`^${API_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);

export const hashToken = (token: string) => sha256Hex(token);

export function parseScopes(text: string): ApiTokenScope[] {
  const scopes = text.split(',').map((scope) => scope.trim()).filter(Boolean);
  const unknown = scopes.filter((scope) => !(apiTokenScopes as readonly string[]).includes(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new InvalidInputError(`--scope must be one or more of ${apiTokenScopes.join(', ')}, comma-separated${unknown.length > 0 ? ` (not ${unknown.join(', ')})` : ''}.`);
  }
  return [...new Set(scopes)] as ApiTokenScope[];
}

export async function createToken(db: Database, sessionName: string, scopes: ApiTokenScope[], name: string): Promise<{ id: number; token: string; sessionId: number }> {
  return db.read(async (handle) => {
    const [session] = await handle.rows<RowDataPacket & { id: number }>('SELECT id FROM exam_sessions WHERE name = ?', [sessionName]);
    if (!session) throw new NotFoundError(`No exam session "${sessionName}".`);
    const token = `${API_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
    const id = await insertToken(handle, { sessionId: Number(session.id), name: name.slice(0, 100), tokenHash: hashToken(token), scopes });
    return { id, token, sessionId: Number(session.id) };
  });
}

// The token a request presents, if it is one examgate issued (revoked ones included: their use is still
// recorded before it is refused).
export async function findToken(db: Database, token: string): Promise<StoredToken | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  return db.read((handle) => tokenByHash(handle, hashToken(token)));
}

export function tokens(db: Database): Promise<ListedToken[]> {
  return db.read(listTokens);
}

export async function revoke(db: Database, id: number): Promise<void> {
  if (!(await db.read((handle) => revokeToken(handle, id)))) throw new NotFoundError(`No API token ${id} that is not revoked already.`);
}

export function recentUses(db: Database, id: number, limit = 50): Promise<RecordedUse[]> {
  return db.read((handle) => usesOf(handle, id, limit));
}
