import { type Request, Router } from 'express';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { ParticipantCode } from '../../../contracts/checkin.ts';
import {
  ApproveRequest,
  BulkResetLockRequest,
  BulkStatusChangeRequest,
  DeclineRequest,
  type ParticipantsResponse,
  ResetLockRequest,
  StatusChangeRequest,
  type SummaryResponse,
  TransferLockRequest,
} from '../../../contracts/proctor.ts';
import { clientIp } from '../lib/client-ip.ts';
import type { Database } from '../lib/database.ts';
import { NotFoundError } from '../lib/errors.ts';
import { parseBody, requireJsonBody, sendJsonTimed } from '../lib/http.ts';
import { approveDeviceChange, declineDeviceChange } from '../device-change/device-change.service.ts';
import { AUDIT_EVENT_COLUMNS, auditEventsBefore, listSessions } from './proctor.repo.ts';
import { type Actor, resetLocks, sessionParticipants, setExpired, transferLock } from './proctor.service.ts';

const SessionQuery = z.object({ session: z.coerce.number().int().positive().optional() });
const EventsQuery = z.object({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const RequestIdParam = z.object({ id: z.coerce.number().int().positive() });

function actorOf(req: Request): Actor {
  return { name: req.proctor!.username, ip: clientIp(req), requestId: req.id };
}

function codeParam(req: Request): string {
  return parseBody(z.object({ code: ParticipantCode }), req.params).code;
}

// Spreadsheet programs execute cells that start with these; a participant-supplied user agent must not.
function csvCell(value: unknown): string {
  let text = value instanceof Date ? value.toISOString() : value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function proctorRoutes(db: Database): Router {
  const router = Router();

  const loadParticipants = async (req: Request): Promise<ParticipantsResponse> => {
    const { session: requested } = parseBody(SessionQuery, req.query);
    const sessions = await db.read(listSessions);
    const session = requested === undefined ? sessions[0] : sessions.find((candidate) => candidate.id === requested);
    if (requested !== undefined && !session) throw new NotFoundError(`No exam session ${requested}.`);
    return { session: session ?? null, sessions, participants: session ? await sessionParticipants(db, session.id) : [] };
  };

  router.get('/api/proctor/participants', async (req, res) => {
    sendJsonTimed(req, res, await loadParticipants(req));
  });

  router.get('/api/proctor/summary', async (req, res) => {
    const { session, participants } = await loadParticipants(req);
    const count = (predicate: (p: (typeof participants)[number]) => boolean) => participants.filter(predicate).length;
    const body: SummaryResponse = {
      session,
      total: participants.length,
      unused: count((p) => p.status === 'unused'),
      inProgress: count((p) => p.status === 'in_progress'),
      expired: count((p) => p.status === 'expired'),
      openConflicts: count((p) => p.openConflict),
      pendingRequests: count((p) => p.pendingRequest !== null),
    };
    res.json(body);
  });

  router.get('/api/proctor/events', async (req, res) => {
    const { before, limit } = parseBody(EventsQuery, req.query);
    const events = await db.read((handle) => auditEventsBefore(handle, before ?? Number.MAX_SAFE_INTEGER, limit));
    res.json({ events, nextBefore: events.length === limit ? events.at(-1)!.id : null });
  });

  router.get('/api/proctor/events.csv', async (_req, res) => {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="examgate-audit.csv"');
    res.write('id,at,type,code,ip,user_agent,actor,reason,status_after,locked_ip_before,locked_ip_after\n');
    // Paged by id rather than one huge result, so memory stays flat and the client sees rows at once.
    let after = 0;
    await db.read(async (handle) => {
      for (;;) {
        const rows = await handle.rows<RowDataPacket>(`SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_events WHERE id > ? ORDER BY id LIMIT 2000`, [after]);
        if (rows.length === 0) break;
        const lines = rows.map((row) =>
          [row.id, row.created_at, row.event_type, row.code, row.source_ip, row.user_agent, row.actor, row.reason, row.status_after, row.locked_ip_before, row.locked_ip_after]
            .map(csvCell)
            .join(','),
        );
        if (!res.write(`${lines.join('\n')}\n`)) await new Promise((resolve) => res.once('drain', resolve));
        after = Number(rows.at(-1)!.id);
      }
    });
    res.end();
  });

  router.post('/api/proctor/participants/:code/reset-lock', requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason, expectedIp } = parseBody(ResetLockRequest, req.body);
    const [participant] = await resetLocks(db, [{ code, expectedIp }], reason, actorOf(req));
    res.json({ participant });
  });

  router.post('/api/proctor/participants/:code/transfer-lock', requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason, expectedIp, toIp } = parseBody(TransferLockRequest, req.body);
    res.json({ participant: await transferLock(db, code, toIp, expectedIp, reason, actorOf(req)) });
  });

  router.post('/api/proctor/participants/:code/expire', requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason } = parseBody(StatusChangeRequest, req.body);
    const [participant] = await setExpired(db, [code], true, reason, actorOf(req));
    res.json({ participant });
  });

  router.post('/api/proctor/participants/:code/reopen', requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason } = parseBody(StatusChangeRequest, req.body);
    const [participant] = await setExpired(db, [code], false, reason, actorOf(req));
    res.json({ participant });
  });

  router.post('/api/proctor/bulk/reset-lock', requireJsonBody(), async (req, res) => {
    const { reason, items } = parseBody(BulkResetLockRequest, req.body);
    res.json({ participants: await resetLocks(db, items, reason, actorOf(req)) });
  });

  router.post('/api/proctor/bulk/expire', requireJsonBody(), async (req, res) => {
    const { reason, codes } = parseBody(BulkStatusChangeRequest, req.body);
    res.json({ participants: await setExpired(db, codes, true, reason, actorOf(req)) });
  });

  router.post('/api/proctor/bulk/reopen', requireJsonBody(), async (req, res) => {
    const { reason, codes } = parseBody(BulkStatusChangeRequest, req.body);
    res.json({ participants: await setExpired(db, codes, false, reason, actorOf(req)) });
  });

  router.post('/api/proctor/device-change-requests/:id/approve', requireJsonBody(), async (req, res) => {
    const { id } = parseBody(RequestIdParam, req.params);
    const { reason, expectedIp } = parseBody(ApproveRequest, req.body);
    res.json({ participant: await approveDeviceChange(db, id, expectedIp, reason ?? null, actorOf(req)) });
  });

  router.post('/api/proctor/device-change-requests/:id/decline', requireJsonBody(), async (req, res) => {
    const { id } = parseBody(RequestIdParam, req.params);
    const { reason } = parseBody(DeclineRequest, req.body);
    res.json({ participant: await declineDeviceChange(db, id, reason ?? null, actorOf(req)) });
  });

  return router;
}
