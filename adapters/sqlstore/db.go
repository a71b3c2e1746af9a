package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Dialect is the SQL a database speaks: the driver packages pass theirs to
// Open.
type Dialect string

// The dialects the stores speak.
const (
	// PostgreSQL is PostgreSQL 12 or later.
	PostgreSQL Dialect = "postgres"
	// SQLite is SQLite 3.35 or later (RETURNING, upserts).
	SQLite Dialect = "sqlite"
)

// Defaults of the options.
const (
	// DefaultPrefix starts the name of every table.
	DefaultPrefix = "studioflow_"
	// DefaultClaimLease is how long Due hides what it listed from the Due
	// of other *DBs.
	DefaultClaimLease = 30 * time.Second
	// DefaultLockLease is how long a lock's lease lasts unrenewed: the
	// longest a crashed holder's lock stays taken.
	DefaultLockLease = 30 * time.Second
)

// Option changes how Open sets up a *DB.
type Option func(*options)

type options struct {
	prefix     string
	schema     string
	noMigrate  bool
	claimLease time.Duration
	lockLease  time.Duration
	closers    []io.Closer
	now        func() time.Time
	// nowSQL is PostgreSQL's current time in the lease statements
	// (tests put a clock of their own there).
	nowSQL  string
	onRenew func() // after each pass of the lease renewals (tests)
}

// WithPrefix starts every table's (and index's) name with prefix instead
// of DefaultPrefix, so that two stores can share one database. It is
// lowercase ASCII letters, digits and underscores, starting with a letter
// or an underscore, at most 30 bytes; "" names the tables executions,
// items and so on.
func WithPrefix(prefix string) Option { return func(o *options) { o.prefix = prefix } }

// WithSchema puts the tables in that PostgreSQL schema, creating it if it
// does not exist, instead of the first schema of the connection's
// search_path. SQLite has no schemas: Open refuses the option there. The
// name is ASCII letters, digits and underscores, at most 63 bytes; it is
// quoted, so its case counts.
func WithSchema(schema string) Option { return func(o *options) { o.schema = schema } }

// WithoutMigration makes Open leave the schema as it finds it, for a
// host that migrates in a deploy step (by an Open without the option, or
// Migrate): Open reads the migrations table and refuses a schema that
// lacks a migration this code needs, saying at which version it is.
func WithoutMigration() Option { return func(o *options) { o.noMigrate = true } }

// WithClaimLease sets how long the ids Due lists stay hidden from the Due
// of other *DBs (DefaultClaimLease when d <= 0): long enough for an expiry
// pass to deliver them, short enough that a pass that dies midway does not
// hold up their timeouts for long.
func WithClaimLease(d time.Duration) Option { return func(o *options) { o.claimLease = d } }

// WithLockLease sets how long a lock's lease lasts unrenewed
// (DefaultLockLease when d <= 0), on both databases: the longest a lock
// stays taken after its holder died (a crashed process, or one cut off
// from the database) or after a release whose delete failed, during which
// the others wait. The *DB renews the leases it holds every third of it:
// a lease outlasts two failed renewals, and a holder whose renewals fail
// for a whole lease (a paused process, a database out of reach) loses its
// locks (see Fencing in the package documentation).
// Each lease carries its own expiry, so *DBs of one database may use
// different leases.
func WithLockLease(d time.Duration) Option { return func(o *options) { o.lockLease = d } }

// WithClose makes Close close these too, after the stores' own work has
// stopped, and Open close them when it fails. The driver packages pass
// the pools they opened.
func WithClose(c ...io.Closer) Option {
	return func(o *options) { o.closers = append(o.closers, c...) }
}

// WithClock sets the clock of SQLite's lock leases (time.Now by default),
// which the processes sharing one file on one machine share. PostgreSQL's
// leases ignore it: they are timed by the database's clock, so that
// engines on machines whose clocks disagree still agree on when a lease
// expires. Nothing else reads it: Due and the executions' times come from
// the engine.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

var (
	prefixPattern = regexp.MustCompile(`^([a-z_][a-z0-9_]{0,29})?$`)
	schemaPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
)

