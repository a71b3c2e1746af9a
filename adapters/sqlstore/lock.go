package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How often a Lock polls a lock another process holds: from minPoll,
// doubling, up to maxPoll, each pause jittered by up to a quarter.
const (
	minPoll = 2 * time.Millisecond
	maxPoll = 50 * time.Millisecond
)

// leaseStatementTimeout bounds one statement on the leases (a take, a
// release, Close's delete), each of its tries: Close waits for the takes
// under way, and a release runs on no context of the caller's.
const leaseStatementTimeout = 10 * time.Second

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

// lock is Executions.Lock: the in-process lock, then the database's lease.
func (db *DB) lock(ctx context.Context, name string) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	releaseLocal, err := db.local.lock(ctx, name)
	if err != nil {
		return nil, err
	}
	releaseDB, err := db.leaseLock(ctx, name)
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

// lockKey is the advisory lock key of name in the tables' namespace ns
// (the transaction-scoped locks of inTx and Migrate on PostgreSQL).
func lockKey(ns, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(ns))
	h.Write([]byte{0})
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// The statements on the leases, on both dialects. {now} is the current
// time and {until} the expiry of a lease taken or renewed now: on
// PostgreSQL the database computes both, by its clock; on SQLite they are
// arguments, by the *DB's (see leaseTimes).
//
// newLeaseSQL takes a lease no row holds, and does nothing (writes
// nothing, locks nothing) when there is a row. takeLeaseSQL also takes
// over an expired lease, and one its own token holds already, so that a
// take whose answer was lost (its connection killed) can be run again;
// but finding the lease held, it still locks the row, a write (on
// PostgreSQL, a commit flushed to disk), which is why a Lock reads
// (heldLeaseSQL) before it runs it.
const (
	newLeaseSQL  = `INSERT INTO {t}locks (name, holder, token, expires_at) VALUES (?, ?, ?, {until}) ON CONFLICT (name) DO NOTHING`
	takeLeaseSQL = `INSERT INTO {t}locks (name, holder, token, expires_at) VALUES (?, ?, ?, {until})
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at
		WHERE {t}locks.expires_at <= {now} OR {t}locks.token = excluded.token`
	heldLeaseSQL  = `SELECT count(*) FROM {t}locks WHERE name = ? AND expires_at > {now}`
	renewLeaseSQL = `UPDATE {t}locks SET expires_at = {until} WHERE name = ? AND token = ?`
	freeLeaseSQL  = `DELETE FROM {t}locks WHERE name = ? AND token = ?`
	freeLeasesSQL = `DELETE FROM {t}locks WHERE holder = ?`
)

// leaseClockSQL returns what {now} and {until} stand for in the lease
// statements of dialect d, leases lasting lease: nowSQL and nowSQL plus
// the lease on PostgreSQL, arguments on SQLite.
func leaseClockSQL(d Dialect, nowSQL string, lease time.Duration) (now, until string) {
	if d != PostgreSQL {
		return "?", "?"
	}
	return nowSQL, "(" + nowSQL + " + interval '" + strconv.FormatInt(max(lease.Microseconds(), 1), 10) + " microseconds')"
}

// leaseName is name as the locks table's name column takes it: bytes on
// PostgreSQL, whose text holds neither NUL bytes nor invalid UTF-8 (a
// lock's name may be any string); text on SQLite, whose text holds any.
func (db *DB) leaseName(name string) any {
	if db.dialect == PostgreSQL {
		return []byte(name)
	}
	return name
}

// leaseTimes returns, on SQLite, the expiry of a lease taken or renewed
// now and the current time, by the *DB's clock (WithClock), in Unix
// nanoseconds: the arguments of {until} and {now}. On PostgreSQL the
// database reads its own clock: ok is false.
func (db *DB) leaseTimes() (until, now int64, ok bool) {
	if db.dialect == PostgreSQL {
		return 0, 0, false
	}
	now = nanos(db.o.now())
	return later(now, db.o.lockLease), now, true
}

