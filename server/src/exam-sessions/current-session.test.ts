import { describe, expect, it } from 'vitest';
import { currentSession } from './current-session.ts';
import type { SessionActivityRow } from './exam-sessions.repo.ts';

const now = new Date('2030-06-01T08:00:00Z');
const session = (id: number, overrides: Partial<SessionActivityRow> = {}): SessionActivityRow => ({
  id, name: `S${id}`, opensAt: null, closesAt: null, lastCheckIn: null, openConflicts: 0, pendingRequests: 0, throttled: 0, ...overrides,
});

describe('currentSession', () => {
  it('when a session\'s check-in window is open now, then it is current, even if another had check-ins more recently', () => {
    const sessions = [
      session(3, { lastCheckIn: new Date('2030-06-01T07:59:00Z') }),
      session(2, { opensAt: new Date('2030-06-01T07:30:00Z'), closesAt: new Date('2030-06-01T09:00:00Z') }),
      session(1, { opensAt: new Date('2030-06-01T06:00:00Z'), closesAt: new Date('2030-06-01T07:00:00Z') }),
    ];
    expect(currentSession(sessions, now)).toBe(2);
  });

  it('when several windows are open, then the latest to open wins; an open-ended window counts as open', () => {
    const sessions = [session(1, { opensAt: new Date('2030-06-01T07:00:00Z') }), session(2, { opensAt: new Date('2030-06-01T07:45:00Z'), closesAt: new Date('2030-06-01T10:00:00Z') })];
    expect(currentSession(sessions, now)).toBe(2);
  });

  it('when no window is open, then the session with the latest check-in is current; without any, the newest', () => {
    expect(currentSession([session(5), session(4, { lastCheckIn: new Date('2030-06-01T07:00:00Z') }), session(3, { lastCheckIn: new Date('2030-05-31T07:00:00Z') })], now)).toBe(4);
    expect(currentSession([session(1), session(7), session(2)], now)).toBe(7);
    expect(currentSession([], now)).toBeNull();
  });
});
