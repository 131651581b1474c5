import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { CheckInResponse, type CheckInRequest } from '../../../../../contracts/checkin.ts';
import { postJson } from '../../../lib/api-client.ts';
import { rememberCheckIn, rememberedCheckIn } from '../checkin-storage.ts';
import { keepChallenge, sendSigned } from '../device-proof.ts';

export async function checkIn(credentials: CheckInRequest): Promise<CheckInResponse> {
  const response = await sendSigned('check-in', credentials, (body) => postJson('/api/check-in', body, CheckInResponse));
  keepChallenge(response.nextChallenge);
  return response;
}

export const checkInKeys = {
  all: ['check-in'] as const,
  current: () => [...checkInKeys.all, 'current'] as const,
};

// The start screen reads the current check-in from the cache; after a page refresh the cache is empty
// and the query checks in again with the remembered credentials, which the server lets in as a re-entry
// from the same device.
export const currentCheckInQuery = queryOptions({
  queryKey: checkInKeys.current(),
  queryFn: () => {
    const credentials = rememberedCheckIn();
    if (!credentials) throw new Error('not checked in');
    return checkIn(credentials);
  },
  staleTime: Infinity,
  gcTime: Infinity,
});

export function useCheckIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: checkIn,
    onSuccess: (response, credentials) => {
      rememberCheckIn(credentials);
      queryClient.setQueryData(currentCheckInQuery.queryKey, response);
    },
  });
}
