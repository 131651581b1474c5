import { randomInt } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type { SqlHandle, Tx } from '../lib/database.ts';

export interface Room {
  id: number;
  sessionId: number;
  name: string;
  capacity: number | null;
  // Empty: the session's networks apply.
  allowedNetworks: string[];
  seats: number;
  seatsHeld: number;
}

interface RoomRow extends RowDataPacket {
  id: number;
  session_id: number;
  name: string;
  capacity: number | null;
  allowed_networks: string | null;
  seats: number;
  seats_held: number;
}

const ROOMS_OF_SESSION = `
  SELECT r.id, r.session_id, r.name, r.capacity, r.allowed_networks,
         (SELECT COUNT(*) FROM seats s WHERE s.room_id = r.id) AS seats,
         (SELECT COUNT(*) FROM seats s WHERE s.room_id = r.id AND s.holder_id IS NOT NULL) AS seats_held
    FROM rooms r WHERE r.session_id = ? ORDER BY r.name, r.id`;

function toRoom(row: RoomRow): Room {
  return {
    id: Number(row.id),
    sessionId: Number(row.session_id),
    name: row.name,
    capacity: row.capacity === null ? null : Number(row.capacity),
    allowedNetworks: row.allowed_networks ? row.allowed_networks.split(',') : [],
    seats: Number(row.seats),
    seatsHeld: Number(row.seats_held),
  };
}

export async function roomsOfSession(db: SqlHandle, sessionId: number): Promise<Room[]> {
  return (await db.rows<RoomRow>(ROOMS_OF_SESSION, [sessionId])).map(toRoom);
}

// Each room's free seats, in plan order.
export interface RoomSeats {
  // Every seat's label, in the plan's order (the seat map's).
  plan: string[];
  free: string[];
}

// Each room's seats, in plan order, and which of them are free.
export async function seatsOfSession(db: SqlHandle, sessionId: number): Promise<Map<number, RoomSeats>> {
  const rows = await db.rows<RowDataPacket & { room_id: number; label: string; free: number }>(
    'SELECT s.room_id, s.label, s.holder_id IS NULL AS free FROM seats s JOIN rooms r ON r.id = s.room_id WHERE r.session_id = ? ORDER BY s.room_id, s.position',
    [sessionId],
  );
  const seats = new Map<number, RoomSeats>();
  for (const row of rows) {
    const room = seats.get(Number(row.room_id)) ?? { plan: [], free: [] };
    room.plan.push(row.label);
    if (Number(row.free) === 1) room.free.push(row.label);
    seats.set(Number(row.room_id), room);
  }
  return seats;
}

// Room names compare as the database compares them (case and accents aside), so that "Hall A" in a roster
// finds the room "hall a" and a second room of that name cannot be made.
export function sameRoomName(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'base' }) === 0;
}

export async function lockRoom(tx: Tx, sessionId: number, name: string): Promise<{ id: number; name: string } | undefined> {
  const [row] = await tx.rows<RowDataPacket & { id: number; name: string }>('SELECT id, name FROM rooms WHERE session_id = ? AND name = ? FOR UPDATE', [sessionId, name]);
  return row && { id: Number(row.id), name: row.name };
}

export async function insertRoom(tx: Tx, sessionId: number, room: { name: string; capacity: number | null; allowedNetworks: string[] }): Promise<number> {
  const result = await tx.run('INSERT INTO rooms (session_id, name, capacity, allowed_networks, created_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))', [
    sessionId,
    room.name,
    room.capacity,
    room.allowedNetworks.length > 0 ? room.allowedNetworks.join(',') : null,
  ]);
  return result.insertId;
}

export async function updateRoom(tx: Tx, roomId: number, room: { capacity: number | null; allowedNetworks: string[] }): Promise<void> {
  await tx.run('UPDATE rooms SET capacity = ?, allowed_networks = ? WHERE id = ?', [room.capacity, room.allowedNetworks.length > 0 ? room.allowedNetworks.join(',') : null, roomId]);
}

export interface SeatRow {
  label: string;
  position: number;
  holderId: number | null;
}

export async function lockSeatsOfRoom(tx: Tx, roomId: number): Promise<SeatRow[]> {
  const rows = await tx.rows<RowDataPacket & { label: string; position: number; holder_id: number | null }>(
    'SELECT label, position, holder_id FROM seats WHERE room_id = ? ORDER BY position FOR UPDATE',
    [roomId],
  );
  return rows.map((row) => ({ label: row.label, position: Number(row.position), holderId: row.holder_id === null ? null : Number(row.holder_id) }));
}

// The plan's order for every seat, new ones added with a random draw (the order seats are handed out in).
export async function writeSeatPlan(tx: Tx, roomId: number, plan: { add: string[]; remove: string[]; order: string[] }): Promise<void> {
  const BATCH = 200;
  for (let start = 0; start < plan.remove.length; start += BATCH) {
    const batch = plan.remove.slice(start, start + BATCH);
    await tx.run(`DELETE FROM seats WHERE room_id = ? AND holder_id IS NULL AND label IN (${batch.map(() => '?').join(', ')})`, [roomId, ...batch]);
  }
  const position = new Map(plan.order.map((label, index) => [label, index]));
  for (let start = 0; start < plan.add.length; start += BATCH) {
    const batch = plan.add.slice(start, start + BATCH);
    await tx.run(
      `INSERT INTO seats (room_id, label, position, draw) VALUES ${batch.map(() => '(?, ?, ?, ?)').join(', ')}`,
      batch.flatMap((label) => [roomId, label, position.get(label)!, randomInt(0, 2 ** 31)]),
    );
  }
  // Positions of the seats kept follow the new plan.
  const added = new Set(plan.add);
  const kept = plan.order.filter((label) => !added.has(label));
  for (let start = 0; start < kept.length; start += BATCH) {
    const batch = kept.slice(start, start + BATCH);
    await tx.run(
      `UPDATE seats SET position = CASE label ${batch.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE room_id = ? AND label IN (${batch.map(() => '?').join(', ')})`,
      [...batch.flatMap((label) => [label, position.get(label)!]), roomId, ...batch],
    );
  }
}
