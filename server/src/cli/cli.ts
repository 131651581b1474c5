import { assignRole, parseRoomRefs, proctorAccounts } from '../proctor-auth/proctor-roles.service.ts';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { ParticipantCode } from '../../../contracts/checkin.ts';
import { ROOM_CODE_DIGITS, ROOM_CODE_PERIOD_S } from '../../../contracts/room-codes.ts';
import { loadConfig } from '../lib/config.ts';
import { type DatabaseSetup, setUpDatabase } from '../lib/database-setup.ts';
import { csvCell } from '../lib/csv.ts';
import { AppError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import { normaliseIp } from '../lib/client-ip.ts';
import { explainFailure } from '../lib/failure-explanations.ts';
import { stopPrivateServer } from '../lib/local-database.ts';
import { letTryAgain, type Unthrottle } from '../attempts/attempts.service.ts';
import type { ProctorParticipant } from '../../../contracts/proctor.ts';
import { parseRetention, purgePersonalData } from '../audit/audit-purge.ts';
import { sealAuditLog } from '../audit/audit-seal.ts';
import { INVARIANTS, verifyAuditLog, verifyParticipantChain } from '../audit/audit-verify.ts';
import { formatReceipt, parseReceipt, RECEIPT_ALPHABET, RECEIPT_LENGTH } from '../../../contracts/receipt.ts';
import { receiptKey } from '../receipts/receipt-code.ts';
import { findReceipt } from '../receipts/receipts.service.ts';
import { ExamSessionChange, type ExamSessionSettings } from '../../../contracts/exam-session.ts';
import { INSTANT_WITH_OFFSET, WALL_TIME, wallTimeToUtc } from '../../../contracts/zoned-time.ts';
import { allSessionSettings, changeSessionByName } from '../exam-sessions/exam-sessions.service.ts';
import { AdmissionTokens, SIGNS_AFTER_S } from '../admission-tokens/admission-tokens.service.ts';
import { addSubscription, dropSubscription, subscriptions } from '../webhooks/webhooks.service.ts';
import { createToken, parseScopes, recentUses, revoke, tokens } from '../api-tokens/api-tokens.service.ts';
import { apiTokenScopes } from '../../../contracts/api-tokens.ts';
import { addProctor, removeProctor, revokeProctorSessions } from '../proctor-auth/proctor-auth.service.ts';
import { moveSeat, resetLocks, setExpired } from '../proctor/proctor.service.ts';
import { MIN_CODE_BITS } from '../roster/participant-codes.ts';
import { RosterRejectedError, type RosterRow, ShortCodesError, importRoster } from '../roster/roster.service.ts';
import { type RoomSetup, roomsOfSessionNamed, setUpRoom } from '../exam-sessions/session-rooms.service.ts';
import type { Room } from '../rooms/rooms.repo.ts';
import { expandSeatRanges, type SeatPlan, seatPlan } from '../../../contracts/rooms.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

class UsageError extends Error {}

const HELP = {
  main: `Usage: npm run cli -- <command> [options]

Commands:
  roster import <file.csv> [--session NAME]      Import participants (columns: code,full_name[,room,seat])
  room add <session> <room> [options]             Add or change a room of a session: capacity, seat plan, networks
  room list <session>                             Show a session's rooms with their seats and networks
  participant expire <code> [--reason TEXT]       Mark a participant's code as expired: no more check-ins
  participant seat <code> --room NAME [--seat S]  Move a participant to another room or seat, or free their seat
  participant reset <code> [--reason TEXT]        Clear a participant's device lock
  throttle clear <code> | --address IP            Let a throttled participant or address try again at once
  proctor add <username> [--role R --rooms LIST]  Create a proctor account (or set a new password)
  proctor assign <username> --role R [--rooms L]  Make a proctor a chief, or a room proctor of some rooms
  proctor list                                    Show every proctor account with its role and rooms
  proctor remove <username>                       Delete a proctor account and end its sessions
  proctor sessions revoke <username>              Log a proctor out everywhere
  session list                                    Show every exam session's lock policy, window and networks
  session set <name> [options]                    Change an exam session's lock policy, window, networks or continue URL
  keys list | keys rotate                         Show or rotate the keys that sign admission tokens
  webhook add|list|remove                         Deliver a session's events to another system (signed, retried)
  token create|list|revoke|uses                   API tokens for exam platforms (roster sync, participants, events)
  audit verify [--seal DIGEST] | audit seal       Check the audit log (its hash chains, and a seal); seal it
  receipt verify <receipt>                        Say which check-in a participant's receipt names, and what it proves
  purge --older-than <30d|12h>                    Remove personal data from old records
  db stop                                         Stop the private database server of DATA_DIR

Every command group has its own help: npm run cli -- <group> --help
The database is DATABASE_URL, or examgate's private server in DATA_DIR.`,
  roster: `Usage: npm run cli -- roster import <file.csv> [--session NAME] [--allow-short-codes]

Imports participants from a CSV file with the header row "code,full_name", optionally with the columns
"room" (a room of the session, see room add) and "seat" (a seat of that room's plan; needs seating fixed or
at_check_in, see session set). An empty code gets a generated one (60 random bits, no look-alike characters);
generated codes are printed. The import is all-or-nothing: any bad row (duplicate code, bad characters,
empty name, unknown room, a seat given twice or already held) is reported with its line number and nothing
is imported.

Codes of your own must be hard to guess: at least ${MIN_CODE_BITS} bits (8 letters and digits, or 13 digits).
Shorter codes are refused unless you pass --allow-short-codes.

Options:
  --session NAME        Exam session to add the participants to (created if missing; default "Default session")
  --allow-short-codes   Import codes short enough to be guessed (the attempt limits then only slow guessers)`,
  participant: `Usage: npm run cli -- participant expire <code> [--reason TEXT]
       npm run cli -- participant reset <code> [--reason TEXT]
       npm run cli -- participant seat <code> --room NAME [--seat LABEL] [--reason TEXT]
       npm run cli -- participant seat <code> --no-room [--reason TEXT]

expire   Marks the code as expired: further check-ins are refused with "code_expired". Audited.
reset    Clears the participant's device lock so that the next device to check in takes it. Audited.
seat     Moves the participant to a room of their session and a free seat of it (without --seat: no seat,
         which frees theirs), or out of every room. Audited.`,
  throttle: `Usage: npm run cli -- throttle clear <code> [--reason TEXT]
       npm run cli -- throttle clear --address IP [--reason TEXT]

After too many failed check-ins a device, or an address trying one code, has to wait (CHECKIN_FAILURE_WINDOW_S).
clear <code>        lets everyone who failed on this participant's code try again at once
clear --address IP  lets everyone at this address try again at once (an IPv6 address stands for its /64)
The dashboard's "Let try again" does the same. Audited, and shown live on the dashboard.`,
  audit: `Usage: npm run cli -- audit verify [--seal <digest>]
       npm run cli -- audit seal

verify replays the audit log and checks, printing every violation with the audit rows involved:
  1. between two resets or transfers of a code, all successful check-ins carry one device lock;
  2. every successful check-in has exactly one audit row (request ids are unique);
  3. replaying a code's audit rows yields its current status and lock holder;
  4. no success on an expired code or with a name that did not match;
  5. every audit row since the hash chains began is a link of its chain: a row edited, deleted or
     inserted with SQL is named (the first one in its chain).
With --seal, also that nothing before that seal changed: every chain still passes through the head the
seal recorded, and no sealed chain is gone. Exits 1 when it finds a violation.

seal records the head of every chain now and prints one digest over them. Keep the digest outside this
database (print it, mail it, file it with the exam's papers): whoever can write the database can rewrite
a chain so that it is consistent again, but not so that it matches a digest kept elsewhere.`,
  purge: `Usage: npm run cli -- purge --older-than <N>d|<N>h

Privacy retention. For records older than the period it removes: the addresses, device keys, user agents and
name hashes of audit rows, the reasons people wrote and the address in a cleared throttle's details (the rows,
their types and times stay, so counts are kept and the hash chains still verify), the same of device-change
requests, API callers' addresses, the lock holder of participants whose code expired or whose session's
check-in has closed, failure counts, and given-up webhook deliveries. It also deletes expired or idle proctor
sessions and spent device challenges. Run it daily from cron, for example with --older-than 30d.`,
  receipt: `Usage: npm run cli -- receipt verify <receipt>

A participant sees a receipt after checking in (like K7QM4-XRT9B; case, spaces and dashes do not matter).
verify finds the check-in it names (the participant, when their device got the lock, from which address and
device), checks that the server's key made it for that check-in, and that the audit row is intact in the
participant's hash chain. Exits 1 when the receipt names no check-in, was not made by the server's key, or
its audit row does not verify.`,
  room: `Usage: npm run cli -- room add <session> <room> [--capacity N] [--seats LIST | --seats-csv FILE]
                                              [--networks CIDR,...|--no-networks]
       npm run cli -- room list <session>

add    creates the room (and the session, if it does not exist yet) or changes it. Audited.
list   prints each room: capacity, seats (held / in the plan) and networks.

Options:
  --capacity N       how many participants the room takes (shown to proctors; with a seat plan, the seats count)
  --seats LIST       the seat plan, in order: labels and ranges, such as "A1-A20,B1-B20,Front-1"
  --seats-csv FILE   the seat plan from a CSV file with a header row "seat", one label per line, in order
                     A seat plan replaces the one before; a seat a participant holds cannot be left out.
  --networks LIST    the room's own networks (IPv4/IPv6 addresses or CIDR ranges): its participants check in
                     from these instead of the session's
  --no-networks      the session's networks apply again

A four-room exam, seats drawn at check-in:
  npm run cli -- room add "Final" "Hall A" --seats "A1-A20,B1-B20,C1-C20"
  npm run cli -- room add "Final" "Hall B" --seats "A1-A25,B1-B25"
  npm run cli -- room add "Final" "Lab 1" --seats-csv lab1-seats.csv --networks 10.1.0.0/24
  npm run cli -- room add "Final" "Lab 2" --capacity 30
  npm run cli -- session set "Final" --seating at_check_in
  npm run cli -- roster import final.csv --session "Final"      (columns code,full_name,room)`,
  session: `Usage: npm run cli -- session list
       npm run cli -- session set <name> [--lock-policy P] [--networks CIDR,...|--no-networks]
                                         [--opens TIME|none] [--closes TIME|none] [--time-zone Area/City]
                                         [--continue-url URL|none] [--seating MODE]
                                         [--device-sharing MODE] [--room-codes off|required]
                                         [--reason TEXT]

list   prints each exam session: its lock policy, check-in window (in its time zone) and allowed networks.
set    changes the named session; every change is audited with the settings before and after.

Options:
  --lock-policy P    address             the lock holds the IP address (devices behind one NAT address share it)
                     device              the lock holds the browser's device key; a new network is fine
                     device_and_address  both must match
  --networks LIST    comma-separated IPv4/IPv6 addresses or CIDR ranges check-ins must come from
  --no-networks      accept check-ins from any address
  --opens TIME       check-in opens at this time, or "none": 2030-06-01T09:00 is read in the exam's time
                     zone (--time-zone, else the session's); 2030-06-01T07:00Z or +02:00 is exact
  --closes TIME      check-in closes at this time, or "none"
  --time-zone ZONE   the exam's IANA time zone, in which times are shown (Europe/Berlin, UTC, ...)
  --continue-url URL where an admitted participant continues (the exam platform), with an admission token
                     in the query parameter admission_token; "none" ends the way at the start screen
  --seating MODE     none         participants have no seats
                     fixed        seats come with the roster (its seat column)
                     at_check_in  a participant of a room with a seat plan who has no seat gets a free one,
                                  drawn at random, when their device takes the lock; a full room refuses
  --device-sharing MODE   what a device that holds one participant's lock meets when it checks in a
                     second code of the session (a friend checking in absent classmates):
                     refused      the second code is refused (device_shared)
                     flagged      let in, and shown to proctors as a conflict of its own kind (the default)
                     allowed      let in (devices shared on purpose)
  --room-codes MODE  off          participants type no room code (the default)
                     required     a participant of a room types the code shown on the room's proctor
                                  screen (${ROOM_CODE_DIGITS} digits, a new one every ${ROOM_CODE_PERIOD_S / 60} minutes) with their check-in; a
                                  wrong or missing one is answered like a wrong name`,
  proctor: `Usage: npm run cli -- proctor add <username> [--role chief|room] [--rooms "<session>/<room>,..."]
       npm run cli -- proctor assign <username> --role chief|room [--rooms "<session>/<room>,..."]
       npm run cli -- proctor list
       npm run cli -- proctor remove <username> [--reason TEXT]
       npm run cli -- proctor sessions revoke <username> [--reason TEXT]

add              Creates a proctor account, or sets a new password if the username exists (which logs that
                 proctor out everywhere). The password (at least 10 characters) is asked for on the terminal,
                 or read from standard input when it is not a terminal:
                   echo 'correct horse battery' | npm run cli -- proctor add alice
                 A new account is a chief unless --role room and its --rooms are given.
assign           chief: every session, room and setting, and the audit record. room: the participants of
                 the rooms given (--rooms "Final/Hall A,Final/Hall B") and nothing else: the participants
                 list, the events, the live stream and every action are theirs only, and session settings
                 are not. Takes effect with the proctor's next request.
list             Every account, its role and rooms.
remove           Deletes the account and ends its sessions; open dashboards stop receiving updates.
sessions revoke  Ends every session of the proctor (a lost laptop); the account stays.
Every change is audited.`,
  webhook: `Usage: npm run cli -- webhook add --session NAME --url URL [--events TYPE,...]
       npm run cli -- webhook list [--session NAME]
       npm run cli -- webhook remove <id>

add      subscribes URL to the session's participant events (all of them, or the audit event types listed,
         such as checked_in,device_conflict) and prints the signing secret, once. Each event is written to
         an outbox with its audit row and delivered by one instance, signed as Standard Webhooks do
         (webhook-id, webhook-timestamp, webhook-signature), each participant's in order, retried for 26 h.
list     prints each subscription: its events, whether it is failing (since when, the last error), how
         many deliveries wait and how many were given up.
remove   ends a subscription; its undelivered events are dropped.`,
  token: `Usage: npm run cli -- token create --session NAME --scope SCOPE,... [--name LABEL]
       npm run cli -- token list
       npm run cli -- token revoke <id>
       npm run cli -- token uses <id>

create   makes an API token for one exam session and prints it, once (only its SHA-256 is kept). Scopes:
         ${apiTokenScopes.join(', ')}. Clients send it as "Authorization: Bearer egt_…"; see
         docs/integration.md and /api/openapi.json.
list     prints every token: its session, scopes, how often and when it was last used, and whether revoked.
revoke   refuses the token from the next request on, on every instance.
uses     prints the token's latest 50 uses (every request made with it is recorded, refused ones too).`,
  keys: `Usage: npm run cli -- keys list
       npm run cli -- keys rotate

Admission tokens (see docs/integration.md) are signed with an ES256 key kept in the database; exam platforms
verify them with the public keys at /.well-known/jwks.json.
list     prints the published keys: which one signs, and when retired ones stop being published.
rotate   adds a new key. It is published at once and signs after ${SIGNS_AFTER_S} s (so that every instance and every
         verifier can fetch it first); the old key signs until then, and stays published until the last
         tokens it signed have expired.`,
  db: `Usage: npm run cli -- db stop

Without DATABASE_URL, examgate runs a private MariaDB server on DATA_DIR (default .data) and stops it when it
stops. A server left running by a crashed run is taken over by the next npm start, or stopped with db stop.
db stop refuses while a running examgate uses the server: stop that one first (Ctrl-C).`,
};

type Group = Exclude<keyof typeof HELP, 'main'>;
const isGroup = (name: string | undefined): name is Group => name !== undefined && name !== 'main' && Object.hasOwn(HELP, name);

async function withDatabase<T>(work: (setup: DatabaseSetup) => Promise<T>): Promise<T> {
  const setup = await setUpDatabase(loadConfig());
  try {
    return await work(setup);
  } finally {
    await setup.close();
  }
}

const LINE_BREAK = /\r\n|\r|\n/g;

async function readRoster(file: string): Promise<RosterRow[]> {
  const text = await readFile(file, 'utf8');
  const records = parseCsv<{ record: Record<string, string | undefined>; info: { lines: number } }>(text, {
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((name) => name.trim());
      const repeated = names.filter((name, index) => names.indexOf(name) !== index);
      if (repeated.length > 0) throw new UsageError(`${file}: the header row names ${[...new Set(repeated)].join(', ')} more than once; give each column once ("code,full_name")`);
      return names;
    },
    skip_empty_lines: true,
    info: true,
    relax_column_count: false,
  });
  if (records.length > 0 && !('full_name' in records[0]!.record && 'code' in records[0]!.record)) {
    throw new UsageError(`${file}: the header row must be "code,full_name"`);
  }
  // csv-parse counts lines up to a record's end; a quoted field with line breaks starts it that many earlier.
  const startLine = (record: Record<string, string | undefined>, endLine: number) =>
    endLine - Object.values(record).reduce((breaks, value) => breaks + (value?.match(LINE_BREAK)?.length ?? 0), 0);
  return records.map(({ record, info }) => ({ line: startLine(record, info.lines), code: record.code ?? '', fullName: record.full_name ?? '', room: record.room, seat: record.seat }));
}

