import type { RowDataPacket } from 'mysql2/promise';
import { WEBHOOK_ACTIVATION_DELAY_S } from '../../../contracts/webhooks.ts';
import type { SqlHandle, Tx } from '../lib/database.ts';

// In the transaction that writes the audit row, right after it: one outbox row per live subscription of
// the participant's session that wants this event type. LAST_INSERT_ID() is the audit row's id, and stays
// so (the outbox has no auto-increment key). Sessions without subscriptions pay an index lookup.
const ENQUEUE = `
  INSERT INTO webhook_outbox (audit_event_id, subscription_id, participant_id, event_at, next_attempt_at)
  SELECT LAST_INSERT_ID(), s.id, ?, ?, ?
    FROM webhook_subscriptions s
   WHERE s.session_id = ? AND s.removed_at IS NULL AND s.active_from <= ? AND (s.event_types = '*' OR FIND_IN_SET(?, s.event_types) > 0)`;

// Announced once a transaction that may have written outbox rows has committed: it wakes this instance's
// dispatcher.
export const OUTBOX_WRITTEN = 'webhook-outbox-written';

export function enqueueDeliveries(tx: Tx, event: { participantId: number; sessionId: number; type: string; at: Date }): void {
  tx.defer(ENQUEUE, [event.participantId, event.at, event.at, event.sessionId, event.at, event.type]);
  tx.publish(OUTBOX_WRITTEN, event.sessionId);
}

export interface Subscription {
  id: number;
  sessionId: number;
  url: string;
  eventTypes: string;
  createdAt: Date;
  failingSince: Date | null;
  lastError: string | null;
  lastDeliveredAt: Date | null;
  pending: number;
  gaveUp: number;
}

interface SubscriptionRow extends RowDataPacket {
  id: number;
  session_id: number;
  url: string;
  event_types: string;
  created_at: Date;
  failing_since: Date | null;
  last_error: string | null;
  last_delivered_at: Date | null;
  pending: number;
  gave_up: number;
}

export async function insertSubscription(db: SqlHandle, subscription: { sessionId: number; url: string; secret: Buffer; eventTypes: string }): Promise<{ id: number; activeFrom: Date }> {
  const result = await db.run(
    'INSERT INTO webhook_subscriptions (session_id, url, secret, event_types, created_at, active_from) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? SECOND)',
    [subscription.sessionId, subscription.url, subscription.secret, subscription.eventTypes, WEBHOOK_ACTIVATION_DELAY_S],
  );
  const [row] = await db.rows<RowDataPacket & { active_from: Date }>('SELECT active_from FROM webhook_subscriptions WHERE id = ?', [result.insertId]);
  return { id: result.insertId, activeFrom: row!.active_from };
}

// Its undelivered events are dropped with it: nobody is listening for them any more.
export async function removeSubscription(db: SqlHandle, id: number): Promise<boolean> {
  const removed = await db.run('UPDATE webhook_subscriptions SET removed_at = UTC_TIMESTAMP(3) WHERE id = ? AND removed_at IS NULL', [id]);
  if (removed.affectedRows === 0) return false;
  await db.run('DELETE FROM webhook_outbox WHERE subscription_id = ? AND delivered_at IS NULL', [id]);
  return true;
}

export async function listSubscriptions(db: SqlHandle, sessionId?: number): Promise<Subscription[]> {
  const rows = await db.rows<SubscriptionRow>(
    `SELECT s.id, s.session_id, s.url, s.event_types, s.created_at, s.failing_since, s.last_error, s.last_delivered_at,
            (SELECT COUNT(*) FROM webhook_outbox o WHERE o.subscription_id = s.id AND o.delivered_at IS NULL AND o.gave_up_at IS NULL) AS pending,
            (SELECT COUNT(*) FROM webhook_outbox o WHERE o.subscription_id = s.id AND o.gave_up_at IS NOT NULL) AS gave_up
       FROM webhook_subscriptions s
      WHERE s.removed_at IS NULL ${sessionId === undefined ? '' : 'AND s.session_id = ?'}
      ORDER BY s.id`,
    sessionId === undefined ? [] : [sessionId],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    sessionId: Number(row.session_id),
    url: row.url,
    eventTypes: row.event_types,
    createdAt: row.created_at,
    failingSince: row.failing_since,
    lastError: row.last_error,
    lastDeliveredAt: row.last_delivered_at,
    pending: Number(row.pending),
    gaveUp: Number(row.gave_up),
  }));
}

