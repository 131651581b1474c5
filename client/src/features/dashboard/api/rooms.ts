import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { ActionResponse } from '../../../../../contracts/proctor.ts';
import { RoomsResponse, type SeatChangeRequest } from '../../../../../contracts/rooms.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { replaceParticipants } from './participants.ts';

export const roomKeys = {
  all: ['rooms'] as const,
  session: (sessionId: number) => [...roomKeys.all, sessionId] as const,
};

// Free seats change with every seated check-in: read when the seat dialog opens, not kept.
export const roomsQuery = (sessionId: number) =>
  queryOptions({
    queryKey: roomKeys.session(sessionId),
    queryFn: async () => (await apiRequest(`/api/proctor/rooms?session=${sessionId}`, RoomsResponse)).rooms,
    staleTime: 0,
  });

export function useMoveSeat() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ code, change }: { code: string; change: SeatChangeRequest }) =>
      apiRequest(`/api/proctor/participants/${encodeURIComponent(code)}/seat`, ActionResponse, { method: 'POST', body: change }),
    onSuccess: ({ participant }) => {
      replaceParticipants(queryClient, [participant]);
      void queryClient.invalidateQueries({ queryKey: roomKeys.all });
    },
  });
}
