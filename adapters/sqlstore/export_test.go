package sqlstore

// SetWaitHook makes f hear of every pause of a Lock of db that found its
// lock held elsewhere, with the lock's name. Set it while no Lock of db
// runs.
func SetWaitHook(db *DB, f func(name string)) { db.onWait = f }
