-- Per exam session: what a device lock holds, from which networks and when check-in is open. Sessions that
-- exist keep `address`, so nothing changes under a running exam; new sessions default to `device`.
ALTER TABLE exam_sessions
  ADD COLUMN lock_policy ENUM('address', 'device', 'device_and_address') NOT NULL DEFAULT 'address',
  ADD COLUMN allowed_networks VARCHAR(4000) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN opens_at DATETIME(3) NULL,
  ADD COLUMN closes_at DATETIME(3) NULL,
  ADD COLUMN time_zone VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT 'UTC',
  ADD COLUMN version INT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE exam_sessions ALTER COLUMN lock_policy SET DEFAULT 'device';

-- The lock holder's device: the hash of its key (never the key), and the event that gave it the lock.
ALTER TABLE participants
  ADD COLUMN locked_device CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN lock_event_id BIGINT UNSIGNED NULL;

-- Each attempt's device and the policy it was decided under, so `audit verify` can hold every decision to
-- the rule it was made by; `details` carries a session change's before and after.
ALTER TABLE audit_events
  ADD COLUMN device CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN locked_device_before CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN locked_device_after CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN lock_policy VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN session_id BIGINT UNSIGNED NULL,
  ADD COLUMN details VARCHAR(4000) NULL;

ALTER TABLE device_change_requests ADD COLUMN requester_device CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL;

-- Secrets every instance must share (the device keys' signing key), created by the first instance to start.
CREATE TABLE app_secrets (
  name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  value VARBINARY(64) NOT NULL,
  created_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
