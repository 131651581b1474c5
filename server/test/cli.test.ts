import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parse as parseCsv } from 'csv-parse/sync';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, STACK_LINE } from './support/cli-process.ts';
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

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { env: { DATABASE_URL: database.url } });
}

function cliWithInput(input: string, ...args: string[]): Promise<CliResult> {
  return runCli(args, { env: { DATABASE_URL: database.url }, input });
}

async function csv(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

// The rows printed after "Generated codes:", as CSV: [line, code, full_name].
function generatedCodes(stdout: string): string[][] {
  const table = stdout.slice(stdout.indexOf('line,code,full_name'));
  const rows: string[][] = parseCsv(table, { from_line: 2 });
  return rows.filter((row) => row.length === 3);
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
    const file = await csv('good.csv', '\ufeffcode,full_name\nGOOD-0001-KX7Q,Ada Lovelace\n,"Hopper, Grace"\n,李明\n');

    const result = await cli('roster', 'import', file, '--session', 'Maths 101');

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await countParticipants('Maths 101')).toBe(3);
    const generated = generatedCodes(result.stdout).map(([line, code, name]) => ({ line, code, name }));
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

  it('when names carry a formula or a comma, then the printed codes are CSV that a spreadsheet reads as text, one cell each', async () => {
    const file = await csv('formula.csv', 'code,full_name\n,"=HYPERLINK(""http://evil.example"",""click"")"\n,"Smith, John"\n');

    const result = await cli('roster', 'import', file, '--session', 'Formulas');

    expect(result.code, result.stderr).toBe(0);
    expect(generatedCodes(result.stdout).map(([line, , name]) => [line, name])).toEqual([
      ['2', `'=HYPERLINK("http://evil.example","click")`],
      ['3', 'Smith, John'],
    ]);
  });

  it('when a name is invisible or holds an escape sequence, a column is named twice, or a quoted field spans lines, then each is reported at the line where its row starts', async () => {
    const rows = ['code,full_name', ',\u200b', ',"Ada\u001b[31m Lovelace"', ',"Two', 'Lines"', 'BAD CODE!,Someone'];
    const result = await cli('roster', 'import', await csv('odd.csv', rows.join('\n')), '--session', 'Odd');
    const doubled = await cli('roster', 'import', await csv('doubled.csv', 'code,full_name,code\nAAAA-1111-BBBB,Ada,CCCC-2222-DDDD\n'), '--session', 'Odd');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 2: full_name has no letter or digit');
    expect(result.stderr).toContain('line 3: full_name contains a control character');
    expect(result.stderr).toContain('line 4: full_name contains a control character');
    expect(result.stderr).toContain('line 6: code "BAD CODE!"');
    expect(doubled.code).toBe(1);
    expect(doubled.stderr).toContain('the header row names code more than once');
    expect(await countParticipants('Odd')).toBe(0);
  });

  it('when thousands of generated codes go to a pipe that is read slowly, then every one of them arrives', async () => {
    const count = 3000;
    const file = await csv('many.csv', ['code,full_name', ...Array.from({ length: count }, (_, i) => `,Person ${i} with a name long enough that the list outgrows the pipe`)].join('\n'));
    // The reader starts a second late, so most of the list is still queued in the CLI when it is done.
    const shell = spawn('sh', ['-c', `"${process.execPath}" --import tsx server/src/cli/cli.ts roster import "${file}" --session Many | (sleep 1; cat)`], {
      env: { ...process.env, DATABASE_URL: database.url },
    });
    const chunks: Buffer[] = [];
    shell.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = new Promise<number | null>((resolve) => shell.once('close', resolve));

    expect(await closed).toBe(0);
    expect(await countParticipants('Many')).toBe(count);
    expect(generatedCodes(Buffer.concat(chunks).toString())).toHaveLength(count);
  });

  it('when a code already exists in the database, then the row is reported and nothing is imported', async () => {
    const existing = await createParticipant(database.sql);
    const file = await csv('clash.csv', `code,full_name\nNEW-00001-QRST,New Person\n${existing.code},Someone Else\n`);

    const result = await cli('roster', 'import', file, '--session', 'Clash');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`line 3: code ${existing.code} already exists`);
    expect(await countParticipants('Clash')).toBe(0);
  });

  it('when codes are short enough to guess, then nothing is imported unless --allow-short-codes is given, and then with a warning', async () => {
    const file = await csv('short.csv', 'code,full_name\nA-1042,Short Code\nLONGENOUGH-2345,Long Code\n');

    const refused = await cli('roster', 'import', file, '--session', 'Short codes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Nothing was imported: 1 code(s) are short enough to be guessed (line 2: A-1042, about 17 bits; at least 40 are needed)');
    expect(refused.stderr).toContain('--allow-short-codes');
    expect(await countParticipants('Short codes')).toBe(0);

    const allowed = await cli('roster', 'import', file, '--session', 'Short codes', '--allow-short-codes');
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('Warning: 1 code(s) are short enough to be guessed');
    expect(await countParticipants('Short codes')).toBe(2);
  });

  it('when the file does not exist, then it names the file, exits non-zero and shows no stack trace', async () => {
    const missing = path.join(dir, 'no-such-roster.csv');
    const result = await cli('roster', 'import', missing);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`No such file: ${missing}`);
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

describe('npm run cli -- session', () => {
  it('when a session is changed, then list shows the new policy, window in its time zone and networks, and the change is audited with before and after', async () => {
    const name = `CLI session ${randomUUID()}`;
    await database.sql.query('INSERT INTO exam_sessions (name, created_at) VALUES (?, UTC_TIMESTAMP(3))', [name]);

    const set = await cli('session', 'set', name, '--lock-policy', 'device_and_address', '--networks', '10.1.0.0/16,2001:db8::/32',
      '--opens', '2030-06-01T07:00:00Z', '--closes', '2030-06-01T09:00:00Z', '--time-zone', 'Europe/Berlin', '--reason', 'exam morning');
    const list = await cli('session', 'list');

    expect(set.code, set.stderr).toBe(0);
    const line = list.stdout.split('\n').find((candidate) => candidate.startsWith(name))!;
    expect(line).toContain('lock policy device_and_address');
    expect(line).toContain('opens 1 Jun 2030, 09:00 (2030-06-01T07:00:00.000Z)');
    expect(line).toContain('networks: 10.1.0.0/16, 2001:db8::/32');
    const [[audit]] = (await database.sql.query("SELECT actor, reason, details FROM audit_events WHERE event_type = 'session_changed' ORDER BY id DESC LIMIT 1")) as unknown as [[{ actor: string; reason: string; details: string }]];
    expect(audit).toMatchObject({ actor: 'cli', reason: 'exam morning' });
    const details = JSON.parse(audit.details) as { before: { lockPolicy: string }; after: { lockPolicy: string; timeZone: string } };
    expect([details.before.lockPolicy, details.after.lockPolicy, details.after.timeZone]).toEqual(['device', 'device_and_address', 'Europe/Berlin']);
  });

  it('when a time is given without an offset, then it is read in the exam\'s time zone, not the machine\'s, and the answer says so', async () => {
    const name = `CLI session ${randomUUID()}`;
    await database.sql.query("INSERT INTO exam_sessions (name, created_at, time_zone) VALUES (?, UTC_TIMESTAMP(3), 'Europe/Berlin')", [name]);

    const set = await runCli(['session', 'set', name, '--opens', '2030-01-01T09:00', '--closes', '2030-01-01T11:30'], { env: { DATABASE_URL: database.url, TZ: 'America/New_York' } });
    const moved = await runCli(['session', 'set', name, '--opens', '2030-01-01T09:00', '--time-zone', 'Asia/Kolkata'], { env: { DATABASE_URL: database.url, TZ: 'America/New_York' } });

    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("--opens 2030-01-01T09:00 has no offset: read in the exam's time zone, Europe/Berlin, as 2030-01-01T08:00:00.000Z.");
    expect(set.stdout).toContain('opens 1 Jan 2030, 09:00 (2030-01-01T08:00:00.000Z), closes 1 Jan 2030, 11:30 (2030-01-01T10:30:00.000Z)');
    expect(moved.stdout).toContain('Asia/Kolkata, as 2030-01-01T03:30:00.000Z');
    const [[row]] = (await database.sql.query('SELECT opens_at FROM exam_sessions WHERE name = ?', [name])) as unknown as [[{ opens_at: Date }]];
    expect(row.opens_at.toISOString()).toBe('2030-01-01T03:30:00.000Z');
    const vague = await cli('session', 'set', name, '--opens', 'tomorrow 9am');
    expect(vague.code).toBe(1);
    expect(vague.stderr).toContain('--opens tomorrow 9am: give a date and time such as 2030-06-01T09:00');
  });

  it('when an option is not valid, then it names the problem, exits non-zero and changes nothing', async () => {
    for (const args of [['--lock-policy', 'ip'], ['--networks', '10.0.0.0/33'], ['--time-zone', 'Mars/Olympus'], ['--opens', '2030-06-01T09:00:00Z', '--closes', '2030-06-01T08:00:00Z']]) {
      const result = await cli('session', 'set', 'Default session', ...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(/lockPolicy|allowedNetworks|timeZone|closesAt/);
    }
    expect((await cli('session', 'set', 'No such session', '--lock-policy', 'device')).stderr).toContain('No such exam session');
  });
});

describe('npm run cli -- proctor remove and sessions revoke', () => {
  const logIn = (username: string) => request(`${server.baseUrl}/api/proctor/login`, { json: { username, password: 'a-long-enough-password' } });
  const cookieOf = (response: { headers: Record<string, unknown> }) => String((response.headers['set-cookie'] as string[])[0]).split(';')[0]!;

  it('when a proctor\'s sessions are revoked, then every session of theirs ends, the account stays, and it is audited', async () => {
    await cliWithInput('a-long-enough-password\n', 'proctor', 'add', 'erin');
    const [first, second] = [await logIn('erin'), await logIn('erin')];

    const result = await cli('proctor', 'sessions', 'revoke', 'erin', '--reason', 'laptop lost');

    expect(result.stdout).toContain('Ended 2 session(s) of proctor erin.');
    for (const session of [first, second]) expect((await request(`${server.baseUrl}/api/proctor/session`, { headers: { cookie: cookieOf(session) } })).status).toBe(401);
    expect((await logIn('erin')).status).toBe(200);
    const [[audit]] = (await database.sql.query("SELECT actor, reason, details FROM audit_events WHERE event_type = 'proctor_account_changed' ORDER BY id DESC LIMIT 1")) as unknown as [[{ actor: string; reason: string; details: string }]];
    expect(audit).toMatchObject({ actor: 'cli', reason: 'laptop lost' });
    expect(JSON.parse(audit.details)).toMatchObject({ username: 'erin', change: 'sessions_revoked', sessionsEnded: 2 });
  });

  it('when a proctor is removed, then their session ends and they can no longer log in', async () => {
    await cliWithInput('a-long-enough-password\n', 'proctor', 'add', 'frank');
    const session = await logIn('frank');

    const result = await cli('proctor', 'remove', 'frank');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Proctor frank removed; 1 session(s) ended.');
    expect((await request(`${server.baseUrl}/api/proctor/session`, { headers: { cookie: cookieOf(session) } })).status).toBe(401);
    expect((await logIn('frank')).status).toBe(401);
    expect((await cli('proctor', 'remove', 'frank')).stderr).toContain('No proctor is called frank.');
  });

  it('when a proctor\'s password is changed, then their other sessions end', async () => {
    await cliWithInput('a-long-enough-password\n', 'proctor', 'add', 'gina');
    const session = await logIn('gina');

    await cliWithInput('another-long-password\n', 'proctor', 'add', 'gina');

    expect((await request(`${server.baseUrl}/api/proctor/session`, { headers: { cookie: cookieOf(session) } })).status).toBe(401);
  });
});

describe('npm run cli -- throttle clear', () => {
  it('when a participant\'s code or an address is cleared, then the throttled party gets in at once and the change is audited', async () => {
    const [byCode, byAddress] = [await createParticipant(database.sql), await createParticipant(database.sql)];
    for (let i = 0; i < 10; i++) {
      await checkIn(server.baseUrl, { code: byCode.code, fullName: `Typo ${i}` }, '127.0.7.20');
      await checkIn(server.baseUrl, { code: byAddress.code, fullName: `Typo ${i}` }, '127.0.7.21');
    }
    expect((await checkIn(server.baseUrl, byCode, '127.0.7.20')).status).toBe(429);
    expect((await checkIn(server.baseUrl, byAddress, '127.0.7.21')).status).toBe(429);

    const cleared = await cli('throttle', 'clear', byCode.code, '--reason', 'typo');
    const clearedAddress = await cli('throttle', 'clear', '--address', '127.0.7.21');

    expect(cleared.stdout).toMatch(/Cleared \d+ failure count\(s\) for the code/);
    expect(clearedAddress.stdout).toMatch(/Cleared \d+ failure count\(s\) for the address 127\.0\.7\.21/);
    expect((await checkIn(server.baseUrl, byCode, '127.0.7.20')).status).toBe(200);
    expect((await checkIn(server.baseUrl, byAddress, '127.0.7.21')).status).toBe(200);
    expect((await auditRows(database.sql, byCode.code)).map((row) => row.event_type)).toContain('throttle_cleared');
    expect((await cli('throttle', 'clear', '--address', 'not-an-address')).stderr).toContain('is not an IPv4 or IPv6 address');
  });
});

describe('npm run cli -- help and mistakes', () => {
  const groups: [string, string][] = [
    ['roster', 'roster import <file.csv>'],
    ['participant', 'participant expire <code>'],
    ['throttle', 'throttle clear <code>'],
    ['proctor', 'proctor sessions revoke <username>'],
    ['session', 'session set <name>'],
    ['audit', 'audit verify'],
    ['purge', 'purge --older-than'],
    ['db', 'db stop'],
  ];

  it.each(groups)('when "%s --help" is asked, then that group\'s own usage is printed and it exits 0', async (group, usage) => {
    const result = await cli(group, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run cli -- /);
    expect(result.stdout).toContain(`npm run cli -- ${usage}`);
    expect(result.stdout).not.toContain('Commands:');
  });

  it('when --help follows a full command, or stands alone, then it prints usage and exits 0', async () => {
    for (const args of [['--help'], ['roster', 'import', '--help'], ['participant', 'reset', '--help'], ['session', 'set', '--help']]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: npm run cli --');
    }
  });

  it('when a group is given without its command, or with an unknown one, then that group\'s usage is printed and it exits non-zero', async () => {
    for (const args of [['roster'], ['proctor', 'delete', 'x'], ['db', 'start']]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(`Usage: npm run cli -- ${args[0]}`);
    }
  });

  it('when the command is unknown, then it prints usage and exits non-zero', async () => {
    const result = await cli('frobnicate');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown command');
  });
});

describe('npm run cli -- when the database is not there', () => {
  it('when DATABASE_URL points at a port where nothing listens, then it names the address and the fix, without a stack trace', async () => {
    const result = await runCli(['session', 'list'], { env: { DATABASE_URL: 'mysql://examgate:secret@127.0.0.1:9/examgate' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot reach the database at 127.0.0.1:9: the connection was refused. Is the server running? Check DATABASE_URL.');
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('when the password in DATABASE_URL is wrong, then it says the user was refused, without a stack trace', async () => {
    const url = new URL(database.url);
    url.password = 'wrong-password';
    const result = await runCli(['session', 'list'], { env: { DATABASE_URL: url.toString() } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`refused user "${url.username}": wrong user name or password. Check DATABASE_URL.`);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('when a setting is invalid, then it names the variable, without a stack trace', async () => {
    const result = await runCli(['session', 'list'], { env: { DATABASE_URL: database.url, DB_POOL_SIZE: 'lots' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DB_POOL_SIZE');
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('when db stop is asked while DATABASE_URL is set, then it says there is no private server to stop', async () => {
    const result = await cli('db', 'stop');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL is set');
  });
});