function describeRoom(room: Room): string {
  const seats = room.seats === 0 ? 'no seat plan' : `${room.seatsHeld} of ${room.seats} seats held`;
  const capacity = room.capacity === null ? '' : `capacity ${room.capacity}; `;
  const networks = room.allowedNetworks.length === 0 ? "the session's networks" : `networks ${room.allowedNetworks.join(', ')}`;
  return `${room.name}: ${capacity}${seats}; ${networks}`;
}

async function roomSetupOptions(values: Values): Promise<Omit<RoomSetup, 'session' | 'name'>> {
  if (values.networks !== undefined && values['no-networks']) throw new UsageError('Give either --networks or --no-networks.');
  if (values.seats !== undefined && values['seats-csv'] !== undefined) throw new UsageError('Give either --seats or --seats-csv.');
  const setup: Omit<RoomSetup, 'session' | 'name'> = {};
  if (typeof values.capacity === 'string') {
    if (!/^\d+$/.test(values.capacity) || Number(values.capacity) < 1) throw new UsageError(`--capacity ${values.capacity}: give a whole number of at least 1.`);
    setup.capacity = Number(values.capacity);
  }
  if (values['no-networks']) setup.allowedNetworks = [];
  else if (typeof values.networks === 'string') setup.allowedNetworks = values.networks.split(',').map((network) => network.trim()).filter(Boolean);
  let plan: SeatPlan | undefined;
  if (typeof values.seats === 'string') plan = expandSeatRanges(values.seats);
  if (typeof values['seats-csv'] === 'string') plan = seatPlan(await readSeatPlan(values['seats-csv']));
  if (plan && 'problem' in plan) throw new UsageError(`Seat plan: ${plan.problem}.`);
  if (plan) setup.seats = plan.seats;
  return setup;
}

