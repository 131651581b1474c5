import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { Incident, IncidentsResponse, type RecordIncidentRequest } from '../../../../../contracts/incidents.ts';
import { apiRequest } from '../../../lib/api-client.ts';

export const incidentKeys = {
  all: ['incidents'] as const,
  session: (sessionId: number) => [...incidentKeys.all, sessionId] as const,
};

// Fresh through the live stream: an incident_recorded event invalidates it (live-events.ts).
export const incidentsQuery = (sessionId: number) =>
  queryOptions({
    queryKey: incidentKeys.session(sessionId),
    queryFn: async () => (await apiRequest(`/api/proctor/incidents?session=${sessionId}`, IncidentsResponse)).incidents,
    staleTime: Infinity,
  });

export function useRecordIncident() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (incident: RecordIncidentRequest) => apiRequest('/api/proctor/incidents', Incident, { method: 'POST', body: incident }),
    onSuccess: (incident) => void queryClient.invalidateQueries({ queryKey: incidentKeys.session(incident.sessionId) }),
  });
}
