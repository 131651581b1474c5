import type { RowDataPacket } from 'mysql2/promise';
import type { ParticipantStatus } from '../../../contracts/checkin.ts';
import { deviceFingerprint, type LockPolicy, matchHolder } from '../../../contracts/lock-policy.ts';
import { admittingEventTypes, type AuditEventType, EVENT_RULES, type ParticipantState, stateAfter } from '../../../contracts/participant-state.ts';
import type { Database, SqlHandle } from '../lib/database.ts';
import { nameHash } from '../participants/full-name.ts';
import type { ChainLink } from './audit-chain.ts';
import { type ChainBreak, CHAINED_COLUMNS, type ChainedRowData, verifyChain } from './audit-chain-verify.ts';
import { participantChain, type Seal, sealByDigest } from './audit-seal.ts';

export interface Violation {
  invariant: 1 | 2 | 3 | 4 | 5 | 6;
  code: string;
  message: string;
  eventIds: number[];
}

export interface HistoryEvent {
  id: number;
  // The row's addresses and devices were removed by `purge`: the replay no longer knows who held the lock.
  purged: boolean;
  type: AuditEventType;
  sourceIp: string | null;
  device: string | null;
  requestId: string;
  submittedNameHash: string | null;
  statusBefore: ParticipantStatus | null;
  statusAfter: ParticipantStatus | null;
  lockedIpBefore: string | null;
  lockedIpAfter: string | null;
  lockedDeviceBefore: string | null;
  lockedDeviceAfter: string | null;
  // The policy the attempt was decided under; rows from before lock policies were decided by address.
  lockPolicy: LockPolicy | null;
}

// The participants row as verify reads it: its status, lock holder and conflict summary.
export interface ParticipantRow {
  id: number;
  code: string;
  fullName: string;
  status: ParticipantStatus;
  lockedIp: string | null;
  lockedDevice: string | null;
  refusedAttempts: number;
  lastRefusalEventId: number | null;
  conflictOpen: boolean;
}

export const INVARIANTS = {
  1: 'between two lock changes, a code admits one device: one IP under the address policy, one key under the device policies',
  2: 'every successful check-in has exactly one audit row (request ids are unique)',
  3: "replaying a code's audit rows yields its current status, lock holder and conflict summary",
  4: 'no success on an expired code or with a name that did not match',
  5: 'every audit row since the chains began is a link of its hash chain, unchanged, none missing, none added',
  6: "one seat, one participant: no seat held twice, each seat row names its holder, and a participant's seat is the one their audit rows gave",
} as const;

// Stands for a lock holder whose address or device `purge` removed; no address or hash looks like it.
const UNKNOWN = '(purged)';

type ReplayState = ParticipantState<number, number>;

const describeSummary = (state: Pick<ReplayState, 'refusedAttempts' | 'lastRefusal' | 'conflictOpen'>) =>
  `${state.refusedAttempts} refused, last refusal ${state.lastRefusal ?? 'none'}, conflict ${state.conflictOpen ? 'open' : 'closed'}`;
const describeDevice = (ip: string | null, device: string | null) => (ip === null && device === null ? 'none' : `${ip ?? '?'}${device ? ` (device ${deviceFingerprint(device)})` : ''}`);

