import { type QueryClient, queryOptions } from '@tanstack/react-query';
import { type ParticipantsResponse, ParticipantsResponse as ParticipantsSchema, type ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { apiRequest } from '../../../lib/api-client.ts';

export const participantKeys = {
  all: ['participants'] as const,
  lists: () => [...participantKeys.all, 'list'] as const,
  list: (filters: { session: SessionView }) => [...participantKeys.lists(), filters] as const,
};

// A session's participants; 'all': everyone who needs a proctor, in every session; null: the session the
// server finds current.
export type SessionView = number | 'all' | null;

// The stream keeps this fresh; refetching on a timer would only fight it.
export const participantsQuery = (session: SessionView) =>
  queryOptions({
    queryKey: participantKeys.list({ session }),
    queryFn: () => apiRequest(`/api/proctor/participants${session === null ? '' : `?session=${session}`}`, ParticipantsSchema),
    staleTime: Infinity,
  });

// Many patches in one cache update: during a burst of events the table re-sorts once per batch, not once
// per event.
export function patchParticipantsBatch(
  queryClient: QueryClient,
  patches: { code: string; patch: (participant: ProctorParticipant) => ProctorParticipant }[],
): Set<string> {
  const found = new Set<string>();
  queryClient.setQueriesData<ParticipantsResponse>({ queryKey: participantKeys.lists() }, (data) => {
    if (!data) return data;
    const index = new Map(data.participants.map((participant, i) => [participant.code, i]));
    let participants: ProctorParticipant[] | undefined;
    for (const { code, patch } of patches) {
      const i = index.get(code);
      if (i === undefined) continue;
      found.add(code);
      participants ??= data.participants.slice();
      participants[i] = patch(participants[i]!);
    }
    return participants ? { ...data, participants } : data;
  });
  return found;
}

export function replaceParticipants(queryClient: QueryClient, updated: ProctorParticipant[]): void {
  patchParticipantsBatch(queryClient, updated.map((participant) => ({ code: participant.code, patch: () => participant })));
}
