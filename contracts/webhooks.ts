import { z } from 'zod';

// What a webhook delivery carries (Standard Webhooks' payload shape: type, timestamp, data). One delivery
// per audit event of a participant, in the order the participant's events happened.
export interface WebhookPayload {
  // examgate.<audit event type>, e.g. examgate.checked_in, examgate.device_conflict.
  type: string;
  timestamp: string;
  data: {
    event_id: number;
    event_type: string;
    session_id: number;
    code: string;
    at: string;
    ip: string | null;
    // Fingerprints, as the dashboard shows them.
    device: string | null;
    actor: string | null;
    reason: string | null;
    // The participant afterwards.
    status: string | null;
    locked_ip: string | null;
    locked_device: string | null;
  };
}

// A subscription applies to events from this long after it was added. Instances keep a session's
// "has no webhooks" for up to a second (SessionCache) and skip the outbox for it; the delay makes that skip
// exact: no subscription can start within the time a cached answer is trusted.
export const WEBHOOK_ACTIVATION_DELAY_S = 2;

export const webhookEventType = (auditEventType: string) => `examgate.${auditEventType}`;

// A subscription as the dashboard shows it (never its secret).
export const WebhookSubscriptionView = z.object({
  id: z.number(),
  url: z.string(),
  // '*' or audit event types, comma-separated.
  eventTypes: z.string(),
  failingSince: z.iso.datetime().nullable(),
  lastError: z.string().nullable(),
  lastDeliveredAt: z.iso.datetime().nullable(),
  // Deliveries waiting (due or backing off), and deliveries given up after 26 h.
  pending: z.number(),
  gaveUp: z.number(),
});
export type WebhookSubscriptionView = z.infer<typeof WebhookSubscriptionView>;
export const WebhooksQuery = z.object({ session: z.coerce.number().int().positive() });
export const WebhookSubscriptions = z.object({ subscriptions: z.array(WebhookSubscriptionView) });
export type WebhookSubscriptions = z.infer<typeof WebhookSubscriptions>;
