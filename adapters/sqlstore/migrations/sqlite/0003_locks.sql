-- The leases of Lock: one row per lock held, by the *DB named in holder
-- (token names the acquisition), until expires_at (Unix nanoseconds).
CREATE TABLE {t}locks (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	token      TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX {p}locks_holder ON {t}locks (holder);
