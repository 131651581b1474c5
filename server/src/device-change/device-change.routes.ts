import { Router } from 'express';
import { z } from 'zod';
import { CheckInRequest } from '../../../contracts/checkin.ts';
import { clientIp } from '../lib/client-ip.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, requireJsonBody } from '../lib/http.ts';
import { askForDeviceChange, deviceChangeStatus } from './device-change.service.ts';

const StatusParams = z.object({ id: z.coerce.number().int().positive() });
const TokenHeader = z.string({ error: 'X-Request-Token header is required' }).min(1).max(100);

export function deviceChangeRoutes(db: Database, ttlS: number): Router {
  const router = Router();

  router.post('/api/device-change-requests', requireJsonBody(), async (req, res) => {
    const input = parseBody(CheckInRequest, req.body);
    const created = await askForDeviceChange(
      db,
      { ...input, ip: clientIp(req), userAgent: req.get('user-agent') ?? null, requestId: req.id },
      ttlS,
    );
    res.status(201).json(created);
  });

  router.get('/api/device-change-requests/:id', async (req, res) => {
    const { id } = parseBody(StatusParams, req.params);
    const token = parseBody(TokenHeader, req.get('x-request-token'));
    res.json(await deviceChangeStatus(db, id, token));
  });

  return router;
}
