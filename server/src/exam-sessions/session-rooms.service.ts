import { AllowedNetwork } from '../../../contracts/exam-session.ts';
import { RoomName } from '../../../contracts/rooms.ts';
import type { RoomCodesResponse } from '../../../contracts/room-codes.ts';
import { recordSessionChange } from '../audit/audit.repo.ts';
import { normaliseNetwork } from '../lib/client-ip.ts';
import { type Database, databaseNow, withTransaction } from '../lib/database.ts';
import { InvalidInputError, NotFoundError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import type { ProctorScope } from '../lib/proctor-scope.ts';
import type { RoomCodes } from '../rooms/room-codes.ts';
import { SESSION_CHANGED } from './session-cache.ts';
import { findSessionByName, lockOrCreateSession, readSession } from './exam-sessions.repo.ts';
import { insertRoom, lockRoom, lockSeatsOfRoom, type Room, roomsOfSession, updateRoom, writeSeatPlan } from '../rooms/rooms.repo.ts';

export interface RoomSetup {
  session: string;
  name: string;
  // Undefined: unchanged (a new room has none).
  capacity?: number | null;
  allowedNetworks?: string[];
  // The whole seat plan in order (contracts/rooms.ts expandSeatRanges); undefined: unchanged.
  seats?: string[];
}

export interface RoomSetupResult {
  room: Room;
  created: boolean;
  seatsAdded: number;
  seatsRemoved: number;
}

function checkedNetworks(networks: string[]): string[] {
  const bad = networks.filter((network) => !AllowedNetwork.safeParse(network).success);
  if (bad.length > 0) throw new InvalidInputError(`not an IPv4/IPv6 address or CIDR range: ${bad.join(', ')}`, bad.map((network) => ({ path: 'allowedNetworks', message: network })));
  return [...new Set(networks.map((network) => normaliseNetwork(network) ?? network))];
}

// Creates the room (and its session, as a roster import does) or changes it. A seat plan may grow and be
// reordered at any time; a seat a participant holds cannot be removed. Audited as a change of the
// session's settings, and applied by every instance within a second, like one.
export async function setUpRoom(db: Database, setup: RoomSetup, actor: Actor): Promise<RoomSetupResult> {
  const name = RoomName.safeParse(setup.name);
  if (!name.success) throw new InvalidInputError(name.error.issues[0]!.message, [{ path: 'room', message: name.error.issues[0]!.message }]);
  if (setup.capacity != null && (!Number.isInteger(setup.capacity) || setup.capacity < 1)) throw new InvalidInputError('capacity must be a whole number of at least 1');
  const networks = setup.allowedNetworks && checkedNetworks(setup.allowedNetworks);
  return withTransaction(db, async (tx) => {
    const sessionId = await lockOrCreateSession(tx, setup.session);
    const existing = await lockRoom(tx, sessionId, name.data);
    const before = existing && (await roomsOfSession(tx, sessionId)).find((room) => room.id === existing.id);
    const roomId = existing
      ? existing.id
      : await insertRoom(tx, sessionId, { name: name.data, capacity: setup.capacity ?? null, allowedNetworks: networks ?? [] });
    if (before && (setup.capacity !== undefined || networks !== undefined)) {
      await updateRoom(tx, roomId, { capacity: setup.capacity === undefined ? before.capacity : setup.capacity, allowedNetworks: networks ?? before.allowedNetworks });
    }
    let seatsAdded = 0;
    let seatsRemoved = 0;
    if (setup.seats) {
      const current = await lockSeatsOfRoom(tx, roomId);
      const wanted = new Map(setup.seats.map((label) => [label.toUpperCase(), label]));
      const held = current.filter((seat) => seat.holderId !== null && !wanted.has(seat.label.toUpperCase()));
      if (held.length > 0) {
        const labels = held.map((seat) => seat.label);
        throw new InvalidInputError(`seats ${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', ...' : ''} are held by participants; keep them in the plan or free them first`);
      }
      const have = new Map(current.map((seat) => [seat.label.toUpperCase(), seat.label]));
      const remove = current.filter((seat) => !wanted.has(seat.label.toUpperCase())).map((seat) => seat.label);
      const add = setup.seats.filter((label) => !have.has(label.toUpperCase()));
      // A kept seat keeps its stored spelling.
      const order = setup.seats.map((label) => have.get(label.toUpperCase()) ?? label);
      await writeSeatPlan(tx, roomId, { add, remove, order });
      seatsAdded = add.length;
      seatsRemoved = remove.length;
    }
    const room = (await roomsOfSession(tx, sessionId)).find((candidate) => candidate.id === roomId)!;
    await recordSessionChange(
      tx,
      sessionId,
      { sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name, reason: existing ? 'room changed' : 'room added' },
      { before: before ? { room: describe(before) } : null, after: { room: describe(room) }, at: await databaseNow(tx) },
    );
    tx.publish(SESSION_CHANGED, sessionId);
    return { room, created: !existing, seatsAdded, seatsRemoved };
  });
}

const describe = (room: Room) => ({ name: room.name, capacity: room.capacity, allowedNetworks: room.allowedNetworks, seats: room.seats });

export async function roomsOfSessionNamed(db: Database, sessionName: string): Promise<Room[]> {
  return db.read(async (handle) => {
    const session = await findSessionByName(handle, sessionName);
    if (!session) throw new NotFoundError(`No exam session named "${sessionName}".`);
    return roomsOfSession(handle, session.id);
  });
}

// The codes a session's rooms show now, for the rooms the proctor covers (none while the session has room
// codes off). Read at the database's clock, the one check-ins are judged by.
export async function roomCodesOfSession(db: Database, roomCodes: RoomCodes, sessionId: number, scope: ProctorScope): Promise<RoomCodesResponse> {
  const { session, rooms, now } = await db.read(async (handle) => ({
    session: await readSession(handle, sessionId),
    rooms: await roomsOfSession(handle, sessionId),
    now: await databaseNow(handle),
  }));
  if (!session || !scope.coversSession(sessionId)) throw new NotFoundError(`No exam session ${sessionId}.`);
  const shown = session.roomCodes === 'required' ? rooms.filter((room) => scope.coversRoom(room.id)) : [];
  return {
    roomCodes: session.roomCodes,
    now: now.toISOString(),
    rooms: await Promise.all(
      shown.map(async (room) => {
        const { code, changesAt } = await roomCodes.current(room.id, now);
        return { roomId: room.id, room: room.name, code, changesAt: changesAt.toISOString() };
      }),
    ),
  };
}
