import { useMutation, useQuery } from '@tanstack/react-query';
import type { CheckInRequest } from '../../../../../contracts/checkin.ts';
import { DeviceChangeCreated, DeviceChangeStatus } from '../../../../../contracts/proctor.ts';
import { apiRequest } from '../../../lib/api-client.ts';

export function useAskForDeviceChange() {
  return useMutation({
    mutationFn: (credentials: CheckInRequest) => apiRequest('/api/device-change-requests', DeviceChangeCreated, { method: 'POST', body: credentials }),
  });
}

// Polled once a second while pending: one small request per waiting participant is cheap, and the
// approval then reaches the page within about a second.
export function useDeviceChangeStatus(request: { requestId: number; token: string } | undefined) {
  return useQuery({
    queryKey: ['device-change', request?.requestId],
    queryFn: () => apiRequest(`/api/device-change-requests/${request!.requestId}`, DeviceChangeStatus, { headers: { 'x-request-token': request!.token } }),
    enabled: request !== undefined,
    refetchInterval: (query) => (query.state.data?.status === 'pending' || query.state.data === undefined ? 1000 : false),
    retry: 3,
  });
}
