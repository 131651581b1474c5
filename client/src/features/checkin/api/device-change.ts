import { queryOptions, useMutation, useQuery } from '@tanstack/react-query';
import type { CheckInRequest } from '../../../../../contracts/checkin.ts';
import { DeviceChangeCreated, DeviceChangeStatus, REQUEST_TOKEN_HEADER } from '../../../../../contracts/proctor.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { sendSigned } from '../device-proof.ts';

export interface DeviceChangeTicket {
  requestId: number;
  token: string;
}

export const deviceChangeKeys = {
  all: ['device-change'] as const,
  status: (requestId: number) => [...deviceChangeKeys.all, 'status', requestId] as const,
};

// Polled once a second while pending: one small request per waiting participant is cheap, and the
// approval then reaches the page within about a second.
export const deviceChangeStatusQuery = (ticket: DeviceChangeTicket) =>
  queryOptions({
    queryKey: deviceChangeKeys.status(ticket.requestId),
    queryFn: () => apiRequest(`/api/device-change-requests/${ticket.requestId}`, DeviceChangeStatus, { headers: { [REQUEST_TOKEN_HEADER]: ticket.token } }),
    refetchInterval: (query) => (query.state.data?.status === 'pending' || query.state.data === undefined ? 1000 : false),
    retry: 3,
  });

export function useAskForDeviceChange() {
  return useMutation({
    mutationFn: (credentials: CheckInRequest) =>
      sendSigned('device-change', credentials, (body) => apiRequest('/api/device-change-requests', DeviceChangeCreated, { method: 'POST', body })),
  });
}

export function useDeviceChangeStatus(ticket: DeviceChangeTicket | undefined) {
  return useQuery({ ...deviceChangeStatusQuery(ticket ?? { requestId: 0, token: '' }), enabled: ticket !== undefined });
}
