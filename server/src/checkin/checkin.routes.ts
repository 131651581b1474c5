import { type RequestHandler, Router } from 'express';
import { CheckInRequest } from '../../../contracts/checkin.ts';
import type { DeviceKeys } from '../devices/device-keys.ts';
import { clientIp } from '../lib/client-ip.ts';
import { apiHeaders, jsonBody, parseBody, requireJsonBody, sendJson } from '../lib/http.ts';
import { type CheckInContext, checkIn } from './checkin.service.ts';

// The outcome is the result on success, or the error code the error handler answered with.
function countOutcome(count: (outcome: string) => void): RequestHandler {
  return (_req, res, next) => {
    res.on('finish', () => count(String(res.locals.outcome ?? res.locals.errorCode ?? res.statusCode)));
    next();
  };
}

export function checkInRoutes(context: CheckInContext, devices: DeviceKeys, countOutcomeOf: (outcome: string) => void): Router {
  const router = Router();
  // Mounted before every other router, with the API's headers and body parser of its own: at exam start
  // this route is nearly all the traffic, and each layer a request walks past costs it.
  router.post('/api/check-in', apiHeaders(), countOutcome(countOutcomeOf), requireJsonBody(), jsonBody, async (req, res) => {
    const input = parseBody(CheckInRequest, req.body);
    const result = await checkIn(context, {
      ...input,
      ip: clientIp(req),
      device: await devices.identify(req, res),
      userAgent: req.get('user-agent') ?? null,
      requestId: req.id,
    });
    res.locals.outcome = result.result;
    sendJson(res, result);
  });
  return router;
}
