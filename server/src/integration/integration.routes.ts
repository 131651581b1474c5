import express, { Router } from 'express';
import { API_EVENTS_SETTLE_S, type ApiEventsPage, ApiEventsQuery, type ApiParticipants, ROSTER_SYNC_BODY_LIMIT, RosterSyncRequest } from '../../../contracts/api-tokens.ts';
import { apiTokenActor, apiTokenGuard, apiTokenSession } from '../api-tokens/api-token-guard.ts';
import type { Database } from '../lib/database.ts';
import { apiHeaders, parseBody, requireJsonBody, sendJson } from '../lib/http.ts';
import { syncRoster } from '../roster/roster-sync.service.ts';
import { type EventCursor, participantEventsAfter, sessionParticipants } from './integration.repo.ts';

const cursorText = (cursor: EventCursor) => `${cursor.at.getTime()}.${cursor.id}`;
const cursorOf = (text: string): EventCursor => {
  const [at, id] = text.split('.').map(Number);
  return { at: new Date(at!), id: id! };
};

// For machine clients with an API token of the session (docs/integration.md). Mounted before the API's
// own body parser: a roster is larger than any console request.
export function integrationRoutes(db: Database): Router {
  const router = Router();
  const needs = apiTokenGuard(db);
  const rosterBody = express.json({ limit: ROSTER_SYNC_BODY_LIMIT, strict: true });

  router.put('/api/sessions/:sessionId/roster', apiHeaders(), needs('roster:write'), requireJsonBody(), rosterBody, async (req, res) => {
    sendJson(res, await syncRoster(db, apiTokenSession(req), parseBody(RosterSyncRequest, req.body), apiTokenActor(req)));
  });

  router.get('/api/sessions/:sessionId/participants', apiHeaders(), needs('participants:read'), async (req, res) => {
    const body: ApiParticipants = { participants: await db.read((handle) => sessionParticipants(handle, apiTokenSession(req))) };
    sendJson(res, body);
  });

  router.get('/api/sessions/:sessionId/events', apiHeaders(), needs('events:read'), async (req, res) => {
    const { after, limit } = parseBody(ApiEventsQuery, req.query);
    const page = await db.read((handle) => participantEventsAfter(handle, apiTokenSession(req), after === undefined ? undefined : cursorOf(after), limit, API_EVENTS_SETTLE_S));
    const body: ApiEventsPage = { events: page.events, next: page.last ? cursorText(page.last) : null };
    sendJson(res, body);
  });

  return router;
}
