import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { SqlHandle } from './database.ts';
import { firstReadyNode } from './database-url.ts';
import { PROJECT_ROOT } from './project-root.ts';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'db', 'migrations');
const LOCK_WAIT_S = 60;
// A lock older than this was left by a migrator that died; the next one takes it over.
const STALE_LOCK_S = 600;

export interface MigrationResult {
  applied: string[];
}

// The lock is a row, not GET_LOCK: a named lock lives on one server, and on a Galera cluster two
// instances starting on two nodes would each take "the" lock and both migrate. A row both try to insert
// is one row cluster-wide: on one server the second insert meets a duplicate key; on Galera, when two
// nodes insert at once, certification lets one commit and fails the other (a deadlock error, 1213).
const LOCK_TABLE = `CREATE TABLE IF NOT EXISTS schema_migration_lock (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  holder VARCHAR(64) NOT NULL,
  taken_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

async function takeMigrationLock(connection: mysql.Connection, holder: string): Promise<void> {
  await connection.query(LOCK_TABLE);
  const deadline = Date.now() + LOCK_WAIT_S * 1000;
  for (;;) {
    try {
      await connection.query('INSERT INTO schema_migration_lock (id, holder, taken_at) VALUES (1, ?, UTC_TIMESTAMP(3))', [holder]);
      return;
    } catch (error) {
      const errno = (error as { errno?: number }).errno;
      if (errno !== 1062 && errno !== 1213) throw error;
    }
    await connection.query('DELETE FROM schema_migration_lock WHERE id = 1 AND taken_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND', [STALE_LOCK_S]);
    if (Date.now() > deadline) throw new Error(`Could not take the migration lock within ${LOCK_WAIT_S} s (another instance is migrating)`);
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
  }
}

// Serialised across processes and cluster nodes: two instances starting together must not both see a
// migration as pending and apply it twice.
export async function migrate(url: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const connection = await mysql.createConnection({ uri: await firstReadyNode(url), multipleStatements: true, timezone: 'Z' });
  const holder = `${os.hostname()}:${process.pid}:${randomUUID()}`.slice(0, 64);
  try {
    await takeMigrationLock(connection, holder);
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
      await connection.query('DELETE FROM schema_migration_lock WHERE id = 1 AND holder = ?', [holder]);
    }
  } finally {
    await connection.end();
  }
}

export async function pendingMigrations(db: SqlHandle, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  try {
    const rows = await db.rows<mysql.RowDataPacket & { name: string }>('SELECT name FROM schema_migrations');
    const done = new Set(rows.map((row) => row.name));
    return files.filter((name) => !done.has(name));
  } catch (error) {
    if ((error as { errno?: number }).errno === 1146) return files;
    throw error;
  }
}
