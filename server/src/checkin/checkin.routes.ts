import { type RequestHandler, Router } from 'express';
import { CheckInRequest } from '../../../contracts/checkin.ts';
import { clientIp } from '../lib/client-ip.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, requireJsonBody } from '../lib/http.ts';
import type { Metrics } from '../lib/metrics.ts';
import { checkIn, type FailureLimits } from './checkin.service.ts';

// The outcome is the result on success, or the error code the error handler answered with.
function countOutcome(metrics: Metrics): RequestHandler {
  return (_req, res, next) => {
    res.on('finish', () => metrics.checkIns.inc({ outcome: String(res.locals.outcome ?? res.locals.errorCode ?? res.statusCode) }));
    next();
  };
}

export function checkInRoutes(db: Database, limits: FailureLimits, metrics: Metrics): Router {
  const router = Router();
  router.post('/api/check-in', countOutcome(metrics), requireJsonBody(), async (req, res) => {
    const input = parseBody(CheckInRequest, req.body);
    const result = await checkIn(db, limits, {
      ...input,
      ip: clientIp(req),
      userAgent: req.get('user-agent') ?? null,
      requestId: req.id,
    });
    res.locals.outcome = result.result;
    res.json(result);
  });
  return router;
}
