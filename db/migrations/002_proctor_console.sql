CREATE TABLE proctors (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_proctors_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Only a hash of the session token is stored: a leaked table does not let anyone log in.
CREATE TABLE proctor_sessions (
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  proctor_id BIGINT UNSIGNED NOT NULL,
  csrf_token CHAR(43) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(3) NOT NULL,
  last_seen_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  KEY ix_proctor_sessions_proctor (proctor_id),
  CONSTRAINT fk_proctor_sessions_proctor FOREIGN KEY (proctor_id) REFERENCES proctors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE login_failures (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  source_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_login_failures_username (username, created_at),
  KEY ix_login_failures_ip (source_ip, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE device_change_requests (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  participant_id BIGINT UNSIGNED NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  requester_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  requester_user_agent VARCHAR(512) NULL,
  holder_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
  status ENUM('pending', 'approved', 'declined') NOT NULL DEFAULT 'pending',
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  resolved_at DATETIME(3) NULL,
  resolved_by VARCHAR(64) NULL,
  KEY ix_device_change_requests_participant (participant_id, status),
  KEY ix_device_change_requests_status (status, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE audit_events ADD KEY ix_audit_type_participant (event_type, participant_id, id);
