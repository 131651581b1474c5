import type { RowDataPacket } from 'mysql2/promise';
import { type ArrivalCurve, type ArrivalMinute, CONFLICT_TYPES, REFUSAL_TYPES } from '../../../contracts/arrivals.ts';
import { isoFromDatabase, type SqlHandle } from '../lib/database.ts';

const MINUTE = "DATE_FORMAT(%s, '%Y-%m-%d %H:%i:00.000')";
const list = (types: readonly string[]) => types.map((type) => `'${type}'`).join(', ');

// Two grouped reads: first check-ins from the participant rows, refusals and conflicts from the session's
// audit rows (through the participant index; attempts on unknown codes belong to no session).
export async function arrivalCurve(handle: SqlHandle, sessionId: number): Promise<ArrivalCurve> {
  const [roster] = await handle.rows<RowDataPacket & { expected: number }>('SELECT COUNT(*) AS expected FROM participants WHERE session_id = ? AND withdrawn_at IS NULL', [sessionId]);
  const arrivals = await handle.rows<RowDataPacket & { minute: string; n: number }>(
    `SELECT ${MINUTE.replace('%s', 'entered_at')} AS minute, COUNT(*) AS n FROM participants
      WHERE session_id = ? AND entered_at IS NOT NULL GROUP BY minute`,
    [sessionId],
    { dateStrings: true },
  );
  const attempts = await handle.rows<RowDataPacket & { minute: string; conflicts: number; refusals: number }>(
    `SELECT ${MINUTE.replace('%s', 'a.created_at')} AS minute,
            SUM(a.event_type IN (${list(CONFLICT_TYPES)})) AS conflicts, SUM(a.event_type IN (${list(REFUSAL_TYPES)})) AS refusals
       FROM participants p JOIN audit_events a ON a.participant_id = p.id AND a.event_type IN (${list([...CONFLICT_TYPES, ...REFUSAL_TYPES])})
      WHERE p.session_id = ? GROUP BY minute`,
    [sessionId],
    { dateStrings: true },
  );
  const minutes = new Map<string, ArrivalMinute>();
  const at = (minute: string) => {
    const iso = isoFromDatabase(minute);
    let entry = minutes.get(iso);
    if (!entry) minutes.set(iso, (entry = { at: iso, arrivals: 0, refusals: 0, conflicts: 0 }));
    return entry;
  };
  for (const row of arrivals) at(row.minute).arrivals += Number(row.n);
  for (const row of attempts) {
    const entry = at(row.minute);
    entry.conflicts += Number(row.conflicts);
    entry.refusals += Number(row.refusals);
  }
  return { sessionId, expected: Number(roster!.expected), minutes: [...minutes.values()].sort((a, b) => a.at.localeCompare(b.at)) };
}
