import { queryOptions } from '@tanstack/react-query';
import { EventsPage } from '../../../../../contracts/proctor.ts';
import { apiRequest } from '../../../lib/api-client.ts';

export const eventKeys = {
  all: ['events'] as const,
  recent: () => [...eventKeys.all, 'recent'] as const,
};

// What happened before the dashboard was opened; the live stream brings the rest.
export const recentEventsQuery = queryOptions({
  queryKey: eventKeys.recent(),
  queryFn: async () => (await apiRequest('/api/proctor/events?limit=300', EventsPage)).events,
  staleTime: Infinity,
});
