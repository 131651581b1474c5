import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { Database, type DatabaseOptions } from '../../src/lib/database.ts';
import { migrate } from '../../src/lib/migrate.ts';

export interface TestDatabase {
  url: string;
  name: string;
  db: Database;
  // A plain connection for arranging and asserting, outside the code under test.
  sql: mysql.Connection;
  createDatabase(options?: Partial<DatabaseOptions>): Database;
  drop(): Promise<void>;
}

export const testDatabaseDefaults = {
  poolSize: 16,
  queueLimit: 5000,
  acquireTimeoutMs: 3000,
  queryTimeoutMs: 5000,
  lockWaitTimeoutS: 2,
  maxAttempts: 4,
  retryAfterS: 2,
};

export async function createTestDatabase(serverUrl = inject('databaseServerUrl')): Promise<TestDatabase> {
  const name = `examgate_t_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: serverUrl });
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = `${serverUrl}/${name}`;
  await migrate(url);
  const sql = await mysql.createConnection({ uri: url, timezone: 'Z' });
  const opened: Database[] = [];
  const createDatabase = (options: Partial<DatabaseOptions> = {}) => {
    const database = new Database({ ...testDatabaseDefaults, url, ...options });
    opened.push(database);
    return database;
  };
  const db = createDatabase();
  return {
    url,
    name,
    db,
    sql,
    createDatabase,
    drop: async () => {
      await Promise.allSettled(opened.map((database) => database.close()));
      await sql.query(`DROP DATABASE ${name}`).catch(() => {});
      await sql.end().catch(() => {});
    },
  };
}

export interface DisposableServer {
  local: import('../../src/lib/local-database.ts').LocalDatabase;
  database: TestDatabase;
}

// A database server of the file's own, for tests that stop and restart it.
export function useDisposableDatabaseServer(): DisposableServer {
  const disposable = {} as DisposableServer;
  let dataDir: string;
  beforeAll(async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { startLocalDatabase } = await import('../../src/lib/local-database.ts');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'examgate-disposable-'));
    disposable.local = await startLocalDatabase({ dataDir, database: 'bootstrap', durable: false });
    disposable.database = await createTestDatabase(disposable.local.serverUrl);
  });
  afterAll(async () => {
    await disposable.database?.drop().catch(() => {});
    await disposable.local?.stop();
    const { rm } = await import('node:fs/promises');
    await rm(dataDir, { recursive: true, force: true });
  });
  return disposable;
}
