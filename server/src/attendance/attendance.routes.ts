import { Router } from 'express';
import { ArrivalsQuery } from '../../../contracts/arrivals.ts';
import { RecordQuery } from '../../../contracts/attendance-record.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, type ProctorGuard, sendJson } from '../lib/http.ts';
import { ArrivalsCache, attendanceRecord, recordCsv, sealNow } from './attendance.service.ts';

export const ARRIVALS_FRESH_MS = 2000;

export function attendanceRoutes(db: Database, guard: ProctorGuard): Router {
  const router = Router();
  const arrivals = new ArrivalsCache(db, ARRIVALS_FRESH_MS);
  router.get('/api/proctor/record', guard.chiefRead, async (req, res) => {
    const { session } = parseBody(RecordQuery, req.query);
    sendJson(res, await attendanceRecord(db, session));
  });
  router.get('/api/proctor/arrivals', guard.chiefRead, async (req, res) => {
    const { session } = parseBody(ArrivalsQuery, req.query);
    sendJson(res, await arrivals.get(session));
  });
  router.get('/api/proctor/record.csv', guard.chiefRead, async (req, res) => {
    const { session } = parseBody(RecordQuery, req.query);
    const csv = recordCsv(await attendanceRecord(db, session));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="examgate-record-${session}.csv"`);
    res.send(csv);
  });
  // Seals the whole audit log now, so that the record printed next carries a digest covering everything
  // in it (docs/operations.md, seals).
  router.post('/api/proctor/seals', guard.chiefWrite, async (_req, res) => {
    sendJson(res, await sealNow(db), 201);
  });
  return router;
}
