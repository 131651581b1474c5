import { Router } from 'express';
import { WebhooksQuery, type WebhookSubscriptions } from '../../../contracts/webhooks.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, type ProctorGuard, sendJson } from '../lib/http.ts';
import { subscriptions } from './webhooks.service.ts';

// For the dashboard: a session's subscriptions and whether their deliveries fail. Managed with the CLI.
export function webhookRoutes(db: Database, guard: ProctorGuard): Router {
  const router = Router();
  router.get('/api/proctor/webhooks', guard.chiefRead, async (req, res) => {
    const { session } = parseBody(WebhooksQuery, req.query);
    const body: WebhookSubscriptions = {
      subscriptions: (await subscriptions(db, session)).map((subscription) => ({
        id: subscription.id,
        url: subscription.url,
        eventTypes: subscription.eventTypes,
        failingSince: subscription.failingSince?.toISOString() ?? null,
        lastError: subscription.lastError,
        lastDeliveredAt: subscription.lastDeliveredAt?.toISOString() ?? null,
        pending: subscription.pending,
        gaveUp: subscription.gaveUp,
      })),
    };
    sendJson(res, body);
  });
  return router;
}
