import { Router } from 'express';
import type { RowDataPacket } from 'mysql2/promise';
import type { StreamEvent } from '../../../contracts/proctor.ts';
import type { Database } from '../lib/database.ts';
import { exemptFromAdmission } from '../lib/admission.ts';
import { AUDIT_EVENT_COLUMNS, type AuditEventRow, toStreamEvent } from '../proctor/proctor.repo.ts';
import type { AuditTail } from './audit-tail.ts';

const BACKLOG_PAGE = 1000;

// Every connected dashboard receives the same text: serialise each event once, not once per dashboard.
const formatted = new WeakMap<StreamEvent, string>();
function format(event: StreamEvent): string {
  let text = formatted.get(event);
  if (text === undefined) {
    text = `id: ${event.id}\nevent: audit\ndata: ${JSON.stringify(event)}\n\n`;
    formatted.set(event, text);
  }
  return text;
}

export interface LiveStreams {
  connected(): number;
  closeAll(): void;
}

export function liveRoutes(db: Database, tail: AuditTail, heartbeatS: number): { router: Router; streams: LiveStreams } {
  const router = Router();
  const open = new Set<() => void>();

  router.get('/api/proctor/stream', async (req, res) => {
    await tail.start();
    const lastEventId = Number(req.get('last-event-id') ?? req.query.lastEventId ?? NaN);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    // A stream stays open for hours; it must not hold one of the slots check-ins are admitted by.
    exemptFromAdmission(res);

    // Subscribe before reading the backlog so nothing falls between the two; the tail delivers strictly
    // above its watermark, and the backlog is read up to the watermark seen at subscription.
    const queued: StreamEvent[] = [];
    let live = false;
    let sentUpTo = Number.isInteger(lastEventId) && lastEventId >= 0 ? lastEventId : tail.watermark;
    const send = (event: StreamEvent) => {
      if (event.id <= sentUpTo) return;
      sentUpTo = event.id;
      res.write(format(event));
    };
    const unsubscribe = tail.subscribe((event) => (live ? send(event) : queued.push(event)));
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatS * 1000);
    const close = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(close);
      res.end();
    };
    open.add(close);
    req.on('close', close);

    try {
      const upTo = tail.watermark;
      if (sentUpTo < upTo) {
        await db.read(async (handle) => {
          while (sentUpTo < upTo) {
            const rows = await handle.rows<AuditEventRow & RowDataPacket>(
              `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_events WHERE id > ? AND id <= ? ORDER BY id LIMIT ${BACKLOG_PAGE}`,
              [sentUpTo, upTo],
            );
            if (rows.length === 0) break;
            for (const row of rows) send(toStreamEvent(row));
          }
        });
      } else if (!(Number.isInteger(lastEventId) && lastEventId >= 0)) {
        // A fresh client learns where it stands, so a reconnect resumes from here.
        res.write(`id: ${upTo}\nevent: ready\ndata: ${JSON.stringify({ watermark: upTo })}\n\n`);
      }
      live = true;
      for (const event of queued.splice(0)) send(event);
    } catch {
      close();
    }
  });

  return {
    router,
    streams: {
      connected: () => open.size,
      closeAll: () => {
        for (const close of [...open]) close();
      },
    },
  };
}
