import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { StreamEvent } from '../../../contracts/proctor.ts';
import { auditRowsAfter, toStreamEvent } from '../audit/audit-events.repo.ts';
import { exemptFromAdmission } from '../lib/admission.ts';
import type { Database } from '../lib/database.ts';
import type { ProctorGuard } from '../lib/http.ts';
import type { AuditTail } from './audit-tail.ts';

const BACKLOG_PAGE = 1000;

// Every connected dashboard receives the same text: each event is serialised once, and each batch the tail
// delivers becomes one string and one write per dashboard (a write per event per dashboard cost the
// server a fifth more CPU per check-in with 50 dashboards open).
// The SSE id names the event and the instance that sent it (`<audit id>@<instance>`), so that a resume can
// tell whether this instance's record of what it delivered is the one the dashboard followed.
const INSTANCE = randomBytes(4).toString('hex');
// How far back a resume served by another instance reaches (its tail saw the same events, at moments a
// poll or two apart).
const RESUME_OVERLAP_MS = 2000;
const STREAM_BACKLOG_LIMIT_BYTES = 8 * 1024 * 1024;
// Not cached per event: a batch is formatted once for all dashboards (below), and a cache would double
// the memory of the events kept for resuming.
function format(event: StreamEvent): string {
  return `id: ${event.id}@${INSTANCE}\nevent: audit\ndata: ${JSON.stringify(event)}\n\n`;
}
function parseLastEventId(value: string | undefined): { id: number; ours: boolean } | undefined {
  const match = /^(\d+)(?:@([0-9a-f]+))?$/.exec(value?.trim() ?? '');
  return match ? { id: Number(match[1]), ours: match[2] === INSTANCE } : undefined;
}
// A batch goes to every dashboard as the same bytes: encoded once, not once per socket.
const batchBytes = new WeakMap<readonly StreamEvent[], Buffer>();
function formatBatch(batch: readonly StreamEvent[]): Buffer {
  let bytes = batchBytes.get(batch);
  if (bytes === undefined) {
    bytes = Buffer.from(batch.map(format).join(''));
    batchBytes.set(batch, bytes);
  }
  return bytes;
}

export interface LiveStreams {
  connected(): number;
  closeAll(): void;
}

// How often open streams are held against their proctor sessions: a stream ends at most this long (plus a
// query) after its session did (logout, expiry, a password change, the proctor's removal).
export const STREAM_SESSION_CHECK_MS = 2000;

export function liveRoutes(db: Database, guard: ProctorGuard, tail: AuditTail, heartbeatS: number): { router: Router; streams: LiveStreams } {
  const router = Router();
  // Each open stream's close, with the session it was opened under.
  const open = new Map<() => void, string>();
  let checker: NodeJS.Timeout | undefined;
  const checkSessions = async () => {
    if (open.size === 0) return;
    try {
      const alive = await guard.alive([...new Set(open.values())]);
      for (const [close, session] of [...open]) if (!alive.has(session)) close();
    } catch {
      // The database is away: streams stay until it answers again.
    }
  };
  const watchSessions = () => {
    checker ??= setInterval(() => void checkSessions(), STREAM_SESSION_CHECK_MS);
    checker.unref();
  };

  router.get('/api/proctor/stream', guard.read, async (req, res) => {
    await tail.start();
    const resumeFrom = parseLastEventId(req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined));
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    // A stream stays open for hours; it must not hold one of the slots check-ins are admitted by.
    exemptFromAdmission(res);

    // Subscribe before reading the backlog so nothing falls between the two; batches that arrive meanwhile
    // wait (under the same cap as unsent live events), and whatever the backlog already sent is not sent again.
    const queued: (readonly StreamEvent[])[] = [];
    let queuedBytes = 0;
    let live = false;
    // A room proctor's stream carries their rooms' events only (a chief's, every batch as it is).
    const { scope } = req.proctor!;
    const unsubscribe = tail.subscribe((whole) => {
      const batch = scope.isChief ? whole : whole.filter((event) => scope.coversEvent(event));
      if (batch.length === 0) return;
      if (!live) {
        queued.push(batch);
        queuedBytes += formatBatch(batch).length;
        if (queuedBytes > STREAM_BACKLOG_LIMIT_BYTES) close();
        return;
      }
      res.write(formatBatch(batch));
      // A dashboard that does not read (a stalled tab, a dead network) would make its unsent events pile up
      // here; it is cut off instead and resumes with Last-Event-ID when it reconnects.
      if (res.writableLength > STREAM_BACKLOG_LIMIT_BYTES) close();
    });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatS * 1000);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(close);
      if (open.size === 0) {
        clearInterval(checker);
        checker = undefined;
      }
      res.end();
    };
    open.set(close, req.proctor!.tokenHash);
    watchSessions();
    req.on('close', close);

    // A dashboard that reads slowly holds the next page back; one that goes away ends the wait.
    const drained = () =>
      new Promise<void>((resolve) => {
        if (res.writableLength === 0 || res.destroyed) return resolve();
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    const position = (event: 'ready' | 'refetch') =>
      `id: ${tail.lastDelivered}@${INSTANCE}\nevent: ${event}\ndata: ${JSON.stringify({ lastEventId: tail.lastDelivered })}\n\n`;

    try {
      const sent = new Set<number>();
      const send = (events: readonly StreamEvent[]) => {
        for (const event of events) sent.add(event.id);
        if (events.length > 0) res.write(events.map(format).join(''));
      };
      if (resumeFrom === undefined) {
        // A fresh client learns where it stands, so a reconnect resumes from here.
        res.write(position('ready'));
      } else {
        // What this instance delivered after that event (from a little earlier if the dashboard followed
        // another instance); if it no longer remembers the event (over a minute ago), the events with
        // higher ids, read page by page as the dashboard takes them (see docs/live-stream.md). A resume
        // from further back than the record reaches (Last-Event-ID: 0, an id from long ago) replays
        // nothing: the dashboard is told to refetch its lists, and goes on from here.
        const remembered = tail.deliveredAfter(resumeFrom.id, resumeFrom.ours ? 0 : RESUME_OVERLAP_MS);
        if (remembered) send(remembered.filter((event) => scope.coversEvent(event)));
        else if (tail.lastDelivered - resumeFrom.id > tail.replayLimit) res.write(position('refetch'));
        else {
          let after = resumeFrom.id;
          while (!res.destroyed) {
            const rows = await db.read((handle) => auditRowsAfter(handle, after, BACKLOG_PAGE, undefined, scope));
            send(rows.map(toStreamEvent));
            if (rows.length < BACKLOG_PAGE) break;
            after = Number(rows.at(-1)!.id);
            await drained();
          }
        }
      }
      for (const batch of queued.splice(0)) send(batch.filter((event) => !sent.has(event.id)));
      queuedBytes = 0;
      live = true;
    } catch {
      close();
    }
  });

  return {
    router,
    streams: {
      connected: () => open.size,
      closeAll: () => {
        for (const close of [...open.keys()]) close();
      },
    },
  };
}
