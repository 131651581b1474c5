import type { ErrorRequestHandler, Request } from 'express';
import type { RowDataPacket } from 'mysql2/promise';
import { recordAccountChange } from '../audit/audit.repo.ts';
import { type Database, databaseNow, withTransaction } from '../lib/database.ts';
import { ForbiddenError, OutOfScopeError } from '../lib/errors.ts';
import { clientIp } from '../lib/client-ip.ts';
import { routePattern } from '../lib/http.ts';

// The participants a room proctor's request names, by where each one's code comes from.
export type NamedBy = 'param' | 'body' | 'request';

function codesNamed(req: Request, by: NamedBy): string[] {
  if (by === 'param') return typeof req.params.code === 'string' ? [req.params.code] : [];
  const body = (req.body ?? {}) as { items?: { code?: unknown }[]; codes?: unknown[]; participantCode?: unknown };
  const codes = [...(Array.isArray(body.items) ? body.items.map((item) => item?.code) : []), ...(Array.isArray(body.codes) ? body.codes : []), body.participantCode];
  return codes.filter((code): code is string => typeof code === 'string');
}

export function chiefOnly(req: Request): void {
  if (!req.proctor!.scope.isChief) throw new ForbiddenError('Only a chief proctor can do this; a room proctor acts on the participants of their rooms.');
}

// A participant outside the proctor's rooms is answered as one that does not exist, with the same words,
// and the try is audited (auditOutOfScope). Codes that do not exist are left to the route (its own 404, not
// audited). The action asks again under the participant's row lock (ProctorScope.requireCovers): they may be
// moved out of the room between this read and that lock.
export async function requireParticipantsInScope(db: Database, req: Request, by: NamedBy): Promise<void> {
  const { scope } = req.proctor!;
  if (scope.isChief) return;
  // A request about no participant (an incident for the whole session) is about the whole session: a chief's.
  if (by === 'body' && codesNamed(req, by).length === 0) chiefOnly(req);
  const found = by === 'request' ? await db.read((handle) => handle.rows<PlaceRow>(ROOM_OF_REQUEST, [Number(req.params.id)])) : await roomsOfCodes(db, codesNamed(req, by));
  for (const row of found) scope.requireCovers({ code: row.code, roomId: roomIdOf(row) }, by === 'request' ? 'No such device-change request.' : undefined);
}

// Every out-of-scope answer, the guard's or an action's under the row lock, is audited on its way out: a
// proctor_account_changed row naming the code tried and the route, written after the action rolled back.
export function auditOutOfScope(db: Database): ErrorRequestHandler {
  return async (error, req, _res, next) => {
    if (error instanceof OutOfScopeError && req.proctor) {
      // The answer goes out even when the audit cannot be written (the database gone meanwhile).
      await refuse(db, req, error.participantCode).catch(() => undefined);
    }
    next(error);
  };
}

// A read that found a participant outside the proctor's rooms (a receipt's): audited, and the caller
// answers as if nothing had been found.
export async function coveredParticipant(db: Database, req: Request, code: string): Promise<boolean> {
  const { scope } = req.proctor!;
  if (scope.isChief) return true;
  const [row] = await roomsOfCodes(db, [code]);
  if (row && scope.coversRoom(roomIdOf(row))) return true;
  await refuse(db, req, code);
  return false;
}

type PlaceRow = RowDataPacket & { code: string; room_id: number | null };
const ROOM_OF_REQUEST = 'SELECT p.code, p.room_id FROM device_change_requests r JOIN participants p ON p.id = r.participant_id WHERE r.id = ?';
const roomIdOf = (row: PlaceRow) => (row.room_id === null ? null : Number(row.room_id));

async function roomsOfCodes(db: Database, codes: readonly string[]): Promise<PlaceRow[]> {
  if (codes.length === 0) return [];
  return db.read((handle) => handle.rows<PlaceRow>(`SELECT code, room_id FROM participants WHERE code IN (${codes.map(() => '?').join(', ')})`, [...codes]));
}

async function refuse(db: Database, req: Request, code: string): Promise<void> {
  const { username } = req.proctor!;
  await withTransaction(db, async (tx) =>
    recordAccountChange(
      tx,
      { sourceIp: clientIp(req), userAgent: null, requestId: req.id, actor: username, reason: null },
      { username, change: 'out_of_scope', sessionsEnded: 0, at: await databaseNow(tx), tried: { code, route: `${req.method} ${routePattern(req)}` } },
    ),
  );
}
