import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { AttendanceRecord, SealSummary } from '../../../../../contracts/attendance-record.ts';
import { apiRequest } from '../../../lib/api-client.ts';

export const recordKeys = { session: (sessionId: number) => ['record', sessionId] as const };

// A snapshot for reading and printing: fetched when opened, and again after a seal.
export const recordQuery = (sessionId: number) =>
  queryOptions({
    queryKey: recordKeys.session(sessionId),
    queryFn: () => apiRequest(`/api/proctor/record?session=${sessionId}`, AttendanceRecord),
    staleTime: Infinity,
  });

export function useSealNow(sessionId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest('/api/proctor/seals', SealSummary, { method: 'POST', body: {} }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: recordKeys.session(sessionId) }),
  });
}
