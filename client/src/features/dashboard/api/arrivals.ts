import { queryOptions } from '@tanstack/react-query';
import { ArrivalCurve } from '../../../../../contracts/arrivals.ts';
import { apiRequest } from '../../../lib/api-client.ts';

export const arrivalKeys = {
  all: ['arrivals'] as const,
  session: (sessionId: number) => [...arrivalKeys.all, sessionId] as const,
};

// Fresh through the live stream: check-ins, refusals and conflicts invalidate it, a few seconds apart at
// most (live-events.ts).
export const arrivalsQuery = (sessionId: number) =>
  queryOptions({
    queryKey: arrivalKeys.session(sessionId),
    queryFn: () => apiRequest(`/api/proctor/arrivals?session=${sessionId}`, ArrivalCurve),
    staleTime: Infinity,
  });
