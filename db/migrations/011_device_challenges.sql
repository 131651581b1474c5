-- Challenges signed by a device's proof of possession, once spent: a challenge is single use, and the
-- check-in that spends it inserts it here in its own transaction, so a replayed request finds it taken on
-- every instance and every cluster node. Rows are worth keeping only until the challenge expires;
-- `purge` deletes them after that.
CREATE TABLE device_challenges_used (
  nonce CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  expires_at DATETIME(3) NOT NULL,
  KEY ix_device_challenges_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
