import http from 'node:http';
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
  // The accept queue main.ts uses. With the default 511, the 5,000-connection race overflowed it and
  // the refused SYNs came back after TCP's 1, 3, 7, 15 s retransmission timeouts: the same test took
  // 15 s or 30 s depending on luck.
  const server = http.createServer(app).listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
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
