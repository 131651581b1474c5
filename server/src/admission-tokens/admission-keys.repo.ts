import type { RowDataPacket } from 'mysql2/promise';
import type { SqlHandle } from '../lib/database.ts';

export interface AdmissionKeyRow {
  kid: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: Date;
  retiredAt: Date | null;
}

interface KeyRow extends RowDataPacket {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: Date;
  retired_at: Date | null;
  now: Date;
}

// The keys still published (not retired, or retired less than `keepS` ago), newest first, with the
// database's clock: every instance judges a key's age by the same clock.
export async function publishedKeys(db: SqlHandle, keepS: number): Promise<{ keys: AdmissionKeyRow[]; now: Date }> {
  const rows = await db.rows<KeyRow>(
    `SELECT kid, private_jwk, public_jwk, created_at, retired_at, UTC_TIMESTAMP(3) AS now FROM admission_keys
      WHERE retired_at IS NULL OR retired_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND
      ORDER BY created_at DESC, kid DESC`,
    [keepS],
  );
  const now = rows[0]?.now ?? (await db.rows<KeyRow>('SELECT UTC_TIMESTAMP(3) AS now'))[0]!.now;
  return {
    keys: rows.map((row) => ({ kid: row.kid, privateJwk: row.private_jwk, publicJwk: row.public_jwk, createdAt: row.created_at, retiredAt: row.retired_at })),
    now,
  };
}

export async function insertKey(db: SqlHandle, key: { kid: string; privateJwk: string; publicJwk: string }): Promise<void> {
  await db.run('INSERT INTO admission_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))', [key.kid, key.privateJwk, key.publicJwk]);
}

// Every key but `keep` stops signing `inS` from now, and stays published after (see publishedKeys).
export async function retireKeysExcept(db: SqlHandle, keep: string, inS: number): Promise<void> {
  await db.run('UPDATE admission_keys SET retired_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND WHERE retired_at IS NULL AND kid <> ?', [inS, keep]);
}
