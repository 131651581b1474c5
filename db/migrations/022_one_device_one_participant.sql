-- What a device key that already holds one participant's lock meets when it checks in a second code of the
-- same session (a friend checking in absent classmates): refused, flagged (let in, shown to proctors as a
-- conflict of its own kind) or allowed. Existing sessions flag: nobody is turned away who was let in before.
ALTER TABLE exam_sessions
  ADD COLUMN device_sharing ENUM('refused', 'flagged', 'allowed') NOT NULL DEFAULT 'flagged' AFTER seating;

-- One row per device key that has checked in to a session, and the participant it was let in for. Every
-- check-in from the device writes the row (claims + 1) before it reads whether that participant still
-- holds the device's lock, so two codes checked in from one device at once are decided one after the
-- other: on one server the second waits for the row, on a Galera cluster the second to commit fails
-- certification and is retried. Whether the holder still holds the lock is read from their row, so resets
-- and moved locks need no bookkeeping here.
CREATE TABLE session_devices (
  session_id BIGINT UNSIGNED NOT NULL,
  device_hash CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  holder_id BIGINT UNSIGNED NOT NULL,
  claims INT UNSIGNED NOT NULL DEFAULT 1,
  PRIMARY KEY (session_id, device_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
