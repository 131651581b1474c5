import type { ProctorRole } from '../../../contracts/proctor.ts';
import { recordAccountChange } from '../audit/audit.repo.ts';
import { findSessionByName } from '../exam-sessions/exam-sessions.repo.ts';
import { type Database, databaseNow, withTransaction } from '../lib/database.ts';
import { InvalidInputError, NotFoundError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import { roomsOfSession, sameRoomName } from '../rooms/rooms.repo.ts';
import { listProctors, lockProctor, type ScopeRoomNamed, setRoleAndRooms } from './proctor-auth.repo.ts';

// "<session>/<room>", as an operator writes it ("Final/Hall A").
export interface RoomRef {
  session: string;
  room: string;
}

export function parseRoomRefs(list: string): RoomRef[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const slash = item.lastIndexOf('/');
      if (slash <= 0 || slash === item.length - 1) throw new InvalidInputError(`"${item}" is not a room: write it as <session>/<room>, such as "Final/Hall A".`);
      return { session: item.slice(0, slash).trim(), room: item.slice(slash + 1).trim() };
    });
}

// A chief has no rooms (every room is theirs); a room proctor has at least one. Takes effect with the
// proctor's next request (their open dashboards included), and is audited.
export async function assignRole(db: Database, username: string, role: ProctorRole, refs: readonly RoomRef[], actor: Actor): Promise<string[]> {
  if (role === 'chief' && refs.length > 0) throw new InvalidInputError('A chief proctor has every room: give --rooms only with --role room.');
  if (role === 'room' && refs.length === 0) throw new InvalidInputError('A room proctor needs at least one room: --rooms "<session>/<room>,...".');
  return withTransaction(db, async (tx) => {
    const proctor = await lockProctor(tx, username.toLowerCase());
    if (!proctor) throw new NotFoundError(`No proctor is called ${username}.`);
    const rooms: { id: number; label: string }[] = [];
    for (const ref of refs) {
      const session = await findSessionByName(tx, ref.session);
      if (!session) throw new NotFoundError(`No exam session is called "${ref.session}".`);
      const room = (await roomsOfSession(tx, session.id)).find((candidate) => sameRoomName(candidate.name, ref.room));
      if (!room) throw new NotFoundError(`"${session.name}" has no room "${ref.room}" (see npm run cli -- room list "${session.name}").`);
      if (!rooms.some((known) => known.id === room.id)) rooms.push({ id: room.id, label: `${session.name}/${room.name}` });
    }
    await setRoleAndRooms(tx, proctor.id, role, rooms.map((room) => room.id));
    await recordAccountChange(
      tx,
      { sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name, reason: null },
      { username: proctor.username, change: 'role_changed', sessionsEnded: 0, at: await databaseNow(tx), role: { role, rooms: rooms.map((room) => room.label) } },
    );
    return rooms.map((room) => room.label);
  });
}

export async function proctorAccounts(db: Database): Promise<{ username: string; role: ProctorRole; rooms: ScopeRoomNamed[] }[]> {
  return db.read(listProctors);
}