// Replays one participant's events in id order through the state table. The starting state is what the
// first event recorded as "before" (rows created by a roster import start unused, unlocked and without
// a conflict); every recorded before and after must agree with the replay, and its end with the row.
export function verifyParticipantHistory(participant: ParticipantRow, events: HistoryEvent[]): Violation[] {
  const violations: Violation[] = [];
  const report = (invariant: Violation['invariant'], message: string, eventIds: number[]) =>
    violations.push({ invariant, code: participant.code, message, eventIds });
  const first = events[0];
  const startedIn = first !== undefined && (first.statusBefore === 'in_progress' || first.lockedIpBefore !== null);
  let state: ReplayState = {
    status: first?.statusBefore ?? 'unused',
    lockedIp: first?.purged ? UNKNOWN : (first?.lockedIpBefore ?? null),
    lockedDevice: first?.purged ? UNKNOWN : (first?.lockedDeviceBefore ?? null),
    lockEvent: null,
    deviceLockedAt: null,
    enteredAt: startedIn ? 0 : null,
    conflictOpen: false,
    refusedAttempts: 0,
    lastRefusal: null,
  };
  let holderSince: number | undefined;
  const expectedNameHash = nameHash(participant.fullName);
  const agrees = (recorded: string | null, replayed: string | null) => replayed === UNKNOWN || recorded === replayed;

  for (const event of events) {
    if (!event.purged && event.statusBefore !== null && state.lockedIp === UNKNOWN) {
      state.lockedIp = event.lockedIpBefore;
      state.lockedDevice = event.lockedDeviceBefore;
    }
    if (event.statusBefore !== null && event.statusBefore !== state.status) {
      report(3, `event ${event.id} (${event.type}) recorded status ${event.statusBefore}, the replay has ${state.status}`, [event.id]);
    }
    if (!event.purged && event.statusBefore !== null && !(agrees(event.lockedIpBefore, state.lockedIp) && agrees(event.lockedDeviceBefore, state.lockedDevice))) {
      report(3, `event ${event.id} (${event.type}) recorded lock holder ${describeDevice(event.lockedIpBefore, event.lockedDeviceBefore)}, the replay has ${describeDevice(state.lockedIp, state.lockedDevice)}`, [event.id]);
    }
    const rule = EVENT_RULES[event.type];
    if (rule.admits) {
      if (state.status === 'expired') report(4, `event ${event.id} let ${event.sourceIp} in on an expired code`, [event.id]);
      if (event.submittedNameHash !== null && event.submittedNameHash !== expectedNameHash) {
        report(4, `event ${event.id} let ${event.sourceIp} in with a name that does not match`, [event.id]);
      }
      const holderKnown = state.lockedIp !== UNKNOWN && state.lockedDevice !== UNKNOWN;
      const policy = event.lockPolicy ?? 'address';
      if (!event.purged && holderKnown && matchHolder(policy, { ip: state.lockedIp, device: state.lockedDevice }, { ip: event.sourceIp, device: event.device }) === 'other') {
        report(
          1,
          `event ${event.id} let ${describeDevice(event.sourceIp, event.device)} in while ${describeDevice(state.lockedIp, state.lockedDevice)} held the lock (${policy} policy)`,
          holderSince !== undefined ? [holderSince, event.id] : [event.id],
        );
      }
    }
    const before = { ip: state.lockedIp, device: state.lockedDevice };
    state = stateAfter(state, {
      type: event.type,
      sourceIp: event.purged ? UNKNOWN : event.sourceIp,
      sourceDevice: event.purged ? UNKNOWN : event.device,
      targetIp: event.purged ? UNKNOWN : event.lockedIpAfter,
      targetDevice: event.purged ? UNKNOWN : event.lockedDeviceAfter,
      at: event.id,
      ref: event.id,
    });
    if (state.lockedIp !== before.ip || state.lockedDevice !== before.device) holderSince = state.lockedIp === null ? undefined : event.id;
    if (event.statusAfter !== null && event.statusAfter !== state.status) {
      report(3, `event ${event.id} (${event.type}) recorded status ${event.statusAfter} after it, the replay has ${state.status}`, [event.id]);
    }
    if (!event.purged && event.statusAfter !== null && !(agrees(event.lockedIpAfter, state.lockedIp) && agrees(event.lockedDeviceAfter, state.lockedDevice))) {
      report(3, `event ${event.id} (${event.type}) recorded lock holder ${describeDevice(event.lockedIpAfter, event.lockedDeviceAfter)} after it, the replay has ${describeDevice(state.lockedIp, state.lockedDevice)}`, [event.id]);
    }
  }
  const last = events.at(-1);
  const holderDiffers = (state.lockedIp !== UNKNOWN && state.lockedIp !== participant.lockedIp) || (state.lockedDevice !== UNKNOWN && state.lockedDevice !== participant.lockedDevice);
  if (last && (state.status !== participant.status || holderDiffers)) {
    const replayed = state.lockedIp === UNKNOWN ? 'unknown holder' : state.lockedIp === null ? 'no lock' : describeDevice(state.lockedIp, state.lockedDevice);
    const row = participant.lockedIp === null ? 'no lock' : describeDevice(participant.lockedIp, participant.lockedDevice);
    report(3, `replay ends at ${state.status} / ${replayed}, the participants row says ${participant.status} / ${row}`, [last.id]);
  }
  const row = { refusedAttempts: participant.refusedAttempts, lastRefusal: participant.lastRefusalEventId, conflictOpen: participant.conflictOpen };
  if (row.refusedAttempts !== state.refusedAttempts || row.lastRefusal !== state.lastRefusal || row.conflictOpen !== state.conflictOpen) {
    report(3, `the audit log says ${describeSummary(state)}; the participants row says ${describeSummary(row)}`, state.lastRefusal !== null ? [state.lastRefusal] : []);
  }
  return violations;
}

