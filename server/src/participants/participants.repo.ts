import type { RowDataPacket } from 'mysql2/promise';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import type { ParticipantState } from '../../../contracts/participant-state.ts';
import type { SqlHandle, Statement, Tx } from '../lib/database.ts';

// A participant row read under its row lock: its state (see contracts/participant-state.ts), with the
// last refusal named by its audit id.
export interface LockedParticipant extends ParticipantState<Date, number> {
  id: number;
  sessionId: number;
  code: string;
  fullName: string;
  lastGuessAt: Date | null;
  // The participant's audit chain: its length and last hash (see audit-chain.ts), advanced by recordEvent.
  chainSeq: number;
  chainHead: Buffer | null;
  // Where they sit (contracts/rooms.ts): null without a room, or without a seat yet.
  roomId: number | null;
  seat: string | null;
  // The database's clock, read under the lock, so that every time written by this transaction is one
  // consistent UTC instant computed by the database, later than the commit of whatever it waited for.
  now: Date;
}

interface LockedParticipantRow extends RowDataPacket {
  id: number;
  session_id: number;
  code: string;
  full_name: string;
  status: ParticipantStatus;
  locked_ip: string | null;
  locked_device: string | null;
  lock_event_id: number | null;
  device_locked_at: Date | null;
  entered_at: Date | null;
  conflict_open: number;
  refused_attempts: number;
  last_refusal_event_id: number | null;
  last_guess_at: Date | null;
  chain_seq: number;
  chain_head: Buffer | null;
  room_id: number | null;
  seat: string | null;
  now: Date;
}

// `now` is SYSDATE, the time the row is read, after its lock was granted (UTC_TIMESTAMP is the time the
// statement started, which may be before the transaction it waited for committed): so a participant's
// events are stamped in commit order, which the live stream relies on (sessions run in UTC).
// The participant row alone: its session's rules come from the SessionCache. A join would make FOR UPDATE
// lock the session row too (every check-in of a session behind one lock), and a subquery cost the
// database a sixth of its CPU per check-in.
const LOCKED_PARTICIPANT_COLUMNS = `
  p.id, p.session_id, p.code, p.full_name, p.status, p.locked_ip, p.locked_device, p.lock_event_id, p.device_locked_at, p.entered_at, p.conflict_open,
  p.refused_attempts, p.last_refusal_event_id, p.last_guess_at, p.chain_seq, p.chain_head, p.room_id, p.seat, SYSDATE(3) AS now`;

const LOCK_PARTICIPANT_BY_CODE = `SELECT ${LOCKED_PARTICIPANT_COLUMNS} FROM participants p WHERE p.code = ? FOR UPDATE`;

export async function lockParticipantByCode(tx: Tx, code: string): Promise<LockedParticipant | undefined> {
  const [row] = await tx.rows<LockedParticipantRow>(LOCK_PARTICIPANT_BY_CODE, [code]);
  return row && toLockedParticipant(row);
}

// Many at once, in code order (a roster import's newcomers, which nobody else can know yet).
export async function lockParticipantsByCodes(tx: Tx, codes: readonly string[]): Promise<LockedParticipant[]> {
  if (codes.length === 0) return [];
  const rows = await tx.rows<LockedParticipantRow>(
    `SELECT ${LOCKED_PARTICIPANT_COLUMNS} FROM participants p WHERE p.code IN (${codes.map(() => '?').join(', ')}) ORDER BY p.code FOR UPDATE`,
    [...codes],
  );
  return rows.map(toLockedParticipant);
}

// Since when the attempting device has been failing, if it has: a plain (non-locking) read of its row in
// attempt_failures, inside the row-lock statement so that it costs no round trip. It tells the guard to
// take that row's lock and count exactly; kept in the database, it cannot be shed by replaying an older
// device key, as a mark in the key could.
const DEVICE_FAILING_SINCE = '(SELECT window_started_at FROM attempt_failures WHERE scope = ?) AS device_failing_since';
const LOCK_PARTICIPANT_FOR_ATTEMPT = `SELECT ${LOCKED_PARTICIPANT_COLUMNS}, ${DEVICE_FAILING_SINCE} FROM participants p WHERE p.code = ? FOR UPDATE`;
const NOW_FOR_UNKNOWN_CODE = `SELECT SYSDATE(3) AS now, ${DEVICE_FAILING_SINCE}`;

