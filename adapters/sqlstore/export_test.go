package sqlstore

import "context"

// SetWaitHook makes f hear of every pause of a Lock of db that found its
// lock held elsewhere, with the lock's name. Set it while no Lock of db
// runs.
func SetWaitHook(db *DB, f func(name string)) { db.onWait = f }

// WithRenewHook makes f hear of the end of every pass of the lease
// renewals.
func WithRenewHook(f func()) Option { return func(o *options) { o.onRenew = f } }

// WithNowSQL makes expr the current time of PostgreSQL's lease
// statements instead of clock_timestamp(): a SQL expression of type
// timestamptz, holding no "?", that the test can set (a row of a table
// of its own, say), so that a lease expires when the test says.
func WithNowSQL(expr string) Option { return func(o *options) { o.nowSQL = expr } }

// TakeLease tries once to take the lease of name for token, as a Lock of
// db polling does (without its in-process lock), and reports whether it
// did.
func TakeLease(ctx context.Context, db *DB, name, token string) (bool, error) {
	return db.takeLease(ctx, name, token, true)
}

// SetPutHook makes f run inside every catalog Put of db, after its checks
// and before its writes. Set it while no Put of db runs.
func SetPutHook(db *DB, f func()) { db.onPut = f }

// Fail is the error db's stores return for err, met while ctx ran.
func Fail(db *DB, ctx context.Context, what string, err error) error { return db.fail(ctx, what, err) }