interface ParticipantRowData extends RowDataPacket {
  id: number;
  code: string;
  full_name: string;
  status: ParticipantStatus;
  locked_ip: string | null;
  locked_device: string | null;
  refused_attempts: number;
  last_refusal_event_id: number | null;
  conflict_open: number;
  chain_seq: number;
  chain_head: Buffer | null;
  room_id: number | null;
  seat: string | null;
}

interface EventRow extends ChainedRowData {
  participant_id: number;
  event_type: AuditEventType;
  status_before: ParticipantStatus | null;
  status_after: ParticipantStatus | null;
  lock_policy: LockPolicy | null;
}

const PAGE = 500;

export interface VerifyReport {
  participants: number;
  events: number;
  // The seal verified against, if one was named.
  seal?: Seal;
  // Rows written before the hash chains began (migration 016): not covered by them.
  unchained: number;
  violations: Violation[];
}

async function duplicateSuccessRequests(handle: SqlHandle): Promise<Violation[]> {
  const rows = await handle.rows<RowDataPacket>(
    `SELECT request_id, GROUP_CONCAT(id ORDER BY id) AS ids, MIN(code) AS code FROM audit_events
      WHERE event_type IN (${admittingEventTypes.map(() => '?').join(', ')}) GROUP BY request_id HAVING COUNT(*) > 1`,
    admittingEventTypes,
  );
  return rows.map((row) => ({
    invariant: 2 as const,
    code: String(row.code),
    message: `request ${row.request_id} has ${String(row.ids).split(',').length} success rows`,
    eventIds: String(row.ids).split(',').map(Number),
  }));
}

// When the chains began: every row written since is a link of one. Undefined before migration 016.
async function chainsBegan(handle: SqlHandle): Promise<Date | undefined> {
  const [row] = await handle.rows<RowDataPacket & { applied_at: Date }>("SELECT applied_at FROM schema_migrations WHERE name = '016_audit_chains.sql'");
  return row?.applied_at;
}

// One participant's chain, checked as verify checks it (the receipt CLI names the row it rests on).
export async function verifyParticipantChain(handle: SqlHandle, participantId: number): Promise<ChainBreak | undefined> {
  const began = await chainsBegan(handle);
  if (began === undefined) return undefined;
  const [participant] = await handle.rows<RowDataPacket & { code: string; chain_seq: number; chain_head: Buffer | null }>(
    'SELECT code, chain_seq, chain_head FROM participants WHERE id = ?',
    [participantId],
  );
  if (!participant) return { eventIds: [], message: `participant ${participantId} no longer exists` };
  const rows = await handle.rows<ChainedRowData>(`SELECT ${CHAINED_COLUMNS} FROM audit_events WHERE participant_id = ? AND (chain_seq IS NOT NULL OR created_at >= ?)`, [participantId, began]);
  return verifyChain(`participant ${participant.code}`, rows, { seq: Number(participant.chain_seq), head: participant.chain_head });
}

