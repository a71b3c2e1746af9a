-- The executions: one row per execution, its JSON in data. Times are Unix
-- nanoseconds. Ids collate bytewise, as the in-memory store orders them.
CREATE TABLE {t}executions (
	id            TEXT COLLATE "C" PRIMARY KEY,
	flow_sid      TEXT NOT NULL,
	status        TEXT NOT NULL,
	active        BOOLEAN NOT NULL,
	session_key   TEXT,
	version       BIGINT NOT NULL,
	format        INTEGER NOT NULL,
	created_at    BIGINT NOT NULL,
	due_at        BIGINT,
	claimed_until BIGINT,
	claimed_by    TEXT,
	data          TEXT NOT NULL
);
-- One active execution per session, whichever process creates it.
CREATE UNIQUE INDEX {p}executions_active_session ON {t}executions (session_key) WHERE active;
CREATE INDEX {p}executions_due ON {t}executions (due_at, id) WHERE active AND due_at IS NOT NULL;
CREATE INDEX {p}executions_flow_created ON {t}executions (flow_sid, created_at, id);
CREATE INDEX {p}executions_created ON {t}executions (created_at, id);