export interface Delivery {
  auditEventId: number;
  subscriptionId: number;
  attempts: number;
  eventAt: Date;
  url: string;
  secret: Buffer;
  // The audit row, as the payload tells it.
  eventType: string;
  code: string;
  sessionId: number;
  sourceIp: string | null;
  device: string | null;
  actor: string | null;
  reason: string | null;
  statusAfter: string | null;
  lockedIpAfter: string | null;
  lockedDeviceAfter: string | null;
}

interface DeliveryRow extends RowDataPacket {
  audit_event_id: number;
  subscription_id: number;
  attempts: number;
  event_at: Date;
  url: string;
  secret: Buffer;
  event_type: string;
  code: string;
  session_id: number;
  source_ip: string | null;
  device: string | null;
  actor: string | null;
  reason: string | null;
  status_after: string | null;
  locked_ip_after: string | null;
  locked_device_after: string | null;
}

// Claims what is due, at most one event per participant and subscription, and only the earliest one not
// yet delivered: a participant's events reach each subscriber in the order they happened, even when one
// of them has to be retried. SKIP LOCKED lets instances on one server claim side by side; on a Galera
// cluster, where row locks do not reach other nodes, two claims of one row conflict at commit and one is
// retried (withTransaction), so each event is claimed by one instance.
const DUE = `
  SELECT o.audit_event_id, o.subscription_id
    FROM webhook_outbox o
   WHERE o.delivered_at IS NULL AND o.gave_up_at IS NULL AND o.next_attempt_at <= UTC_TIMESTAMP(3)
     AND (o.claimed_until IS NULL OR o.claimed_until < UTC_TIMESTAMP(3))
     AND NOT EXISTS (
       SELECT 1 FROM webhook_outbox earlier
        WHERE earlier.subscription_id = o.subscription_id AND earlier.participant_id = o.participant_id
          AND earlier.delivered_at IS NULL AND earlier.gave_up_at IS NULL
          AND (earlier.event_at < o.event_at OR (earlier.event_at = o.event_at AND earlier.audit_event_id < o.audit_event_id)))
   ORDER BY o.event_at
   LIMIT ?
   FOR UPDATE SKIP LOCKED`;

// Rows named by key, as `subscription_id = ? AND audit_event_id IN (...)` per subscription: a condition on the
// primary key's columns that every supported server reads by the key (a list of row constructors is
// scanned by some).
type Key = { auditEventId: number; subscriptionId: number };
function byKeys(keys: Key[], table = 'webhook_outbox'): { where: string; values: number[] } {
  const bySubscription = new Map<number, number[]>();
  for (const key of keys) bySubscription.set(key.subscriptionId, [...(bySubscription.get(key.subscriptionId) ?? []), key.auditEventId]);
  const parts = [...bySubscription].map(([, ids]) => `(${table}.subscription_id = ? AND ${table}.audit_event_id IN (${ids.map(() => '?').join(', ')}))`);
  return { where: parts.join(' OR '), values: [...bySubscription].flatMap(([subscriptionId, ids]) => [subscriptionId, ...ids]) };
}

