-- SHA-256 of the normalised name typed at a check-in: lets `audit verify` prove that every success had a
-- matching name without keeping a second copy of anyone's name in the log.
ALTER TABLE audit_events ADD COLUMN submitted_name_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER user_agent;
