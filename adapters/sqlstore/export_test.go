package sqlstore

// SetWaitHook makes f hear of every pause of a Lock of db that found its
// lock held elsewhere, with the lock's name. Set it while no Lock of db
// runs.
func SetWaitHook(db *DB, f func(name string)) { db.onWait = f }

// WithRenewHook makes f hear of the end of every pass of the SQLite lease
// renewals.
func WithRenewHook(f func()) Option { return func(o *options) { o.onRenew = f } }

// SetPutHook makes f run inside every catalog Put of db, after its checks
// and before its writes. Set it while no Put of db runs.
func SetPutHook(db *DB, f func()) { db.onPut = f }
