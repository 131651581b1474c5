import { randomInt } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import type { Statement, Tx } from '../lib/database.ts';
import type { SeatTaken } from '../participants/participants.repo.ts';

// A free seat is taken in two steps: a locking read finds one and locks its row, skipping rows other
// check-ins have locked (so 300 devices arriving at once in one room lock 300 different seats and wait for
// nobody), and the writes that give it travel with the COMMIT. The read starts at a
// random draw, so that consecutive arrivals (friends) land apart; a room with seats left is never one hot row.
// On a Galera cluster SKIP LOCKED sees only its own node's locks: two nodes drawing one seat conflict at
// commit, and one of them is retried. Each node therefore starts its draws in a stripe of its own (node i of
// n: the i-th n-th of the draw range), and meets the others only when its stripe has filled up.
const FREE_SEAT_BETWEEN = 'SELECT label, draw FROM seats WHERE room_id = ? AND draw >= ? AND draw < ? AND holder_id IS NULL ORDER BY draw LIMIT 1 FOR UPDATE SKIP LOCKED';
// The last word on "full": skipped seats may belong to check-ins that roll back, so this read waits for
// them. Only a room with no unlocked free seat gets here.
const ANY_FREE_SEAT = 'SELECT label, draw FROM seats WHERE room_id = ? AND holder_id IS NULL ORDER BY draw LIMIT 1 FOR UPDATE';
// The first of those reads, for a participant known only by code, sent with the participant's row lock
// before anything is decided: a separate round trip cost the database more than the read itself (about
// 60 µs of its CPU per seated check-in). The participant's row is already locked by then; one without a
// room, or with a seat, finds nothing. A seat locked for an attempt that is then refused is free again when
// that transaction ends, milliseconds later.
// (A join reads the participant row: it is this transaction's own lock, so SKIP LOCKED does not skip it.)
const PROBE_FREE_SEAT = `
  SELECT s.room_id, s.label, s.draw FROM participants p JOIN seats s ON s.room_id = p.room_id
   WHERE p.code = ? AND p.seat IS NULL AND s.draw >= ? AND s.draw < ? AND s.holder_id IS NULL
   ORDER BY s.draw LIMIT 1 FOR UPDATE SKIP LOCKED`;

const DRAW_RANGE = 2 ** 31;

// Where this transaction's draws start: a random point of its node's stripe.
export interface SeatDraw {
  from: number;
  to: number;
  start: number;
}

export function seatDraw(tx: Tx): SeatDraw {
  const stripe = tx.clusterNode ?? { index: 0, size: 1 };
  const width = Math.floor(DRAW_RANGE / stripe.size);
  const from = stripe.index * width;
  const to = stripe.index === stripe.size - 1 ? DRAW_RANGE : from + width;
  return { from, to, start: from + randomInt(0, to - from) };
}

export function seatProbe(code: string, draw: SeatDraw): Statement {
  return { sql: PROBE_FREE_SEAT, values: [code, draw.start, draw.to] };
}

export function probedSeat(rows: RowDataPacket[] | undefined): SeatTaken | undefined {
  const row = rows?.[0];
  return row && { roomId: Number(row.room_id), label: String(row.label), draw: Number(row.draw) };
}

// Locked, not yet given (holdSeat gives it). `probed`: the first range was read already, with the row lock.
export async function takeFreeSeat(tx: Tx, roomId: number, draw: SeatDraw, probed = false): Promise<SeatTaken | undefined> {
  // From the random start to the end of the node's stripe, then its beginning, then anywhere.
  const ranges = [...(probed ? [] : [[draw.start, draw.to]]), [draw.from, draw.start], ...(draw.to - draw.from < DRAW_RANGE ? [[0, DRAW_RANGE]] : [])];
  for (const [low, high] of ranges) {
    const [row] = await tx.rows<RowDataPacket & { label: string; draw: number }>(FREE_SEAT_BETWEEN, [roomId, low!, high!]);
    if (row) return { roomId, label: row.label, draw: Number(row.draw) };
  }
  const [row] = await tx.rows<RowDataPacket & { label: string; draw: number }>(ANY_FREE_SEAT, [roomId]);
  return row && { roomId, label: row.label, draw: Number(row.draw) };
}

// A seat named by a proctor, locked; undefined when the room's plan has no such seat (labels compare
// without case, as the database compares them).
export async function lockSeat(tx: Tx, roomId: number, label: string): Promise<(SeatTaken & { holderId: number | null }) | undefined> {
  const [row] = await tx.rows<RowDataPacket & { label: string; draw: number; holder_id: number | null }>(
    'SELECT label, draw, holder_id FROM seats WHERE room_id = ? AND label = ? FOR UPDATE',
    [roomId, label],
  );
  return row && { roomId, label: row.label, draw: Number(row.draw), holderId: row.holder_id === null ? null : Number(row.holder_id) };
}

// The participant's old seat row lets go of them (the caller holds the participant's row lock).
export function releaseSeat(tx: Tx, participantId: number, seat: { roomId: number; label: string }): void {
  tx.defer('UPDATE seats SET holder_id = NULL WHERE room_id = ? AND label = ? AND holder_id = ?', [seat.roomId, seat.label, participantId]);
}

export function holdSeat(tx: Tx, participantId: number, seat: SeatTaken): void {
  tx.defer('UPDATE seats SET holder_id = ? WHERE room_id = ? AND draw = ? AND label = ?', [participantId, seat.roomId, seat.draw, seat.label]);
}