export interface AttemptStart {
  participant: LockedParticipant | undefined;
  // The database's clock, also when the code is unknown (a second round trip, for guesses).
  now: Date;
  deviceFailingSince: Date | null;
  // Whether the attempt's challenge was spent just now (false: someone spent it before); undefined when the
  // attempt had none, or its code is unknown.
  challengeFresh: boolean | undefined;
}

// A challenge is spent by inserting it; the row-lock statement right after reads ROW_COUNT() (1: inserted,
// 0: already there), so that spending costs no round trip. The insert takes its key's lock first, so two
// requests with one challenge queue there and the second finds it spent, on a Galera cluster too.
const SPEND_CHALLENGE = 'INSERT IGNORE INTO device_challenges_used (nonce, expires_at) VALUES (?, ?)';
const CHALLENGE_FRESH = 'ROW_COUNT() AS challenge_fresh';
const LOCK_PARTICIPANT_SPENDING_CHALLENGE = `SELECT ${LOCKED_PARTICIPANT_COLUMNS}, ${DEVICE_FAILING_SINCE}, ${CHALLENGE_FRESH} FROM participants p WHERE p.code = ? FOR UPDATE`;

// `alongside`: statements that travel in the same round trip right after the row lock (seats.repo.ts's
// probe for a free seat, session-devices.repo.ts's claim of the device); their rows come back as
// `alongsideRows`, one entry per statement.
export async function lockParticipantForAttempt(
  tx: Tx,
  code: string,
  deviceScope: string,
  challenge?: { nonce: string; expiresAt: Date },
  alongside: readonly Statement[] = [],
): Promise<AttemptStart & { alongsideRows?: RowDataPacket[][] }> {
  if (challenge) tx.defer(SPEND_CHALLENGE, [challenge.nonce, challenge.expiresAt]);
  const lock = { sql: challenge ? LOCK_PARTICIPANT_SPENDING_CHALLENGE : LOCK_PARTICIPANT_FOR_ATTEMPT, values: [deviceScope, code] };
  const [rows, ...alongsideRows] = await tx.rowsOfEach([lock, ...alongside]);
  const row = rows![0] as (LockedParticipantRow & { device_failing_since: Date | null; challenge_fresh?: number }) | undefined;
  const challengeFresh = challenge && row ? Number(row.challenge_fresh) === 1 : undefined;
  if (row) return { participant: toLockedParticipant(row), now: row.now, deviceFailingSince: row.device_failing_since, challengeFresh, alongsideRows };
  const [clock] = await tx.rows<RowDataPacket & { now: Date; device_failing_since: Date | null }>(NOW_FOR_UNKNOWN_CODE, [deviceScope]);
  return { participant: undefined, now: clock!.now, deviceFailingSince: clock!.device_failing_since, challengeFresh };
}

// The audit event that gave the holder the lock, once the transaction that wrote it has committed (inside
// it, the event is only JUST_INSERTED).
export async function lockEventOf(db: SqlHandle, participantId: number): Promise<number | null> {
  const [row] = await db.rows<RowDataPacket & { lock_event_id: number | null }>('SELECT lock_event_id FROM participants WHERE id = ?', [participantId]);
  return row?.lock_event_id == null ? null : Number(row.lock_event_id);
}

// Someone failed on this code: its next attempts read the failures of their (address, code) pair.
const MARK_GUESS_AT = 'UPDATE participants SET last_guess_at = GREATEST(COALESCE(last_guess_at, ?), ?) WHERE id = ?';

export function markGuess(tx: Tx, participantId: number, at: Date): void {
  tx.defer(MARK_GUESS_AT, [at, at, participantId]);
}

