import path from 'node:path';
import type { Config } from './config.ts';
import { Database } from './database.ts';
import { type LocalDatabase, startLocalDatabase } from './local-database.ts';
import { migrate } from './migrate.ts';

export interface DatabaseSetup {
  db: Database;
  url: string;
  local?: LocalDatabase;
  appliedMigrations: string[];
  close(): Promise<void>;
}

export function databaseOptions(config: Config, url: string) {
  return {
    url,
    poolSize: config.DB_POOL_SIZE,
    queueLimit: config.DB_POOL_QUEUE_LIMIT,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
    lockWaitTimeoutS: config.DB_LOCK_WAIT_TIMEOUT_S,
    maxAttempts: config.TX_MAX_ATTEMPTS,
    retryAfterS: config.RETRY_AFTER_S,
  };
}

// DATABASE_URL wins; without it examgate runs its own server on DATA_DIR from the installed binaries.
export async function setUpDatabase(config: Config): Promise<DatabaseSetup> {
  const local = config.DATABASE_URL
    ? undefined
    : await startLocalDatabase({ dataDir: path.resolve(config.DATA_DIR), database: 'examgate', durable: true });
  const url = config.DATABASE_URL ?? local!.url;
  try {
    const { applied } = await migrate(url);
    const db = new Database(databaseOptions(config, url));
    return {
      db,
      url,
      local,
      appliedMigrations: applied,
      close: async () => {
        await db.close();
        await local?.stop();
      },
    };
  } catch (error) {
    await local?.stop();
    throw error;
  }
}
