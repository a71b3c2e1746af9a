package sqlstore

import (
	"context"
	"database/sql"
	"errors"
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

// LockConns is how many connections a PostgreSQL *DB holds its advisory
// locks on, whatever the number of locks it holds: each lock lives on the
// one its key's hash picks.
const LockConns = 1

// lockStatementTimeout bounds one statement on a lock connection. The
// statements never wait for a lock (pg_try_advisory_lock), so one that
// takes this long has lost its server: the connection is replaced.
const lockStatementTimeout = 10 * time.Second

// errClosed is a Lock after Close.
var errClosed = errors.New("the *DB is closed")

// localLocks are the in-process locks of one *DB, by name: the goroutines
// using one *DB queue here, so that only one at a time asks the database.
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

// lockConn is a connection of the lock pool that holds advisory locks for
// as long as it lives: the session advisory locks of PostgreSQL belong to
// the session, so each is released on the connection that took it. Its
// statements run one at a time.
type lockConn struct {
	// slot is held while a statement runs on conn (or conn is replaced):
	// a one-slot channel, so that waiting for it ends with the context.
	slot chan struct{}
	// conn is the connection; nil before the first lock, after it broke,
	// and after Close.
	conn *sql.Conn
	// gen counts the connections conn has been: a lock taken on one is
	// gone when conn is another.
	gen    uint64
	closed bool
}

// use runs f on the lock connection, opening one first when there is
// none. The statements f runs get sctx: not ctx, whose end would make the
// driver close the connection, and every lock held on it with it. When f
// fails on a connection kept from before, which may have died since its
// last use, the connection is replaced and f tried once more. Each
// connecting and each statement is bounded by lockStatementTimeout, so
// the slot is never held for long.
func (lc *lockConn) use(ctx context.Context, db *DB, f func(sctx context.Context, conn *sql.Conn, gen uint64) error) error {
	select {
	case lc.slot <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-lc.slot }()
	for try := 0; ; try++ {
		if lc.closed {
			return errClosed
		}
		fresh := lc.conn == nil
		if fresh {
			cctx, cancel := context.WithTimeout(ctx, lockStatementTimeout)
			conn, err := db.lockPool.Conn(cctx)
			cancel()
			if err != nil {
				return err
			}
			lc.conn = conn
			lc.gen++
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockStatementTimeout)
		err := f(sctx, lc.conn, lc.gen)
		cancel()
		if err == nil {
			return nil
		}
		// What state the session is in is not known (the server may have
		// granted the lock f asked for): closing the connection ends it,
		// with every lock held on it.
		lc.drop()
		if fresh || try > 0 || ctx.Err() != nil {
			return err
		}
	}
}

// drop closes the connection, ending its session and the locks held on
// it. The slot is held.
func (lc *lockConn) drop() {
	if lc.conn != nil {
		discard(lc.conn)
		lc.conn = nil
	}
}

// lockConnOf returns the lock connection of key.
func (db *DB) lockConnOf(key int64) *lockConn {
	return &db.lockConns[uint64(key)%LockConns]
}

// advisoryLock takes PostgreSQL's session advisory lock of name on the
// lock connection of its key. It polls with pg_try_advisory_lock, which
// never waits, so the connection serves the other locks between polls.
func (db *DB) advisoryLock(ctx context.Context, name string) (func(), error) {
	key := lockKey(db.ns, name)
	lc := db.lockConnOf(key)
	pause := minPoll
	for {
		var ok bool
		var gen uint64
		err := lc.use(ctx, db, func(sctx context.Context, conn *sql.Conn, g uint64) error {
			gen = g
			return conn.QueryRowContext(sctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok)
		})
		if err != nil {
			return nil, db.fail(ctx, "lock "+strconv.Quote(name), err)
		}
		if ok {
			return func() { db.advisoryUnlock(lc, key, gen) }, nil
		}
		if err := db.wait(ctx, name, &pause); err != nil {
			return nil, err
		}
	}
}

// advisoryUnlock releases the advisory lock key taken on the gen-th
// connection of lc. A lock whose connection has since been replaced went
// with it: there is nothing left to release.
func (db *DB) advisoryUnlock(lc *lockConn, key int64, gen uint64) {
	// Waited for however long it takes (use holds the slot for a bounded
	// time): given up, the lock would stay held as long as the connection
	// lives.
	lc.slot <- struct{}{}
	defer func() { <-lc.slot }()
	if lc.conn == nil || lc.gen != gen {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), lockStatementTimeout)
	defer cancel()
	var ok bool
	if err := lc.conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&ok); err != nil {
		lc.drop() // the session ends, and its locks with it
	}
}

// closeLockConns closes the lock connections, freeing the advisory locks
// still held. Locks taken afterwards fail.
func (db *DB) closeLockConns() {
	for i := range db.lockConns {
		lc := &db.lockConns[i]
		lc.slot <- struct{}{}
		lc.drop()
		lc.closed = true
		<-lc.slot
	}
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
		// Listed before the row is written, so that a renewal between the
		// write and the listing does not skip it.
		db.holdLease(token, name)
		res, err := db.pool.ExecContext(ctx, take, name, db.owner, token, now+int64(db.o.lockLease), now)
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err != nil {
			db.dropLease(token)
			db.freeLease(name, token) // in case the row was written
			return nil, db.fail(ctx, "lock "+strconv.Quote(name), err)
		}
		if n == 1 {
			break
		}
		db.dropLease(token)
		if err := db.wait(ctx, name, &pause); err != nil {
			return nil, err
		}
	}
	return func() {
		// No longer renewed, even when the delete fails: the lease then
		// expires.
		db.dropLease(token)
		db.freeLease(name, token)
	}, nil
}

// holdLease lists the lease token as held, to be renewed.
func (db *DB) holdLease(token, name string) {
	db.leaseMu.Lock()
	db.leases[token] = name
	db.leaseMu.Unlock()
}

// dropLease ends the renewals of the lease token.
func (db *DB) dropLease(token string) {
	db.leaseMu.Lock()
	delete(db.leases, token)
	db.leaseMu.Unlock()
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
// until Close: each by its name and token, so that a lease released, or
// taken over by another *DB after it expired, is never extended.
func (db *DB) renewLeases() {
	defer db.renewer.Done()
	tick := time.NewTicker(db.o.lockLease / 3)
	defer tick.Stop()
	renew := db.q(`UPDATE {t}locks SET expires_at = ? WHERE name = ? AND token = ?`)
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
		}
		db.leaseMu.Lock()
		held := make(map[string]string, len(db.leases))
		for token, name := range db.leases {
			held[token] = name
		}
		db.leaseMu.Unlock()
		if len(held) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), db.o.lockLease/3)
			until := nanos(db.o.now()) + int64(db.o.lockLease)
			for token, name := range held {
				if !db.holdsLease(token) {
					continue // released meanwhile
				}
				// An error is retried at the next tick; the lease outlasts
				// two.
				_, _ = db.pool.ExecContext(ctx, renew, until, name, token)
			}
			cancel()
		}
		if db.o.onRenew != nil {
			db.o.onRenew()
		}
	}
}

// holdsLease reports whether the lease token is still held.
func (db *DB) holdsLease(token string) bool {
	db.leaseMu.Lock()
	defer db.leaseMu.Unlock()
	_, ok := db.leases[token]
	return ok
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
