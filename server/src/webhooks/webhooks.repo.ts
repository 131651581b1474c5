import type { RowDataPacket } from 'mysql2/promise';
import { WEBHOOK_ACTIVATION_DELAY_S } from '../../../contracts/webhooks.ts';
import { classifyDatabaseError, type SqlHandle, type Tx } from '../lib/database.ts';

// In the transaction that writes the audit row, right after it: one outbox row per live subscription of
// the participant's session that wants this event type. LAST_INSERT_ID() is the audit row's id, and stays
// so (the outbox has no auto-increment key). When the caller knows the subscriptions (webhookTargets), the
// rows are written as values: reading them in the statement cost the database twice as much.
const ENQUEUE_READING_SUBSCRIPTIONS = `
  INSERT INTO webhook_outbox (audit_event_id, subscription_id, participant_id, event_at, next_attempt_at)
  SELECT LAST_INSERT_ID(), s.id, ?, ?, ?
    FROM webhook_subscriptions s
   WHERE s.session_id = ? AND s.removed_at IS NULL AND s.active_from <= ? AND (s.event_types = '*' OR FIND_IN_SET(?, s.event_types) > 0)`;

// The event-type rule of the statement above, for subscriptions read ahead.
export const subscriptionWants = (eventTypes: string, type: string): boolean => eventTypes === '*' || eventTypes.split(',').includes(type);

// Announced once a transaction that may have written outbox rows has committed: it wakes this instance's
// dispatcher.
export const OUTBOX_WRITTEN = 'webhook-outbox-written';

export function enqueueDeliveries(tx: Tx, event: { participantId: number; sessionId: number; type: string; at: Date }, subscriptionIds?: readonly number[]): void {
  if (subscriptionIds === undefined) {
    tx.defer(ENQUEUE_READING_SUBSCRIPTIONS, [event.participantId, event.at, event.at, event.sessionId, event.at, event.type]);
  } else {
    if (subscriptionIds.length === 0) return;
    tx.defer(
      `INSERT INTO webhook_outbox (audit_event_id, subscription_id, participant_id, event_at, next_attempt_at) VALUES ${subscriptionIds.map(() => '(LAST_INSERT_ID(), ?, ?, ?, ?)').join(', ')}`,
      subscriptionIds.flatMap((id) => [id, event.participantId, event.at, event.at]),
    );
  }
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
  await db.run('DELETE FROM webhook_outbox WHERE subscription_id = ? AND gave_up_at IS NULL', [id]);
  return true;
}

