import { Router } from 'express';
import { IdParam } from '../../../contracts/api-params.ts';
import { CheckInRequest } from '../../../contracts/checkin.ts';
import { ApproveRequest, DeclineRequest, REQUEST_TOKEN_HEADER, RequestTokenHeader } from '../../../contracts/proctor.ts';
import { clientIp } from '../lib/client-ip.ts';
import { parseBody, type ProctorGuard, proctorActor, requireJsonBody } from '../lib/http.ts';
import type { DeviceKeys } from '../devices/device-keys.ts';
import { approveDeviceChange, askForDeviceChange, declineDeviceChange, type DeviceChangeContext, deviceChangeStatus } from './device-change.service.ts';


export function deviceChangeRoutes(context: DeviceChangeContext, guard: ProctorGuard, devices: DeviceKeys): Router {
  const router = Router();
  const { db } = context;

  router.post('/api/device-change-requests', requireJsonBody(), async (req, res) => {
    const { proof, ...input } = parseBody(CheckInRequest, req.body);
    const device = await devices.identify(req, res, { purpose: 'device-change', ...input, proof });
    const created = await askForDeviceChange(context, {
      ...input,
      ip: clientIp(req),
      device,
      userAgent: req.get('user-agent') ?? null,
      requestId: req.id,
    });
    res.status(201).json(created);
  });

  router.get('/api/device-change-requests/:id', async (req, res) => {
    const { id } = parseBody(IdParam, req.params);
    const token = parseBody(RequestTokenHeader, req.get(REQUEST_TOKEN_HEADER));
    res.json(await deviceChangeStatus(db, id, token));
  });

  router.post('/api/proctor/device-change-requests/:id/approve', guard.request, requireJsonBody(), async (req, res) => {
    const { id } = parseBody(IdParam, req.params);
    const { reason, expectedIp, expectedDevice } = parseBody(ApproveRequest, req.body);
    res.json({ participant: await approveDeviceChange(db, id, { expectedIp, expectedDevice }, reason ?? null, proctorActor(req)) });
  });

  router.post('/api/proctor/device-change-requests/:id/decline', guard.request, requireJsonBody(), async (req, res) => {
    const { id } = parseBody(IdParam, req.params);
    const { reason } = parseBody(DeclineRequest, req.body);
    res.json({ participant: await declineDeviceChange(db, id, reason ?? null, proctorActor(req)) });
  });

  return router;
}
