import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';

const SEARCH_DIRS = [
  '/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/mysql/bin',
  '/opt/homebrew/bin', '/opt/homebrew/sbin', '/usr/local/opt/mariadb/bin', '/usr/local/opt/mysql/bin',
];

export class DatabaseBinaryMissingError extends Error {
  constructor() {
    super(
      [
        'examgate needs MySQL 8.0+ or MariaDB 10.6+, and none was found.',
        'Either point it at an existing server:',
        '  export DATABASE_URL=mysql://user:password@127.0.0.1:3306/examgate',
        'or install the server binaries and examgate will run a private server itself:',
        '  Debian/Ubuntu: sudo apt-get install mariadb-server   (or just mariadb-server-core mariadb-client-core)',
        '  macOS:         brew install mariadb',
      ].join('\n'),
    );
    this.name = 'DatabaseBinaryMissingError';
  }
}

export function defaultSearchDirs(): string[] {
  return [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SEARCH_DIRS];
}

function findExecutable(names: string[], dirs: string[]): string | undefined {
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export interface ServerBinaries {
  server: string;
  flavour: 'mariadb' | 'mysql';
  installer?: string;
}

export function findServerBinaries(dirs = defaultSearchDirs()): ServerBinaries {
  const server = findExecutable(['mariadbd', 'mysqld'], dirs);
  if (!server) throw new DatabaseBinaryMissingError();
  const version = spawnSync(server, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  if (/mariadb/i.test(version)) {
    const installer = findExecutable(['mariadb-install-db', 'mysql_install_db'], dirs);
    if (!installer) throw new DatabaseBinaryMissingError();
    return { server, flavour: 'mariadb', installer };
  }
  return { server, flavour: 'mysql' };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

export interface LocalDatabaseOptions {
  dataDir: string;
  database: string;
  // Durable commits (innodb_flush_log_at_trx_commit=1) for `npm start` and benchmarks; tests trade them
  // for speed because their data is thrown away.
  durable: boolean;
}

export interface LocalDatabase {
  // Through the Unix socket: on loopback TCP every write also runs the receiver's TCP stack, which cost a
  // quarter of the server's CPU in the check-in benchmark. `port` serves whoever needs TCP.
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  // False when another examgate process already runs a server on this data directory and we reuse it.
  owned: boolean;
  stop(): Promise<void>;
  kill(): void;
  restart(): Promise<void>;
}

function initialise(binaries: ServerBinaries, dataDir: string): void {
  const user = os.userInfo().username;
  const result =
    binaries.flavour === 'mariadb'
      ? spawnSync(
          binaries.installer!,
          ['--no-defaults', `--datadir=${dataDir}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
          { encoding: 'utf8' },
        )
      : spawnSync(binaries.server, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, `--user=${user}`], {
          encoding: 'utf8',
        });
  if (result.status !== 0) {
    rmSync(path.join(dataDir, 'mysql'), { recursive: true, force: true });
    throw new Error(`Could not initialise a database in ${dataDir}:\n${result.stderr || result.stdout}`);
  }
}

export async function startLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const stateFile = path.join(dataDir, 'examgate-server.json');
  // Unix socket paths are limited to about 100 bytes, so the socket lives in the temp dir.
  const socket = path.join(os.tmpdir(), `examgate-${createHash('sha1').update(dataDir).digest('hex').slice(0, 12)}.sock`);
  const url = () => `mysql://root@localhost/${options.database}?socketPath=${encodeURIComponent(socket)}`;

  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number; port: number };
    if (isAlive(state.pid) && (await canConnect(state.port))) {
      await createDatabase(state.port, options.database);
      return {
        url: url(), port: state.port, pid: state.pid, dataDir, owned: false,
        stop: async () => {}, kill: () => {}, restart: async () => {},
      };
    }
  }

  const binaries = findServerBinaries();
  const dbDir = path.join(dataDir, 'db');
  mkdirSync(dbDir, { recursive: true });
  if (!existsSync(path.join(dbDir, 'mysql'))) initialise(binaries, dbDir);

  const logFile = path.join(dataDir, 'server.log');
  const port = await freePort();
  let child: ChildProcess;

  const launch = async () => {
    const logFd = openSync(logFile, 'a');
    const args = [
      '--no-defaults',
      `--datadir=${dbDir}`,
      `--user=${os.userInfo().username}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(dataDir, 'server.pid')}`,
      `--log-error=${logFile}`,
      '--skip-log-bin',
      '--skip-name-resolve',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--default-time-zone=+00:00',
      '--max-connections=1000',
      '--innodb-buffer-pool-size=256M',
      `--innodb-flush-log-at-trx-commit=${options.durable ? 1 : 2}`,
    ];
    child = spawn(binaries.server, args, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`The database server exited (code ${code}) while starting:\n${tailOf(logFile)}`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 60_000;
    while (!(await canConnect(port))) {
      if (child.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error(`The database server did not start within 60 s:\n${tailOf(logFile)}`);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited]);
    }
    writeFileSync(stateFile, JSON.stringify({ pid: child.pid, port }));
  };

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    rmSync(stateFile, { force: true });
  };

  await launch();
  await createDatabase(port, options.database);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  return {
    url: url(),
    get port() {
      return port;
    },
    get pid() {
      return child.pid ?? -1;
    },
    dataDir,
    owned: true,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await stop();
    },
    kill: () => {
      child.kill('SIGKILL');
    },
    // Same port, same data: a client pool pointed at the old URL must be able to reconnect.
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

async function createDatabase(port: number, database: string): Promise<void> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}
