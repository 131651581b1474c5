import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createApp, PROBE_PATHS } from '../../src/app.ts';
import { type AdmissionGate, listenWithAdmission } from '../../src/lib/admission.ts';
import { createHttpServer } from '../../src/lib/http-server.ts';
import { type Config, loadConfig } from '../../src/lib/config.ts';
import type { Database } from '../../src/lib/database.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface TestServer {
  app: Express;
  baseUrl: string;
  port: number;
  gate: AdmissionGate;
  close: () => Promise<void>;
}

export async function startTestServer(db: Database, config: Partial<Config> = {}, logger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })): Promise<TestServer> {
  const fullConfig = { ...loadConfig({}), ...config };
  const { app, close: closeApp, watchAdmission } = createApp({ config: fullConfig, db, logger });
  // Listening as main.ts does: admission control, and its accept queue. With Node's default 511, the
  // 5,000-connection race overflowed the queue and the refused SYNs came back after TCP's 1, 3, 7, 15 s
  // retransmission timeouts: the same test took 15 s or 30 s depending on luck.
  const server = createHttpServer();
  const gate = listenWithAdmission(server, app, { port: 0, host: '127.0.0.1', backlog: 4096, maxInFlight: fullConfig.MAX_IN_FLIGHT_REQUESTS, probePaths: PROBE_PATHS });
  watchAdmission(gate);
  await new Promise<void>((resolve, reject) => {
    gate.server.once('listening', resolve);
    gate.server.once('error', reject);
  });
  const { port } = gate.server.address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    gate,
    close: async () => {
      await closeApp();
      const closed = new Promise<void>((resolve) => gate.server.once('close', () => resolve()));
      gate.stopAccepting();
      gate.destroyWaiting();
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

export interface TestEnvironment {
  database: TestDatabase;
  server: TestServer;
}

// One database and one server per test file, created before its tests and dropped after them.
export function useTestEnvironment(config: Partial<Config> = {}): TestEnvironment {
  const environment = {} as TestEnvironment;
  beforeAll(async () => {
    environment.database = await createTestDatabase();
    environment.server = await startTestServer(environment.database.db, config);
  });
  afterAll(async () => {
    await environment.server?.close();
    await environment.database?.drop();
  });
  return environment;
}
