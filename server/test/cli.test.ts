import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, createParticipant, participantRow } from './support/fixtures.ts';
import { checkIn, request } from './support/http-client.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

let database: TestDatabase;
let server: TestServer;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database.db);
  dir = await mkdtemp(path.join(os.tmpdir(), 'examgate-cli-'));
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return cliWithInput('', ...args);
}

function cliWithInput(input: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: database.url },
    });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function csv(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function countParticipants(session: string): Promise<number> {
  const [[row]] = await database.sql.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM participants p JOIN exam_sessions s ON s.id = p.session_id WHERE s.name = ?',
    [session],
  );
  return Number(row!.n);
}

describe('npm run cli -- roster import', () => {
  it('when the CSV is valid, then everyone is imported and the generated codes are printed', async () => {
    const file = await csv('good.csv', '\ufeffcode,full_name\nGOOD-0001,Ada Lovelace\n,"Hopper, Grace"\n,李明\n');

    const result = await cli('roster', 'import', file, '--session', 'Maths 101');

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await countParticipants('Maths 101')).toBe(3);
    const generated = [...result.stdout.matchAll(/^(\d+),([A-Z0-9-]+),(.*)$/gm)].map(([, line, code, name]) => ({ line, code, name }));
    expect(generated.map(({ line, name }) => [line, name])).toEqual([['3', 'Hopper, Grace'], ['4', '李明']]);
    for (const { code, name } of generated) {
      expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
      expect((await checkIn(server.baseUrl, { code, fullName: name! }, '127.0.7.1')).status).toBe(200);
    }
  });

  it('when any row is bad, then every problem is reported with its line number and nothing is imported', async () => {
    const file = await csv(
      'bad.csv',
      ['code,full_name', 'DUP-0001,First', 'OK-00001,Fine Person', 'DUP-0001,Second', 'bad code!,Someone', 'EMPTY-001,  '].join('\n'),
    );

    const result = await cli('roster', 'import', file, '--session', 'Broken');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Nothing was imported');
    expect(result.stderr).toMatch(/line 4: code DUP-0001 already appears on line 2/);
    expect(result.stderr).toMatch(/line 5: code "bad code!"/);
    expect(result.stderr).toMatch(/line 6: full_name is empty/);
    expect(await countParticipants('Broken')).toBe(0);
  });

  it('when a code already exists in the database, then the row is reported and nothing is imported', async () => {
    const existing = await createParticipant(database.sql);
    const file = await csv('clash.csv', `code,full_name\nNEW-00001,New Person\n${existing.code},Someone Else\n`);

    const result = await cli('roster', 'import', file, '--session', 'Clash');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`line 3: code ${existing.code} already exists`);
    expect(await countParticipants('Clash')).toBe(0);
  });

  it('when the file has the wrong header, then it says which header it needs', async () => {
    const file = await csv('header.csv', 'id,name\n1,Ada\n');
    const result = await cli('roster', 'import', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('code,full_name');
  });
});

describe('npm run cli -- participant', () => {
  it('when a lock is reset, then the next device can check in and the reset is audited', async () => {
    const participant = await createParticipant(database.sql);
    await checkIn(server.baseUrl, participant, '127.0.7.2');

    const result = await cli('participant', 'reset', participant.code, '--reason', 'changed wifi');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no device lock');
    expect((await participantRow(database.sql, participant.code)).locked_ip).toBeNull();
    const reset = (await auditRows(database.sql, participant.code)).at(-1)!;
    expect(reset).toMatchObject({ event_type: 'lock_reset', actor: 'cli', reason: 'changed wifi', locked_ip_before: '127.0.7.2', locked_ip_after: null });
    expect((await checkIn(server.baseUrl, participant, '127.0.7.3')).status).toBe(200);
  });

  it('when a code is expired, then check-ins are refused as expired and the change is audited', async () => {
    const participant = await createParticipant(database.sql);

    const result = await cli('participant', 'expire', participant.code);

    expect(result.code).toBe(0);
    expect((await participantRow(database.sql, participant.code)).status).toBe('expired');
    expect((await auditRows(database.sql, participant.code)).map((row) => row.event_type)).toEqual(['expired']);
    expect((await checkIn(server.baseUrl, participant, '127.0.7.4')).json.error.code).toBe('code_expired');
  });

  it('when the code does not exist, then it says so and exits non-zero', async () => {
    const result = await cli('participant', 'reset', 'NOPE-0000');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No participant has the code NOPE-0000');
  });
});

describe('npm run cli -- proctor add', () => {
  it('when a password arrives on stdin, then the proctor can log in with it', async () => {
    const result = await cliWithInput('a-long-enough-password\n', 'proctor', 'add', 'carol');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Proctor carol created.');
    const login = await request(`${server.baseUrl}/api/proctor/login`, { json: { username: 'carol', password: 'a-long-enough-password' } });
    expect(login.status).toBe(200);
  });

  it('when the password is too short, then nothing is created and it says why', async () => {
    const result = await cliWithInput('short\n', 'proctor', 'add', 'dave');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('at least 10 characters');
  });
});

describe('npm run cli -- --help', () => {
  it('when --help is given to any command, then it prints usage and exits 0', async () => {
    for (const args of [['--help'], ['roster', 'import', '--help'], ['participant', 'reset', '--help'], ['participant', 'expire', '--help']]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: npm run cli --');
    }
  });

  it('when the command is unknown, then it prints usage and exits non-zero', async () => {
    const result = await cli('frobnicate');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown command');
  });
});
