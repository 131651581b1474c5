import type { RowDataPacket } from 'mysql2/promise';
import { type Incident, type IncidentCategory, incidentCategories } from '../../../contracts/incidents.ts';
import { CHAIN_KEYS } from '../audit/audit-chain.ts';
import type { SqlHandle } from '../lib/database.ts';

// What an incident's audit row keeps besides its text (the row's reason) and its proctor (the actor).
export interface IncidentDetails {
  category: IncidentCategory;
  corrects: number | null;
}

export const incidentDetails = (details: IncidentDetails): string => JSON.stringify(details);

// Written by the service as JSON; a row that is not (edited by hand, which verify names) still lists.
function parseDetails(text: string | null): IncidentDetails {
  let parsed: Partial<IncidentDetails> = {};
  try {
    parsed = JSON.parse(text ?? '{}') as Partial<IncidentDetails>;
  } catch {
    // The defaults below.
  }
  const category = incidentCategories.find((known) => known === parsed.category) ?? 'other';
  return { category, corrects: typeof parsed.corrects === 'number' ? parsed.corrects : null };
}

interface IncidentRow extends RowDataPacket {
  id: number;
  session_id: number;
  code: string | null;
  full_name: string | null;
  actor: string | null;
  reason: string | null;
  details: string | null;
  created_at: Date;
}

function toIncident(row: IncidentRow): Incident {
  const details = parseDetails(row.details);
  return {
    id: Number(row.id),
    sessionId: Number(row.session_id),
    participant: row.code === null ? null : { code: row.code, fullName: row.full_name ?? '' },
    category: details.category,
    text: row.reason,
    corrects: details.corrects,
    correctedBy: null,
    proctor: row.actor,
    at: row.created_at.toISOString(),
  };
}

// A session's incidents, oldest first: its participants' (through their audit rows) and its own (the
// incidents chain), each with the later incident that corrects it.
export async function incidentsOfSession(handle: SqlHandle, sessionId: number): Promise<Incident[]> {
  const rows = await handle.rows<IncidentRow>(
    `SELECT a.id, p.session_id, p.code, p.full_name, a.actor, a.reason, a.details, a.created_at
       FROM participants p JOIN audit_events a ON a.participant_id = p.id AND a.event_type = 'incident_recorded'
      WHERE p.session_id = ?
     UNION ALL
     SELECT a.id, a.session_id, NULL, NULL, a.actor, a.reason, a.details, a.created_at
       FROM audit_events a
      WHERE a.chain_key = ? AND a.session_id = ?
      ORDER BY created_at, id`,
    [sessionId, CHAIN_KEYS.incidents, sessionId],
  );
  const incidents = rows.map(toIncident);
  const byId = new Map(incidents.map((incident) => [incident.id, incident]));
  for (const incident of incidents) {
    const corrected = incident.corrects === null ? undefined : byId.get(incident.corrects);
    if (corrected) corrected.correctedBy = incident.id;
  }
  return incidents;
}

// The session an incident belongs to, if `id` is one.
export async function sessionOfIncident(handle: SqlHandle, id: number): Promise<number | undefined> {
  const [row] = await handle.rows<RowDataPacket & { session_id: number | null }>(
    `SELECT COALESCE(p.session_id, a.session_id) AS session_id
       FROM audit_events a LEFT JOIN participants p ON p.id = a.participant_id
      WHERE a.id = ? AND a.event_type = 'incident_recorded'`,
    [id],
  );
  return row?.session_id == null ? undefined : Number(row.session_id);
}

// The incident a request recorded, read back once committed (its id is the audit row's); nothing corrects
// it yet.
export async function incidentOfRequest(handle: SqlHandle, requestId: string): Promise<Incident | undefined> {
  const [row] = await handle.rows<IncidentRow>(
    `SELECT a.id, COALESCE(p.session_id, a.session_id) AS session_id, p.code, p.full_name, a.actor, a.reason, a.details, a.created_at
       FROM audit_events a LEFT JOIN participants p ON p.id = a.participant_id
      WHERE a.request_id = ? AND a.event_type = 'incident_recorded'`,
    [requestId],
  );
  return row && toIncident(row);
}
