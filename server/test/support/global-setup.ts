import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type LocalDatabase, startLocalDatabase } from '../../src/lib/local-database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseServerUrl: string;
  }
}

// One database server per test run; each test file then creates its own database on it, so files run in
// parallel without seeing each other's rows. DATABASE_URL points the suite at an existing server instead
// (its user needs CREATE and DROP).
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/';
    project.provide('databaseServerUrl', url.toString().replace(/\/$/, ''));
    return;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'examgate-test-db-'));
  let server: LocalDatabase | undefined;
  try {
    server = await startLocalDatabase({ dataDir, database: 'examgate_bootstrap', durable: false });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  project.provide('databaseServerUrl', server.serverUrl);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
