import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { failedStart, freePort, startServerProcess } from '../../e2e/support/server-process.ts';
import { STACK_LINE } from './support/cli-process.ts';
import { eventually } from './support/eventually.ts';
import { createParticipant } from './support/fixtures.ts';
import { checkIn } from './support/http-client.ts';
import { createProctor } from './support/proctor-client.ts';
import { createTestDatabase } from './support/test-database.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

// Under SERVE_CLIENT=false the banner ends with this line, after the proctor-account line (printed once the
// database has answered whether an account exists).
const BANNER_LAST_LINE = 'SERVE_CLIENT=false: the pages come from';

describe('the start-up banner', () => {
  it('when no proctor account exists yet, then it prints the participant URL, the proctor URL and the command that creates an account; once one exists, not the command', async () => {
    const fresh = await createTestDatabase();
    try {
      const first = await startServerProcess({ DATABASE_URL: fresh.url, SERVE_CLIENT: 'false', LOG_FORMAT: 'human', LOG_LEVEL: 'info' });
      await eventually('the whole banner', () => first.output().includes(BANNER_LAST_LINE));
      await first.stop();
      await createProctor(fresh.db);
      const second = await startServerProcess({ DATABASE_URL: fresh.url, SERVE_CLIENT: 'false', LOG_FORMAT: 'human', LOG_LEVEL: 'info' });
      await eventually('the whole banner', () => second.output().includes(BANNER_LAST_LINE));
      await second.stop();

      expect(first.output()).toContain(`Participants check in at  ${first.baseUrl}`);
      expect(first.output()).toContain(`Proctors log in at        ${first.baseUrl}/proctor`);
      expect(first.output()).toContain('No proctor account yet. Create one (in another terminal):  npm run cli -- proctor add <username>');
      expect(second.output()).toContain(`Proctors log in at        ${second.baseUrl}/proctor`);
      expect(second.output()).not.toContain('proctor add');
    } finally {
      await fresh.drop();
    }
  });
});

