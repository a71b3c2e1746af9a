-- The leases of Lock: one row per lock held, by the *DB named in holder
-- (token names the acquisition), until expires_at (Unix nanoseconds).
CREATE TABLE IF NOT EXISTS {t}locks (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	token      TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS {p}locks_holder ON {t}locks (holder);
