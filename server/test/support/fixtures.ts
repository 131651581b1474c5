import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type mysql from 'mysql2/promise';
import type { DeviceSharing, LockPolicy } from '../../../contracts/lock-policy.ts';
import type { RoomCodeMode } from '../../../contracts/room-codes.ts';
import { rewriteParticipantChain } from './audit-chains.ts';

export interface TestParticipant {
  code: string;
  fullName: string;
  sessionId: number;
}

let sequence = 0;

export function uniqueCode(prefix = 'T'): string {
  sequence += 1;
  return `${prefix}${sequence}-${randomBytes(5).toString('hex')}`.toUpperCase();
}

export interface SessionOptions {
  // The tests written before lock policies run under `address`, the behaviour they specify.
  lockPolicy?: LockPolicy;
  allowedNetworks?: string[];
  opensAt?: string;
  closesAt?: string;
  timeZone?: string;
  continueUrl?: string;
  seating?: 'none' | 'fixed' | 'at_check_in';
  // The schema's default: flagged.
  deviceSharing?: DeviceSharing;
  // The schema's default: off.
  roomCodes?: RoomCodeMode;
}

export async function createSession(sql: mysql.Connection, options: SessionOptions = {}): Promise<number> {
  const [result] = await sql.query<mysql.ResultSetHeader>(
    `INSERT INTO exam_sessions (name, created_at, lock_policy, allowed_networks, opens_at, closes_at, time_zone, continue_url, seating, device_sharing, room_codes)
     VALUES (?, UTC_TIMESTAMP(3), ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      `Session ${uniqueCode()}`,
      options.lockPolicy ?? 'address',
      options.allowedNetworks?.join(',') ?? null,
      options.opensAt ? new Date(options.opensAt) : null,
      options.closesAt ? new Date(options.closesAt) : null,
      options.timeZone ?? 'UTC',
      options.continueUrl ?? null,
      options.seating ?? 'none',
      options.deviceSharing ?? 'flagged',
      options.roomCodes ?? 'off',
    ],
  );
  return result.insertId;
}

// A room of the session with seats `labels` (in plan order, each with a random draw), its participants put in it.
export async function createRoom(
  sql: mysql.Connection,
  sessionId: number,
  options: { name?: string; seats?: string[]; allowedNetworks?: string[]; participants?: TestParticipant[] } = {},
): Promise<{ id: number; name: string }> {
  const name = options.name ?? `Room ${uniqueCode()}`;
  const [result] = await sql.query<mysql.ResultSetHeader>('INSERT INTO rooms (session_id, name, allowed_networks, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))', [
    sessionId,
    name,
    options.allowedNetworks?.join(',') ?? null,
  ]);
  const id = result.insertId;
  const seats = options.seats ?? [];
  for (let start = 0; start < seats.length; start += 500) {
    const batch = seats.slice(start, start + 500);
    await sql.query(`INSERT INTO seats (room_id, label, position, draw) VALUES ${batch.map(() => '(?, ?, ?, FLOOR(RAND() * 2147483648))').join(', ')}`, batch.flatMap((label, index) => [id, label, start + index]));
  }
  const codes = (options.participants ?? []).map((participant) => participant.code);
  if (codes.length > 0) {
    await sql.query('UPDATE participants SET room_id = ? WHERE code IN (?)', [id, codes]);
    // As the roster import places them: an audited seat_changed row each, a link of their chain (audit verify
    // holds every place to the rows that gave it).
    await sql.query(
      `INSERT INTO audit_events (participant_id, code, event_type, request_id, actor, reason, status_before, status_after, room_id, created_at, chain_seq, personal_digest, chain_hash)
       SELECT id, code, 'seat_changed', ?, 'test fixture', 'placed in the room', status, status, room_id, UTC_TIMESTAMP(3), chain_seq + 1, ?, ? FROM participants WHERE code IN (?)`,
      [`fixture-${randomBytes(6).toString('hex')}`, Buffer.alloc(32), Buffer.alloc(32), codes],
    );
    for (const code of codes) await rewriteParticipantChain(sql, code);
  }
  return { id, name };
}

export async function createParticipants(
  sql: mysql.Connection,
  count: number,
  options: {
    status?: 'unused' | 'in_progress' | 'expired';
    fullName?: (index: number) => string;
    session?: SessionOptions;
  } = {},
): Promise<TestParticipant[]> {
  const sessionId = await createSession(sql, options.session);
  const participants = Array.from({ length: count }, (_, index) => ({
    code: uniqueCode(),
    fullName: options.fullName?.(index) ?? `Participant ${index} ${randomBytes(3).toString('hex')}`,
    sessionId,
  }));
  for (const participant of participants) {
    await sql.query('INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))', [
      sessionId,
      participant.code,
      participant.fullName,
      options.status ?? 'unused',
    ]);
  }
  return participants;
}

export async function createParticipant(sql: mysql.Connection, options: Parameters<typeof createParticipants>[2] = {}): Promise<TestParticipant> {
  const [participant] = await createParticipants(sql, 1, options);
  return participant!;
}

export interface ParticipantRow extends RowDataPacket {
  id: number;
  code: string;
  full_name: string;
  status: string;
  locked_ip: string | null;
  device_locked_at: Date | null;
  entered_at: Date | null;
}

export async function participantRow(sql: mysql.Connection, code: string): Promise<ParticipantRow> {
  const [[row]] = await sql.query<ParticipantRow[]>('SELECT * FROM participants WHERE code = ?', [code]);
  if (!row) throw new Error(`no participant ${code}`);
  return row;
}

export interface AuditRow extends RowDataPacket {
  id: number;
  participant_id: number | null;
  code: string;
  event_type: string;
  source_ip: string | null;
  user_agent: string | null;
  request_id: string;
  created_at: Date;
}

export async function auditRows(sql: mysql.Connection, code: string): Promise<AuditRow[]> {
  const [rows] = await sql.query<AuditRow[]>('SELECT * FROM audit_events WHERE code = ? ORDER BY id', [code]);
  return rows;
}

export async function tableSnapshot(sql: mysql.Connection, table: 'participants' | 'audit_events'): Promise<unknown[]> {
  const [rows] = await sql.query<RowDataPacket[]>(`SELECT * FROM ${table} ORDER BY id`);
  return rows;
}

// Holds a participant's row lock from outside the code under test until release() is called.
export async function holdRowLock(url: string, code: string): Promise<{ release(): Promise<void> }> {
  const { default: mysqlDriver } = await import('mysql2/promise');
  const holder = await mysqlDriver.createConnection({ uri: url });
  await holder.query('START TRANSACTION');
  await holder.query('SELECT id FROM participants WHERE code = ? FOR UPDATE', [code]);
  return {
    release: async () => {
      await holder.query('ROLLBACK');
      await holder.end();
    },
  };
}

// Transactions of this database's connections that are waiting for a row lock (the test database server
// is shared by files running in parallel, hence the filter). InnoDB refreshes innodb_trx only when it
// has not been read for 100 ms: poll it at LOCK_WAIT_POLL, or it never changes.
export const LOCK_WAIT_POLL = { intervalMs: 150 };

export async function lockWaits(sql: mysql.Connection, database: string): Promise<number> {
  const [[row]] = await sql.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS waiting FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
      WHERE t.trx_state = 'LOCK WAIT' AND p.db = ?`,
    [database],
  );
  return Number(row!.waiting);
}

// A minute (or `seconds`) goes by for a participant's history: its audit rows move back in time (their
// hash chain rewritten to match, so the log still verifies). Rules that look at how recent the holder's
// last use was (a copied device key) then see an old use.
export async function timePasses(sql: mysql.Connection, code: string, seconds = 60): Promise<void> {
  await sql.query('UPDATE audit_events SET created_at = created_at - INTERVAL ? SECOND WHERE code = ?', [seconds, code]);
  await rewriteParticipantChain(sql, code);
}