const chainViolation = (code: string, broken: ChainBreak): Violation => ({ invariant: 5, code, message: broken.message, eventIds: broken.eventIds });

// The chains of events that belong to no participant, and rows that belong to no chain at all.
async function verifyOtherChains(handle: SqlHandle, began: Date, sealedHead: (chain: string) => (ChainLink & { at: Date }) | undefined): Promise<{ events: number; violations: Violation[] }> {
  const violations: Violation[] = [];
  let events = 0;
  const chains = await handle.rows<RowDataPacket & { chain_key: string; seq: number; head: Buffer | null }>('SELECT chain_key, seq, head FROM audit_chains ORDER BY chain_key');
  for (const chain of chains) {
    const rows = await handle.rows<ChainedRowData>(`SELECT ${CHAINED_COLUMNS} FROM audit_events WHERE chain_key = ? AND participant_id IS NULL`, [chain.chain_key]);
    events += rows.length;
    const broken = verifyChain(`chain ${chain.chain_key}`, rows, { seq: Number(chain.seq), head: chain.head }, sealedHead(chain.chain_key));
    if (broken) violations.push(chainViolation('', broken));
  }
  const strays = await handle.rows<RowDataPacket & { id: number; code: string; participant_id: number | null }>(
    `SELECT a.id, a.code, a.participant_id FROM audit_events a
      WHERE (a.participant_id IS NULL AND (a.chain_key IS NULL OR a.chain_key NOT IN (SELECT chain_key FROM audit_chains)) AND (a.chain_seq IS NOT NULL OR a.created_at >= ?))
         OR (a.participant_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.id = a.participant_id))
      ORDER BY a.id LIMIT 100`,
    [began],
  );
  for (const stray of strays) {
    const id = Number(stray.id);
    const message = stray.participant_id === null ? `audit row ${id} belongs to no chain (a row inserted)` : `audit row ${id} names participant ${stray.participant_id}, who does not exist (a participant deleted, or a row inserted)`;
    violations.push({ invariant: 5, code: stray.code, message, eventIds: [id] });
  }
  return { events, violations };
}

const sameSeat = (a: { room_id: number | null; seat: string | null }, b: { room_id: number | null; seat: string | null }) =>
  (a.room_id === null ? null : Number(a.room_id)) === (b.room_id === null ? null : Number(b.room_id)) && a.seat === b.seat;

