-- What a device key that already holds one participant's lock meets when it checks in a second code of the
-- same session (a friend checking in absent classmates): refused, flagged (let in, shown to proctors as a
-- conflict of its own kind) or allowed. Existing sessions flag: nobody is turned away who was let in before.
ALTER TABLE exam_sessions
  ADD COLUMN device_sharing ENUM('refused', 'flagged', 'allowed') NOT NULL DEFAULT 'flagged' AFTER seating;

-- The device keys a session has let in, and for whom. Participant 0 is the device's own row: every first
-- check-in from the device writes it (claims + 1) before it looks for another participant whose lock the
-- device holds, so two codes checked in from one device at once are decided one after the other (on one
-- server the second waits for the row; on a Galera cluster the second to commit fails certification and is
-- retried). The other rows name the participants the device was let in for; whether one still holds its
-- lock is read from their row, so resets and moved locks need no bookkeeping here.
CREATE TABLE session_devices (
  session_id BIGINT UNSIGNED NOT NULL,
  device_hash CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  participant_id BIGINT UNSIGNED NOT NULL,
  claims INT UNSIGNED NOT NULL DEFAULT 1,
  PRIMARY KEY (session_id, device_hash, participant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
