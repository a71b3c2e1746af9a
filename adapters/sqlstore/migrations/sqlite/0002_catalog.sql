-- The catalog: one row per item, its JSON in data; names unique per kind.
-- stamp is new at every write: readers keep decoded items by it.
CREATE TABLE {t}items (
	id    TEXT PRIMARY KEY,
	kind  TEXT NOT NULL,
	name  TEXT NOT NULL,
	etag  INTEGER NOT NULL,
	stamp TEXT NOT NULL,
	data  TEXT NOT NULL,
	UNIQUE (kind, name)
);
-- An address belongs to at most one item.
CREATE TABLE {t}item_addresses (
	address TEXT PRIMARY KEY,
	item_id TEXT NOT NULL REFERENCES {t}items (id) ON DELETE CASCADE
);
CREATE INDEX {p}item_addresses_item ON {t}item_addresses (item_id);
-- The module names each item references.
CREATE TABLE {t}item_references (
	item_id     TEXT NOT NULL REFERENCES {t}items (id) ON DELETE CASCADE,
	module_name TEXT NOT NULL,
	PRIMARY KEY (item_id, module_name)
);
CREATE INDEX {p}item_references_module ON {t}item_references (module_name);
