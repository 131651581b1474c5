import type { RowDataPacket } from 'mysql2/promise';
import type { StreamEvent } from '../../../contracts/proctor.ts';
import type { Database, SqlHandle } from '../lib/database.ts';
import type { Logger } from '../lib/logger.ts';
import { AUDIT_EVENT_COLUMNS, type AuditEventRow, toStreamEvent } from '../proctor/proctor.repo.ts';
import { onAuditCommitted } from './audit-notifier.ts';

export interface AuditTailOptions {
  pollMs: number;
  // Fallback when the server will not show us its running transactions (no PROCESS privilege): a missing
  // id older than this is taken to be a rollback.
  gapTimeoutMs: number;
  batchSize: number;
}

type Listener = (event: StreamEvent) => void;

interface Gap {
  firstSeenAt: Date | null;
}

interface Clock {
  now: Date;
  // Start of the oldest other transaction still running; null if none; undefined if we may not look.
  oldestRunning: Date | null | undefined;
}

const CLOCK_WITH_TRANSACTIONS = `
  SELECT UTC_TIMESTAMP(3) AS now,
         (SELECT MIN(trx_started) FROM information_schema.innodb_trx WHERE trx_mysql_thread_id <> CONNECTION_ID()) AS oldest`;

// Follows audit_events by id and hands every committed event to listeners exactly once, in id order.
//
// Auto-increment ids are handed out at INSERT but become visible at COMMIT, so id 101 can be visible while
// id 100 is still in flight. Delivering 101 and moving on would lose 100 forever. Instead `watermark` only
// advances over a contiguous run: events above a missing id are held back until the id shows up or is
// known never to come (rolled back). An id is known to be gone once every transaction that was running
// when we first missed it has ended (InnoDB's transaction list says so) and a re-read still lacks it.
export class AuditTail {
  #watermark = 0;
  #held = new Map<number, StreamEvent>();
  #gaps = new Map<number, Gap>();
  #listeners = new Set<Listener>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #started: Promise<void> | undefined;
  #stopNotifier: (() => void) | undefined;
  #trxVisible = true;
  #closed = false;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: AuditTailOptions,
  ) {}

  get watermark(): number {
    return this.#watermark;
  }

  start(): Promise<void> {
    this.#started ??= (async () => {
      // An id below the current maximum that is still in flight is not visible yet: start below the lowest
      // such id in a recent window so that its commit goes through the normal gap handling.
      this.#watermark = await this.db.read(async (handle) => {
        const [row] = await handle.rows<RowDataPacket & { max_id: number | null }>('SELECT MAX(id) AS max_id FROM audit_events');
        const max = Number(row?.max_id ?? 0);
        const [lowestMissing] = await this.#missingBelow(handle, max, 1000);
        return lowestMissing !== undefined ? lowestMissing - 1 : max;
      });
      // Settle the start-up gaps before anyone subscribes, so a fresh dashboard starts at "now".
      for (let round = 0; round < 3; round++) {
        await this.#poll();
        if (this.#gaps.size === 0) break;
      }
      this.#stopNotifier = onAuditCommitted(() => this.poke());
      this.#schedule();
    })();
    return this.#started;
  }

  async #missingBelow(handle: SqlHandle, top: number, span: number): Promise<number[]> {
    if (top <= 1) return [];
    const bottom = Math.max(0, top - span);
    const rows = await handle.rows<RowDataPacket & { id: number }>('SELECT id FROM audit_events WHERE id > ? AND id <= ?', [bottom, top]);
    const present = new Set(rows.map((row) => Number(row.id)));
    const missing: number[] = [];
    for (let id = bottom + 1; id <= top; id++) if (!present.has(id)) missing.push(id);
    return missing;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  poke(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#poll().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.poke();
      } else this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.poke(), this.options.pollMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    try {
      await this.db.read(async (handle) => {
        // The transaction list is read *before* the rows: a gap whose possible writers had all ended by
        // then, and that the following read still lacks, can never be filled.
        const clock = this.#gaps.size > 0 ? await this.#clock(handle) : undefined;
        const rows = await handle.rows<AuditEventRow>(
          `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_events WHERE id > ? ORDER BY id LIMIT ${this.options.batchSize}`,
          [this.#watermark],
        );
        for (const row of rows) this.#held.set(Number(row.id), toStreamEvent(row));
        if (rows.length === this.options.batchSize) this.#again = true;
        const newGaps = this.#advance(clock);
        if (newGaps.length > 0) {
          // Stamped after the read that revealed them, on the database's clock (innodb_trx uses it too).
          const { now } = await this.#clock(handle, false);
          for (const gap of newGaps) gap.firstSeenAt = now;
        }
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'audit tail poll failed; retrying');
    }
  }

  async #clock(handle: SqlHandle, withTransactions = true): Promise<Clock> {
    if (withTransactions && this.#trxVisible) {
      try {
        const [row] = await handle.rows<RowDataPacket & { now: Date; oldest: Date | null }>(CLOCK_WITH_TRANSACTIONS);
        return { now: row!.now, oldestRunning: row!.oldest };
      } catch {
        this.#trxVisible = false;
        this.logger.warn('cannot read information_schema.innodb_trx (needs PROCESS); the live stream falls back to a gap timeout');
      }
    }
    const [row] = await handle.rows<RowDataPacket & { now: Date }>('SELECT UTC_TIMESTAMP(3) AS now');
    return { now: row!.now, oldestRunning: undefined };
  }

  // Delivers the contiguous run above the watermark; returns the gaps seen for the first time.
  #advance(clock: Clock | undefined): Gap[] {
    const created: Gap[] = [];
    const highestHeld = this.#held.size > 0 ? Math.max(...this.#held.keys()) : this.#watermark;
    for (let id = this.#watermark + 1; id <= highestHeld; id++) {
      const event = this.#held.get(id);
      if (event) {
        this.#held.delete(id);
        this.#gaps.delete(id);
        this.#watermark = id;
        for (const listener of this.#listeners) listener(event);
        continue;
      }
      let gap = this.#gaps.get(id);
      if (!gap) {
        gap = { firstSeenAt: null };
        this.#gaps.set(id, gap);
        created.push(gap);
      }
      if (!clock || !this.#gapIsSettled(gap, clock)) {
        for (let rest = id + 1; rest <= highestHeld; rest++) {
          if (!this.#held.has(rest) && !this.#gaps.has(rest)) {
            const later = { firstSeenAt: null };
            this.#gaps.set(rest, later);
            created.push(later);
          }
        }
        return created;
      }
      this.#gaps.delete(id);
      this.#watermark = id;
    }
    return created;
  }

  #gapIsSettled(gap: Gap, clock: Clock): boolean {
    if (gap.firstSeenAt === null) return false;
    if (clock.oldestRunning === undefined) return clock.now.getTime() - gap.firstSeenAt.getTime() > this.options.gapTimeoutMs;
    // innodb_trx reports whole seconds, which only ever makes a transaction look older: safe side.
    return clock.oldestRunning === null || clock.oldestRunning.getTime() > gap.firstSeenAt.getTime();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#stopNotifier?.();
    await this.#running;
  }
}