// One label per record under the header "seat"; labels only (no ranges), so that a label such as "A1-2"
// in a file means that desk.
async function readSeatPlan(file: string): Promise<string[]> {
  const records = parseCsv<Record<string, string | undefined>>(await readFile(file, 'utf8'), { bom: true, columns: (header: string[]) => header.map((name) => name.trim()), skip_empty_lines: true });
  if (records.length === 0 || !('seat' in records[0]!)) throw new UsageError(`${file}: the header row must name a column "seat".`);
  return records.map((record) => (record.seat ?? '').trim());
}

function describeSession(session: ExamSessionSettings): string {
  const at = (iso: string | null) =>
    iso === null ? 'any time' : `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: session.timeZone }).format(new Date(iso))} (${iso})`;
  const window = session.opensAt === null && session.closesAt === null ? 'always open' : `opens ${at(session.opensAt)}, closes ${at(session.closesAt)}`;
  const networks = session.allowedNetworks.length === 0 ? 'any network' : session.allowedNetworks.join(', ');
  const next = session.continueUrl === null ? '' : `; continues to ${session.continueUrl}`;
  return `${session.name} (id ${session.id}): lock policy ${session.lockPolicy}; check-in ${window}; time zone ${session.timeZone}; networks: ${networks}; seating ${session.seating}; device sharing ${session.deviceSharing}; room codes ${session.roomCodes}${next}`;
}