// leaseLock takes the lease of name: a row of the locks table, taken when
// there is none or its lease has expired, polled until ctx ends. It first
// tries to take a lease no row holds (newLeaseSQL, the common case); then
// each poll reads whether the lease is held, and only when it is not
// (released, or expired) runs the take that also takes an expired lease
// over (takeLeaseSQL): polling a held lease writes nothing.
func (db *DB) leaseLock(ctx context.Context, name string) (func(), error) {
	token := db.owner + "/" + strconv.FormatUint(db.seq.Add(1), 10)
	pause := minPoll
	ok, err := db.takeLease(ctx, name, token, false)
	for err == nil && !ok {
		var free bool
		if free, err = db.leaseFree(ctx, name); err != nil {
			break
		}
		if free {
			if ok, err = db.takeLease(ctx, name, token, true); err != nil || ok {
				break
			}
		}
		if err := db.wait(ctx, name, &pause); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return nil, db.fail(ctx, "lock "+strconv.Quote(name), err)
	}
	return func() { db.freeLease(name, token) }, nil
}

// leaseFree reports whether the lease of name may be taken: no row holds
// it, or the row's lease has expired.
func (db *DB) leaseFree(ctx context.Context, name string) (bool, error) {
	args := []any{db.leaseName(name)}
	if _, now, ok := db.leaseTimes(); ok {
		args = append(args, now)
	}
	var held int
	err := db.retry(ctx, func(ctx context.Context, q querier, _ bool) error {
		return q.QueryRowContext(ctx, db.q(heldLeaseSQL), args...).Scan(&held)
	})
	return held == 0, err
}

// takeLease tries once to take the lease of name for token: only a lease
// no row holds (newLeaseSQL), or with takeOver one that expired too
// (takeLeaseSQL). It reports whether the lease is now token's; when it
// fails, the row it may have written is deleted (or left to expire). Run
// again on a fresh connection (see retry), it runs takeLeaseSQL, which
// takes the lease its first run may have taken.
func (db *DB) takeLease(ctx context.Context, name, token string, takeOver bool) (bool, error) {
	// Close waits for the takes under way, so that none writes a lease
	// after Close deleted this *DB's.
	db.gate.RLock()
	defer db.gate.RUnlock()
	if db.closed {
		return false, errClosed
	}
	// Listed before the row is written, so that a renewal between the
	// write and the listing does not skip it.
	db.holdLease(token, name)
	until, now, byArgs := db.leaseTimes()
	var n int64
	err := db.retry(ctx, func(ctx context.Context, q querier, again bool) error {
		query, args := db.q(newLeaseSQL), []any{db.leaseName(name), db.owner, token}
		if takeOver || again {
			query = db.q(takeLeaseSQL)
		}
		if byArgs {
			args = append(args, until)
			if takeOver || again {
				args = append(args, now)
			}
		}
		res, err := q.ExecContext(ctx, query, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err == nil && n == 1 {
		return true, nil
	}
	db.dropLease(token)
	if err != nil {
		db.deleteLease(name, token) // in case the row was written
	}
	return false, err
}

// freeLease releases the lease of name that token took: it is no longer
// renewed, even when deleting its row fails (it then expires).
func (db *DB) freeLease(name, token string) {
	db.dropLease(token)
	db.deleteLease(name, token)
}

// deleteLease deletes the lease of name that token took, if it is still
// there: the row of another token (one that took the lease over after it
// expired) stays. An error (tried twice: see execRetry) leaves the lease
// to expire.
func (db *DB) deleteLease(name, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*leaseStatementTimeout)
	defer cancel()
	_, _ = db.execRetry(ctx, db.q(freeLeaseSQL), db.leaseName(name), token)
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

// holdsLease reports whether the lease token is still held.
func (db *DB) holdsLease(token string) bool {
	db.leaseMu.Lock()
	defer db.leaseMu.Unlock()
	_, ok := db.leases[token]
	return ok
}

// renewLeases extends the leases this *DB holds, every third of a lease,
// until Close: each by its name and token, so that a lease released, or
// taken over by another *DB after it expired, is never extended. The
// renewals go through the pool, each lease's on its own and within one
// period, so that a statement that hangs delays no other lease: a
// connection killed fails one, which is tried again on a fresh connection
// (execRetry), and else at the next tick; a lease outlasts two.
func (db *DB) renewLeases() {
	defer db.renewer.Done()
	period := max(db.o.lockLease/3, time.Millisecond)
	tick := time.NewTicker(period)
	defer tick.Stop()
	renew := db.q(renewLeaseSQL)
	for {
		select {
		case <-db.stopped.Done():
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
			until, _, byArgs := db.leaseTimes()
			var wg sync.WaitGroup
			for token, name := range held {
				if !db.holdsLease(token) {
					continue // released meanwhile
				}
				args := []any{db.leaseName(name), token}
				if byArgs {
					args = []any{until, db.leaseName(name), token}
				}
				// Each lease is renewed on its own, within one period: a
				// statement that hangs delays no other lease's renewal.
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(db.stopped, period)
					defer cancel()
					_, _ = db.execRetry(ctx, renew, args...)
				}()
			}
			wg.Wait()
		}
		if db.o.onRenew != nil {
			db.o.onRenew()
		}
	}
}

// freeLeases deletes the leases this *DB holds: Close's.
func (db *DB) freeLeases() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*leaseStatementTimeout)
	defer cancel()
	_, err := db.execRetry(ctx, db.q(freeLeasesSQL), db.owner)
	return err
}

