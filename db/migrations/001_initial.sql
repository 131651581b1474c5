CREATE TABLE exam_sessions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_exam_sessions_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE participants (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  session_id BIGINT UNSIGNED NOT NULL,
  code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  full_name VARCHAR(200) NOT NULL,
  status ENUM('unused', 'in_progress', 'expired') NOT NULL DEFAULT 'unused',
  locked_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
  device_locked_at DATETIME(3) NULL,
  entered_at DATETIME(3) NULL,
  status_updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_participants_code (code),
  KEY ix_participants_session (session_id, code),
  CONSTRAINT fk_participants_session FOREIGN KEY (session_id) REFERENCES exam_sessions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only: the application only ever inserts here. The *_before/*_after columns let a checker replay a
-- participant's history and compare it with the participants row.
CREATE TABLE audit_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  participant_id BIGINT UNSIGNED NULL,
  code VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  source_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
  user_agent VARCHAR(512) NULL,
  request_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  actor VARCHAR(100) NULL,
  reason VARCHAR(500) NULL,
  status_before ENUM('unused', 'in_progress', 'expired') NULL,
  status_after ENUM('unused', 'in_progress', 'expired') NULL,
  locked_ip_before VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
  locked_ip_after VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_audit_participant (participant_id, id),
  KEY ix_audit_code (code, id),
  KEY ix_audit_request (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
