import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Enough for every start-up message and a few warnings; a process that logs more keeps only the latest.
const KEPT_OUTPUT = 64 * 1024;

export interface ServerProcess {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  // What it wrote to standard output and standard error so far (the latest 64 KiB).
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

let bundled: Promise<unknown> | undefined;

// The bundle `npm start` runs, built once per test process from the current sources.
export function buildServerBundle(): Promise<unknown> {
  bundled ??= promisify(execFile)(process.execPath, ['scripts/build-server.mjs'], { cwd: ROOT });
  return bundled;
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function spawnServer(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, output: () => output };
}

// The real production entry point in its own process, as `npm start` runs it; ready once /healthz answers.
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  await buildServerBundle();
  const { child, output } = spawnServer({ PORT: String(port), ...env });
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`server exited with code ${code}:\n${output()}`))));
  exited.catch(() => {});
  const deadline = Date.now() + 60_000;
  while (!(await Promise.race([answers(`${baseUrl}/healthz`), exited]))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start within 60 s:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    port,
    child,
    output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface FailedStart {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

// A start that is expected to fail: waits for the process to exit (killing it after `timeoutMs`).
export async function failedStart(env: Record<string, string>, timeoutMs = 30_000): Promise<FailedStart> {
  await buildServerBundle();
  const started = Date.now();
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', SEED_DEMO: 'false', SERVE_CLIENT: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr, elapsedMs: Date.now() - started };
}
