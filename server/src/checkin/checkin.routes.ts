import { Router } from 'express';
import { CheckInRequest } from '../../../contracts/checkin.ts';
import { clientIp } from '../lib/client-ip.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, requireJsonBody } from '../lib/http.ts';
import { checkIn, type FailureLimits } from './checkin.service.ts';

export function checkInRoutes(db: Database, limits: FailureLimits): Router {
  const router = Router();
  router.post('/api/check-in', requireJsonBody(), async (req, res) => {
    const input = parseBody(CheckInRequest, req.body);
    const result = await checkIn(db, limits, {
      ...input,
      ip: clientIp(req),
      userAgent: req.get('user-agent') ?? null,
      requestId: req.id,
    });
    res.json(result);
  });
  return router;
}
