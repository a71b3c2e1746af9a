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
//   - studioflow_locks: the leases of Lock, one row per lock held: its
//     name (bytes on PostgreSQL, since a name may be any string), the
//     *DB holding it (holder), the acquisition (token), and expires_at
//     (a timestamptz by the database's clock on PostgreSQL, Unix
//     nanoseconds by the *DB's clock on SQLite).
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
// The database's lock is a lease, on both databases: a row of the locks
// table per name held, naming the holder and the acquisition (a token)
// and when the lease expires. Lock first inserts the row if there is none
// (INSERT ... ON CONFLICT DO NOTHING); while another holds it, it polls,
// backing off from 2 ms to 50 ms, each poll reading whether the lease is
// still held and, once it is not (released, or expired), taking it with
// one INSERT ... ON CONFLICT DO UPDATE ... WHERE the current lease has
// expired; until the context ends. Polling a held lease writes nothing.
// A lease lasts WithLockLease (30 s by default), and each *DB renews the
// leases it holds, each by its name and token, every third of that, so
// a long step keeps its lock. Release deletes the row, by name and
// token: a lease that expired and was taken over by another is not
// touched.
//
// On PostgreSQL the expiry is computed and compared by the database's
// clock (clock_timestamp()), not the process's, so engines on machines
// whose clocks disagree still agree on when a lease expires; WithClock
// does not apply. On SQLite, whose processes share one machine, it is the
// *DB's clock (WithClock, time.Now by default).
//
// A lock held holds no connection: taking, renewing and releasing it are
// statements through the pool like any other, however many locks a *DB
// holds, and locks taken one inside another (the engine holds a session's
// lock while it takes an execution's) never wait for a connection. So a
// connection that drops, or that a proxy or an administrator ends, frees
// no lock: the lease stays until it is released or expires, and its
// holder goes on renewing it through the pool's other connections, or new
// ones. A lease statement whose connection was lost (PostgreSQL's
// SQLSTATE classes 08 and 57, or a network error) is run once more, on a
// fresh connection (one that answered a ping): run again, a take takes
// the lease its first run may have taken (it is idempotent per token),
// and a renewal or a release does what it did.
//
// What a lease costs is a wait. A holder that dies (a crashed process, or
// one cut off from the database) leaves its leases to expire: the others
// wait for them up to WithLockLease, 30 s by default. So does a release
// whose delete failed twice (its connection killed, then the fresh one):
// the lease is no longer renewed, and expires. Close deletes the leases
// the *DB still holds, so that a process that stops cleanly makes no one
// wait. A shorter lease frees a dead holder's locks sooner, and leaves a
// stalled holder less time before it loses them (see Fencing). Each Lock
// writes twice, taking and releasing its row; the rows of holders that
// died stay until their names are locked again.
//
// The migrations and the catalog's writes exclude each other otherwise,
// with a transaction-scoped lock (pg_advisory_xact_lock on PostgreSQL,
// BEGIN IMMEDIATE on SQLite), which ends with its transaction, whatever
// happens to the connection.
//
// # Fencing
//
// A lock is not a fence: the stores cannot stop a holder that has lost
// its lock without knowing it. A holder loses its lease only by stalling
// past it: a paused process (a stopped or suspended machine, a long
// pause of the runtime), or one whose renewals all fail for a lease's
// length (the database out of its reach, but not of the others'). Its
// lease then expires and another *DB may take it over, while the stalled
// holder goes on, and run the same step of the same execution at the
// same time. The records stay consistent: Save is a compare-and-swap on
// the row's version, so only one of the two saves lands and the other
// gets a *runtime.ConflictError. But both may have run the step's side
// effects: a message sent twice, under the same effect key, which is what
// an effect's receiver must deduplicate by. The holder is not told: a
// renewal that finds its lease taken over changes nothing and is ignored.
//
// Locks aside, a run whose Save failed (its connection killed under it)
// has run its step, side effects included, and did not record it: the
// caller that tries again runs the step again, under the same effect
// keys.
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
// So is one longer than MaxKeyBytes, and Lock refuses a name longer than
// twice that: PostgreSQL indexes no entry much past 2.7 KB, and the
// same limit holds on SQLite so that a store moves between them.
package sqlstore
