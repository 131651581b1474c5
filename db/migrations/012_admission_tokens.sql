-- Where an admitted participant goes next (the exam platform), with a signed admission token.
ALTER TABLE exam_sessions ADD COLUMN continue_url VARCHAR(2000) CHARACTER SET ascii COLLATE ascii_bin NULL;

-- The keys that sign admission tokens. The newest key old enough to be in every instance's published key
-- set signs; a retired key stays published until the tokens it signed have expired. Like app_secrets,
-- readable by whoever can read the database.
CREATE TABLE admission_keys (
  kid CHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  private_jwk VARCHAR(1000) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  public_jwk VARCHAR(1000) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(3) NOT NULL,
  retired_at DATETIME(3) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
