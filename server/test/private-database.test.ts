import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServerBundle, startServerProcess, type ServerProcess } from '../../e2e/support/server-process.ts';
import { isAlive, privateServerFiles, readServerState } from '../src/lib/local-database.ts';
import { runCli } from './support/cli-process.ts';
import { eventually } from './support/eventually.ts';

// `npm start` without DATABASE_URL, on a data directory of each test's own (so that one test's server, still
// starting when its test gave up, cannot leave the next test a half-made directory).
let dataDir: string;
// Each test creates a database server from nothing and starts examgate on it once or twice, running the CLI
// through tsx beside it: about 2-8 s alone, up to 21 s with one core busy (test:repeat --busy), and past
// vitest's 30 s in a CI run where it shared two cores with the webhook and race files. The budget stays
// above the 60 s start-up deadline inside startServerProcess, so a start that hangs fails with its output.
const STARTS_A_DATABASE_SERVER = 150_000;
const privateEnv = () => ({ DATABASE_URL: '', DATA_DIR: dataDir, SERVE_CLIENT: 'false', LOG_FORMAT: 'human', LOG_LEVEL: 'info' });
const mode = async (file: string) => (await stat(file)).mode & 0o777;
const gone = (pid: number) => eventually(`process ${pid} gone`, () => !isAlive(pid), { timeoutMs: 20_000 });

async function crash(server: ServerProcess): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  await buildServerBundle();
});

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'examgate-private-'));
});

afterEach(async () => {
  await runCli(['db', 'stop'], { env: privateEnv() });
  await rm(dataDir, { recursive: true, force: true });
}, STARTS_A_DATABASE_SERVER);

describe('the private database server', () => {
  it('when it runs, then only its owner can reach its files and socket, root needs the generated password, and no other account exists', async () => {
    const server = await startServerProcess(privateEnv());
    try {
      const files = privateServerFiles(dataDir);
      const state = readServerState(files)!;
      const password = (await readFile(files.passwordFile, 'utf8')).trim();

      expect(await mode(dataDir)).toBe(0o700);
      expect(await mode(path.join(dataDir, 'db'))).toBe(0o700);
      expect(await mode(files.passwordFile)).toBe(0o600);
      expect(await mode(files.stateFile)).toBe(0o600);
      expect(await mode(path.dirname(await socketOf(state.pid)))).toBe(0o700);
      expect(password.length).toBeGreaterThanOrEqual(24);
      const withoutPassword = await mysql.createConnection({ host: '127.0.0.1', port: state.port, user: 'root' }).catch((error: { code: string }) => error.code);
      const anonymous = await mysql.createConnection({ host: '127.0.0.1', port: state.port, user: '' }).catch((error: { code: string }) => error.code);
      expect(withoutPassword).toBe('ER_ACCESS_DENIED_ERROR');
      expect(anonymous).toBe('ER_ACCESS_DENIED_ERROR');
      const connection = await mysql.createConnection({ host: '127.0.0.1', port: state.port, user: 'root', password });
      const accounts = async () => (await connection.query<mysql.RowDataPacket[]>("SELECT CONCAT(User, '@', Host) AS account FROM mysql.user WHERE User IN ('root', '')"))[0].map((row) => row.account as string);
      expect((await accounts()).sort()).toEqual(['root@127.0.0.1', 'root@localhost']);
      // As a data directory of an earlier version had it: root for this machine's name, without a password.
      await connection.query("CREATE USER 'root'@'exam-server-7'");
      await connection.end();
    } finally {
      await server.stop();
    }
    const restarted = await startServerProcess(privateEnv());
    try {
      const state = readServerState(privateServerFiles(dataDir))!;
      const password = (await readFile(privateServerFiles(dataDir).passwordFile, 'utf8')).trim();
      const connection = await mysql.createConnection({ host: '127.0.0.1', port: state.port, user: 'root', password });
      const [rows] = await connection.query<mysql.RowDataPacket[]>("SELECT CONCAT(User, '@', Host) AS account FROM mysql.user WHERE User IN ('root', '')");
      await connection.end();
      expect(rows.map((row) => row.account as string).sort()).toEqual(['root@127.0.0.1', 'root@localhost']);
    } finally {
      await restarted.stop();
    }
  }, STARTS_A_DATABASE_SERVER);

  it('when examgate crashed and left it running, then the next start says so, takes it over and stops it on Ctrl-C', async () => {
    const crashed = await startServerProcess(privateEnv());
    const orphan = readServerState(privateServerFiles(dataDir))!.pid;
    await crash(crashed);
    expect(isAlive(orphan)).toBe(true);

    const next = await startServerProcess(privateEnv());
    await eventually('the banner', () => next.output().includes('Proctors log in at'));
    expect(next.output()).toContain(`Found the private database server of an earlier run still running (pid ${orphan}); taking it over. It stops when examgate stops.`);
    expect((await fetch(`${next.baseUrl}/readyz`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => next.child.once('exit', resolve));
    next.child.kill('SIGINT');

    expect(await exited).toBe(0);
    await gone(orphan);
  }, STARTS_A_DATABASE_SERVER);

  it('when db stop is run, then it refuses while examgate uses the server, and stops an orphan', async () => {
    const running = await startServerProcess(privateEnv());
    const refused = await runCli(['db', 'stop'], { env: privateEnv() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`in use by examgate (pid ${running.child.pid})`);
    const orphan = readServerState(privateServerFiles(dataDir))!.pid;
    await crash(running);

    const stopped = await runCli(['db', 'stop'], { env: privateEnv() });
    const again = await runCli(['db', 'stop'], { env: privateEnv() });

    expect(stopped.stdout).toContain(`Stopped the private database server (pid ${orphan}).`);
    expect(isAlive(orphan)).toBe(false);
    expect(again.stdout).toContain('No private database server is running');
  }, STARTS_A_DATABASE_SERVER);
});

// The socket a server listens on, from its command line.
async function socketOf(pid: number): Promise<string> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  return cmdline.split('\0').find((arg) => arg.startsWith('--socket='))!.slice('--socket='.length);
}
