-- API tokens for machine clients (an exam platform syncing its roster, reading check-ins): one exam
-- session each, with scopes. Only a SHA-256 of the token is kept; the token itself is shown once.
CREATE TABLE api_tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  session_id BIGINT UNSIGNED NOT NULL,
  name VARCHAR(100) NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  scopes VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(3) NOT NULL,
  revoked_at DATETIME(3) NULL,
  UNIQUE KEY uq_api_tokens_hash (token_hash),
  KEY ix_api_tokens_session (session_id),
  CONSTRAINT fk_api_tokens_session FOREIGN KEY (session_id) REFERENCES exam_sessions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only: every request made with a token, written before the request is served (a use that cannot
-- be recorded is refused), and its answer's status once sent.
CREATE TABLE api_token_uses (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_id BIGINT UNSIGNED NOT NULL,
  method VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  path VARCHAR(300) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  source_ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL,
  request_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status SMALLINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_api_token_uses_token (token_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A participant a roster sync left out: kept with its history, its code refused (status expired), until
-- a later sync names it again.
ALTER TABLE participants ADD COLUMN withdrawn_at DATETIME(3) NULL;