// A participant's rows carry the room and seat they held after each event (rows from before rooms existed,
// none). A place is given by an audited event only: `seat_changed` (a proctor's move, or the roster import's
// placement) moves a participant anywhere, and an admission may give a participant without a seat one of
// their room. Any other change, and a participant whose place is not the one of their last row (or who has a
// place and no rows), was made around the service.
function seatHistoryViolations(participant: ParticipantRowData, rows: EventRow[]): Violation[] {
  // In chain order (ids from several Galera nodes are not in commit order).
  const ordered = [...rows].sort((a, b) => (a.chain_seq === null ? -1 : Number(a.chain_seq)) - (b.chain_seq === null ? -1 : Number(b.chain_seq)) || Number(a.id) - Number(b.id));
  const place = (row: { room_id: number | null; seat: string | null }) => (row.room_id === null ? 'no room' : `${row.seat === null ? 'no seat' : `seat ${row.seat}`} in room ${row.room_id}`);
  const violations: Violation[] = [];
  let before: Pick<EventRow, 'room_id' | 'seat'> & { id?: number } = { room_id: null, seat: null };
  for (const event of ordered) {
    const drawn = before.seat === null && before.room_id !== null && Number(before.room_id) === Number(event.room_id) && EVENT_RULES[event.event_type].admits;
    if (!sameSeat(before, event) && EVENT_RULES[event.event_type].place !== 'moves' && !drawn) {
      violations.push({ invariant: 6, code: participant.code, message: `went from ${place(before)} to ${place(event)} on a ${event.event_type} row`, eventIds: [...(before.id === undefined ? [] : [Number(before.id)]), Number(event.id)] });
    }
    before = event;
  }
  const last = ordered.at(-1);
  if (!last && participant.room_id !== null) {
    violations.push({ invariant: 6, code: participant.code, message: `has ${place(participant)}, but no audit row put them there`, eventIds: [] });
  } else if (last && !sameSeat(last, participant)) {
    violations.push({ invariant: 6, code: participant.code, message: `has ${place(participant)}, but their last audit row says ${place(last)}`, eventIds: [Number(last.id)] });
  }
  return violations;
}

// The seats table and the participants table tell one story: a seat row's holder sits in that seat, and a
// seated participant's seat row names them.
async function seatHolderViolations(handle: SqlHandle): Promise<Violation[]> {
  const rows = await handle.rows<RowDataPacket & { code: string | null; seat: string; problem: string }>(
    `SELECT p.code, p.seat, 'twice' AS problem FROM participants p
       JOIN (SELECT room_id, seat FROM participants WHERE seat IS NOT NULL GROUP BY room_id, seat HAVING COUNT(*) > 1) twice
         ON twice.room_id = p.room_id AND twice.seat = p.seat
     UNION ALL
     SELECT p.code, p.seat, 'holder' AS problem FROM participants p
       LEFT JOIN seats s ON s.room_id = p.room_id AND s.label = p.seat
      WHERE p.seat IS NOT NULL AND (s.holder_id IS NULL OR s.holder_id <> p.id)
     UNION ALL
     SELECT p.code, s.label AS seat, 'seat' AS problem FROM seats s
       LEFT JOIN participants p ON p.id = s.holder_id
      WHERE s.holder_id IS NOT NULL AND (p.id IS NULL OR NOT (p.room_id <=> s.room_id AND p.seat <=> s.label))
     LIMIT 100`,
  );
  const messages: Record<string, (seat: string) => string> = {
    twice: (seat) => `seat ${seat} is held by another participant too`,
    holder: (seat) => `holds seat ${seat}, whose seat row names someone else or nobody`,
    seat: (seat) => `seat ${seat}'s row names this participant, who does not sit there`,
  };
  return rows.map((row) => ({ invariant: 6 as const, code: row.code ?? '', message: messages[row.problem]!(row.seat), eventIds: [] }));
}

