import type { ProctorRole } from '../../../contracts/proctor.ts';
import type { SqlValue } from './database.ts';
import { OutOfScopeError } from './errors.ts';

export interface ScopeRoom {
  roomId: number;
  sessionId: number;
  name: string;
}

// What a proctor may see and act on: everything (a chief), or the participants of their rooms. Every
// proctor route passes through the guard, which attaches this; the routes and services ask it, and it is the
// only place that says what a role covers.
export class ProctorScope {
  static readonly CHIEF = new ProctorScope('chief', []);
  readonly #roomIds: ReadonlySet<number>;

  constructor(
    readonly role: ProctorRole,
    readonly rooms: readonly ScopeRoom[],
  ) {
    this.#roomIds = new Set(rooms.map((room) => room.roomId));
  }

  get isChief(): boolean {
    return this.role === 'chief';
  }

  coversRoom(roomId: number | null): boolean {
    return this.isChief || (roomId !== null && this.#roomIds.has(roomId));
  }

  // Asked again under the participant's row lock, where their room can no longer change: the guard asked
  // before the action's transaction, and the participant may have been moved out of the room since.
  requireCovers(participant: { code: string; roomId: number | null }, notFound?: string): void {
    if (!this.coversRoom(participant.roomId)) throw new OutOfScopeError(participant.code, notFound);
  }

  coversSession(sessionId: number): boolean {
    return this.isChief || this.rooms.some((room) => room.sessionId === sessionId);
  }

  // An audit event of a participant in their rooms, or the move that took one out of them: the proctors of
  // the room a participant left see them leave (a room's dashboard drops them on that event).
  coversEvent(event: { roomId: number | null; fromRoomId: number | null }): boolean {
    return this.coversRoom(event.roomId) || (event.fromRoomId !== null && this.coversRoom(event.fromRoomId));
  }

  // A condition on a table with a room_id column (participants, audit_events) under `alias`.
  roomCondition(alias: string): { sql: string; values: SqlValue[] } {
    if (this.isChief) return { sql: 'TRUE', values: [] };
    if (this.rooms.length === 0) return { sql: 'FALSE', values: [] };
    return { sql: `${alias}.room_id IN (${this.#placeholders()})`, values: this.#roomIdList() };
  }

  // coversEvent as a condition on audit_events under `alias`.
  eventCondition(alias: string): { sql: string; values: SqlValue[] } {
    if (this.isChief || this.rooms.length === 0) return this.roomCondition(alias);
    return {
      sql: `(${alias}.room_id IN (${this.#placeholders()}) OR (${alias}.event_type = 'seat_changed' AND JSON_EXTRACT(${alias}.details, '$.fromRoomId') IN (${this.#placeholders()})))`,
      values: [...this.#roomIdList(), ...this.#roomIdList()],
    };
  }

  #placeholders(): string {
    return this.rooms.map(() => '?').join(', ');
  }

  #roomIdList(): number[] {
    return this.rooms.map((room) => room.roomId);
  }
}
