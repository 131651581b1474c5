import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { ParticipantCode } from '../../../contracts/checkin.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { type DatabaseSetup, setUpDatabase } from '../lib/database-setup.ts';
import { AppError } from '../lib/errors.ts';
import { DatabaseBinaryMissingError } from '../lib/local-database.ts';
import type { ProctorParticipant } from '../../../contracts/proctor.ts';
import { parseRetention, purgePersonalData } from '../audit/audit-purge.ts';
import { INVARIANTS, verifyAuditLog } from '../audit/audit-verify.ts';
import { addProctor } from '../proctor-auth/proctor-auth.service.ts';
import { type Actor, resetLocks, setExpired } from '../proctor/proctor.service.ts';
import { RosterRejectedError, type RosterRow, importRoster } from '../roster/roster.service.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

class UsageError extends Error {}

const HELP = {
  main: `Usage: npm run cli -- <command> [options]

Commands:
  roster import <file.csv> [--session NAME]   Import participants (columns: code,full_name)
  participant expire <code> [--reason TEXT]    Mark a participant's code as expired (finished)
  participant reset <code> [--reason TEXT]     Clear a participant's device lock
  proctor add <username>                       Create a proctor account (or set a new password)
  audit verify                                 Check the audit log against the participants table
  purge --older-than <30d|12h>                 Remove addresses and user agents from old audit rows

Every command accepts --help. The database is DATABASE_URL, or examgate's private server in DATA_DIR.`,
  roster: `Usage: npm run cli -- roster import <file.csv> [--session NAME]

Imports participants from a CSV file with the header row "code,full_name".
An empty code gets a generated one (60 random bits, no look-alike characters); generated codes are printed.
The import is all-or-nothing: any bad row (duplicate code, bad characters, empty name) is reported with its
line number and nothing is imported.

Options:
  --session NAME   Exam session to add the participants to (created if missing; default "Default session")`,
  expire: `Usage: npm run cli -- participant expire <code> [--reason TEXT]

Marks the code as expired: further check-ins are refused with "code_expired". Audited.`,
  reset: `Usage: npm run cli -- participant reset <code> [--reason TEXT]

Clears the participant's device lock so that the next device to check in takes it. Audited.`,
  audit: `Usage: npm run cli -- audit verify

Replays the audit log and checks, printing every violation with the audit rows involved:
  1. between two resets or transfers of a code, all successful check-ins carry one IP;
  2. every successful check-in has exactly one audit row (request ids are unique);
  3. replaying a code's audit rows yields its current status and lock holder;
  4. no success on an expired code or with a name that did not match.
Exits 1 when it finds a violation.`,
  purge: `Usage: npm run cli -- purge --older-than <N>d|<N>h

Privacy retention: audit rows older than the period lose their IP addresses, user agents and name hashes
(the rows, their types and times stay, so counts are kept); old login-failure and guess records are
deleted. Run it daily from cron, for example with --older-than 30d.`,
  proctor: `Usage: npm run cli -- proctor add <username>

Creates a proctor account, or sets a new password if the username exists. The password (at least 10
characters) is asked for on the terminal, or read from standard input when it is not a terminal:
  echo 'correct horse battery' | npm run cli -- proctor add alice`,
};

async function withDatabase<T>(work: (setup: DatabaseSetup) => Promise<T>): Promise<T> {
  const setup = await setUpDatabase(loadConfig());
  try {
    return await work(setup);
  } finally {
    await setup.close();
  }
}

async function readRoster(file: string): Promise<RosterRow[]> {
  const text = await readFile(file, 'utf8');
  const records = parseCsv(text, { bom: true, columns: true, skip_empty_lines: true, info: true, relax_column_count: false }) as {
    record: Record<string, string | undefined>;
    info: { lines: number };
  }[];
  if (records.length > 0 && !('full_name' in records[0]!.record && 'code' in records[0]!.record)) {
    throw new UsageError(`${file}: the header row must be "code,full_name"`);
  }
  return records.map(({ record, info }) => ({ line: info.lines, code: record.code ?? '', fullName: record.full_name ?? '' }));
}

function describe(participant: ProctorParticipant): string {
  const lock = participant.lockedIp ? `locked to ${participant.lockedIp} since ${participant.deviceLockedAt}` : 'no device lock';
  return `${participant.code} (${participant.fullName}): ${participant.status}, ${lock}`;
}

