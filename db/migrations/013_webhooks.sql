-- Webhook subscriptions: per exam session, a URL, the secret its deliveries are signed with (Standard
-- Webhooks), and the event types it wants ('*': every participant event).
CREATE TABLE webhook_subscriptions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  session_id BIGINT UNSIGNED NOT NULL,
  url VARCHAR(2000) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  secret VARBINARY(64) NOT NULL,
  event_types VARCHAR(1000) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(3) NOT NULL,
  -- Events from this time on are delivered (see WEBHOOK_ACTIVATION_DELAY_S).
  active_from DATETIME(3) NOT NULL,
  removed_at DATETIME(3) NULL,
  -- Since when its deliveries fail (cleared by the next success), and the last failure.
  failing_since DATETIME(3) NULL,
  last_error VARCHAR(500) NULL,
  last_delivered_at DATETIME(3) NULL,
  KEY ix_webhook_subscriptions_session (session_id, removed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per audit event and subscription, written in the transaction that writes the audit row, so a
-- committed event is always delivered and a rolled-back one never is. No auto-increment key: inserting
-- a row leaves LAST_INSERT_ID() naming the audit row, which the participant update after it relies on.
-- `event_at` is the audit row's time, which orders one participant's events as they were committed (ids
-- do not, on a Galera cluster).
CREATE TABLE webhook_outbox (
  audit_event_id BIGINT UNSIGNED NOT NULL,
  subscription_id BIGINT UNSIGNED NOT NULL,
  participant_id BIGINT UNSIGNED NOT NULL,
  event_at DATETIME(3) NOT NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL,
  claimed_by VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  claimed_until DATETIME(3) NULL,
  delivered_at DATETIME(3) NULL,
  gave_up_at DATETIME(3) NULL,
  last_error VARCHAR(500) NULL,
  PRIMARY KEY (audit_event_id, subscription_id),
  -- What is still to deliver, in the order it happened: a claim reads this in order and stops at its batch.
  KEY ix_webhook_outbox_due (delivered_at, gave_up_at, event_at),
  KEY ix_webhook_outbox_order (subscription_id, participant_id, event_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
