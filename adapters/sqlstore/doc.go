// Package sqlstore keeps studioflow's executions (a runtime.Store) and its
// catalog of flows and modules (a version.Store) in a SQL database, over
// database/sql. The driver packages open one: sqlstore/postgres for
// PostgreSQL (many engine instances sharing one database) and
// sqlstore/sqlite for SQLite (one machine, pure Go). Both return a *DB:
//
//	db, err := sqlite.Open(ctx, "studioflow.db")
//	...
//	defer db.Close()
//	engine := runtime.New(runtime.WithStore(db.Executions()), ...)
//	catalog := version.NewCatalog(version.WithStore(db.Catalog()), ...)
//
// Both stores pass the conformance suites runtime/storetest and
// version/storetest.
//
// # Tables
//
// The tables live in the host's database beside its own: every name starts
// with a prefix (WithPrefix, "studioflow_" by default) and, on PostgreSQL,
// may live in a schema of their own (WithSchema). With the default prefix:
//
//   - studioflow_executions: one row per execution, its JSON
//     (runtime.MarshalExecution) in data, beside the columns the queries
//     use: id, flow_sid, status, active, session_key, version (the
//     compare-and-swap of Save), format, created_at, due_at, and the claim
//     of Due (claimed_until, claimed_by). Times are Unix nanoseconds (UTC by
//     definition, exact, and ordered as the in-memory store orders them).
//     A partial unique index on session_key where active makes the
//     database refuse a second active execution for one session, whichever
//     process tries.
//   - studioflow_items: one row per catalog item, its JSON in data, beside
//     id, kind, name (unique per kind), etag, and a random stamp new at
//     every write, by which each *DB keeps the items it decoded (see
//     Catalog).
//   - studioflow_item_addresses: one row per assigned address (its primary
//     key), naming the item: an address belongs to at most one item.
//   - studioflow_item_references: the module names each item references,
//     so that a referenced module is neither deleted nor renamed.
//   - studioflow_locks (SQLite only): the leases of Lock.
//   - studioflow_migrations: the migrations applied, by version.
//
// # Migrations
//
// The schema is made by numbered migrations embedded in the package, one
// list per dialect. Open applies those not yet applied, each recorded in
// the migrations table in the transaction that applies it, so a migration
// that fails leaves nothing behind. Migrate takes a lock first (a
// transaction-scoped advisory lock on PostgreSQL, BEGIN IMMEDIATE on
// SQLite), so processes starting together apply each migration once;
// running it again does nothing. On PostgreSQL that lock is per schema
// and prefix, and the creation of a WithSchema schema takes a lock of the
// schema's, so stores of several prefixes may also be opened at once in
// one new schema. Versions this code does not know (a newer release
// migrated the database) are left alone.
//
// The migrations say CREATE TABLE and CREATE INDEX, not IF NOT EXISTS: a
// table of the host's that has a name of the stores' (WithPrefix "" over
// the host's own items table, say) fails the migration, naming it, rather
// than being taken for the stores' own. A migrations table that names a
// version otherwise than this code does is refused likewise.
//
// WithoutMigration is for hosts that migrate in a deploy step (Open
// without it, or Migrate): Open then only reads the migrations table, and
// refuses a schema that lacks a migration this code needs ("schema at
// version N, this code needs M: run Migrate"; no table is version 0)
// rather than failing later on a missing table.
//
// # Locks
//
// Lock (runtime.Store) excludes across processes. Each *DB first takes an
// in-process lock of the name, so the goroutines using one *DB queue in
// memory and only one of them at a time asks the database. Two *DBs of
// one process exclude each other through the database, as two processes
// do.
//
// On PostgreSQL the database lock is a session advisory lock
// (pg_try_advisory_lock on a 64-bit hash of the schema, the prefix and the
// name). Every lock a *DB holds lives on one connection (LockConns), kept
// out of the pool (WithLockPool) from the first Lock until Close; its
// statements run one at a time, and each lock is released with
// pg_advisory_unlock on it. So a *DB needs one connection
// for its locks however many it holds, and locks taken one inside another
// (the engine holds a session's lock while it takes an execution's) never
// wait for a connection. A lock held by another process is polled with
// pg_try_advisory_lock, backing off from 2 ms to 50 ms, rather than waited
// for with pg_advisory_lock: a statement that never waits leaves the
// connection to the other locks between polls, and a blocked statement
// could only be abandoned by closing the connection, which would free
// every lock on it. A process that dies, or whose lock connection drops,
// frees its locks at once, with no lease to wait out and nothing to renew during
// a long step. A connection that broke is noticed at its next use and
// replaced; the locks it held went with it (see Fencing).
//
// On SQLite several processes may open one file, and SQLite has no lock
// that outlives a transaction, so the lock is a lease: a row of the locks
// table, taken with one INSERT ... ON CONFLICT DO UPDATE ... WHERE the
// current lease has expired, polled with the same backoff until the
// context ends. A lease lasts WithLockLease (30 s by default) and each
// *DB renews the leases it holds, each by its name and the token of its
// acquisition, every third of that, so a long step keeps its lock and a
// crashed holder's lock frees itself when its lease runs out; a lease
// released is no longer renewed, even when deleting its row failed. Close
// deletes the leases the *DB still holds.
//
// # Fencing
//
// A lock is not a fence: the stores cannot stop a holder that has lost
// its lock without knowing it. On PostgreSQL, when the lock connection
// dies (the server restarts, a proxy or an administrator ends the
// session, the network drops it) every lock the *DB held on it is free at
// once, while the goroutines holding them go on; on SQLite a holder that
// stalls past its lease (a paused process, its renewals failing for a
// lease's length) finds its lease taken over. Another runner may then
// run the same step of the same execution at the same time. The records
// stay consistent: Save is a compare-and-swap on the row's version, so
// only one of the two saves lands and the other gets a
// *runtime.ConflictError. But both may have run the step's side effects:
// a message sent twice, under the same effect key, which is what an
// effect's receiver must deduplicate by.
//
// # Due and claims
//
// Due claims what it lists, so that the expiry passes of several engines
// split the due executions rather than each delivering every timeout
// under the lock: the listed rows get claimed_until = t + WithClaimLease
// (30 s by default) and claimed_by = this *DB, and Due skips rows that
// another *DB claimed until after t. On PostgreSQL the rows are picked
// with FOR UPDATE SKIP LOCKED, so concurrent passes do not wait on each
// other either. A *DB's own claims do not hide rows from itself: a pass
// that could not deliver a timeout (the execution was busy) finds it again
// on its next pass, and the conformance suite's repeated Due calls on one
// store list the same ids. Save, ForceEnd and every other write of the row
// clear its claim. The result is sorted earliest first (due_at, then id).
//
// # Errors
//
// The stores return the errors of the contracts they implement:
// *runtime.ConflictError, runtime.ErrNotFound and errors wrapping
// runtime.ErrCorrupt for executions; errors wrapping version.ErrConflict
// and version.ErrNotFound for the catalog. A database error says which
// operation failed on which id; when the context ended, errors.Is(err,
// ctx.Err()) holds.
//
// PostgreSQL's text holds neither NUL bytes nor invalid UTF-8, so on both
// databases alike an id, session key, flow sid, kind, name, address or
// module reference holding either is found by no getter (the not-found
// error, as the in-memory stores say), and refused by the writes with an
// error naming the field (wrapping version.ErrInvalid for the catalog).
package sqlstore
