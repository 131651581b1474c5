import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

// A server's temporary tables go to a directory of its own, beside its data directory: at start-up every
// server deletes the `#sql*` files it finds in its tmpdir, so servers sharing /tmp (tests start many at
// once) delete each other's temporary tables, and a bootstrap that lost one fails ("Error on delete of
// '/tmp/#sql-temptable-…'", seen once in CI).
export function serverTmpDir(dataDir: string): string {
  const dir = path.join(path.dirname(dataDir), 'tmp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function initialise(binaries: ServerBinaries, dataDir: string, user = os.userInfo().username): void {
  const tmpdir = `--tmpdir=${serverTmpDir(dataDir)}`;
  const result =
    binaries.flavour === 'mariadb'
      ? spawnSync(
          binaries.installer!,
          ['--no-defaults', `--datadir=${dataDir}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve', tmpdir],
          { encoding: 'utf8' },
        )
      : spawnSync(binaries.server, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, `--user=${user}`, tmpdir], {
          encoding: 'utf8',
        });
  if (result.status !== 0) {
    rmSync(path.join(dataDir, 'mysql'), { recursive: true, force: true });
    throw new Error(`Could not initialise a database in ${dataDir}:\n${result.stderr || result.stdout}`);
  }
}

export function freePort(): Promise<number> {
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

export function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function canConnect(port: number, password: string | undefined): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password, connectTimeout: 1000 });
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
  // Told when a server left running by an earlier run is taken over.
  say?: (line: string) => void;
}

export interface LocalDatabase {
  // Through the Unix socket: on loopback TCP every write also runs the receiver's TCP stack, which cost a
  // quarter of the server's CPU in the check-in benchmark. `port` serves whoever needs TCP.
  url: string;
  // The server without a database, over TCP: for tools that create databases (the tests).
  serverUrl: string;
  port: number;
  pid: number;
  dataDir: string;
  // False when another examgate process runs this server and we only use it; it stops it, not us.
  owned: boolean;
  stop(): Promise<void>;
  // SIGKILL, as a crash would; resolves once the server process is gone.
  kill(): Promise<void>;
  restart(): Promise<void>;
}

// Who runs the private server: its pid and port, and the examgate process responsible for stopping it.
interface ServerState {
  pid: number;
  port: number;
  ownerPid: number;
}

export interface PrivateServerFiles {
  dataDir: string;
  stateFile: string;
  passwordFile: string;
  logFile: string;
}

export function privateServerFiles(dataDir: string): PrivateServerFiles {
  const dir = path.resolve(dataDir);
  return { dataDir: dir, stateFile: path.join(dir, 'examgate-server.json'), passwordFile: path.join(dir, 'root-password'), logFile: path.join(dir, 'server.log') };
}

export function readServerState(files: PrivateServerFiles): ServerState | undefined {
  try {
    return JSON.parse(readFileSync(files.stateFile, 'utf8')) as ServerState;
  } catch {
    return undefined;
  }
}

function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

// Other users of the machine must not reach the private server: its files are ours alone (0700/0600), its
// socket sits in a directory only we can enter, and root has a generated password kept in a 0600 file.
function privateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = statSync(dir);
  if (typeof process.getuid === 'function' && stats.uid !== process.getuid()) {
    throw new Error(`${dir} belongs to another user; examgate will not put its database there.`);
  }
  chmodSync(dir, 0o700);
}

// examgate logs in as root, through the socket (root@localhost) and, while it sets the server up, over TCP
// (root@127.0.0.1); nothing else may log in.
const OWN_ACCOUNTS = ["'root'@'localhost'", "'root'@'127.0.0.1'"];

async function secureRoot(port: number, passwordFile: string): Promise<string> {
  const password = randomBytes(24).toString('base64url');
  const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
  try {
    await dropOtherAccounts(connection);
    const [own] = await connection.query<mysql.RowDataPacket[]>("SELECT Host AS host FROM mysql.user WHERE User = 'root'");
    for (const { host } of own) await connection.query('ALTER USER ?@? IDENTIFIED BY ?', ['root', host as string, password]);
  } finally {
    await connection.end();
  }
  writePrivate(passwordFile, `${password}\n`);
  return password;
}

// The installer creates root for several hosts (localhost, 127.0.0.1, ::1, this machine's name) and, on
// older versions, anonymous accounts, some without a password. All but examgate's own are dropped, at
// every start, so that a data directory made by an earlier version loses them too. System accounts that
// cannot log in (mariadb.sys, mysql.session ...) stay.
async function dropOtherAccounts(connection: mysql.Connection): Promise<void> {
  const [accounts] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT User AS user, Host AS host FROM mysql.user WHERE User IN ('root', '') AND CONCAT("'", User, "'@'", Host, "'") NOT IN (${OWN_ACCOUNTS.map(() => '?').join(', ')})`,
    OWN_ACCOUNTS,
  );
  for (const { user, host } of accounts) await connection.query('DROP USER ?@?', [user, host]);
}

export async function stopServerProcess(pid: number, timeoutMs = 15_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startLocalDatabase(options: LocalDatabaseOptions): Promise<LocalDatabase> {
  const files = privateServerFiles(options.dataDir);
  const { dataDir } = files;
  privateDirectory(dataDir);
  // Unix socket paths are limited to about 100 bytes, so the socket lives in the temp dir, in a directory
  // of its own that no other user can enter.
  const socketDir = path.join(os.tmpdir(), `examgate-${createHash('sha1').update(dataDir).digest('hex').slice(0, 12)}`);
  privateDirectory(socketDir);
  const socket = path.join(socketDir, 'mysqld.sock');
  let password = existsSync(files.passwordFile) ? readFileSync(files.passwordFile, 'utf8').trim() : undefined;
  const urls = (port: number) => {
    const auth = `root:${encodeURIComponent(password ?? '')}`;
    return {
      url: `mysql://${auth}@localhost/${options.database}?socketPath=${encodeURIComponent(socket)}`,
      serverUrl: `mysql://${auth}@127.0.0.1:${port}`,
    };
  };

  const state = readServerState(files);
  if (state && isPrivateServer(state.pid, files) && (await canConnect(state.port, password))) {
    await createDatabase(state.port, password, options.database);
    if (state.ownerPid !== process.pid && isAlive(state.ownerPid)) {
      // Another examgate process (npm start while the CLI runs) owns it: use it, leave it running.
      return { ...urls(state.port), port: state.port, pid: state.pid, dataDir, owned: false, stop: async () => {}, kill: async () => {}, restart: async () => {} };
    }
    // Left behind by a run that crashed: ours now, and stopped when we stop.
    options.say?.(`Found the private database server of an earlier run still running (pid ${state.pid}); taking it over. It stops when examgate stops.`);
    writePrivate(files.stateFile, JSON.stringify({ ...state, ownerPid: process.pid }));
    const stop = async () => {
      await stopServerProcess(state.pid);
      rmSync(files.stateFile, { force: true });
    };
    return {
      ...urls(state.port), port: state.port, pid: state.pid, dataDir, owned: true, stop,
      kill: async () => {
        process.kill(state.pid, 'SIGKILL');
        while (isAlive(state.pid)) await new Promise((resolve) => setTimeout(resolve, 20));
      },
      restart: () => Promise.reject(new Error('an adopted server cannot be restarted')),
    };
  }

  const binaries = findServerBinaries();
  const dbDir = path.join(dataDir, 'db');
  mkdirSync(dbDir, { recursive: true, mode: 0o700 });
  if (!existsSync(path.join(dbDir, 'mysql'))) initialise(binaries, dbDir);

  const port = await freePort();
  let child: ChildProcess;

  const launch = async () => {
    const logFd = openSync(files.logFile, 'a', 0o600);
    const args = [
      '--no-defaults',
      `--datadir=${dbDir}`,
      `--tmpdir=${serverTmpDir(dbDir)}`,
      `--user=${os.userInfo().username}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(dataDir, 'server.pid')}`,
      `--log-error=${files.logFile}`,
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
      child.once('exit', (code) => reject(new Error(`The database server exited (code ${code}) while starting:\n${tailOf(files.logFile)}`))),
    );
    exited.catch(() => {});
    const deadline = Date.now() + 60_000;
    // Without a password file (a new data directory, or one from before root had a password) root answers
    // without one, once: it gets one right after.
    while (!(await canConnect(port, password))) {
      if (child.exitCode !== null) await exited;
      if (Date.now() > deadline) throw new Error(`The database server did not start within 60 s:\n${tailOf(files.logFile)}`);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited]);
    }
    password ??= await secureRoot(port, files.passwordFile);
    writePrivate(files.stateFile, JSON.stringify({ pid: child.pid!, port, ownerPid: process.pid } satisfies ServerState));
  };

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    rmSync(files.stateFile, { force: true });
  };

  await launch();
  await createDatabase(port, password, options.database);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  return {
    ...urls(port),
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
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    // Same port, same data: a client pool pointed at the old URL must be able to reconnect.
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

async function createDatabase(port: number, password: string | undefined, database: string): Promise<void> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password });
  try {
    await dropOtherAccounts(connection);
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}

export type StopOutcome = { stopped: number } | { notRunning: true } | { inUseBy: number };

// `db stop`: the private server of DATA_DIR, unless a running examgate uses it (stopping it under that
// process would turn every check-in into a 503).
export async function stopPrivateServer(dataDir: string): Promise<StopOutcome> {
  const files = privateServerFiles(dataDir);
  const state = readServerState(files);
  if (!state || !isPrivateServer(state.pid, files)) {
    rmSync(files.stateFile, { force: true });
    return { notRunning: true };
  }
  if (state.ownerPid !== process.pid && isAlive(state.ownerPid)) return { inUseBy: state.ownerPid };
  await stopServerProcess(state.pid);
  rmSync(files.stateFile, { force: true });
  return { stopped: state.pid };
}

// A recorded pid may have been reused by an unrelated process since: only a server started on our data
// directory counts (where /proc tells; elsewhere, any live process).
function isPrivateServer(pid: number, files: PrivateServerFiles): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--datadir=${path.join(files.dataDir, 'db')}`);
  } catch {
    return true;
  }
}