function parseCode(raw: string | undefined): string {
  const parsed = ParticipantCode.safeParse(raw ?? '');
  if (!parsed.success) throw new UsageError(`"${raw ?? ''}" is not a participant code (4 to 32 letters, digits or hyphens)`);
  return parsed.data;
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  // Echo off: the prompt is written, the typed characters are not.
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stdout.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const ask = (question: string) =>
    new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      muted = true;
    }).finally(() => {
      muted = false;
      process.stdout.write('\n');
    });
  try {
    const first = await ask('Password: ');
    const second = await ask('Repeat password: ');
    if (first !== second) throw new UsageError('The passwords do not match.');
    return first;
  } finally {
    rl.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, session: { type: 'string' }, reason: { type: 'string' }, 'older-than': { type: 'string' } },
  });
  const [group, command, argument, ...rest] = positionals;
  const cliActor: Actor = { name: 'cli', ip: null, requestId: randomUUID() };

  if (group === 'roster' && command === 'import') {
    if (values.help) return out(HELP.roster), 0;
    if (!argument || rest.length > 0) throw new UsageError(HELP.roster);
    const rows = await readRoster(argument);
    if (rows.length === 0) throw new UsageError(`${argument} has no participants`);
    const sessionName = values.session ?? 'Default session';
    const imported = await withDatabase(({ db }) => importRoster(db, sessionName, rows));
    out(`Imported ${imported.length} participant(s) into "${sessionName}".`);
    const generated = imported.filter((participant) => participant.generated);
    if (generated.length > 0) {
      out('Generated codes:');
      out('line,code,full_name');
      for (const participant of generated) out(`${participant.line},${participant.code},${participant.fullName}`);
    }
    return 0;
  }
  if (group === 'participant' && (command === 'expire' || command === 'reset')) {
    if (values.help) return out(HELP[command]), 0;
    if (rest.length > 0) throw new UsageError(HELP[command]);
    const code = parseCode(argument);
    const reason = values.reason ?? null;
    const [participant] = await withDatabase(({ db }) =>
      command === 'expire' ? setExpired(db, [code], true, reason, cliActor) : resetLocks(db, [{ code, expectedIp: undefined }], reason, cliActor),
    );
    out(describe(participant!));
    return 0;
  }
  if (group === 'proctor' && command === 'add') {
    if (values.help) return out(HELP.proctor), 0;
    if (!argument || rest.length > 0) throw new UsageError(HELP.proctor);
    const password = await readPassword();
    const outcome = await withDatabase(({ db }) => addProctor(db, argument, password).catch((error: Error) => {
      throw new UsageError(error.message);
    }));
    out(outcome === 'created' ? `Proctor ${argument} created.` : `Proctor ${argument}: password changed.`);
    return 0;
  }
  if (group === 'purge') {
    if (values.help) return out(HELP.purge), 0;
    const olderThanS = parseRetention(values['older-than'] ?? '');
    if (olderThanS === undefined || command !== undefined) throw new UsageError(HELP.purge);
    const report = await withDatabase(({ db }) => purgePersonalData(db, olderThanS));
    out(`Purged ${report.auditRows} audit row(s); deleted ${report.loginFailures} login failure(s) and ${report.guessSources} guess record(s).`);
    return 0;
  }
  if (group === 'audit' && command === 'verify') {
    if (values.help) return out(HELP.audit), 0;
    const report = await withDatabase(({ db }) => verifyAuditLog(db));
    for (const violation of report.violations) {
      out(`violation of invariant ${violation.invariant} (${INVARIANTS[violation.invariant]}): ${violation.code}: ${violation.message} [audit rows ${violation.eventIds.join(', ')}]`);
    }
    out(`Checked ${report.participants} participant(s) and ${report.events} audit row(s): ${report.violations.length} violation(s).`);
    return report.violations.length === 0 ? 0 : 1;
  }
  if (values.help || group === undefined || group === 'help') return out(HELP.main), 0;
  throw new UsageError(`Unknown command "${positionals.join(' ')}".\n\n${HELP.main}`);
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof RosterRejectedError) {
      err('Nothing was imported. Problems:');
      for (const problem of error.problems) err(`  line ${problem.line}: ${problem.message}`);
    } else if (error instanceof CsvError) {
      err(`Nothing was imported: the file is not valid CSV (${error.message})`);
    } else if (error instanceof UsageError || error instanceof ConfigError || error instanceof DatabaseBinaryMissingError || error instanceof AppError) {
      err(error.message);
    } else if (error instanceof Error && 'code' in error && typeof (error as { code: unknown }).code === 'string' && (error as { code: string }).code.startsWith('ERR_PARSE_ARGS')) {
      err(`${error.message}\n\n${HELP.main}`);
    } else if (error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'ENOENT') {
      err(error.message);
    } else {
      err(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    process.exit(1);
  },
);
