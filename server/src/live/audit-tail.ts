import type { RowDataPacket } from 'mysql2/promise';
import type { StreamEvent } from '../../../contracts/proctor.ts';
import type { Database } from '../lib/database.ts';
import type { Logger } from '../lib/logger.ts';
import { auditRowsAfter, auditRowsByIds, recentAuditIds, toStreamEvent } from '../audit/audit-events.repo.ts';
import { AUDIT_COMMITTED } from '../audit/audit.repo.ts';

export interface AuditTailOptions {
  pollMs: number;
  batchSize: number;
  // Ids below the highest seen that have not been seen ("holes": in flight, rolled back, or another Galera
  // node's) are looked up by id on every poll while there are at most this many, and forgotten after
  // deepWindowS. With more (a Galera cluster, where most ids are another node's share), the tail instead
  // looks back by time: over recentWindowS every scanEveryMs, over deepWindowS every deepEveryMs.
  holeLimit: number;
  recentWindowS: number;
  scanEveryMs: number;
  deepWindowS: number;
  deepEveryMs: number;
  // Commits of this process are announced within this (several in one batch).
  coalesceMs: number;
  // How long delivered events are remembered for a dashboard that reconnects, and how many at most, so
  // that a minute of a fast exam's events does not set the process's memory.
  replayWindowMs: number;
  replayLimit: number;
}

export const DEFAULT_TAIL_OPTIONS: Omit<AuditTailOptions, 'pollMs'> = {
  batchSize: 1000,
  holeLimit: 1000,
  recentWindowS: 3,
  scanEveryMs: 500,
  deepWindowS: 30,
  deepEveryMs: 5000,
  coalesceMs: 50,
  replayWindowMs: 60_000,
  replayLimit: 20_000,
};

// A batch of events, delivered to every listener as one array (so that each dashboard gets one write).
type Listener = (batch: readonly StreamEvent[]) => void;

interface Delivered {
  event: StreamEvent;
  atMs: number;
}