describe('the demo exam', () => {
  it('when a deployment starts on its own empty database, then no demo exam appears unless SEED_DEMO=true, and then no code or name reaches the JSON log', async () => {
    const fresh = await createTestDatabase();
    try {
      const sessions = async () => ((await fresh.sql.query('SELECT COUNT(*) AS n FROM exam_sessions')) as unknown as [[{ n: number }]])[0][0].n;
      const plain = await startServerProcess({ DATABASE_URL: fresh.url, SEED_DEMO: '', SERVE_CLIENT: 'false', LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
      await eventually('the whole banner', () => plain.output().includes(BANNER_LAST_LINE));
      await plain.stop();
      expect(Number(await sessions())).toBe(0);

      const asked = await startServerProcess({ DATABASE_URL: fresh.url, SEED_DEMO: 'true', SERVE_CLIENT: 'false', LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
      await eventually('the whole banner', () => asked.output().includes(BANNER_LAST_LINE));
      await asked.stop();
      expect(Number(await sessions())).toBe(1);
      expect(asked.output()).toContain('Created the demo exam with 30 participants');
      const [people] = (await fresh.sql.query('SELECT code, full_name FROM participants')) as unknown as [{ code: string; full_name: string }[]];
      expect(people).toHaveLength(30);
      for (const person of people) {
        expect(asked.output()).not.toContain(person.code);
        expect(asked.output()).not.toContain(person.full_name);
      }
    } finally {
      await fresh.drop();
    }
  });
});

describe('start-up warnings', () => {
  it('when TRUST_PROXY is a hop count, then start-up warns that a client reaching examgate directly chooses its own address', async () => {
    const server = await startServerProcess({ DATABASE_URL: env.database.url, TRUST_PROXY: '1', SERVE_CLIENT: 'false', LOG_FORMAT: 'human', LOG_LEVEL: 'info' });
    await eventually('the whole banner', () => server.output().includes(BANNER_LAST_LINE));
    await server.stop();

    expect(server.output()).toMatch(/WARN.*TRUST_PROXY=1 trusts whatever connects as the last 1 hop/);
  });
});

describe('start-up failures a person can cause', () => {
  it('when the port is taken, then it names the port and how to choose another, exits 1, and shows no stack trace', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = await failedStart({ DATABASE_URL: env.database.url, PORT: String(port) });

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use (another examgate, or another program).`);
      expect(result.stderr).toContain(`PORT=${port + 1} npm start`);
      expect(result.stderr).not.toMatch(STACK_LINE);
    } finally {
      taken.close();
    }
  });

  it('when nothing listens at DATABASE_URL, then it names the address and the variable within seconds', async () => {
    const port = await freePort();
    const result = await failedStart({ DATABASE_URL: `mysql://examgate:secret@127.0.0.1:${port}/examgate`, PORT: '0' });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach the database at 127.0.0.1:${port}: the connection was refused. Is the server running? Check DATABASE_URL.`);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.elapsedMs).toBeLessThan(10_000);
  });

  it('when DATABASE_URL has the wrong password or names a missing database, then it says which', async () => {
    const wrongPassword = new URL(env.database.url);
    wrongPassword.password = 'wrong';
    const missingDatabase = new URL(env.database.url);
    missingDatabase.pathname = '/no_such_database';

    const refused = await failedStart({ DATABASE_URL: wrongPassword.toString(), PORT: '0' });
    const missing = await failedStart({ DATABASE_URL: missingDatabase.toString(), PORT: '0' });

    expect(refused.stderr).toContain(`refused user "${wrongPassword.username}": wrong user name or password. Check DATABASE_URL.`);
    expect(missing.stderr).toContain('The database "no_such_database" does not exist');
    for (const result of [refused, missing]) {
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('when settings are invalid, then every bad variable is named, without a stack trace', async () => {
    const result = await failedStart({ DATABASE_URL: env.database.url, PORT: 'eighty', TRUST_PROXY: 'not a proxy' });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT:');
    expect(result.stderr).toContain('TRUST_PROXY:');
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});

describe('logs', () => {
  it('when not asked for JSON but attached to a pipe, then every line is JSON, and check-ins are summed up in one line', async () => {
    const server = await startServerProcess({ DATABASE_URL: env.database.url, SERVE_CLIENT: 'false', LOG_LEVEL: 'info', CHECKIN_SUMMARY_S: '1' });
    try {
      const participant = await createParticipant(env.database.sql);
      await checkIn(server.baseUrl, participant, '127.0.70.1');
      await checkIn(server.baseUrl, participant, '127.0.70.2');
      await eventually('the check-in summary', () => server.output().includes('check-in attempt(s)'));

      const lines = server.output().split('\n').filter(Boolean);
      expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
      const summary = lines.map((line) => JSON.parse(line) as { msg: string; outcomes?: Record<string, number> }).find((record) => record.msg.includes('check-in attempt(s)'))!;
      expect(summary.outcomes).toEqual({ checked_in: 1, locked_to_another_device: 1 });
    } finally {
      await server.stop();
    }
  });

  it('when LOG_FORMAT=human, then lines are for people: time, level, message, and the summary in words', async () => {
    const server = await startServerProcess({ DATABASE_URL: env.database.url, SERVE_CLIENT: 'false', LOG_LEVEL: 'info', LOG_FORMAT: 'human', CHECKIN_SUMMARY_S: '1' });
    try {
      const participant = await createParticipant(env.database.sql);
      await checkIn(server.baseUrl, participant, '127.0.70.3');
      await eventually('the check-in summary', () => server.output().includes('check-in attempt(s)'));

      expect(server.output()).toMatch(/^\d\d:\d\d:\d\d info {2}1 check-in attempt\(s\) in the last 1 s: 1 checked_in/m);
      expect(server.output()).not.toContain('{"level"');
    } finally {
      await server.stop();
    }
  });
});