// The CLI's options, checked with the same rules as the dashboard's PATCH. A time without an offset is
// read as the dashboard reads it, in the exam's time zone (never the machine's), and `notes` say so.
function parseSessionChange(values: Record<string, string | boolean | undefined>, timeZone: string) {
  if (values.networks !== undefined && values['no-networks']) throw new UsageError('Give either --networks or --no-networks.');
  const notes: string[] = [];
  const time = (option: string) => {
    const value = values[option];
    if (value === undefined || value === 'none') return value === 'none' ? null : undefined;
    if (typeof value !== 'string') return value;
    if (INSTANT_WITH_OFFSET.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
    if (!WALL_TIME.test(value)) throw new UsageError(`--${option} ${value}: give a date and time such as 2030-06-01T09:00 (read in the exam's time zone) or 2030-06-01T07:00Z, or "none".`);
    let instant: string;
    try {
      instant = wallTimeToUtc(value, timeZone);
    } catch {
      throw new UsageError(`--${option} ${value}: "${timeZone}" is not a time zone.`);
    }
    notes.push(`--${option} ${value} has no offset: read in the exam's time zone, ${timeZone}, as ${instant}.`);
    return instant;
  };
  const candidate = {
    version: 0,
    reason: 'cli',
    lockPolicy: values['lock-policy'],
    allowedNetworks: values['no-networks'] ? [] : typeof values.networks === 'string' ? values.networks.split(',').map((network) => network.trim()).filter(Boolean) : undefined,
    opensAt: time('opens'),
    closesAt: time('closes'),
    timeZone: values['time-zone'],
    continueUrl: values['continue-url'] === 'none' ? null : values['continue-url'],
    seating: values.seating,
    deviceSharing: values['device-sharing'],
    roomCodes: values['room-codes'],
  };
  const parsed = ExamSessionChange.safeParse(candidate);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'));
  const { version: _version, reason: _reason, ...change } = parsed.data;
  return { change: Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)), notes };
}

