import { queryOptions } from '@tanstack/react-query';
import { WebhookSubscriptions } from '../../../../../contracts/webhooks.ts';
import { apiRequest } from '../../../lib/api-client.ts';

// Whether a session's webhooks deliver: polled, since a failing receiver is not an audit event.
export const webhooksQuery = (sessionId: number) =>
  queryOptions({
    queryKey: ['webhooks', sessionId] as const,
    queryFn: async () => (await apiRequest(`/api/proctor/webhooks?session=${sessionId}`, WebhookSubscriptions)).subscriptions,
    refetchInterval: 10_000,
  });
