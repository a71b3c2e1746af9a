package sqlstore

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// How often a Lock polls a lock another process holds: from minPoll,
// doubling, up to maxPoll, each pause jittered by up to a quarter.
const (
	minPoll = 2 * time.Millisecond
	maxPoll = 50 * time.Millisecond
)

// localLocks are the in-process locks of one *DB, by name: goroutines of
// one process queue here, so that only one at a time asks the database.
type localLocks struct {
	mu sync.Mutex
	m  map[string]*localLock
}

// localLock is one named lock: a one-slot channel, with the number of
// goroutines holding or awaiting it (the entry goes when none does).
type localLock struct {
	slot  chan struct{}
	users int
}

// lock takes name's in-process lock, waiting until ctx ends.
func (l *localLocks) lock(ctx context.Context, name string) (func(), error) {
	l.mu.Lock()
	e := l.m[name]
	if e == nil {
		e = &localLock{slot: make(chan struct{}, 1)}
		l.m[name] = e
	}
	e.users++
	l.mu.Unlock()
	leave := func() {
		l.mu.Lock()
		if e.users--; e.users == 0 {
			delete(l.m, name)
		}
		l.mu.Unlock()
	}
	select {
	case e.slot <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
	return func() {
		<-e.slot
		leave()
	}, nil
}

// lock is Executions.Lock: the in-process lock, then the database's.
func (db *DB) lock(ctx context.Context, name string) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	releaseLocal, err := db.local.lock(ctx, name)
	if err != nil {
		return nil, err
	}
	var releaseDB func()
	if db.dialect == PostgreSQL {
		releaseDB, err = db.advisoryLock(ctx, name)
	} else {
		releaseDB, err = db.leaseLock(ctx, name)
	}
	if err != nil {
		releaseLocal()
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			releaseDB()
			releaseLocal()
		})
	}, nil
}

// lockKey is the advisory lock key of name in the tables' namespace ns.
func lockKey(ns, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(ns))
	h.Write([]byte{0})
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// advisoryLock takes PostgreSQL's session advisory lock of name on a
// connection of the lock pool, which it keeps until release.
func (db *DB) advisoryLock(ctx context.Context, name string) (func(), error) {
	conn, err := db.lockPool.Conn(ctx)
	if err != nil {
		return nil, db.fail(ctx, "lock "+strconv.Quote(name)+": connect", err)
	}
	key := lockKey(db.ns, name)
	pause := minPoll
	for {
		var ok bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
			// Whether the server granted it is not known: closing the
			// connection frees it if it did.
			discard(conn)
			return nil, db.fail(ctx, "lock "+strconv.Quote(name), err)
		}
		if ok {
			break
		}
		if err := db.wait(ctx, name, &pause); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var ok bool
		if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&ok); err != nil || !ok {
			discard(conn) // the session ends, and its locks with it
			return
		}
		conn.Close()
	}, nil
}

// leaseLock takes SQLite's lease of name: a row of the locks table, taken
// when there is none or its lease has expired.
func (db *DB) leaseLock(ctx context.Context, name string) (func(), error) {
	token := db.owner + "/" + strconv.FormatUint(db.seq.Add(1), 10)
	take := db.q(`INSERT INTO {t}locks (name, holder, token, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at
		WHERE {t}locks.expires_at <= ?`)
	pause := minPoll
	for {
		now := nanos(db.o.now())
		// Counted before the row is written, so that a renewal between the
		// write and the count does not skip it.
		db.leases.Add(1)
		res, err := db.pool.ExecContext(ctx, take, name, db.owner, token, now+int64(db.o.lockLease), now)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err != nil {
			db.leases.Add(-1)
			db.freeLease(name, token) // in case the row was written
			return nil, db.fail(ctx, "lock "+strconv.Quote(name), err)
		}
		if n == 1 {
			break
		}
		db.leases.Add(-1)
		if err := db.wait(ctx, name, &pause); err != nil {
			return nil, err
		}
	}
	return func() {
		db.freeLease(name, token)
		db.leases.Add(-1)
	}, nil
}

// freeLease deletes the lease of name that token took, if it is still
// there.
func (db *DB) freeLease(name, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// An error leaves the lease to expire.
	_, _ = db.pool.ExecContext(ctx, db.q(`DELETE FROM {t}locks WHERE name = ? AND token = ?`), name, token)
}

// renewLeases extends the leases this *DB holds, every third of a lease,
// until Close.
func (db *DB) renewLeases() {
	defer db.renewer.Done()
	tick := time.NewTicker(db.o.lockLease / 3)
	defer tick.Stop()
	renew := db.q(`UPDATE {t}locks SET expires_at = ? WHERE holder = ?`)
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
		}
		if db.leases.Load() == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), db.o.lockLease/3)
		// An error is retried at the next tick; the lease outlasts two.
		_, _ = db.pool.ExecContext(ctx, renew, nanos(db.o.now())+int64(db.o.lockLease), db.owner)
		cancel()
	}
}

// wait pauses a Lock that found name held elsewhere, until the next poll
// or until ctx ends.
func (db *DB) wait(ctx context.Context, name string, pause *time.Duration) error {
	if db.onWait != nil {
		db.onWait(name)
	}
	d := *pause + rand.N(*pause/4+1)
	*pause = min(2**pause, maxPoll)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