function toLockedParticipant(row: LockedParticipantRow): LockedParticipant {
  return {
    id: row.id,
    sessionId: row.session_id,
    code: row.code,
    fullName: row.full_name,
    status: row.status,
    lockedIp: row.locked_ip,
    lockedDevice: row.locked_device,
    lockEvent: row.lock_event_id === null ? null : Number(row.lock_event_id),
    deviceLockedAt: row.device_locked_at,
    enteredAt: row.entered_at,
    conflictOpen: Number(row.conflict_open) === 1,
    refusedAttempts: Number(row.refused_attempts),
    lastRefusal: row.last_refusal_event_id === null ? null : Number(row.last_refusal_event_id),
    lastGuessAt: row.last_guess_at,
    chainSeq: Number(row.chain_seq),
    chainHead: row.chain_head,
    roomId: row.room_id === null ? null : Number(row.room_id),
    seat: row.seat,
    now: row.now,
  };
}

// Absolute values: the caller holds the row lock and computed them from the locked row. The event just
// recorded is named by LAST_INSERT_ID(), so this must follow its audit insert in the same batch.
const WRITE_STATE = `
  UPDATE participants
     SET status = ?, locked_ip = ?, locked_device = ?, lock_event_id = IF(?, LAST_INSERT_ID(), ?), device_locked_at = ?,
         entered_at = ?, conflict_open = ?, refused_attempts = ?, last_refusal_event_id = IF(?, LAST_INSERT_ID(), ?),
         status_updated_at = IF(?, ?, status_updated_at), chain_seq = ?, chain_head = ?, seat = ?
   WHERE id = ?`;

// A seat whose row this transaction locked (see seats.repo.ts).
export interface SeatTaken {
  roomId: number;
  draw: number;
  label: string;
}

export const JUST_INSERTED = Symbol('the audit event inserted just before');

export function writeState(
  tx: Tx,
  participant: LockedParticipant,
  after: ParticipantState<Date, number | typeof JUST_INSERTED>,
  chain: { seq: number; head: Buffer },
): void {
  const refusal = after.lastRefusal;
  const lockEvent = after.lockEvent;
  tx.defer(WRITE_STATE, [
    after.status,
    after.lockedIp,
    after.lockedDevice,
    lockEvent === JUST_INSERTED,
    lockEvent === JUST_INSERTED ? null : lockEvent,
    after.deviceLockedAt,
    after.enteredAt,
    after.conflictOpen,
    after.refusedAttempts,
    refusal === JUST_INSERTED,
    refusal === JUST_INSERTED ? null : refusal,
    after.status !== participant.status,
    participant.now,
    chain.seq,
    chain.head,
    participant.seat,
    participant.id,
  ]);
}

// The chain's new head when the event changed nothing else (and the seat, which a re-entry may have been given).
export function writeChainHead(tx: Tx, participant: Pick<LockedParticipant, 'id' | 'seat'>, chain: { seq: number; head: Buffer }): void {
  tx.defer('UPDATE participants SET chain_seq = ?, chain_head = ?, seat = ? WHERE id = ?', [chain.seq, chain.head, participant.seat, participant.id]);
}

const CLOSE_PENDING_REQUESTS = `
  UPDATE device_change_requests SET status = 'declined', resolved_at = UTC_TIMESTAMP(3), resolved_by = ?
   WHERE participant_id = ? AND status = 'pending'`;

// A participant has at most one open device-change request; see the state table's `request` column.
export function closePendingRequests(tx: Tx, participantId: number, by: string): void {
  tx.defer(CLOSE_PENDING_REQUESTS, [by.slice(0, 64), participantId]);
}

// A proctor moved the participant to another room (or out of every room); their seat goes with the event.
export function setRoom(tx: Tx, participantId: number, roomId: number | null): void {
  tx.defer('UPDATE participants SET room_id = ? WHERE id = ?', [roomId, participantId]);
}

// The participant's place on the roster, as the event's rule says (see EventRule.roster).
export function setWithdrawn(tx: Tx, participantId: number, at: Date | null): void {
  tx.defer('UPDATE participants SET withdrawn_at = ? WHERE id = ?', [at, participantId]);
}