// execRetry runs a lease statement (see retry) and returns the rows it
// changed.
func (db *DB) execRetry(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := db.retry(ctx, func(ctx context.Context, q querier, _ bool) error {
		res, err := q.ExecContext(ctx, query, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}

// retry runs f, a statement on the leases, on the pool, and when that
// fails otherwise than by the database's answer (its connection was
// killed, say, and the pool's other idle connections with it), once more
// on a fresh connection (see freshConn), with again set. Each try is
// bounded by leaseStatementTimeout. The lease statements may run twice:
// a renewal, a delete and a read are idempotent, and a take run again
// runs takeLeaseSQL, which is per token.
func (db *DB) retry(ctx context.Context, f func(ctx context.Context, q querier, again bool) error) error {
	try := func(q querier, again bool) error {
		ctx, cancel := context.WithTimeout(ctx, leaseStatementTimeout)
		defer cancel()
		return f(ctx, q, again)
	}
	err := try(db.pool, false)
	if err == nil || ctx.Err() != nil || !connectionLost(err) {
		return err
	}
	conn, cerr := db.freshConn(ctx)
	if cerr != nil {
		return err
	}
	defer conn.Close()
	return try(conn, true)
}

// freshConn returns a connection of the pool that answered a ping: the
// pool's idle connections may have died with the one that just failed,
// and the pool knows it of none that has not failed since (pgx pings only
// those idle for over a second). A ping that fails discards its
// connection; after as many as the pool had idle, the pool opens a new
// one.
func (db *DB) freshConn(ctx context.Context) (*sql.Conn, error) {
	tries := db.pool.Stats().Idle + 1
	for {
		conn, err := db.pool.Conn(ctx)
		if err != nil {
			return nil, err
		}
		pctx, cancel := context.WithTimeout(ctx, leaseStatementTimeout)
		err = conn.PingContext(pctx)
		cancel()
		if err == nil {
			return conn, nil
		}
		discard(conn)
		if tries--; tries <= 0 || ctx.Err() != nil {
			return nil, err
		}
	}
}

// connectionLost reports whether err may be the loss of the statement's
// connection rather than the database's answer to it: a PostgreSQL
// error of class 08 (connection exception) or 57 (operator intervention:
// the session terminated, the server shutting down), or an error that is
// no database's answer at all (a network error). SQLite's connections are
// not lost: its errors are its answers.
func connectionLost(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		c := pg.SQLState()
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57")
	}
	var lite interface{ Code() int }
	return !errors.As(err, &lite)
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
