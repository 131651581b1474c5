import { describe, expect, it } from 'vitest';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { countStates, seatRows } from './seat-map.ts';

const person = (code: string, seat: string, overrides: Partial<ProctorParticipant> = {}): ProctorParticipant => ({
  code, fullName: code, status: 'unused', lockedIp: null, lockedDevice: null, lockedUserAgent: null, deviceLockedAt: null, enteredAt: null, refusedAttempts: 0,
  lastRefused: null, openConflict: false, pendingRequest: null, throttled: false, withdrawn: false, sessionId: 1, room: 'Hall A', seat, ...overrides,
});

describe('seatRows', () => {
  it('when a plan has rows A and B and a seat of its own, then each run of one prefix is a row, and each seat shows its participant\'s state', () => {
    const participants = [
      person('P1', 'A1', { status: 'in_progress', lockedIp: '10.0.0.1' }),
      person('P2', 'a2', { status: 'in_progress', lockedIp: '10.0.0.2', openConflict: true }),
      person('P3', 'B1'),
      person('P4', 'B2', { status: 'expired' }),
      person('P5', 'B3', { room: 'Hall B' }),
    ];

    const rows = seatRows(['A1', 'A2', 'B1', 'B2', 'B3', 'Front'], 'Hall A', participants);

    expect(rows.map((row) => row.map((seat) => `${seat.label}:${seat.state}:${seat.participant?.code ?? ''}`))).toEqual([
      ['A1:present:P1', 'A2:conflict:P2'],
      ['B1:expected:P3', 'B2:expired:P4', 'B3:free:'],
      ['Front:free:'],
    ]);
    expect(countStates(rows)).toEqual({ conflict: 1, request: 0, present: 1, expected: 1, expired: 1, free: 2 });
  });
});
