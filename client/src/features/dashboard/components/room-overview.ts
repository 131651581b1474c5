import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import type { RoomView } from '../../../../../contracts/rooms.ts';

export interface RoomCounts {
  room: string;
  expected: number;
  present: number;
  missing: number;
  conflicts: number;
  requests: number;
  // Null: the room has no seat plan.
  freeSeats: number | null;
}

// Each room's counts, from the participants list the dashboard keeps live and the rooms' seat plans: so the
// overview changes with every event without a read of its own. Present is checked in (in progress),
// missing is not yet; a withdrawn or expired participant is neither.
export function roomOverview(participants: readonly ProctorParticipant[], rooms: readonly RoomView[]): RoomCounts[] {
  return rooms.map((room) => {
    const inRoom = participants.filter((p) => p.room === room.name);
    const count = (test: (p: ProctorParticipant) => boolean) => inRoom.filter(test).length;
    return {
      room: room.name,
      expected: count((p) => !p.withdrawn),
      present: count((p) => p.status === 'in_progress'),
      missing: count((p) => p.status === 'unused' && !p.withdrawn),
      conflicts: count((p) => p.openConflict),
      requests: count((p) => p.pendingRequest !== null),
      freeSeats: room.seats === 0 ? null : room.seats - count((p) => p.seat !== null),
    };
  });
}
