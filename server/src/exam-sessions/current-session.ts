import type { SessionActivityRow } from './exam-sessions.repo.ts';

// The session a proctor opening the dashboard most likely wants: the one whose check-in window is open
// now (the latest to open, if several are); else the one where someone last checked in; else the newest.
export function currentSession(sessions: readonly SessionActivityRow[], now: Date): number | null {
  const open = sessions
    .filter((s) => s.opensAt !== null && s.opensAt <= now && (s.closesAt === null || s.closesAt > now))
    .sort((a, b) => b.opensAt!.getTime() - a.opensAt!.getTime());
  if (open[0]) return open[0].id;
  const active = sessions.filter((s) => s.lastCheckIn !== null).sort((a, b) => b.lastCheckIn!.getTime() - a.lastCheckIn!.getTime());
  if (active[0]) return active[0].id;
  return sessions.reduce<number | null>((newest, s) => (newest === null || s.id > newest ? s.id : newest), null);
}
