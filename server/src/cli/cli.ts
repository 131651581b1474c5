import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { ParticipantCode } from '../../../contracts/checkin.ts';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { type DatabaseSetup, setUpDatabase } from '../lib/database-setup.ts';
import { AppError } from '../lib/errors.ts';
import { DatabaseBinaryMissingError } from '../lib/local-database.ts';
import type { ParticipantView } from '../participants/participants.repo.ts';
import { expireParticipant, resetDeviceLock } from '../participants/participants.service.ts';
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

function describe(participant: ParticipantView): string {
  const lock = participant.lockedIp ? `locked to ${participant.lockedIp} since ${participant.deviceLockedAt?.toISOString()}` : 'no device lock';
  return `${participant.code} (${participant.fullName}): ${participant.status}, ${lock}`;
}

function parseCode(raw: string | undefined): string {
  const parsed = ParticipantCode.safeParse(raw ?? '');
  if (!parsed.success) throw new UsageError(`"${raw ?? ''}" is not a participant code (4 to 32 letters, digits or hyphens)`);
  return parsed.data;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, session: { type: 'string' }, reason: { type: 'string' } },
  });
  const [group, command, argument, ...rest] = positionals;
  const cliActor = { name: 'cli', ip: null };

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
    const participant = await withDatabase(({ db }) =>
      command === 'expire' ? expireParticipant(db, code, cliActor, reason) : resetDeviceLock(db, code, cliActor, reason),
    );
    out(describe(participant));
    return 0;
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
