import { type QueryClient, queryOptions } from '@tanstack/react-query';
import { type ParticipantsResponse, ParticipantsResponse as ParticipantsSchema, type ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { apiRequest } from '../../../lib/api-client.ts';

export const participantKeys = {
  all: ['participants'] as const,
  lists: () => [...participantKeys.all, 'list'] as const,
  list: (filters: { session: number | null }) => [...participantKeys.lists(), filters] as const,
};

// The stream keeps this fresh; refetching on a timer would only fight it.
export const participantsQuery = (session: number | null) =>
  queryOptions({
    queryKey: participantKeys.list({ session }),
    queryFn: () => apiRequest(`/api/proctor/participants${session === null ? '' : `?session=${session}`}`, ParticipantsSchema),
    staleTime: Infinity,
  });

export function patchParticipant(queryClient: QueryClient, code: string, patch: (participant: ProctorParticipant) => ProctorParticipant): boolean {
  let found = false;
  queryClient.setQueriesData<ParticipantsResponse>({ queryKey: participantKeys.lists() }, (data) => {
    if (!data) return data;
    const index = data.participants.findIndex((participant) => participant.code === code);
    if (index < 0) return data;
    found = true;
    const participants = data.participants.slice();
    participants[index] = patch(participants[index]!);
    return { ...data, participants };
  });
  return found;
}

export function replaceParticipants(queryClient: QueryClient, updated: ProctorParticipant[]): void {
  for (const participant of updated) patchParticipant(queryClient, participant.code, () => participant);
}