// Follows audit_events and hands every committed event to listeners exactly once, in the order the
// events became visible (commit order; see README, "The live stream").
//
// An id is taken at INSERT and becomes visible at COMMIT, so a lower id can appear after a higher one: on
// one server when transactions commit out of order, and on a Galera cluster all the time, since every node
// hands out ids of its own (auto_increment_offset) and a node sees another node's commits only once it has
// applied them. So the tail never waits for a missing id (a rolled-back id would never come, and on
// Galera most ids belong to another node's share and never come either), and needs no view of running
// transactions (which needs the PROCESS privilege and on Galera only covers one node). Each poll reads
// the ids above the highest seen, and looks up again the ids below it it has not seen (for 30 s); where
// there are too many of those to name (a Galera cluster), it looks back by time instead (an index-only
// read of created_at): on every poll that found new rows, and every scanEveryMs otherwise. Seen ids are remembered for as long as a look back reaches, so nothing is
// delivered twice.
//
// Order: one participant's events become visible in commit order (each transaction waits for the
// participant's row lock, and a Galera node applies commits in the cluster's order), so delivering in the
// order of visibility keeps them so. Within one poll they are sorted by (created_at, id): a check-in is
// stamped when its lock is granted (SYSDATE, see participants.repo.ts), after the transaction it waited
// for committed. Ids would not do: on Galera a node hands out its own ids, lower ones included.
export class AuditTail {
  #maxId = 0;
  #startId = 0;
  // Ids delivered (or present at start) with their created_at, for as long as a look back can find them.
  #seen = new Map<number, number>();
  #newestMs = 0;
  #lastDeepAt = 0;
  #lastScanAt = 0;
  #forgotAt = 0;
  // Unseen ids below #maxId, with when they were noticed; until #scanUntil, too many to list.
  #holes = new Map<number, number>();
  #scanUntil = 0;
  // What was delivered, in order, for dashboards that reconnect (Last-Event-ID).
  #replay: Delivered[] = [];
  #replayIndex = new Map<number, number>();
  #replayOffset = 0;
  #listeners = new Set<Listener>();
  #timer: NodeJS.Timeout | undefined;
  #dueAt = Number.POSITIVE_INFINITY;
  #running: Promise<void> | undefined;
  #again = false;
  #started: Promise<void> | undefined;
  #stopNotifier: (() => void) | undefined;
  #closed = false;
  readonly options: AuditTailOptions;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    options: Partial<AuditTailOptions> & Pick<AuditTailOptions, 'pollMs'>,
  ) {
    this.options = { ...DEFAULT_TAIL_OPTIONS, ...options };
  }

  // How many events a resume may replay: as many as the record of delivered events keeps.
  get replayLimit(): number {
    return this.options.replayLimit;
  }

  // Where a fresh dashboard stands: the last event delivered, or before any, the highest id at start.
  get lastDelivered(): number {
    return this.#replay.at(-1)?.event.id ?? this.#startId;
  }

  start(): Promise<void> {
    this.#started ??= (async () => {
      // Everything already visible counts as seen: the stream starts at "now".
      await this.db.read(async (handle) => {
        const [row] = await handle.rows<RowDataPacket & { max_id: number | null; now: Date }>('SELECT MAX(id) AS max_id, UTC_TIMESTAMP(3) AS now FROM audit_events');
        this.#maxId = Number(row?.max_id ?? 0);
        this.#startId = this.#maxId;
        this.#newestMs = row!.now.getTime();
        const recent = await recentAuditIds(handle, this.options.deepWindowS, this.#maxId);
        for (const id of recent) this.#seen.set(id, this.#newestMs);
        // Ids among the recent ones that are missing may still commit.
        if (recent.length > 0) this.#noticeHoles(Math.min(...recent), this.#maxId, Date.now());
      });
      this.#lastDeepAt = Date.now();
      const poke = () => this.poke();
      this.db.events.on(AUDIT_COMMITTED, poke);
      this.#stopNotifier = () => this.db.events.off(AUDIT_COMMITTED, poke);
      this.#schedule(this.options.pollMs);
    })();
    return this.#started;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // Events delivered after the one with this id (or after the start, for the id the stream started at), if
  // this instance still remembers them all; undefined when it does not. `overlapMs`: also those delivered
  // that long before it, for a dashboard that was following another instance, whose polls saw the same
  // events at slightly different moments (a few repeats, which the dashboard drops, rather than a gap).
  deliveredAfter(id: number, overlapMs = 0): StreamEvent[] | undefined {
    if (id === this.#startId && this.#replayOffset === 0 && !this.#replayIndex.has(id)) return this.#replay.map((entry) => entry.event);
    const index = this.#replayIndex.get(id);
    if (index === undefined) return undefined;
    let from = index - this.#replayOffset + 1;
    const deliveredAt = this.#replay[from - 1]!.atMs;
    while (overlapMs > 0 && from > 0 && deliveredAt - this.#replay[from - 1]!.atMs <= overlapMs) from--;
    return this.#replay.slice(from).map((entry) => entry.event);
  }

  // This process committed audit rows: a poll soon, shared with any other commit within coalesceMs.
  poke(): void {
    this.#schedule(this.options.coalesceMs);
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    if (this.#running) {
      if (delayMs < this.options.pollMs) this.#again = true;
      return;
    }
    const dueAt = Date.now() + delayMs;
    if (dueAt >= this.#dueAt) return;
    clearTimeout(this.#timer);
    this.#dueAt = dueAt;
    this.#timer = setTimeout(() => this.#run(), delayMs);
    this.#timer.unref();
  }

  #run(): void {
    this.#dueAt = Number.POSITIVE_INFINITY;
    this.#running = this.#poll().finally(() => {
      this.#running = undefined;
      const again = this.#again;
      this.#again = false;
      this.#schedule(again ? 0 : this.options.pollMs);
    });
  }

  async #poll(): Promise<void> {
    try {
      const found = await this.db.read(async (handle) => {
        const fresh = await auditRowsAfter(handle, this.#maxId, this.options.batchSize);
        if (fresh.length === this.options.batchSize) this.#again = true;
        const now = Date.now();
        if (this.#holes.size <= this.options.holeLimit && now >= this.#scanUntil) return [...fresh, ...(await auditRowsByIds(handle, [...this.#holes.keys()]))];
        const deep = now - this.#lastDeepAt >= this.options.deepEveryMs;
        // Fresh rows always bring a look back with them: an event that became visible before them (a lower
        // id, another node's) must not be delivered after them.
        if (!deep && fresh.length === 0 && now - this.#lastScanAt < this.options.scanEveryMs) return fresh;
        this.#lastScanAt = now;
        if (deep) this.#lastDeepAt = now;
        const freshIds = new Set(fresh.map((row) => Number(row.id)));
        const lookBack = await recentAuditIds(handle, deep ? this.options.deepWindowS : this.options.recentWindowS, this.#maxId);
        return [...fresh, ...(await auditRowsByIds(handle, lookBack.filter((id) => !this.#seen.has(id) && !freshIds.has(id))))];
      });
      if (found.length > 0) this.#deliver(found.map(toStreamEvent));
    } catch (error) {
      this.logger.warn({ err: error }, 'audit tail poll failed; retrying');
    }
  }

  #deliver(events: StreamEvent[]): void {
    const batch = events
      .filter((event) => !this.#seen.has(event.id))
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
    if (batch.length === 0) return;
    const now = Date.now();
    const previousMax = this.#maxId;
    for (const event of batch) {
      const createdMs = Date.parse(event.at);
      this.#seen.set(event.id, createdMs);
      this.#holes.delete(event.id);
      if (event.id > this.#maxId) this.#maxId = event.id;
      if (createdMs > this.#newestMs) this.#newestMs = createdMs;
      this.#replayIndex.set(event.id, this.#replayOffset + this.#replay.length);
      this.#replay.push({ event, atMs: now });
    }
    this.#noticeHoles(previousMax + 1, this.#maxId, now);
    this.#forget(now);
    for (const listener of this.#listeners) listener(batch);
  }

  #noticeHoles(from: number, to: number, now: number): void {
    // A jump too long to list (ids reserved in bulk, or a long pause) counts as too many holes: the tail
    // looks back by time until the listed ones expire.
    if (to - from > this.options.holeLimit * 10) {
      this.#scanUntil = now + this.options.deepWindowS * 1000;
      return;
    }
    for (let id = from; id <= to; id++) if (!this.#seen.has(id)) this.#holes.set(id, now);
  }

  // Seen ids older than the deepest look back (with a margin for clocks) can never come back.
  #forget(now: number): void {
    if (now - this.#forgotAt < 1000) return;
    this.#forgotAt = now;
    const horizon = this.#newestMs - (this.options.deepWindowS + 10) * 1000;
    if (this.#seen.size > 0) for (const [id, createdMs] of this.#seen) if (createdMs < horizon) this.#seen.delete(id);
    const holeHorizon = now - this.options.deepWindowS * 1000;
    for (const [id, noticedAt] of this.#holes) if (noticedAt < holeHorizon) this.#holes.delete(id);
    let drop = 0;
    while (drop < this.#replay.length && now - this.#replay[drop]!.atMs > this.options.replayWindowMs) drop++;
    drop = Math.max(drop, this.#replay.length - this.options.replayLimit);
    if (drop === 0) return;
    for (const entry of this.#replay.slice(0, drop)) this.#replayIndex.delete(entry.event.id);
    this.#replay = this.#replay.slice(drop);
    this.#replayOffset += drop;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#stopNotifier?.();
    await this.#running;
  }
}
