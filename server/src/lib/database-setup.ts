import path from 'node:path';
import type { Config } from './config.ts';
import { clusterState, Database } from './database.ts';
import { type LocalDatabase, startLocalDatabase } from './local-database.ts';
import { migrate } from './migrate.ts';
import { ClusterNotReadyError, type ClusterState } from './database-url.ts';

export interface DatabaseSetup {
  db: Database;
  url: string;
  local?: LocalDatabase;
  appliedMigrations: string[];
  // Set when the database is a Galera cluster.
  cluster?: ClusterState;
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
export async function setUpDatabase(config: Config, say?: (line: string) => void): Promise<DatabaseSetup> {
  const local = config.DATABASE_URL
    ? undefined
    : await startLocalDatabase({ dataDir: path.resolve(config.DATA_DIR), database: 'examgate', durable: true, say });
  const url = config.DATABASE_URL ?? local!.url;
  try {
    const { applied } = await migrate(url);
    const db = new Database(databaseOptions(config, url));
    let cluster: ClusterState | undefined;
    try {
      await db.chooseReadyNode();
      cluster = await db.read((handle) => clusterState(handle));
      // A node outside the primary component, or still catching up, must not take check-ins: its view
      // of the locks may be behind the cluster's.
      if (cluster && !cluster.ready) throw new ClusterNotReadyError(db.node, `${cluster.status}, ${cluster.state}`);
    } catch (error) {
      await db.close();
      throw error;
    }
    return {
      db,
      url,
      local,
      appliedMigrations: applied,
      cluster,
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
