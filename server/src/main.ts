import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import { listenWithAdmission } from './lib/admission.ts';
import { ensureClientBuild } from './lib/client-build.ts';
import { limitHeapGrowth } from './lib/heap-growth.ts';
import { ConfigError, loadConfig } from './lib/config.ts';
import { setUpDatabase } from './lib/database-setup.ts';
import { DatabaseBinaryMissingError } from './lib/local-database.ts';
import { createLogger } from './lib/logger.ts';
import { seedDemoIfEmpty } from './roster/demo-roster.ts';

async function main(): Promise<void> {
  limitHeapGrowth();
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, config.NODE_ENV === 'development');
  const say = (message: string) => process.stdout.write(`${message}\n`);

  const database = await setUpDatabase(config);
  if (database.local) say(`Database: private server on 127.0.0.1:${database.local.port} (data in ${database.local.dataDir})`);
  if (database.appliedMigrations.length > 0) say(`Applied migrations: ${database.appliedMigrations.join(', ')}`);

  if (config.SEED_DEMO) {
    const demo = await seedDemoIfEmpty(database.db);
    if (demo) {
      say(`Created the demo exam with ${demo.length} participants. Try one of these:`);
      for (const participant of demo.slice(0, 5)) say(`  code ${participant.code}   name ${participant.fullName}`);
    }
  }

  const clientDir = config.SERVE_CLIENT ? await ensureClientBuild(say) : undefined;
  const { app, close: closeApp } = createApp({ config, db: database.db, logger, clientDir });
  // A deep accept queue and admission control: at exam start thousands of participants connect within
  // the same second.
  const server = http.createServer(app);
  const gate = listenWithAdmission(server, { port: config.PORT, host: config.HOST, backlog: 4096, maxInFlight: config.MAX_IN_FLIGHT_REQUESTS });
  await new Promise<void>((resolve, reject) => {
    gate.server.once('listening', resolve);
    gate.server.once('error', reject);
  }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const { port } = gate.server.address() as AddressInfo;
  say(`examgate is listening on http://${config.HOST}:${port}  (Ctrl-C to stop)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping...`);
    // Closed once every accepted connection has ended; connections still waiting for admission are served.
    const closed = new Promise((resolve) => gate.server.once('close', resolve));
    gate.stopAccepting();
    // Stops the HTTP server's timeout checks and closes its idle keep-alive connections.
    server.close();
    await closeApp();
    server.closeIdleConnections();
    const forceTimer = setTimeout(() => {
      gate.destroyWaiting();
      server.closeAllConnections();
    }, 5_000);
    await closed;
    clearTimeout(forceTimer);
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DatabaseBinaryMissingError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`examgate failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