function describe(participant: ProctorParticipant): string {
  const lock = participant.lockedIp ? `locked to ${participant.lockedIp} since ${participant.deviceLockedAt}` : 'no device lock';
  const place = participant.room === null ? '' : `, ${participant.room}${participant.seat === null ? ' (no seat)' : ` seat ${participant.seat}`}`;
  return `${participant.code} (${participant.fullName}): ${participant.status}, ${lock}${place}`;
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
    write(chunk: Buffer, _encoding, callback) {
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

function usage(group: Group, problem: string): UsageError {
  return new UsageError(`${problem}\n\n${HELP[group]}`);
}

function expectArguments(group: Group, args: (string | undefined)[], count: number): string[] {
  const given = args.filter((arg): arg is string => arg !== undefined);
  if (given.length < count) throw usage(group, 'Missing argument.');
  if (given.length > count) throw usage(group, `Unexpected argument "${given[count]}".`);
  return given;
}

type Values = Record<string, string | boolean | undefined>;

const commands: Record<Group, (command: string | undefined, args: string[], values: Values, actor: Actor) => Promise<number>> = {
  async roster(command, args, values, actor) {
    if (command !== 'import') throw usage('roster', command === undefined ? 'Which roster command?' : `Unknown roster command "${command}".`);
    const [file] = expectArguments('roster', args, 1) as [string];
    const rows = await readRoster(file);
    if (rows.length === 0) throw new UsageError(`${file} has no participants.`);
    const sessionName = typeof values.session === 'string' ? values.session : 'Default session';
    const { participants, shortCodes } = await withDatabase(({ db }) => importRoster(db, sessionName, rows, { allowShortCodes: values['allow-short-codes'] === true, actor }));
    if (shortCodes) err(`Warning: ${shortCodes.count} code(s) are short enough to be guessed (line ${shortCodes.weakest.line}: ${shortCodes.weakest.code}, about ${Math.floor(shortCodes.weakest.bits)} bits).`);
    out(`Imported ${participants.length} participant(s) into "${sessionName}".`);
    const generated = participants.filter((participant) => participant.generated);
    if (generated.length > 0) {
      out('Generated codes:');
      out('line,code,full_name');
      for (const participant of generated) out([participant.line, participant.code, participant.fullName].map(csvCell).join(','));
    }
    return 0;
  },

  async room(command, args, values, actor) {
    if (command === 'list') {
      const [session] = expectArguments('room', args, 1) as [string];
      const rooms = await withDatabase(({ db }) => roomsOfSessionNamed(db, session));
      if (rooms.length === 0) out(`"${session}" has no rooms: its participants check in as one list.`);
      for (const room of rooms) out(describeRoom(room));
      return 0;
    }
    if (command !== 'add') throw usage('room', command === undefined ? 'Which room command?' : `Unknown room command "${command}".`);
    const [session, name] = expectArguments('room', args, 2) as [string, string];
    const setup = await roomSetupOptions(values);
    const result = await withDatabase(({ db }) => setUpRoom(db, { session, name, ...setup }, actor));
    const seatsChanged = setup.seats ? ` (${result.seatsAdded} seat(s) added, ${result.seatsRemoved} removed)` : '';
    out(`${result.created ? 'Added' : 'Changed'} room ${describeRoom(result.room)}${seatsChanged}`);
    return 0;
  },

  async participant(command, args, values, actor) {
    if (command !== 'expire' && command !== 'reset' && command !== 'seat') throw usage('participant', command === undefined ? 'Which participant command?' : `Unknown participant command "${command}".`);
    const code = parseCode(expectArguments('participant', args, 1)[0]);
    const reason = typeof values.reason === 'string' ? values.reason : null;
    if (command === 'seat') {
      if ((typeof values.room === 'string') === (values['no-room'] === true)) throw usage('participant', 'Give either --room NAME or --no-room.');
      if (values['no-room'] && values.seat !== undefined) throw usage('participant', '--seat needs --room.');
      const room = typeof values.room === 'string' ? values.room : null;
      const seat = typeof values.seat === 'string' ? values.seat : null;
      out(describe(await withDatabase(({ db }) => moveSeat(db, code, { room, seat }, reason ?? 'moved with the CLI', actor))));
      return 0;
    }
    const [participant] = await withDatabase(({ db }) =>
      command === 'expire' ? setExpired(db, [code], true, reason, actor) : resetLocks(db, [{ code, expectedIp: undefined }], reason, actor),
    );
    out(describe(participant!));
    return 0;
  },

  async throttle(command, args, values, actor) {
    if (command !== 'clear') throw usage('throttle', command === undefined ? 'Which throttle command?' : `Unknown throttle command "${command}".`);
    const reason = typeof values.reason === 'string' ? values.reason : null;
    let by: Unthrottle;
    if (typeof values.address === 'string') {
      expectArguments('throttle', args, 0);
      const address = normaliseIp(values.address);
      if (!address) throw new UsageError(`"${values.address}" is not an IPv4 or IPv6 address.`);
      by = { address };
    } else {
      by = { code: parseCode(expectArguments('throttle', args, 1)[0]) };
    }
    const cleared = await withDatabase(({ db }) => letTryAgain(db, by, reason, actor));
    const who = 'code' in by ? `the code ${by.code}` : `the address ${by.address}`;
    out(cleared === 0 ? `Nothing was throttled for ${who}; recorded anyway.` : `Cleared ${cleared} failure count(s) for ${who}: they can try again now.`);
    return 0;
  },

  async proctor(command, args, values, actor) {
    const reason = typeof values.reason === 'string' ? values.reason : null;
    const role = values.role === undefined ? undefined : String(values.role);
    if (role !== undefined && role !== 'chief' && role !== 'room') throw new UsageError(`--role ${role}: a proctor is a chief or a room proctor (--role chief or --role room).`);
    const rooms = typeof values.rooms === 'string' ? parseRoomRefs(values.rooms) : [];
    if (command === 'add') {
      const [username] = expectArguments('proctor', args, 1) as [string];
      if (role === undefined && rooms.length > 0) throw new UsageError('Give --role room with --rooms.');
      const password = await readPassword();
      const outcome = await withDatabase(async ({ db }) => {
        const added = await addProctor(db, username, password, actor);
        if (role !== undefined) await assignRole(db, username, role, rooms, actor);
        return added;
      });
      out(outcome === 'created' ? `Proctor ${username} created${role === 'room' ? `, room proctor of ${rooms.map((ref) => `${ref.session}/${ref.room}`).join(', ')}` : ''}. They log in at /proctor.` : `Proctor ${username}: password changed; their other sessions have ended.`);
      return 0;
    }
    if (command === 'assign') {
      const [username] = expectArguments('proctor', args, 1) as [string];
      if (role === undefined) throw new UsageError('Give --role chief, or --role room with --rooms "<session>/<room>,...".');
      const assigned = await withDatabase(({ db }) => assignRole(db, username, role, rooms, actor));
      out(role === 'chief' ? `Proctor ${username} is a chief proctor.` : `Proctor ${username} is a room proctor of ${assigned.join(', ')}.`);
      return 0;
    }
    if (command === 'list') {
      expectArguments('proctor', args, 0);
      const accounts = await withDatabase(({ db }) => proctorAccounts(db));
      if (accounts.length === 0) out('No proctor accounts yet: npm run cli -- proctor add <username>.');
      for (const account of accounts) out(`${account.username}: ${account.role === 'chief' ? 'chief' : `room proctor of ${account.rooms.map((room) => `${room.sessionName}/${room.name}`).join(', ') || 'no rooms'}`}`);
      return 0;
    }
    if (command === 'remove') {
      const [username] = expectArguments('proctor', args, 1) as [string];
      const ended = await withDatabase(({ db }) => removeProctor(db, username, reason, actor));
      out(`Proctor ${username} removed; ${ended} session(s) ended.`);
      return 0;
    }
    if (command === 'sessions' && args[0] === 'revoke') {
      const [username] = expectArguments('proctor', args.slice(1), 1) as [string];
      const ended = await withDatabase(({ db }) => revokeProctorSessions(db, username, reason, actor));
      out(`Ended ${ended} session(s) of proctor ${username}.`);
      return 0;
    }
    throw usage('proctor', command === undefined ? 'Which proctor command?' : `Unknown proctor command "${[command, ...args].join(' ')}".`);
  },

  async session(command, args, values, actor) {
    if (command === 'list') {
      expectArguments('session', args, 0);
      const sessions = await withDatabase(({ db }) => allSessionSettings(db));
      if (sessions.length === 0) out('No exam sessions yet: import a roster with npm run cli -- roster import <file.csv>.');
      for (const session of sessions) out(describeSession(session));
      return 0;
    }
    if (command !== 'set') throw usage('session', command === undefined ? 'Which session command?' : `Unknown session command "${command}".`);
    const [name] = expectArguments('session', args, 1) as [string];
    const reason = typeof values.reason === 'string' ? values.reason : 'changed with the CLI';
    const changed = await withDatabase(async ({ db }) => {
      const current = (await allSessionSettings(db)).find((session) => session.name === name);
      const { change, notes } = parseSessionChange(values, typeof values['time-zone'] === 'string' ? values['time-zone'] : (current?.timeZone ?? 'UTC'));
      if (Object.keys(change).length === 0) throw usage('session', 'Nothing to change.');
      const result = await changeSessionByName(db, name, change, reason, actor);
      for (const note of notes) out(note);
      return result;
    });
    out(describeSession(changed));
    return 0;
  },

  async audit(command, args, values) {
    if (command === 'seal') {
      expectArguments('audit', args, 0);
      const seal = await withDatabase(({ db }) => sealAuditLog(db));
      out(`Sealed ${seal.chains} chain(s) holding ${seal.events} audit row(s) at ${seal.sealedAt.toISOString()}.`);
      out(`Digest: ${seal.digest.toString('hex')}`);
      out('Keep the digest outside this database; "npm run cli -- audit verify --seal <digest>" proves that nothing before this moment changed.');
      return 0;
    }
    if (command !== 'verify') throw usage('audit', command === undefined ? 'Which audit command?' : `Unknown audit command "${command}".`);
    expectArguments('audit', args, 0);
    const sealDigest = typeof values.seal === 'string' ? values.seal.trim().toLowerCase() : undefined;
    const report = await withDatabase(({ db }) => verifyAuditLog(db, { sealDigest }));
    for (const violation of report.violations) {
      out(`violation of invariant ${violation.invariant} (${INVARIANTS[violation.invariant]}): ${violation.code ? `${violation.code}: ` : ''}${violation.message}${violation.eventIds.length > 0 ? ` [audit rows ${violation.eventIds.join(', ')}]` : ''}`);
    }
    out(`Checked ${report.participants} participant(s) and ${report.events} audit row(s): ${report.violations.length} violation(s).`);
    if (report.unchained > 0) out(`${report.unchained} audit row(s) were written before the hash chains began (migration 016); their contents are checked by replay only.`);
    if (report.seal) out(`Against the seal of ${report.seal.sealedAt.toISOString()} (${report.seal.chains} chain(s), ${report.seal.events} audit row(s)).`);
    return report.violations.length === 0 ? 0 : 1;
  },

  async receipt(command, args) {
    if (command !== 'verify') throw usage('receipt', command === undefined ? 'Which receipt command?' : `Unknown receipt command "${command}".`);
    expectArguments('receipt', args, 1);
    const receipt = parseReceipt(args[0]!);
    if (receipt === undefined) throw usage('receipt', `"${args[0]}" is not a receipt: ${RECEIPT_LENGTH} characters from ${RECEIPT_ALPHABET}.`);
    const { RECEIPT_KEY } = loadConfig();
    return withDatabase(async ({ db }) => {
      const findings = await findReceipt(db, receiptKey(db, RECEIPT_KEY), receipt);
      if (findings.length === 0) {
        out(`Receipt ${formatReceipt(receipt)} names no check-in: this examgate did not show it to anyone (or the row that finds it was deleted).`);
        return 1;
      }
      let failed = false;
      for (const { lookup, genuine, participantId } of findings) {
        const { participant, auditEvent } = lookup;
        out(`Receipt ${formatReceipt(receipt)}: ${participant.fullName} (${participant.code}), session "${participant.sessionName}".`);
        if (!genuine) {
          out('  NOT GENUINE: the server\'s key did not make this receipt for this check-in; its row was written by hand.');
          failed = true;
          continue;
        }
        if (auditEvent.id === 0) {
          out(`  Genuine, for the lock given at ${auditEvent.at}, but no audit row of that moment gives a lock: it was deleted or changed.`);
          failed = true;
          continue;
        }
        const device = [auditEvent.sourceIp ?? 'address purged', auditEvent.device === null ? null : `device ${auditEvent.device}`].filter(Boolean).join(', ');
        out(`  Genuine: ${auditEvent.type === 'checked_in' ? 'checked in' : 'lock moved to this device by a proctor'} at ${auditEvent.at} (${device}), audit row ${auditEvent.id}.`);
        out(`  ${lookup.holdsLock ? 'That device still holds the lock.' : 'The lock has changed since (reset, moved or purged): see the participant\'s audit rows.'}`);
        const broken = await db.read((handle) => verifyParticipantChain(handle, participantId));
        if (broken) {
          out(`  The participant's hash chain does not verify: ${broken.message}.`);
          failed = true;
        } else out("  The audit row is intact in the participant's hash chain.");
      }
      out(
        RECEIPT_KEY === undefined
          ? "A genuine receipt proves that this examgate let that device in at that moment (only the server's key makes receipts; without RECEIPT_KEY it is kept in the database, and whoever can read app_secrets can make them too). It does not prove who sat at the device."
          : "A genuine receipt proves that this examgate let that device in at that moment (only RECEIPT_KEY, kept outside the database, makes receipts). It does not prove who sat at the device.",
      );
      return failed ? 1 : 0;
    });
  },

  async purge(command, args, values) {
    if (command !== undefined) throw usage('purge', `Unexpected argument "${command}".`);
    expectArguments('purge', args, 0);
    const olderThanS = parseRetention(typeof values['older-than'] === 'string' ? values['older-than'] : '');
    if (olderThanS === undefined) throw usage('purge', 'Say how old records must be: --older-than 30d (days) or 12h (hours).');
    const config = loadConfig();
    const report = await withDatabase(({ db }) => purgePersonalData(db, olderThanS, config.PROCTOR_IDLE_TIMEOUT_MIN));
    out(
      `Purged ${report.auditRows} audit row(s), ${report.deviceChangeRequests} device-change request(s), ${report.finishedLocks} lock(s) of expired codes and closed sessions ` +
        `and ${report.apiTokenUses} API call address(es); ` +
        `deleted ${report.failureCounts} failure count(s), ${report.proctorSessions} ended proctor session(s), ${report.spentChallenges} expired device challenge(s) and ${report.webhookDeliveries} finished webhook delivery row(s).`,
    );
    return 0;
  },

  async webhook(command, args, values) {
    if (command !== 'add' && command !== 'list' && command !== 'remove') throw usage('webhook', command === undefined ? 'Which webhook command?' : `Unknown webhook command "${command}".`);
    await withDatabase(async ({ db }) => {
      if (command === 'add') {
        expectArguments('webhook', args, 0);
        if (typeof values.session !== 'string' || typeof values.url !== 'string') throw usage('webhook', 'Give --session NAME and --url URL.');
        const events = typeof values.events === 'string' ? values.events.split(',').map((type) => type.trim()).filter(Boolean) : [];
        const created = await addSubscription(db, values.session, { url: values.url, eventTypes: events });
        out(`Subscription ${created.id}: ${values.url} receives ${events.length === 0 ? 'every participant event' : events.join(', ')} of "${values.session}" from ${created.activeFrom.toISOString()} on.`);
        out(`Signing secret (shown once; give it to the receiver): ${created.secret}`);
        return;
      }
      if (command === 'remove') {
        const [id] = expectArguments('webhook', args, 1) as [string];
        if (!/^\d+$/.test(id)) throw usage('webhook', `"${id}" is not a subscription id (see webhook list).`);
        await dropSubscription(db, Number(id));
        out(`Subscription ${id} removed; its undelivered events were dropped.`);
        return;
      }
      expectArguments('webhook', args, 0);
      const sessions = await allSessionSettings(db);
      const named = typeof values.session === 'string' ? sessions.find((session) => session.name === values.session) : undefined;
      if (typeof values.session === 'string' && !named) throw new UsageError(`No exam session "${values.session}".`);
      const list = await subscriptions(db, named?.id);
      if (list.length === 0) out('No webhook subscriptions.');
      for (const subscription of list) {
        const session = sessions.find((candidate) => candidate.id === subscription.sessionId)?.name ?? `session ${subscription.sessionId}`;
        const health = subscription.failingSince === null ? 'ok' : `FAILING since ${subscription.failingSince.toISOString()} (${subscription.lastError ?? 'unknown error'})`;
        out(`${subscription.id}  ${session}  ${subscription.url}  events: ${subscription.eventTypes === '*' ? 'all' : subscription.eventTypes}  ${health}; ${subscription.pending} waiting, ${subscription.gaveUp} given up`);
      }
    });
    return 0;
  },

  async token(command, args, values) {
    if (command !== 'create' && command !== 'list' && command !== 'revoke' && command !== 'uses') {
      throw usage('token', command === undefined ? 'Which token command?' : `Unknown token command "${command}".`);
    }
    const when = (date: Date | null) => date?.toISOString() ?? 'never';
    await withDatabase(async ({ db }) => {
      if (command === 'create') {
        expectArguments('token', args, 0);
        if (typeof values.session !== 'string' || typeof values.scope !== 'string') throw usage('token', 'Give --session NAME and --scope SCOPE,...');
        const scopes = parseScopes(values.scope);
        const label = typeof values.name === 'string' ? values.name : `token for ${values.session}`;
        const created = await createToken(db, values.session, scopes, label);
        out(`API token ${created.id} ("${label}") for "${values.session}" (session id ${created.sessionId}: /api/sessions/${created.sessionId}/...), scopes ${scopes.join(', ')}.`);
        out(`Token (shown once; only its hash is kept): ${created.token}`);
        return;
      }
      if (command === 'revoke' || command === 'uses') {
        const [id] = expectArguments('token', args, 1) as [string];
        if (!/^\d+$/.test(id)) throw usage('token', `"${id}" is not a token id (see token list).`);
        if (command === 'revoke') {
          await revoke(db, Number(id));
          out(`API token ${id} revoked: refused from the next request on.`);
          return;
        }
        const uses = await recentUses(db, Number(id));
        if (uses.length === 0) out(`API token ${id} has not been used.`);
        for (const use of uses) out(`${when(use.at)}  ${use.method} ${use.path}  ${use.status ?? '-'}  from ${use.sourceIp ?? 'unknown'}`);
        return;
      }
      expectArguments('token', args, 0);
      const list = await tokens(db);
      if (list.length === 0) out('No API tokens.');
      for (const token of list) {
        out(`${token.id}  "${token.name}"  ${token.sessionName}  ${token.scopes.join(',')}  used ${token.uses}x, last ${when(token.lastUsedAt)}  ${token.revokedAt ? `REVOKED ${when(token.revokedAt)}` : 'active'}`);
      }
    });
    return 0;
  },

  async keys(command, args, _values, actor) {
    if (command !== 'list' && command !== 'rotate') throw usage('keys', command === undefined ? 'Which keys command?' : `Unknown keys command "${command}".`);
    expectArguments('keys', args, 0);
    const when = (date: Date) => date.toISOString();
    await withDatabase(async ({ db }) => {
      const tokens = new AdmissionTokens(db);
      if (command === 'rotate') {
        const rotated = await tokens.rotate(actor);
        out(`Added key ${rotated.kid}: published now, signs in ${rotated.signsAfterS} s.`);
        for (const kid of rotated.retiring) out(`Key ${kid} signs until then, and stays published until its last tokens have expired.`);
      }
      const keys = await tokens.list();
      if (keys.length === 0) out('No keys yet: the first admission token creates one.');
      for (const key of keys) {
        const state = key.signing ? 'signing' : key.retiredAt === null ? 'published, signs soon' : `retired ${when(key.retiredAt)}`;
        out(`${key.kid}  created ${when(key.createdAt)}  ${state}`);
      }
    });
    return 0;
  },

  async db(command, args) {
    if (command !== 'stop') throw usage('db', command === undefined ? 'Which db command?' : `Unknown db command "${command}".`);
    expectArguments('db', args, 0);
    const config = loadConfig();
    if (config.DATABASE_URL) throw new UsageError('DATABASE_URL is set: examgate runs no private database server to stop.');
    const outcome = await stopPrivateServer(path.resolve(config.DATA_DIR));
    if ('inUseBy' in outcome) throw new UsageError(`The private database server is in use by examgate (pid ${outcome.inUseBy}). Stop that first (Ctrl-C in its terminal).`);
    out('stopped' in outcome ? `Stopped the private database server (pid ${outcome.stopped}).` : `No private database server is running for ${path.resolve(config.DATA_DIR)}.`);
    return 0;
  },
};

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      session: { type: 'string' },
      reason: { type: 'string' },
      address: { type: 'string' },
      'allow-short-codes': { type: 'boolean' },
      'older-than': { type: 'string' },
      'lock-policy': { type: 'string' },
      networks: { type: 'string' },
      'no-networks': { type: 'boolean' },
      room: { type: 'string' },
      seat: { type: 'string' },
      'no-room': { type: 'boolean' },
      opens: { type: 'string' },
      closes: { type: 'string' },
      'time-zone': { type: 'string' },
      'continue-url': { type: 'string' },
      url: { type: 'string' },
      events: { type: 'string' },
      scope: { type: 'string' },
      name: { type: 'string' },
      seal: { type: 'string' },
      seating: { type: 'string' },
      role: { type: 'string' },
      rooms: { type: 'string' },
      'device-sharing': { type: 'string' },
      'room-codes': { type: 'string' },
      capacity: { type: 'string' },
      seats: { type: 'string' },
      'seats-csv': { type: 'string' },
    },
  });
  const [group, command, ...args] = positionals;
  if (group === undefined || group === 'help') return out(HELP.main), values.help || group === 'help' ? 0 : 1;
  if (!isGroup(group)) throw new UsageError(`Unknown command "${group}".\n\n${HELP.main}`);
  if (values.help) return out(HELP[group]), 0;
  const cliActor: Actor = { name: 'cli', ip: null, requestId: randomUUID() };
  return commands[group](command, args, values, cliActor);
}