export async function claimDue(tx: Tx, claimer: string, leaseS: number, limit: number): Promise<{ auditEventId: number; subscriptionId: number }[]> {
  const due = await tx.rows<RowDataPacket & { audit_event_id: number; subscription_id: number }>(DUE, [limit]);
  if (due.length === 0) return [];
  const claimed = due.map((row) => ({ auditEventId: Number(row.audit_event_id), subscriptionId: Number(row.subscription_id) }));
  const { where, values } = byKeys(claimed);
  await tx.run(`UPDATE webhook_outbox SET claimed_by = ?, claimed_until = UTC_TIMESTAMP(3) + INTERVAL ? SECOND WHERE ${where}`, [claimer, leaseS, ...values]);
  return claimed;
}

export async function claimedDeliveries(db: SqlHandle, claimer: string, claimed: Key[]): Promise<Delivery[]> {
  const { where, values } = byKeys(claimed, 'o');
  const rows = await db.rows<DeliveryRow>(
    `SELECT o.audit_event_id, o.subscription_id, o.attempts, o.event_at, s.url, s.secret,
            a.event_type, a.code, a.session_id, a.source_ip, a.device, a.actor, a.reason, a.status_after, a.locked_ip_after, a.locked_device_after
       FROM webhook_outbox o
       JOIN webhook_subscriptions s ON s.id = o.subscription_id
       JOIN audit_events a ON a.id = o.audit_event_id
      WHERE (${where})
        AND o.claimed_by = ? AND o.claimed_until > UTC_TIMESTAMP(3) AND o.delivered_at IS NULL
      ORDER BY o.event_at`,
    [...values, claimer],
  );
  return rows.map((row) => ({
    auditEventId: Number(row.audit_event_id),
    subscriptionId: Number(row.subscription_id),
    attempts: Number(row.attempts),
    eventAt: row.event_at,
    url: row.url,
    secret: row.secret,
    eventType: row.event_type,
    code: row.code,
    sessionId: Number(row.session_id),
    sourceIp: row.source_ip,
    device: row.device,
    actor: row.actor,
    reason: row.reason,
    statusAfter: row.status_after,
    lockedIpAfter: row.locked_ip_after,
    lockedDeviceAfter: row.locked_device_after,
  }));
}

// One statement for a batch's deliveries, and one for their subscriptions: at exam start a delivery per
// check-in, so these are per batch rather than per delivery.
export async function markDelivered(db: SqlHandle, deliveries: Delivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  const { where, values } = byKeys(deliveries);
  await db.run(`UPDATE webhook_outbox SET delivered_at = UTC_TIMESTAMP(3), attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE ${where}`, values);
  const subscriptionIds = [...new Set(deliveries.map((delivery) => delivery.subscriptionId))];
  // Written only when it says something new: a failure cleared, or a last delivery over a second old.
  await db.run(
    `UPDATE webhook_subscriptions SET failing_since = NULL, last_delivered_at = UTC_TIMESTAMP(3)
      WHERE id IN (${subscriptionIds.map(() => '?').join(', ')})
        AND (failing_since IS NOT NULL OR last_delivered_at IS NULL OR last_delivered_at < UTC_TIMESTAMP(3) - INTERVAL 1 SECOND)`,
    subscriptionIds,
  );
}

export async function markFailed(db: SqlHandle, delivery: Delivery, error: string, retryInS: number | null): Promise<void> {
  await db.run(
    `UPDATE webhook_outbox
        SET attempts = attempts + 1, claimed_until = NULL, last_error = ?,
            next_attempt_at = IF(? IS NULL, next_attempt_at, UTC_TIMESTAMP(3) + INTERVAL ? SECOND), gave_up_at = IF(? IS NULL, UTC_TIMESTAMP(3), NULL)
      WHERE audit_event_id = ? AND subscription_id = ?`,
    [error.slice(0, 500), retryInS, retryInS ?? 0, retryInS, delivery.auditEventId, delivery.subscriptionId],
  );
  await db.run('UPDATE webhook_subscriptions SET failing_since = COALESCE(failing_since, UTC_TIMESTAMP(3)), last_error = ? WHERE id = ?', [error.slice(0, 500), delivery.subscriptionId]);
}

