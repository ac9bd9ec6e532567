-- The table of github.com/jwtpair/jwt/sqlstore on PostgreSQL 12 or later.
-- Store.Migrate runs exactly these statements, with the table prefix
-- "jwt_" replaced by the one configured. Every statement can run again.
--
-- One row per session (a login): ids and times, never a token. Times are
-- microseconds since 1970-01-01 UTC; ids compare byte by byte (COLLATE "C").

CREATE TABLE IF NOT EXISTS jwt_sessions (
	id        text COLLATE "C" NOT NULL PRIMARY KEY, -- the session id (sid claim)
	subject   text COLLATE "C" NOT NULL,             -- '' when End recorded an unknown id
	created   bigint           NOT NULL,             -- the login
	refreshed bigint           NOT NULL,             -- the last refresh
	expires   bigint           NOT NULL,             -- gone once this has passed
	token     text COLLATE "C" NOT NULL,             -- jti of the current refresh token
	previous  text COLLATE "C" NOT NULL,             -- jti of the token it replaced
	nonce     text COLLATE "C" NOT NULL,             -- nonce of the last refresh
	ended     boolean          NOT NULL,             -- logged out or revoked
	version   bigint           NOT NULL              -- counts the writes to the row
);

-- List and EndAll: the live sessions of a subject, oldest first.
CREATE INDEX IF NOT EXISTS jwt_sessions_subject ON jwt_sessions (subject, created, id) WHERE NOT ended;

-- Prune: the rows whose time has passed.
CREATE INDEX IF NOT EXISTS jwt_sessions_expires ON jwt_sessions (expires);
