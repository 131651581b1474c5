import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import mysql from 'mysql2/promise';
import { ensureClientBuild } from '../../server/src/lib/client-build.ts';
import { type LocalDatabase, startLocalDatabase } from '../../server/src/lib/local-database.ts';
import { migrate } from '../../server/src/lib/migrate.ts';
import { startReverseProxy } from './reverse-proxy.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

export interface E2eEnvironment {
  databaseUrl: string;
  // Two instances sharing the database, as behind a load balancer.
  servers: { baseUrl: string; port: number }[];
  // A third instance with TRUST_PROXY=127.0.0.1, reached only through `proxyPort`.
  proxied: { baseUrl: string; port: number; proxyPort: number };
}

export const E2E_ENV_VARIABLE = 'EXAMGATE_E2E';

export default async function globalSetup(_config: FullConfig) {
  if (!_config.projects.some((project) => project.use.launchOptions?.executablePath)) {
    throw new Error('No Chromium found: install Debian\'s "chromium" package or set CHROMIUM_PATH.');
  }
  await ensureClientBuild((message) => process.stdout.write(`${message}\n`));
  let dataDir: string | undefined;
  let local: LocalDatabase | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'examgate-e2e-db-'));
    local = await startLocalDatabase({ dataDir, database: 'examgate_e2e', durable: false });
    databaseUrl = local.url;
  } else {
    const admin = await mysql.createConnection({ uri: databaseUrl });
    await admin.end();
  }
  await migrate(databaseUrl);
  const [a, b, c] = await Promise.all([
    startServerProcess({ DATABASE_URL: databaseUrl }),
    startServerProcess({ DATABASE_URL: databaseUrl }),
    startServerProcess({ DATABASE_URL: databaseUrl, TRUST_PROXY: '127.0.0.1' }),
  ]);
  const servers: ServerProcess[] = [a, b, c];
  const proxy = await startReverseProxy(c.port);
  const environment: E2eEnvironment = {
    databaseUrl,
    servers: [a, b].map(({ baseUrl, port }) => ({ baseUrl, port })),
    proxied: { baseUrl: `http://127.0.0.1:${proxy.port}`, port: c.port, proxyPort: proxy.port },
  };
  process.env[E2E_ENV_VARIABLE] = JSON.stringify(environment);

  return async () => {
    await proxy.close();
    await Promise.all(servers.map((server) => server.stop()));
    await local?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}
