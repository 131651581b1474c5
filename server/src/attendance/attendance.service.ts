import type { ArrivalCurve } from '../../../contracts/arrivals.ts';
import type { AttendanceRecord, RecordEntry, RecordTotals, SealSummary } from '../../../contracts/attendance-record.ts';
import { browserLabel } from '../../../contracts/user-agent.ts';
import { sealAuditLog } from '../audit/audit-seal.ts';
import { readSession } from '../exam-sessions/exam-sessions.repo.ts';
import { incidentsOfSession } from '../incidents/incidents.repo.ts';
import { csvCell } from '../lib/csv.ts';
import type { Database } from '../lib/database.ts';
import { NotFoundError } from '../lib/errors.ts';
import { participantsOfSession } from '../participants/participant-view.repo.ts';
import { arrivalCurve } from './arrivals.repo.ts';
import { latestSeal, lockChangesOfSession } from './attendance.repo.ts';

export function countRecord(entries: RecordEntry[], sessionIncidents: number): RecordTotals {
  const withdrawn = entries.filter((entry) => entry.participant.withdrawn).length;
  const onRoster = entries.filter((entry) => !entry.participant.withdrawn);
  const present = onRoster.filter((entry) => entry.participant.enteredAt !== null).length;
  return {
    expected: onRoster.length,
    present,
    noShows: onRoster.length - present,
    withdrawn,
    lockChanges: entries.reduce((sum, entry) => sum + entry.lockChanges.length, 0),
    incidents: entries.reduce((sum, entry) => sum + entry.incidents.length, 0) + sessionIncidents,
  };
}

// One consistent read: the participants, their lock changes and incidents as of one moment.
export async function attendanceRecord(db: Database, sessionId: number): Promise<AttendanceRecord> {
  return db.read(async (handle) => {
    await handle.run('START TRANSACTION WITH CONSISTENT SNAPSHOT');
    try {
      const session = await readSession(handle, sessionId);
      if (!session) throw new NotFoundError(`No exam session ${sessionId}.`);
      const [participants, lockChanges, incidents, seal] = [
        await participantsOfSession(handle, sessionId),
        await lockChangesOfSession(handle, sessionId),
        await incidentsOfSession(handle, sessionId),
        await latestSeal(handle),
      ];
      const entries = participants.map((participant) => ({
        participant,
        lockChanges: lockChanges.get(participant.code) ?? [],
        incidents: incidents.filter((incident) => incident.participant?.code === participant.code),
      }));
      const sessionIncidents = incidents.filter((incident) => incident.participant === null);
      return {
        session: { id: session.id, name: session.name, timeZone: session.timeZone, opensAt: session.opensAt?.toISOString() ?? null, closesAt: session.closesAt?.toISOString() ?? null },
        generatedAt: new Date().toISOString(),
        seal,
        entries,
        sessionIncidents,
        totals: countRecord(entries, sessionIncidents.length),
      };
    } finally {
      await handle.run('COMMIT');
    }
  });
}

export async function sessionArrivals(db: Database, sessionId: number): Promise<ArrivalCurve> {
  return db.read(async (handle) => {
    if (!(await readSession(handle, sessionId))) throw new NotFoundError(`No exam session ${sessionId}.`);
    return arrivalCurve(handle, sessionId);
  });
}

// Every dashboard of a session asks for the curve within seconds of the same events (live-events.ts), and
// each read costs the database about 20 ms of CPU for 5,000 participants: one read per session per
// `freshMs` serves all of this instance's dashboards. The dashboards ask again after the last event they
// saw, so a curve read just before it is not the last they get.
export class ArrivalsCache {
  readonly #entries = new Map<number, { at: number; curve: Promise<ArrivalCurve> }>();

  constructor(
    private readonly db: Database,
    private readonly freshMs: number,
  ) {}

  get(sessionId: number): Promise<ArrivalCurve> {
    const now = Date.now();
    for (const [id, entry] of this.#entries) if (now - entry.at >= this.freshMs) this.#entries.delete(id);
    const cached = this.#entries.get(sessionId);
    if (cached) return cached.curve;
    const curve = sessionArrivals(this.db, sessionId);
    this.#entries.set(sessionId, { at: now, curve });
    curve.catch(() => this.#entries.delete(sessionId));
    return curve;
  }
}

export async function sealNow(db: Database): Promise<SealSummary> {
  const seal = await sealAuditLog(db);
  return { digest: seal.digest.toString('hex'), sealedAt: seal.sealedAt.toISOString(), chains: seal.chains, events: seal.events };
}

const CSV_HEADER = ['code', 'full_name', 'status', 'withdrawn', 'first_check_in', 'device_locked_at', 'address', 'device', 'browser', 'lock_changes', 'incidents'];

// The record as a spreadsheet: a row per participant, then one for the incidents about the whole session.
// Times in UTC (ISO 8601); every cell formula-guarded.
export function recordCsv(record: AttendanceRecord): string {
  const describeIncidents = (incidents: RecordEntry['incidents']) =>
    incidents
      .map((incident) => `${incident.at} #${incident.id} ${incident.category}${incident.corrects === null ? '' : ` (corrects #${incident.corrects})`} by ${incident.proctor ?? '?'}: ${incident.text ?? '(purged)'}`)
      .join(' | ');
  const rows = record.entries.map(({ participant, lockChanges, incidents }) => [
    participant.code,
    participant.fullName,
    participant.status,
    participant.withdrawn ? 'yes' : 'no',
    participant.enteredAt,
    participant.deviceLockedAt,
    participant.lockedIp,
    participant.lockedDevice,
    browserLabel(participant.lockedUserAgent),
    lockChanges
      .map((change) => `${change.at} ${change.type === 'lock_reset' ? 'reset' : `moved to ${change.toIp ?? change.toDevice ?? '?'}`} by ${change.proctor ?? '?'}: ${change.reason ?? '(purged)'}`)
      .join(' | '),
    describeIncidents(incidents),
  ]);
  if (record.sessionIncidents.length > 0) rows.push(['', '(whole session)', '', '', null, null, null, null, '', '', describeIncidents(record.sessionIncidents)]);
  return `${[CSV_HEADER, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}
