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
// list per dialect. Open applies those not yet applied (WithoutMigration
// leaves that to an explicit Migrate call, for hosts that migrate in a
// deploy step), each recorded in the migrations table in the transaction
// that applies it. Migrate takes a lock first (a transaction-scoped
// advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so processes
// starting together apply each migration once; running it again does
// nothing. Versions this code does not know (a newer release migrated the
// database) are left alone.
//
// # Locks
//
// Lock (runtime.Store) excludes across processes. Each *DB first takes an
// in-process lock of the name, so goroutines of one process queue in
// memory and only one of them at a time asks the database.
//
// On PostgreSQL the database lock is a session advisory lock
// (pg_try_advisory_lock on a 64-bit hash of the schema, the prefix and the
// name), held on a connection kept out of the pool until release. A holder
// that dies, or whose connection drops, frees the lock at once, with no
// lease to wait out and nothing to renew during a long step. The price is
// one connection per lock held, so the locks have a pool of their own
// (WithLockPool; postgres.Open makes one of 32 connections): holders never
// starve the queries they need to finish, and a Lock that finds the lock
// pool exhausted waits for a connection as it would for the lock, until
// its context ends. A lock held by another process is polled with
// pg_try_advisory_lock, backing off from 2 ms to 50 ms, rather than waited
// for with pg_advisory_lock: a blocked statement can only be abandoned by
// cancelling it on the server, which pgx does by closing the connection,
// and the server notices that only once it has granted the lock.
//
// On SQLite several processes may open one file, and SQLite has no lock
// that outlives a transaction, so the lock is a lease: a row of the locks
// table, taken with one INSERT ... ON CONFLICT DO UPDATE ... WHERE the
// current lease has expired, polled with the same backoff until the
// context ends. A lease lasts WithLockLease (30 s by default) and each
// *DB renews the leases it holds every third of that, so a long step keeps
// its lock and a crashed holder's lock frees itself when its lease runs
// out. Close deletes the leases the *DB still holds.
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
package sqlstore
