-- A check-in in one round trip: the row lock, the decision and its writes run inside the database, and
-- the application sends the CALL with its transaction's BEGIN and COMMIT (see checkin.repo.ts). The
-- procedure decides only the common case; it writes nothing and answers 'undecided' for anything that
-- needs the application: an unknown code, a name it cannot confirm, a code or address that guessed
-- within the failure window, a participant without a name check. The application then decides that
-- attempt the long way, in a new transaction under the same row lock.
--
-- Names are compared after Unicode normalisation (NFC, case folding), which SQL cannot do. The
-- application therefore stores, per participant, SHA-256 of "<SHA-256 of the normalised name>:<full name>"
-- and sends the normalised name's hash with each attempt. The stored full name is part of the check, so
-- a name changed without recomputing it stops matching and the attempt falls back to the application
-- (which repairs the check) instead of confirming the old name.
ALTER TABLE participants ADD COLUMN name_check CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL;

DROP PROCEDURE IF EXISTS examgate_check_in;

CREATE PROCEDURE examgate_check_in(
  IN p_code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin,
  IN p_name_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
  IN p_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin,
  IN p_user_agent VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  IN p_request_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin,
  IN p_failure_window_s INT
)
BEGIN
  DECLARE v_id BIGINT UNSIGNED DEFAULT NULL;
  DECLARE v_full_name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
  DECLARE v_session_name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
  DECLARE v_status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin;
  DECLARE v_locked_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin;
  DECLARE v_device_locked_at DATETIME(3);
  DECLARE v_last_guess_at DATETIME(3);
  DECLARE v_address_last_guess_at DATETIME(3);
  DECLARE v_name_check CHAR(64) CHARACTER SET ascii COLLATE ascii_bin;
  DECLARE v_expected_check CHAR(64) CHARACTER SET ascii COLLATE ascii_bin;
  DECLARE v_now DATETIME(3);
  DECLARE v_outcome VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_id = NULL;

  -- As in the application's lock statement: the session name and the address's marker are scalar
  -- subqueries, plain reads under READ COMMITTED, so only the participant row is locked.
  SELECT p.id, p.full_name, p.status, p.locked_ip, p.device_locked_at, p.last_guess_at, p.name_check,
         (SELECT s.name FROM exam_sessions s WHERE s.id = p.session_id),
         (SELECT g.last_guess_at FROM guess_sources g WHERE g.source_ip = p_ip)
    INTO v_id, v_full_name, v_status, v_locked_ip, v_device_locked_at, v_last_guess_at, v_name_check,
         v_session_name, v_address_last_guess_at
    FROM participants p
   WHERE p.code = p_code
     FOR UPDATE;
  -- Read once the lock is held, so that every time this transaction writes is later than the commit of
  -- the attempt it waited for.
  SET v_now = UTC_TIMESTAMP(3);
  SET v_expected_check = SHA2(CONCAT(CONVERT(p_name_hash USING utf8mb4), ':', v_full_name), 256);

  IF v_id IS NULL
     OR v_name_check IS NULL
     OR v_name_check <> v_expected_check
     OR v_last_guess_at > v_now - INTERVAL p_failure_window_s SECOND
     OR v_address_last_guess_at > v_now - INTERVAL p_failure_window_s SECOND THEN
    SELECT 'undecided' AS outcome, NULL AS full_name, NULL AS session_name, NULL AS device_locked_at;
  ELSE
    -- The order of checkin-decision.ts: expiry before the device rule.
    IF v_status = 'expired' THEN
      SET v_outcome = 'code_expired';
    ELSEIF v_locked_ip IS NOT NULL AND v_locked_ip <> p_ip THEN
      SET v_outcome = 'device_conflict';
    ELSEIF v_locked_ip = p_ip AND v_status = 'in_progress' THEN
      SET v_outcome = 'reentered';
    ELSE
      SET v_outcome = 'checked_in';
      SET v_device_locked_at = v_now;
      UPDATE participants
         SET status = 'in_progress', locked_ip = p_ip, device_locked_at = v_now,
             entered_at = COALESCE(entered_at, v_now), status_updated_at = v_now
       WHERE id = v_id;
    END IF;

    INSERT INTO audit_events
      (participant_id, code, event_type, source_ip, user_agent, submitted_name_hash, request_id,
       status_before, status_after, locked_ip_before, locked_ip_after, created_at)
    VALUES
      (v_id, p_code, v_outcome, p_ip, p_user_agent, p_name_hash, p_request_id,
       v_status, IF(v_outcome IN ('checked_in', 'reentered'), 'in_progress', v_status),
       v_locked_ip, IF(v_outcome IN ('checked_in', 'reentered'), p_ip, v_locked_ip), v_now);

    -- The conflict summary of migration 006, as insertAuditEvent keeps it.
    IF v_outcome = 'device_conflict' THEN
      UPDATE participants
         SET refused_attempts = refused_attempts + 1, last_refusal_event_id = LAST_INSERT_ID(), conflict_open = 1
       WHERE id = v_id;
    END IF;

    SELECT v_outcome AS outcome, v_full_name AS full_name, v_session_name AS session_name,
           COALESCE(v_device_locked_at, v_now) AS device_locked_at;
  END IF;
END;