// With `sealDigest`, also that nothing before that seal changed (see audit-seal.ts).
export async function verifyAuditLog(db: Database, options: { sealDigest?: string } = {}): Promise<VerifyReport> {
  return db.read(async (handle) => {
    const violations = await duplicateSuccessRequests(handle);
    const began = await chainsBegan(handle);
    const seal = options.sealDigest === undefined ? undefined : await sealByDigest(handle, options.sealDigest);
    if (seal && !seal.intact) violations.push({ invariant: 5, code: '', message: `the seal of ${seal.sealedAt.toISOString()} no longer matches its digest: its stored chain heads were changed`, eventIds: [] });
    const unvisited = new Set(seal?.intact ? seal.heads.keys() : []);
    const sealedHead = (chain: string) => {
      unvisited.delete(chain);
      const head = seal?.intact ? seal.heads.get(chain) : undefined;
      return head && { ...head, at: seal!.sealedAt };
    };
    let participants = 0;
    let events = 0;
    let unchained = 0;
    let after = 0;
    for (;;) {
      const page = await handle.rows<ParticipantRowData>(
        `SELECT id, code, full_name, status, locked_ip, locked_device, refused_attempts, last_refusal_event_id, conflict_open, chain_seq, chain_head,
                room_id, seat
           FROM participants WHERE id > ? ORDER BY id LIMIT ${PAGE}`,
        [after],
      );
      if (page.length === 0) break;
      after = Number(page.at(-1)!.id);
      const first = Number(page[0]!.id);
      const rows = await handle.rows<EventRow>(`SELECT ${CHAINED_COLUMNS} FROM audit_events WHERE participant_id BETWEEN ? AND ? ORDER BY participant_id, id`, [first, after]);
      const byParticipant = new Map<number, EventRow[]>();
      for (const row of rows) {
        const list = byParticipant.get(Number(row.participant_id)) ?? [];
        list.push(row);
        byParticipant.set(Number(row.participant_id), list);
      }
      for (const row of page) {
        const rowsOfParticipant = byParticipant.get(Number(row.id)) ?? [];
        const history: HistoryEvent[] = rowsOfParticipant.map((event) => ({
          id: Number(event.id), purged: event.purged_at !== null, type: event.event_type, sourceIp: event.source_ip, device: event.device,
          requestId: event.request_id, submittedNameHash: event.submitted_name_hash, statusBefore: event.status_before, statusAfter: event.status_after,
          lockedIpBefore: event.locked_ip_before, lockedIpAfter: event.locked_ip_after, lockedDeviceBefore: event.locked_device_before,
          lockedDeviceAfter: event.locked_device_after, lockPolicy: event.lock_policy,
        }));
        events += history.length;
        violations.push(
          ...verifyParticipantHistory(
            {
              id: Number(row.id), code: row.code, fullName: row.full_name, status: row.status, lockedIp: row.locked_ip, lockedDevice: row.locked_device,
              refusedAttempts: Number(row.refused_attempts),
              lastRefusalEventId: row.last_refusal_event_id === null ? null : Number(row.last_refusal_event_id),
              conflictOpen: Number(row.conflict_open) === 1,
            },
            history,
          ),
        );
        violations.push(...seatHistoryViolations(row, rowsOfParticipant));
        if (began === undefined) continue;
        // Rows from before the chains are not links; one written since that is not a link was inserted.
        const isLegacy = (event: EventRow) => event.chain_seq === null && event.created_at < began;
        const links = rowsOfParticipant.filter((event) => !isLegacy(event));
        unchained += rowsOfParticipant.length - links.length;
        const broken = verifyChain(
          `participant ${row.code}`,
          links,
          { seq: Number(row.chain_seq), head: row.chain_head },
          sealedHead(participantChain(Number(row.id))),
        );
        if (broken) violations.push(chainViolation(row.code, broken));
      }
      participants += page.length;
    }
    violations.push(...(await seatHolderViolations(handle)));
    if (began !== undefined) {
      const others = await verifyOtherChains(handle, began, sealedHead);
      events += others.events;
      violations.push(...others.violations);
      const [legacy] = await handle.rows<RowDataPacket & { n: number }>('SELECT COUNT(*) AS n FROM audit_events WHERE participant_id IS NULL AND chain_seq IS NULL AND created_at < ?', [began]);
      unchained += Number(legacy!.n);
    }
    // A sealed chain nobody has any more: a participant removed with every row of theirs.
    for (const chain of unvisited) {
      violations.push({ invariant: 5, code: '', message: `${chain}: sealed on ${seal!.sealedAt.toISOString()} with ${seal!.heads.get(chain)!.seq} row(s), now gone (removed with its rows)`, eventIds: [] });
    }
    return { participants, events, unchained, violations, ...(seal ? { seal: { id: seal.id, sealedAt: seal.sealedAt, digest: seal.digest, chains: seal.chains, events: seal.events } } : {}) };
  });
}
