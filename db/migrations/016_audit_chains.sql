-- Tamper-evident audit: every audit row written from now on is a link of a hash chain (see
-- server/src/audit/audit-chain.ts). A participant's events form one chain, ordered by the participant's
-- row lock, its head kept on the participant row; every other event (attempts on unknown codes, account,
-- throttle and session changes) belongs to one of the chains in audit_chains. Attempts on unknown codes
-- are spread over 64 chains by their code, so a guessing attack has no single row to queue on.
ALTER TABLE audit_events
  -- The chain a non-participant event belongs to; a participant's events are chained by participant_id.
  ADD COLUMN chain_key VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
  -- Position in its chain, from 1.
  ADD COLUMN chain_seq INT UNSIGNED NULL,
  -- SHA-256 of the personal values (addresses, devices, user agent, name hash, reason, details), so that
  -- purge can remove them and leave the chain verifiable.
  ADD COLUMN personal_digest BINARY(32) NULL,
  -- SHA-256 over the previous link's hash and this row.
  ADD COLUMN chain_hash BINARY(32) NULL,
  ADD KEY ix_audit_chain (chain_key, chain_seq);

ALTER TABLE participants
  ADD COLUMN chain_seq INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN chain_head BINARY(32) NULL;

CREATE TABLE audit_chains (
  chain_key VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  seq INT UNSIGNED NOT NULL DEFAULT 0,
  head BINARY(32) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO audit_chains (chain_key) VALUES ('accounts'), ('sessions'), ('throttles'),
  ('unknown-00'), ('unknown-01'), ('unknown-02'), ('unknown-03'), ('unknown-04'), ('unknown-05'), ('unknown-06'), ('unknown-07'),
  ('unknown-08'), ('unknown-09'), ('unknown-10'), ('unknown-11'), ('unknown-12'), ('unknown-13'), ('unknown-14'), ('unknown-15'),
  ('unknown-16'), ('unknown-17'), ('unknown-18'), ('unknown-19'), ('unknown-20'), ('unknown-21'), ('unknown-22'), ('unknown-23'),
  ('unknown-24'), ('unknown-25'), ('unknown-26'), ('unknown-27'), ('unknown-28'), ('unknown-29'), ('unknown-30'), ('unknown-31'),
  ('unknown-32'), ('unknown-33'), ('unknown-34'), ('unknown-35'), ('unknown-36'), ('unknown-37'), ('unknown-38'), ('unknown-39'),
  ('unknown-40'), ('unknown-41'), ('unknown-42'), ('unknown-43'), ('unknown-44'), ('unknown-45'), ('unknown-46'), ('unknown-47'),
  ('unknown-48'), ('unknown-49'), ('unknown-50'), ('unknown-51'), ('unknown-52'), ('unknown-53'), ('unknown-54'), ('unknown-55'),
  ('unknown-56'), ('unknown-57'), ('unknown-58'), ('unknown-59'), ('unknown-60'), ('unknown-61'), ('unknown-62'), ('unknown-63');

-- Seals: the heads of every chain at one moment, and one digest over them to be kept outside the
-- database (see server/src/audit/audit-seal.ts). `chain` is 'participant:<id>' or an audit_chains key.
CREATE TABLE audit_seals (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sealed_at DATETIME(3) NOT NULL,
  digest BINARY(32) NOT NULL,
  chains INT UNSIGNED NOT NULL,
  events BIGINT UNSIGNED NOT NULL,
  UNIQUE KEY ux_audit_seals_digest (digest)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_seal_heads (
  seal_id BIGINT UNSIGNED NOT NULL,
  chain VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  seq INT UNSIGNED NOT NULL,
  head BINARY(32) NOT NULL,
  PRIMARY KEY (seal_id, chain)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