// DB is a database holding the stores' tables. It is safe for concurrent
// use. Executions and Catalog return its stores.
type DB struct {
	pool    *sql.DB
	dialect Dialect
	o       options

	// table is what goes before a table's name: the quoted schema and the
	// prefix. ns names the tables' place in the database, for the advisory
	// lock keys.
	table, ns string
	// owner names this *DB in claims and leases.
	owner string

	queries sync.Map // template -> SQL
	// now and until are what {now} and {until} stand for in the lease
	// statements (see leaseClockSQL).
	now, until string
	local      localLocks
	seq        atomic.Uint64 // lease tokens
	// leases are the leases held, to renew: token -> name.
	leaseMu sync.Mutex
	leases  map[string]string
	// gate is held, shared, by each take of a lease, and by Close to set
	// closed: no take writes a lease after Close deleted this *DB's.
	gate   sync.RWMutex
	closed bool
	onWait func(name string)
	onPut  func() // inside a catalog Put, after its checks (tests)

	exec *Executions
	cat  *Catalog

	// stopped ends with Close: the renewals stop, even midway.
	stopped   context.Context
	stop      context.CancelFunc
	renewer   sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Open sets up the stores in the database pool connects to, of dialect d,
// and migrates it unless WithoutMigration is given. The driver packages'
// Open functions call it; a host with a pool of its own may too (its
// driver must be pgx's for PostgreSQL, modernc.org/sqlite's or another
// with extended result codes for SQLite, with foreign keys on). Close
// does not close pool unless WithClose names it.
func Open(ctx context.Context, pool *sql.DB, d Dialect, opts ...Option) (_ *DB, err error) {
	o := options{prefix: DefaultPrefix}
	for _, opt := range opts {
		opt(&o)
	}
	defer func() {
		if err != nil {
			closeAll(o.closers)
		}
	}()
	if o.claimLease <= 0 {
		o.claimLease = DefaultClaimLease
	}
	if o.lockLease <= 0 {
		o.lockLease = DefaultLockLease
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.nowSQL == "" {
		o.nowSQL = "clock_timestamp()"
	}
	switch {
	case d != PostgreSQL && d != SQLite:
		return nil, fmt.Errorf("sqlstore: unknown dialect %q", d)
	case !prefixPattern.MatchString(o.prefix):
		return nil, fmt.Errorf("sqlstore: table prefix %q is not lowercase letters, digits and underscores of at most 30 bytes", o.prefix)
	case o.schema != "" && d == SQLite:
		return nil, fmt.Errorf("sqlstore: SQLite has no schemas (WithSchema %q)", o.schema)
	case o.schema != "" && !schemaPattern.MatchString(o.schema):
		return nil, fmt.Errorf("sqlstore: schema %q is not letters, digits and underscores of at most 63 bytes", o.schema)
	}
	var owner [12]byte
	_, _ = rand.Read(owner[:])
	db := &DB{pool: pool, dialect: d, o: o, owner: hex.EncodeToString(owner[:])}
	db.stopped, db.stop = context.WithCancel(context.Background())
	db.local.m = map[string]*localLock{}
	db.leases = map[string]string{}
	db.now, db.until = leaseClockSQL(d, o.nowSQL, o.lockLease)
	db.table = o.prefix
	db.ns = o.schema
	if o.schema != "" {
		db.table = `"` + o.schema + `".` + o.prefix
	}
	if d == PostgreSQL && o.schema == "" {
		if err := pool.QueryRowContext(ctx, "SELECT current_schema()").Scan(&db.ns); err != nil {
			return nil, db.fail(ctx, "open: read the current schema", err)
		}
	}
	db.ns += "." + o.prefix
	if o.noMigrate {
		if err := db.checkMigrated(ctx); err != nil {
			return nil, err
		}
	} else if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	db.exec = &Executions{db: db}
	db.cat = &Catalog{db: db}
	db.renewer.Add(1)
	go db.renewLeases()
	return db, nil
}

// Executions returns the execution store (a runtime.Store).
func (db *DB) Executions() *Executions { return db.exec }

// Catalog returns the catalog store (a version.Store).
func (db *DB) Catalog() *Catalog { return db.cat }

// Dialect returns the SQL the database speaks.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the pool the stores query, for a host's own queries (a
// report over Table("executions"), say) or to size it.
func (db *DB) SQL() *sql.DB { return db.pool }

// Table returns the name to write in SQL for one of the stores' tables,
// given without prefix ("executions", "items", "item_addresses",
// "item_references", "locks", "migrations"): prefixed, and
// schema-qualified when WithSchema was given.
func (db *DB) Table(name string) string { return db.table + name }

// Close stops the *DB's background work (the renewal of its leases),
// frees the locks it still holds (it deletes their leases, which the
// other *DBs may then take at once), and closes what WithClose named. The
// stores must not be used afterwards: a Lock fails. Calling it again
// returns the first call's error.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.stop()
		db.renewer.Wait()
		db.gate.Lock() // the takes under way end first
		db.closed = true
		db.gate.Unlock()
		var errs []error
		if err := db.freeLeases(); err != nil {
			errs = append(errs, fmt.Errorf("sqlstore: close: free the leases held: %w", err))
		}
		errs = append(errs, closeAll(db.o.closers))
		db.closeErr = errors.Join(errs...)
	})
	return db.closeErr
}

func closeAll(cs []io.Closer) error {
	var errs []error
	for _, c := range cs {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sqlstore: close: %w", err))
		}
	}
	return errors.Join(errs...)
}

// q returns the SQL of template: {t} becomes the tables' qualifier and
// prefix, {p} the bare prefix (for index names, which PostgreSQL puts in
// the table's schema), {now} and {until} the times of the lease
// statements (see leaseClockSQL), and on PostgreSQL each ? becomes $1, $2
// and so on. The templates hold no other ? (no string literal has one).
func (db *DB) q(template string) string {
	if s, ok := db.queries.Load(template); ok {
		return s.(string)
	}
	s := db.Rebind(strings.NewReplacer("{t}", db.table, "{p}", db.o.prefix, "{now}", db.now, "{until}", db.until).Replace(template))
	db.queries.Store(template, s)
	return s
}

