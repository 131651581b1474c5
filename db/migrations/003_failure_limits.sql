-- Failed check-ins are counted from the audit log, but only for codes and addresses that have guessed
-- recently: the markers below say when, so the common case costs one primary-key lookup. The new indexes
-- keep the counts short index ranges; the two dropped ones were read by nothing, and every audit insert
-- paid for them.
ALTER TABLE audit_events
  DROP INDEX ix_audit_code,
  DROP INDEX ix_audit_type_participant,
  ADD KEY ix_audit_ip_type_time (source_ip, event_type, created_at),
  ADD KEY ix_audit_code_type_time (code, event_type, created_at);

ALTER TABLE participants ADD COLUMN last_guess_at DATETIME(3) NULL;

CREATE TABLE guess_sources (
  source_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  last_guess_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
