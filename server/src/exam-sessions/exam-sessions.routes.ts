import { Router } from 'express';
import { IdParam } from '../../../contracts/api-params.ts';
import { ExamSessionChange } from '../../../contracts/exam-session.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, type ProctorGuard, proctorActor, requireJsonBody } from '../lib/http.ts';
import type { SessionsOverview } from '../../../contracts/proctor.ts';
import { allSessionSettings, changeSession, sessionSettings, sessionsOverview } from './exam-sessions.service.ts';

export function examSessionRoutes(db: Database, guard: ProctorGuard): Router {
  const router = Router();

  router.get('/api/proctor/overview', guard.read, async (req, res) => {
    const body: SessionsOverview = await db.read((handle) => sessionsOverview(handle, req.proctor!.scope));
    res.json(body);
  });

  router.get('/api/proctor/sessions', guard.read, async (req, res) => {
    res.json({ sessions: await allSessionSettings(db, req.proctor!.scope) });
  });

  router.get('/api/proctor/sessions/:id', guard.read, async (req, res) => {
    const { id } = parseBody(IdParam, req.params);
    res.json({ session: await sessionSettings(db, id, req.proctor!.scope) });
  });

  router.patch('/api/proctor/sessions/:id', guard.chiefWrite, requireJsonBody(), async (req, res) => {
    const { id } = parseBody(IdParam, req.params);
    const change = parseBody(ExamSessionChange, req.body);
    res.json({ session: await changeSession(db, id, change, proctorActor(req)) });
  });

  return router;
}