// Rebind returns query with each ? written as the dialect's placeholder:
// $1, $2 and so on on PostgreSQL, unchanged on SQLite. It is for a host's
// own statements on SQL(), written once for both dialects; query must hold
// no other ? (in a string literal, say).
func (db *DB) Rebind(query string) string {
	if db.dialect != PostgreSQL {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fail wraps a database error with what failed; when ctx has ended, the
// error wraps ctx.Err(), whatever the driver made of it.
func (db *DB) fail(ctx context.Context, what string, err error) error {
	cerr := ctx.Err()
	if d, ok := ctx.Deadline(); cerr == nil && ok && !time.Now().Before(d) {
		// The driver's own deadline (a network timeout set from ctx's)
		// may fire before ctx's timer does: the context has ended all
		// the same.
		cerr = context.DeadlineExceeded
	}
	if cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("sqlstore: %s: %w (%v)", what, cerr, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", what, err)
}

// querier is what both a transaction and a connection run statements on.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction that excludes every other inTx of the same
// lockName on this database: on PostgreSQL a transaction-scoped advisory
// lock; on SQLite BEGIN IMMEDIATE, which takes the database's one write
// lock (so every name excludes every other). fn's error rolls back and is
// returned as is.
func (db *DB) inTx(ctx context.Context, what, lockName string, fn func(q querier) error) error {
	if db.dialect == PostgreSQL {
		tx, err := db.pool.BeginTx(ctx, nil)
		if err != nil {
			return db.fail(ctx, what+": begin", err)
		}
		defer tx.Rollback() //nolint:errcheck // after a commit it does nothing
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(db.ns, lockName)); err != nil {
			return db.fail(ctx, what+": lock", err)
		}
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return db.fail(ctx, what+": commit", err)
		}
		return nil
	}
	// database/sql's BeginTx would say BEGIN (DEFERRED), whose read lock
	// cannot always be upgraded to a write lock (SQLITE_BUSY at once, the
	// busy timeout unused): this takes the write lock first, whatever the
	// DSN says.
	conn, err := db.pool.Conn(ctx)
	if err != nil {
		return db.fail(ctx, what+": connect", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return db.fail(ctx, what+": begin", err)
	}
	done := false
	defer func() {
		if done {
			return
		}
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(rctx, "ROLLBACK"); err != nil {
			// The transaction may be gone already (an interrupted statement
			// rolls it back) or the connection broken: either way it must
			// not go back to the pool in doubt.
			discard(conn)
		}
	}()
	if err := fn(conn); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return db.fail(ctx, what+": commit", err)
	}
	done = true
	return nil
}

// discard closes conn's driver connection instead of returning it to the
// pool: what state it is in is not known.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// isUnique reports whether err is the database refusing a row for a
// unique constraint or index: SQLSTATE 23505 (PostgreSQL, pgx's
// *pgconn.PgError), or SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY (SQLite's
// extended result codes, modernc.org/sqlite's *sqlite.Error).
func isUnique(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState() == "23505"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		c := lite.Code()
		return c == 2067 || c == 1555
	}
	return false
}

// textProblem says why s cannot be stored in a text column of every
// database the stores speak, or "" when it can: PostgreSQL's text holds
// neither NUL bytes nor invalid UTF-8 (SQLite's would), and its indexes no
// entry past about 2.7 KB, so no value is longer than MaxKeyBytes. A getter
// given such a value finds nothing, on either database; a write refuses it.
func textProblem(s string) string {
	switch {
	case len(s) > MaxKeyBytes:
		return fmt.Sprintf("is %d bytes long, more than the %d an id, key or name may be", len(s), MaxKeyBytes)
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL byte"
	}
	return ""
}

// MaxKeyBytes is the longest id, session key, flow sid, name or lock name
// the stores take, on every database alike: PostgreSQL refuses an index
// entry past about 2.7 KB (a B-tree page's third), and an execution's
// flow sid and creation time, or its session key, are indexed.
const MaxKeyBytes = 1024

// storable returns an error naming field when value cannot be stored (see
// textProblem): what failed, which field, why.
func storable(what, field, value string) error {
	if p := textProblem(value); p != "" {
		return fmt.Errorf("sqlstore: %s: the %s %q %s", what, field, value, p)
	}
	return nil
}

// nullString is s, or NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nanos is t in Unix nanoseconds, 0 for the zero time, clamped to what
// int64 holds, as the in-memory store counts.
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Year() >= 2262:
		return 1<<63 - 1
	case t.Year() <= 1677:
		return -1<<63 + 1
	}
	return t.UnixNano()
}

// later is n nanoseconds plus d, saturating at what int64 holds: a claim or
// lease taken at a time nanos clamped (the year 2262 on) must not wrap
// round to a time long past.
func later(n int64, d time.Duration) int64 {
	if d > 0 && n > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return n + int64(d)
}

// nullNanos is nanos(t), or NULL for the zero time.
func nullNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return nanos(t)
}

// fromNanos is nanos' inverse, in UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
