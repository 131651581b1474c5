import { type RequestHandler, Router } from 'express';
import { CheckInRequest } from '../../../contracts/checkin.ts';
import { DEVICE_CHALLENGE_PATH } from '../../../contracts/device-proof.ts';
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
    const { proof, ...input } = parseBody(CheckInRequest, req.body);
    const device = await devices.identify(req, res, { purpose: 'check-in', ...input, proof });
    const result = await checkIn(context, {
      ...input,
      ip: clientIp(req),
      device,
      userAgent: req.get('user-agent') ?? null,
      requestId: req.id,
    });
    res.locals.outcome = result.result;
    // The page's next signed request (a refresh's re-entry) then needs no round trip for its challenge.
    sendJson(res, proof ? { ...result, nextChallenge: await devices.issueChallenge() } : result);
  });
  // Not cacheable: every challenge is single use.
  router.get(DEVICE_CHALLENGE_PATH, apiHeaders(), async (_req, res) => {
    sendJson(res, await devices.issueChallenge());
  });
  return router;
}
