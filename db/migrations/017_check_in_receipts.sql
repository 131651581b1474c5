-- The receipts shown to participants, so that a proctor can find a check-in by its receipt. The receipt is
-- a MAC over the participant and the time their device got its lock (server/src/receipts), so a row here
-- proves nothing by itself: the lookup computes it again with the server's key.
CREATE TABLE check_in_receipts (
  participant_id BIGINT UNSIGNED NOT NULL,
  granted_at DATETIME(3) NOT NULL,
  receipt CHAR(10) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (participant_id, granted_at),
  KEY ix_check_in_receipts_receipt (receipt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
