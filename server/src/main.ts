import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createApp, PROBE_PATHS } from './app.ts';
import { listenWithAdmission } from './lib/admission.ts';
import { createHttpServer } from './lib/http-server.ts';
import { ensureClientBuild } from './lib/client-build.ts';
import { limitHeapGrowth } from './lib/heap-growth.ts';
import { type Config, configWarnings, loadConfig, shouldSeedDemo } from './lib/config.ts';
import { setUpDatabase } from './lib/database-setup.ts';
import { explainFailure, type FailureContext } from './lib/failure-explanations.ts';
import { chooseLogFormat, createLogger } from './lib/logger.ts';
import { countProctors } from './proctor-auth/proctor-auth.repo.ts';
import { seedDemoIfEmpty } from './roster/demo-roster.ts';

let failureContext: FailureContext = {};

// Where people reach this server: for a wildcard address, every address of this machine's networks,
// which is what the participants in the hall type.
function reachableUrls(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const external = Object.values(os.networkInterfaces())
    .flat()
    .filter((address) => address && !address.internal && address.family === 'IPv4')
    .map((address) => `http://${address!.address}:${port}`);
  return [`http://localhost:${port}`, ...external];
}

async function main(config: Config): Promise<void> {
  limitHeapGrowth();
  const format = chooseLogFormat(config.LOG_FORMAT, process.stdout.isTTY === true);
  const logger = createLogger({ level: config.LOG_LEVEL, format });
  // Start-up messages: plain lines for a person, log records for a pipeline.
  const say = format === 'human' ? (message: string) => process.stdout.write(`${message}\n`) : (message: string) => logger.info(message);
  for (const warning of configWarnings(config)) logger.warn(warning);

  const database = await setUpDatabase(config, say);
  if (database.local) say(`Database: private server on 127.0.0.1:${database.local.port} (data in ${database.local.dataDir})`);
  if (database.appliedMigrations.length > 0) say(`Applied migrations: ${database.appliedMigrations.join(', ')}`);
  if (database.cluster) {
    say(`Database: Galera cluster of ${database.cluster.size} node(s); using ${database.db.node}${database.db.nodes.length > 1 ? `, then the other ${database.db.nodes.length - 1} listed if it fails` : ''}`);
  }
  database.db.events.on('failover', ({ from, to }: { from: string; to: string }) => logger.warn({ from, to }, `database node ${from} failed; now using ${to}`));

  if (shouldSeedDemo(config)) {
    const demo = await seedDemoIfEmpty(database.db);
    // Codes and names go to a person at a terminal, never into a log pipeline.
    if (demo && format === 'human') {
      say(`Created the demo exam with ${demo.length} participants. Try one of these:`);
      for (const participant of demo.slice(0, 5)) say(`  code ${participant.code}   name ${participant.fullName}`);
    } else if (demo) {
      say(`Created the demo exam with ${demo.length} participants (SEED_DEMO); their codes are in the participants table.`);
    }
  }

  const clientDir = config.SERVE_CLIENT ? await ensureClientBuild(say) : undefined;
  const { app, close: closeApp, watchAdmission } = createApp({ config, db: database.db, logger, clientDir });
  // A deep accept queue and admission control: at exam start thousands of participants connect within
  // the same second.
  const server = createHttpServer();
  const gate = listenWithAdmission(server, app, { port: config.PORT, host: config.HOST, backlog: 4096, maxInFlight: config.MAX_IN_FLIGHT_REQUESTS, probePaths: PROBE_PATHS });
  watchAdmission(gate);
  await new Promise<void>((resolve, reject) => {
    gate.server.once('listening', resolve);
    gate.server.once('error', reject);
  }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const { port } = gate.server.address() as AddressInfo;
  const urls = reachableUrls(config.HOST, port);
  say(`examgate is running  (Ctrl-C to stop)`);
  say(`  Participants check in at  ${urls.join('  ')}`);
  say(`  Proctors log in at        ${urls.map((url) => `${url}/proctor`).join('  ')}`);
  if ((await database.db.read(countProctors)) === 0) {
    say('  No proctor account yet. Create one (in another terminal):  npm run cli -- proctor add <username>');
  }
  if (!config.SERVE_CLIENT) say('  (SERVE_CLIENT=false: the pages come from Vite\'s dev server)');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping...`);
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
    logger.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function fail(error: unknown): never {
  const explained = explainFailure(error, failureContext);
  process.stderr.write(`examgate could not start: ${explained ?? (error instanceof Error ? error.message : String(error))}\n`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else if (!explained) process.stderr.write('Start it with LOG_LEVEL=debug to see where it failed.\n');
  process.exit(1);
}

try {
  const config = loadConfig();
  failureContext = { databaseUrl: config.DATABASE_URL, host: config.HOST, port: config.PORT };
  await main(config).catch(fail);
} catch (error) {
  fail(error);
}
