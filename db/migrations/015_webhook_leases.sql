-- Webhook delivery by subscription lease instead of per-row claims. One instance at a time delivers a
-- subscription: it holds the lease (renewed before every batch, so a paused instance finds it lost before
-- it posts again), which on a Galera cluster is one row whose concurrent writers conflict at commit. The
-- outbox rows are then written once (with the check-in) and deleted once (when delivered): no claim
-- write, no delivered mark, and a table that holds only what is still to deliver or was given up.
ALTER TABLE webhook_subscriptions
  ADD COLUMN leased_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN leased_until DATETIME(3) NULL;

DELETE FROM webhook_outbox WHERE delivered_at IS NOT NULL;

-- Keyed by subscription and participant in event order: a participant's earlier undelivered event (which
-- holds back the later ones) is a look-up on the key, and one index is left to maintain per row.
ALTER TABLE webhook_outbox
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (subscription_id, participant_id, event_at, audit_event_id),
  DROP INDEX ix_webhook_outbox_due,
  DROP INDEX ix_webhook_outbox_order,
  ADD KEY ix_webhook_outbox_due (subscription_id, gave_up_at, next_attempt_at),
  DROP COLUMN claimed_by,
  DROP COLUMN claimed_until,
  DROP COLUMN delivered_at;
