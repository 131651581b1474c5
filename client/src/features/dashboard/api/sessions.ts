import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { type ExamSessionChange, ExamSessionSettings } from '../../../../../contracts/exam-session.ts';
import { SessionsOverview } from '../../../../../contracts/proctor.ts';
import { apiRequest } from '../../../lib/api-client.ts';

export const sessionKeys = {
  all: ['sessions'] as const,
  details: () => [...sessionKeys.all, 'detail'] as const,
  detail: (id: number) => [...sessionKeys.details(), id] as const,
  overview: () => [...sessionKeys.all, 'overview'] as const,
};

// What needs a proctor in each session; the live stream invalidates it when that changes.
export const sessionsOverviewQuery = queryOptions({
  queryKey: sessionKeys.overview(),
  queryFn: () => apiRequest('/api/proctor/overview', SessionsOverview),
  staleTime: Infinity,
});

const SessionAnswer = z.object({ session: ExamSessionSettings });

// Fresh through the live stream: a session_changed event invalidates it.
export const sessionSettingsQuery = (id: number) =>
  queryOptions({
    queryKey: sessionKeys.detail(id),
    queryFn: async () => (await apiRequest(`/api/proctor/sessions/${id}`, SessionAnswer)).session,
    staleTime: Infinity,
  });

export function useChangeSession(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (change: ExamSessionChange) => (await apiRequest(`/api/proctor/sessions/${id}`, SessionAnswer, { method: 'PATCH', body: change })).session,
    onSuccess: (session) => queryClient.setQueryData(sessionKeys.detail(id), session),
  });
}
