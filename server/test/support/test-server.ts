import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/lib/config.ts';
import type { Database } from '../../src/lib/database.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface TestServer {
  baseUrl: string;
  port: number;
  close(): Promise<void>;
}

export async function startTestServer(db: Database, config: Partial<Config> = {}, logger: Logger = pino({ level: 'silent' })): Promise<TestServer> {
  const { app, close: closeApp } = createApp({ config: { ...loadConfig({}), ...config }, db, logger });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await closeApp();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

export interface TestEnvironment {
  database: TestDatabase;
  server: TestServer;
}

// One database and one server per test file, created before its tests and dropped after them.
export function useTestEnvironment(): TestEnvironment {
  const environment = {} as TestEnvironment;
  beforeAll(async () => {
    environment.database = await createTestDatabase();
    environment.server = await startTestServer(environment.database.db);
  });
  afterAll(async () => {
    await environment.server?.close();
    await environment.database?.drop();
  });
  return environment;
}
