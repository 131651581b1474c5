import type { Incident, RecordIncidentRequest } from '../../../contracts/incidents.ts';
import { recordEvent, recordSessionIncident } from '../audit/audit.repo.ts';
import { readSession } from '../exam-sessions/exam-sessions.repo.ts';
import { databaseNow, type Database, withTransaction } from '../lib/database.ts';
import { NotFoundError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import { lockParticipantByCode } from '../participants/participants.repo.ts';
import { incidentDetails, incidentOfRequest, incidentsOfSession, sessionOfIncident } from './incidents.repo.ts';

// Written as an audit event in one transaction with its checks: a participant's under their row lock (it is
// the next link of their chain), a session's on the incidents chain.
export async function recordIncident(db: Database, request: RecordIncidentRequest, actor: Actor): Promise<Incident> {
  await withTransaction(db, async (tx) => {
    if (!(await readSession(tx, request.sessionId))) throw new NotFoundError(`No exam session ${request.sessionId}.`);
    if (request.corrects !== undefined && (await sessionOfIncident(tx, request.corrects)) !== request.sessionId) {
      throw new NotFoundError(`No incident ${request.corrects} in this exam session.`);
    }
    const facts = {
      sourceIp: actor.ip,
      userAgent: null,
      requestId: actor.requestId,
      actor: actor.name,
      reason: request.text,
      details: incidentDetails({ category: request.category, corrects: request.corrects ?? null }),
    };
    if (request.participantCode === undefined) {
      await recordSessionIncident(tx, request.sessionId, facts, await databaseNow(tx));
      return;
    }
    const participant = await lockParticipantByCode(tx, request.participantCode);
    if (!participant || participant.sessionId !== request.sessionId) throw new NotFoundError(`No participant has the code ${request.participantCode} in this exam session.`);
    actor.scope?.requireCovers(participant);
    recordEvent(tx, participant, { ...facts, type: 'incident_recorded' });
  });
  const incident = await db.read((handle) => incidentOfRequest(handle, actor.requestId));
  if (!incident) throw new Error(`incident of request ${actor.requestId} not found after commit`);
  return incident;
}

export async function sessionIncidents(db: Database, sessionId: number): Promise<Incident[]> {
  return db.read(async (handle) => {
    if (!(await readSession(handle, sessionId))) throw new NotFoundError(`No exam session ${sessionId}.`);
    return incidentsOfSession(handle, sessionId);
  });
}
