-- The table of github.com/jwtpair/jwt/sqlstore on MySQL 8 and MariaDB 10.6
-- or later. Store.Migrate runs exactly these statements, with the table
-- prefix "jwt_" replaced by the one configured. Every statement can run
-- again.
--
-- One row per session (a login): ids and times, never a token. Times are
-- microseconds since 1970-01-01 UTC. Ids are VARBINARY so that they compare
-- byte by byte: under a case-insensitive or space-padding collation, "abc"
-- would match "ABC" or "abc ".

CREATE TABLE IF NOT EXISTS jwt_sessions (
	id        VARBINARY(255) NOT NULL, -- the session id (sid claim)
	subject   VARBINARY(255) NOT NULL, -- '' when End recorded an unknown id
	created   BIGINT         NOT NULL, -- the login
	refreshed BIGINT         NOT NULL, -- the last refresh
	expires   BIGINT         NOT NULL, -- gone once this has passed
	token     VARBINARY(255) NOT NULL, -- jti of the current refresh token
	previous  VARBINARY(255) NOT NULL, -- jti of the token it replaced
	nonce     VARBINARY(255) NOT NULL, -- nonce of the last refresh
	ended     BOOLEAN        NOT NULL, -- logged out or revoked
	version   BIGINT         NOT NULL, -- counts the writes to the row
	PRIMARY KEY (id),
	-- List and EndAll: the live sessions of a subject, oldest first.
	INDEX jwt_sessions_subject (subject, ended, created),
	-- Prune: the rows whose time has passed.
	INDEX jwt_sessions_expires (expires)
) ENGINE = InnoDB;
