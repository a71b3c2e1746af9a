-- The leases of Lock: one row per lock held, by the *DB named in holder
-- (token names the acquisition), until expires_at, by the database's
-- clock. The name is bytes: a lock's name may be any string (a session
-- key as a contact sent it), which text could not always hold.
CREATE TABLE {t}locks (
	name       BYTEA PRIMARY KEY,
	holder     TEXT NOT NULL,
	token      TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX {p}locks_holder ON {t}locks (holder);
