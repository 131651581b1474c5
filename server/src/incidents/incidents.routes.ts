import { Router } from 'express';
import { IncidentsQuery, type IncidentsResponse, RecordIncidentRequest } from '../../../contracts/incidents.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, type ProctorGuard, proctorActor, requireJsonBody, sendJson } from '../lib/http.ts';
import { recordIncident, sessionIncidents } from './incidents.service.ts';

export function incidentRoutes(db: Database, guard: ProctorGuard): Router {
  const router = Router();
  router.get('/api/proctor/incidents', guard.chiefRead, async (req, res) => {
    const { session } = parseBody(IncidentsQuery, req.query);
    const body: IncidentsResponse = { incidents: await sessionIncidents(db, session) };
    sendJson(res, body);
  });
  router.post('/api/proctor/incidents', guard.participants, requireJsonBody(), async (req, res) => {
    const request = parseBody(RecordIncidentRequest, req.body);
    sendJson(res, await recordIncident(db, request, proctorActor(req)), 201);
  });
  return router;
}
