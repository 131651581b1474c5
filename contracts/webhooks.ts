import { z } from 'zod';
import { deviceFingerprint } from './lock-policy.ts';

// A participant event as integrations see it: in webhook deliveries and from GET /api/sessions/{id}/events.
export const WebhookEventData = z.object({
  event_id: z.number().int(),
  event_type: z.string(),
  session_id: z.number().int(),
  code: z.string(),
  at: z.iso.datetime(),
  ip: z.string().nullable(),
  // Fingerprints, as the dashboard shows them.
  device: z.string().nullable(),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  // The participant afterwards.
  status: z.string().nullable(),
  locked_ip: z.string().nullable(),
  locked_device: z.string().nullable(),
});
export type WebhookEventData = z.infer<typeof WebhookEventData>;

// An audit row as integrations see it; devices as fingerprints, never the stored key hashes.
export function webhookEventData(row: {
  id: number; type: string; sessionId: number; code: string; at: Date; sourceIp: string | null; device: string | null; actor: string | null;
  reason: string | null; statusAfter: string | null; lockedIpAfter: string | null; lockedDeviceAfter: string | null;
}): WebhookEventData {
  return {
    event_id: row.id,
    event_type: row.type,
    session_id: row.sessionId,
    code: row.code,
    at: row.at.toISOString(),
    ip: row.sourceIp,
    device: deviceFingerprint(row.device),
    actor: row.actor,
    reason: row.reason,
    status: row.statusAfter,
    locked_ip: row.lockedIpAfter,
    locked_device: deviceFingerprint(row.lockedDeviceAfter),
  };
}

// What a webhook delivery carries (Standard Webhooks' payload shape: type, timestamp, data). One delivery
// per audit event of a participant, in the order the participant's events happened.
export interface WebhookPayload {
  // examgate.<audit event type>, e.g. examgate.checked_in, examgate.device_conflict.
  type: string;
  timestamp: string;
  data: WebhookEventData;
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
