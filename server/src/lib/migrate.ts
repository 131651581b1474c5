import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { PROJECT_ROOT } from './project-root.ts';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'db', 'migrations');
const LOCK_NAME = 'examgate.migrations';
const LOCK_WAIT_S = 60;

export interface MigrationResult {
  applied: string[];
}

// A named lock serialises migrators across processes: two instances starting together must not both
// see a migration as pending and apply it twice.
export async function migrate(url: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const connection = await mysql.createConnection({ uri: url, multipleStatements: true, timezone: 'Z' });
  try {
    const [[lock]] = await connection.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [LOCK_NAME, LOCK_WAIT_S]);
    if (lock?.acquired !== 1) throw new Error(`Could not take the migration lock within ${LOCK_WAIT_S} s`);
    try {
      await connection.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name VARCHAR(255) NOT NULL PRIMARY KEY,
        checksum CHAR(64) NOT NULL,
        applied_at DATETIME(3) NOT NULL
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT name, checksum FROM schema_migrations');
      const done = new Map(rows.map((row) => [row.name as string, row.checksum as string]));
      const applied: string[] = [];
      for (const name of files) {
        const sql = await readFile(path.join(dir, name), 'utf8');
        const checksum = createHash('sha256').update(sql).digest('hex');
        const previous = done.get(name);
        if (previous !== undefined) {
          if (previous !== checksum) {
            throw new Error(`Migration ${name} was changed after it was applied; add a new migration instead`);
          }
          continue;
        }
        // DDL commits implicitly in MySQL, so a migration that fails half-way cannot be rolled back;
        // keep each file small and idempotent where possible.
        await connection.query(sql);
        await connection.query('INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [
          name,
          checksum,
        ]);
        applied.push(name);
      }
      return { applied };
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    await connection.end();
  }
}

export async function pendingMigrations(url: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const connection = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT name FROM schema_migrations');
    const done = new Set(rows.map((row) => row.name as string));
    return files.filter((name) => !done.has(name));
  } catch (error) {
    if ((error as { errno?: number }).errno === 1146) return files;
    throw error;
  } finally {
    await connection.end();
  }
}
