-- The executions: one row per execution, its JSON in data. Times are Unix
-- nanoseconds; active is 0 or 1.
CREATE TABLE {t}executions (
	id            TEXT PRIMARY KEY,
	flow_sid      TEXT NOT NULL,
	status        TEXT NOT NULL,
	active        INTEGER NOT NULL,
	session_key   TEXT,
	version       INTEGER NOT NULL,
	format        INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	due_at        INTEGER,
	claimed_until INTEGER,
	claimed_by    TEXT,
	data          TEXT NOT NULL
);
-- One active execution per session, whichever process creates it.
CREATE UNIQUE INDEX {p}executions_active_session ON {t}executions (session_key) WHERE active;
CREATE INDEX {p}executions_due ON {t}executions (due_at, id) WHERE active AND due_at IS NOT NULL;
CREATE INDEX {p}executions_flow_created ON {t}executions (flow_sid, created_at, id);
CREATE INDEX {p}executions_created ON {t}executions (created_at, id);