export async function listSubscriptions(db: SqlHandle, sessionId?: number): Promise<Subscription[]> {
  const rows = await db.rows<SubscriptionRow>(
    `SELECT s.id, s.session_id, s.url, s.event_types, s.created_at, s.failing_since, s.last_error, s.last_delivered_at,
            (SELECT COUNT(*) FROM webhook_outbox o WHERE o.subscription_id = s.id AND o.gave_up_at IS NULL) AS pending,
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
  participantId: number;
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
  participant_id: number;
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

// Subscriptions with something due that no other instance holds. The earliest next attempt is one step
// into the due index per subscription; written as EXISTS, the server turned it into a scan of every
// waiting row, on every round.
export async function subscriptionsWithDueWork(db: SqlHandle, holder: string): Promise<number[]> {
  const rows = await db.rows<RowDataPacket & { id: number }>(
    `SELECT s.id FROM webhook_subscriptions s
      WHERE s.removed_at IS NULL AND (s.leased_by = ? OR s.leased_until IS NULL OR s.leased_until < UTC_TIMESTAMP(3))
        AND (SELECT o.next_attempt_at FROM webhook_outbox o WHERE o.subscription_id = s.id AND o.gave_up_at IS NULL ORDER BY o.next_attempt_at LIMIT 1) <= UTC_TIMESTAMP(3)`,
    [holder],
  );
  return rows.map((row) => Number(row.id));
}

// Takes or renews the lease; false when another instance holds it. Before every batch, so that an
// instance that was paused past its lease finds out before it posts anything. On a Galera cluster two
// nodes taking one lease at once conflict at commit, and the loser is told so as a deadlock.
export async function leaseSubscription(db: SqlHandle, id: number, holder: string, leaseS: number): Promise<boolean> {
  try {
    const leased = await db.run(
      `UPDATE webhook_subscriptions SET leased_by = ?, leased_until = UTC_TIMESTAMP(3) + INTERVAL ? SECOND
        WHERE id = ? AND removed_at IS NULL AND (leased_by = ? OR leased_until IS NULL OR leased_until < UTC_TIMESTAMP(3))`,
      [holder, leaseS, id, holder],
    );
    return leased.affectedRows === 1;
  } catch (error) {
    if (classifyDatabaseError(error) === 'retryable') return false;
    throw error;
  }
}

// What is due for one subscription: of each participant only the earliest event not yet delivered (nor
// given up), so that a participant's events reach the subscriber in the order they happened even when one
// of them has to be retried. With the payload's audit row, in one read.
export async function dueDeliveries(db: SqlHandle, subscriptionId: number, limit: number): Promise<Delivery[]> {
  const rows = await db.rows<DeliveryRow>(
    `SELECT o.audit_event_id, o.subscription_id, o.participant_id, o.attempts, o.event_at, s.url, s.secret,
            a.event_type, a.code, a.session_id, a.source_ip, a.device, a.actor, a.reason, a.status_after, a.locked_ip_after, a.locked_device_after
       FROM webhook_outbox o
       JOIN webhook_subscriptions s ON s.id = o.subscription_id
       JOIN audit_events a ON a.id = o.audit_event_id
      WHERE o.subscription_id = ? AND o.gave_up_at IS NULL AND o.next_attempt_at <= UTC_TIMESTAMP(3)
        AND NOT EXISTS (
          SELECT 1 FROM webhook_outbox earlier
           WHERE earlier.subscription_id = o.subscription_id AND earlier.participant_id = o.participant_id AND earlier.gave_up_at IS NULL
             AND (earlier.event_at < o.event_at OR (earlier.event_at = o.event_at AND earlier.audit_event_id < o.audit_event_id)))
      ORDER BY o.next_attempt_at
      LIMIT ?`,
    [subscriptionId, limit],
  );
  return rows.map((row) => ({
    auditEventId: Number(row.audit_event_id),
    subscriptionId: Number(row.subscription_id),
    participantId: Number(row.participant_id),
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

// One statement for a batch of one subscription's deliveries (a batch holds one event per participant,
// and audit ids are unique, so the two lists name exactly the delivered rows, read by the key), and one
// for the subscription, written only when it says something new: a failure cleared, or a last delivery
// over a second old.
export async function markDelivered(db: SqlHandle, subscriptionId: number, deliveries: Delivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  const list = (values: unknown[]) => values.map(() => '?').join(', ');
  await db.run(`DELETE FROM webhook_outbox WHERE subscription_id = ? AND participant_id IN (${list(deliveries)}) AND audit_event_id IN (${list(deliveries)})`, [
    subscriptionId,
    ...deliveries.map((delivery) => delivery.participantId),
    ...deliveries.map((delivery) => delivery.auditEventId),
  ]);
  await db.run(
    `UPDATE webhook_subscriptions SET failing_since = NULL, last_delivered_at = UTC_TIMESTAMP(3)
      WHERE id = ? AND (failing_since IS NOT NULL OR last_delivered_at IS NULL OR last_delivered_at < UTC_TIMESTAMP(3) - INTERVAL 1 SECOND)`,
    [subscriptionId],
  );
}

export async function markFailed(db: SqlHandle, delivery: Delivery, error: string, retryInS: number | null): Promise<void> {
  await db.run(
    `UPDATE webhook_outbox
        SET attempts = attempts + 1, last_error = ?,
            next_attempt_at = IF(? IS NULL, next_attempt_at, UTC_TIMESTAMP(3) + INTERVAL ? SECOND), gave_up_at = IF(? IS NULL, UTC_TIMESTAMP(3), NULL)
      WHERE subscription_id = ? AND participant_id = ? AND event_at = ? AND audit_event_id = ?`,
    [error.slice(0, 500), retryInS, retryInS ?? 0, retryInS, delivery.subscriptionId, delivery.participantId, delivery.eventAt, delivery.auditEventId],
  );
  await db.run('UPDATE webhook_subscriptions SET failing_since = COALESCE(failing_since, UTC_TIMESTAMP(3)), last_error = ? WHERE id = ?', [error.slice(0, 500), delivery.subscriptionId]);
}
