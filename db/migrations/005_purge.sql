-- Set when `purge` removed a row's addresses and user agent after the retention period; the row and its
-- type stay, so counts survive, and `audit verify` knows the addresses are unknown rather than absent.
ALTER TABLE audit_events ADD COLUMN purged_at DATETIME(3) NULL;
ALTER TABLE audit_events ADD KEY ix_audit_created (created_at);
