import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type mysql from 'mysql2/promise';
import { nameCheck } from '../../src/checkin/full-name.ts';

export interface TestParticipant {
  code: string;
  fullName: string;
}

let sequence = 0;

export function uniqueCode(prefix = 'T'): string {
  sequence += 1;
  return `${prefix}${sequence}-${randomBytes(5).toString('hex')}`.toUpperCase();
}

export async function createSession(sql: mysql.Connection, name = `Session ${uniqueCode()}`): Promise<number> {
  const [result] = await sql.query<mysql.ResultSetHeader>('INSERT INTO exam_sessions (name, created_at) VALUES (?, UTC_TIMESTAMP(3))', [name]);
  return result.insertId;
}

export async function createParticipants(
  sql: mysql.Connection,
  count: number,
  options: {
    status?: 'unused' | 'in_progress' | 'expired';
    fullName?: (index: number) => string;
    // Stored by the roster import; without it (rows from before migration 007) every attempt is decided
    // by the application, which then stores it.
    nameCheck?: boolean;
    // A code that guessed within the failure window: the check-in procedure leaves all its attempts to
    // the application, which counts the failures first.
    guessedRecently?: boolean;
  } = {},
): Promise<TestParticipant[]> {
  const sessionId = await createSession(sql);
  const participants = Array.from({ length: count }, (_, index) => ({
    code: uniqueCode(),
    fullName: options.fullName?.(index) ?? `Participant ${index} ${randomBytes(3).toString('hex')}`,
  }));
  for (const participant of participants) {
    await sql.query(
      `INSERT INTO participants (session_id, code, full_name, name_check, status, status_updated_at, last_guess_at)
       VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3), ${options.guessedRecently ? 'UTC_TIMESTAMP(3)' : 'NULL'})`,
      [sessionId, participant.code, participant.fullName, options.nameCheck === false ? null : nameCheck(participant.fullName), options.status ?? 'unused'],
    );
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
