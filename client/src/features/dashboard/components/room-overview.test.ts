import { describe, expect, it } from 'vitest';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { roomOverview } from './room-overview.ts';

const base: ProctorParticipant = {
  code: 'A', fullName: 'A', status: 'unused', lockedIp: null, lockedDevice: null, lockedUserAgent: null, deviceLockedAt: null, enteredAt: null, refusedAttempts: 0,
  lastRefused: null, openConflict: false, pendingRequest: null, throttled: false, withdrawn: false, sessionId: 1, room: 'Hall A', seat: null,
};
const room = (name: string, seats: number) => ({ id: 1, name, capacity: null, seats, seatsHeld: 0, freeSeats: [], plan: [] });

describe('roomOverview', () => {
  it('when participants sit in rooms, then each room counts its expected, present, missing, conflicts, requests and free seats', () => {
    const participants: ProctorParticipant[] = [
      { ...base, code: '1', status: 'in_progress', seat: 'A1' },
      { ...base, code: '2', status: 'in_progress', seat: 'A2', openConflict: true },
      { ...base, code: '3' },
      { ...base, code: '4', status: 'expired', withdrawn: true },
      { ...base, code: '5', room: 'Hall B', pendingRequest: { id: 1, requesterIp: '10.0.0.1', requesterDevice: null, userAgent: null, holderIp: null, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:10:00.000Z' } },
      { ...base, code: '6', room: null },
    ];
    expect(roomOverview(participants, [room('Hall A', 3), room('Hall B', 0)])).toEqual([
      { room: 'Hall A', expected: 3, present: 2, missing: 1, conflicts: 1, requests: 0, freeSeats: 1 },
      { room: 'Hall B', expected: 1, present: 0, missing: 1, conflicts: 0, requests: 1, freeSeats: null },
    ]);
  });
});