function databaseContext() {
  try {
    const config = loadConfig();
    return { databaseUrl: config.DATABASE_URL };
  } catch {
    return {};
  }
}

// Standard output to a pipe is written asynchronously: exiting at once would cut off what is still queued
// (the generated codes of a big roster). The callback of an empty write runs once everything before it is out.
const exitAfterOutput = (code: number) => process.stdout.write('', () => process.exit(code));

run(process.argv.slice(2)).then(
  (code) => exitAfterOutput(code),
  (error: unknown) => {
    if (error instanceof RosterRejectedError) {
      err('Nothing was imported. Problems:');
      for (const problem of error.problems) err(`  line ${problem.line}: ${problem.message}`);
    } else if (error instanceof ShortCodesError) {
      const { count, weakest } = error.short;
      err(`Nothing was imported: ${count} code(s) are short enough to be guessed (line ${weakest.line}: ${weakest.code}, about ${Math.floor(weakest.bits)} bits; at least ${MIN_CODE_BITS} are needed).`);
      err('Leave the code column empty to have codes generated, or pass --allow-short-codes to import them anyway.');
    } else if (error instanceof CsvError) {
      err(`Nothing was imported: the file is not valid CSV (${error.message})`);
    } else if (error instanceof UsageError || error instanceof AppError) {
      err(error.message);
    } else if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) {
      err(`${error.message}\n\n${HELP.main}`);
    } else {
      const explained = explainFailure(error, databaseContext());
      err(explained ?? `The command failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
      if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) err(error.stack);
      else if (!explained) err('Run it again with LOG_LEVEL=debug to see where.');
    }
    process.exit(1);
  },
);
