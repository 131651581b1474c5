-- Failed attempts, counted per party that can be throttled without catching an exam hall: a device key,
-- a pair of address and code, a proctor account from an address. A row is written only when an attempt
-- fails and read only when a hint says its party failed recently, so honest traffic pays nothing.
-- `scope` is a SHA-256 of what it counts; the last address and code a party failed with are kept so that a
-- proctor can let a participant (or an address) try again. `purge` deletes rows past their window.
CREATE TABLE attempt_failures (
  scope CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  failures INT UNSIGNED NOT NULL,
  window_started_at DATETIME(3) NOT NULL,
  -- Set when the count reaches its party's limit: the end of the window.
  blocked_until DATETIME(3) NULL,
  address VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
  code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  KEY ix_attempt_failures_window (window_started_at),
  KEY ix_attempt_failures_code (code),
  KEY ix_attempt_failures_address (address)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The limits by address alone and by code alone are gone (they refused an honest hall, and let a stranger
-- lock a participant out), and with them the counts from the audit log and the indexes that served them,
-- which every audit insert paid for.
DROP TABLE guess_sources;
DROP TABLE login_failures;
ALTER TABLE audit_events DROP INDEX ix_audit_ip_type_time, DROP INDEX ix_audit_code_type_time;
