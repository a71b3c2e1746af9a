package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/adapters/sqlstore/postgres"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets/fake"
)

// burstStore makes every "session ..." lock, once taken, wait until n of
// them are held at once (or ctx ends): the moment of a burst of n starts,
// each holding its session's lock, none yet holding its execution's.
type burstStore struct {
	runtime.Store
	n    int64
	held atomic.Int64
	all  chan struct{}
	once sync.Once
}

func (s *burstStore) Lock(ctx context.Context, key string) (func(), error) {
	release, err := s.Store.Lock(ctx, key)
	if err != nil || !strings.HasPrefix(key, "session ") {
		return release, err
	}
	if s.held.Add(1) == s.n {
		s.once.Do(func() { close(s.all) })
	}
	select {
	case <-s.all:
		return release, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// 64 starts of 64 contacts at once on one handle all succeed: each holds
// its session's lock while it takes its execution's, and on PostgreSQL
// the locks do not each take a connection (they did, from a pool of 32:
// the 64 starts then hung until their contexts ended).
func TestBurstOfStartsOnOneHandle(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		db := newPlace(t).Open()
		def, err := flow.Parse([]byte(chat))
		require.NoError(t, err)
		services, _ := fake.Services()
		const starts = 64
		store := &burstStore{Store: db.Executions(), n: starts, all: make(chan struct{})}
		e := runtime.New(runtime.WithStore(store), runtime.WithSource(runtime.Definitions{"FW": def}), runtime.WithServices(services),
			runtime.WithClock(runtime.NewFixedClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)).Now))
		bounded, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		errs := make([]error, starts)
		for i := range starts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.Start(bounded, runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest,
					Contact: fmt.Sprintf("+1777%07d", i), FlowAddress: "+15559990000"})
			}()
		}
		wg.Wait()
		failed := 0
		for i, err := range errs {
			if err != nil {
				failed++
				if failed <= 3 {
					t.Errorf("start %d: %v", i, err)
				}
			}
		}
		assert.Zero(t, failed, "starts that failed")
		assert.Equal(t, int64(starts), store.held.Load(), "session locks held at once")
	})
}

// Locks held take no connection: they are rows of the locks table, one
// per lock, gone when released.
func TestLocksHoldNoConnection(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		db := newPlace(t).Open()
		var releases []func()
		for i := range 100 {
			release, err := db.Executions().Lock(ctx, fmt.Sprint("execution FN", i))
			require.NoError(t, err)
			releases = append(releases, release)
		}
		assert.Equal(t, 100, count(t, db, "locks"), "leases held")
		assert.Zero(t, db.SQL().Stats().InUse, "connections in use while the locks are held")
		for _, release := range releases {
			release()
		}
		assert.Zero(t, count(t, db, "locks"), "leases held after release")
	})
}

// A lock's name may be any string, NUL bytes and invalid UTF-8 included
// (PostgreSQL's text holds neither): such locks exclude across handles
// like any other, and none is taken for another.
func TestLockNamesAreAnyString(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a, b := p.Open(), p.Open()
		for _, name := range []string{"session k\x00nul", "session k\xffbad"} {
			release, err := a.Executions().Lock(ctx, name)
			require.NoError(t, err)
			waiting, stop := context.WithCancel(ctx)
			sqlstore.SetWaitHook(b, func(string) { stop() })
			_, err = b.Executions().Lock(waiting, name)
			assert.ErrorIs(t, err, context.Canceled, "%q was taken twice", name)
			stop()
			sqlstore.SetWaitHook(b, func(string) { t.Errorf("%q was taken for another name", name) })
			other, err := b.Executions().Lock(ctx, "session k")
			require.NoError(t, err)
			other()
			sqlstore.SetWaitHook(b, nil)
			release()
		}
		assert.Zero(t, count(t, a, "locks"))
	})
}

// killApp terminates the server processes of the connections named app,
// waits until they are gone, and reports how many there were.
func killApp(t *testing.T, raw *sql.DB, app string) int {
	t.Helper()
	// The processes first, then their ends: in one query, the planner may
	// call pg_terminate_backend before it filters.
	var pids []int64
	rows, err := raw.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	require.NoError(t, err)
	for rows.Next() {
		var pid int64
		require.NoError(t, rows.Scan(&pid))
		pids = append(pids, pid)
	}
	require.NoError(t, rows.Err())
	_, err = raw.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid`, pids)
	require.NoError(t, err)
	bounded, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		var left int
		require.NoError(t, raw.QueryRowContext(bounded, `SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)`, pids).Scan(&left))
		if left == 0 {
			return len(pids)
		}
	}
}

// Killing the connections of a handle that holds a lock frees nothing:
// the lease stays, the handle renews it through its pool's new
// connections, and another handle waits. The release, although its
// connection was killed too, deletes the lease (it runs again on a fresh
// connection), and the other handle takes the lock at once.
func TestKilledLockConnection(t *testing.T) {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to run it", postgresEnv)
	}
	p := postgresPlace(t)
	clock := newLeaseClock(t, p, t0)
	const lease = 300 * time.Millisecond // renewed every 100 ms (of the real clock); expiring by the test's
	passes := make(chan struct{}, 1)
	app := "studioflow-killed-" + p.schema[len(p.schema)-12:]
	a, err := postgres.Open(ctx, withApplicationName(dsn, app), sqlstore.WithSchema(p.schema), clock.opt, sqlstore.WithLockLease(lease),
		sqlstore.WithRenewHook(func() {
			select {
			case passes <- struct{}{}:
			default:
			}
		}))
	require.NoError(t, err)
	defer a.Close()
	b := p.Open(clock.opt)
	leases := newLeaseTable(t, p)
	raw := p.Raw()
	bounded, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	releaseA, err := a.Executions().Lock(bounded, "execution FN1")
	require.NoError(t, err)
	require.Positive(t, killApp(t, raw, app))

	later := t0.Add(time.Hour)
	clock.set(later)
	select {
	case <-passes: // a pass that may have begun before
	default:
	}
	for range 2 { // the second began after the clock moved
		select {
		case <-passes:
		case <-bounded.Done():
			t.Fatal("no renewal")
		}
	}
	assert.True(t, later.Add(lease).Equal(leases.expiry("execution FN1")), "the lease was not renewed after its connections were killed")

	waiting, stop := context.WithCancel(bounded)
	defer stop()
	sqlstore.SetWaitHook(b, func(string) { stop() })
	_, err = b.Executions().Lock(waiting, "execution FN1")
	assert.ErrorIs(t, err, context.Canceled, "the lock went with its holder's connections")

	other, err := a.Executions().Lock(bounded, "execution FN2")
	require.NoError(t, err, "no lock after the connections were killed")
	other()

	require.Positive(t, killApp(t, raw, app))
	releaseA()
	assert.False(t, leases.exists("execution FN1"), "the release's delete was lost with its connection")
	sqlstore.SetWaitHook(b, func(string) { t.Errorf("b waited for a released lock") })
	releaseB, err := b.Executions().Lock(bounded, "execution FN1")
	require.NoError(t, err)
	sqlstore.SetWaitHook(b, nil)

	waiting, stop = context.WithCancel(bounded)
	defer stop()
	sqlstore.SetWaitHook(a, func(string) { stop() })
	_, err = a.Executions().Lock(waiting, "execution FN1")
	assert.ErrorIs(t, err, context.Canceled, "a took the lock b holds")
	releaseB()
	again, err := a.Executions().Lock(bounded, "execution FN1")
	require.NoError(t, err)
	again()
}

// A take of a lease is idempotent per token: run again (its first answer
// lost with its connection), it takes the lease it took; another token
// does not.
func TestLeaseTakeIsIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a, b := p.Open(), p.Open()
		for range 2 {
			took, err := sqlstore.TakeLease(ctx, a, "execution FN1", "token 1")
			require.NoError(t, err)
			assert.True(t, took)
		}
		took, err := sqlstore.TakeLease(ctx, a, "execution FN1", "token 2")
		require.NoError(t, err)
		assert.False(t, took, "another token took a lease held")
		waiting, stop := context.WithCancel(ctx)
		defer stop()
		sqlstore.SetWaitHook(b, func(string) { stop() })
		_, err = b.Executions().Lock(waiting, "execution FN1")
		assert.ErrorIs(t, err, context.Canceled)
		require.NoError(t, a.Close())
		assert.Zero(t, count(t, b, "locks"), "Close frees the leases held")
	})
}

// Close frees the locks a handle still holds; a Lock afterwards fails.
func TestCloseFreesLocks(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a, err := p.open()
		require.NoError(t, err)
		b := p.Open()
		_, err = a.Executions().Lock(ctx, "execution FN1") // never released
		require.NoError(t, err)
		require.NoError(t, a.Close())
		_, err = a.Executions().Lock(ctx, "execution FN2")
		assert.Error(t, err, "a Lock after Close")
		sqlstore.SetWaitHook(b, func(string) { t.Errorf("the lock of a closed handle was waited for") })
		release, err := b.Executions().Lock(ctx, "execution FN1")
		require.NoError(t, err)
		release()
	})
}

// settable is a clock the test moves.
type settable struct{ at atomic.Int64 }

func (c *settable) set(t time.Time)     { c.at.Store(t.UnixNano()) }
func (c *settable) now() time.Time      { return time.Unix(0, c.at.Load()).UTC() }
func newSettable(t time.Time) *settable { c := &settable{}; c.set(t); return c }

// leaseClock is the clock that times the leases of the handles given opt,
// set by the test: on SQLite their own clock (WithClock); on PostgreSQL,
// whose leases are timed by the database, a one-row table of the place's
// schema that their lease statements read instead of clock_timestamp().
type leaseClock struct {
	opt sqlstore.Option
	set func(time.Time)
}

func newLeaseClock(t *testing.T, p place, at time.Time) leaseClock {
	if p.dialect == sqlstore.SQLite {
		c := newSettable(at)
		return leaseClock{opt: sqlstore.WithClock(c.now), set: c.set}
	}
	raw := p.Raw()
	table := p.qualify("test_clock")
	for _, s := range []string{`CREATE SCHEMA IF NOT EXISTS "` + p.schema + `"`, `CREATE TABLE ` + table + ` (at TIMESTAMPTZ NOT NULL)`} {
		_, err := raw.ExecContext(ctx, s)
		require.NoError(t, err)
	}
	_, err := raw.ExecContext(ctx, `INSERT INTO `+table+` (at) VALUES ($1)`, at)
	require.NoError(t, err)
	return leaseClock{opt: sqlstore.WithNowSQL(`(SELECT at FROM ` + table + `)`), set: func(at time.Time) {
		_, err := raw.ExecContext(ctx, `UPDATE `+table+` SET at = $1`, at)
		require.NoError(t, err)
	}}
}

// leaseTable reads and writes the leases of a place's stores (with the
// default prefix), whatever its dialect.
type leaseTable struct {
	t   *testing.T
	p   place
	raw *sql.DB
}

func newLeaseTable(t *testing.T, p place) leaseTable { return leaseTable{t: t, p: p, raw: p.Raw()} }

// sql is s with {locks} naming the table, and $1, $2 ... on PostgreSQL
// for its ?s.
func (l leaseTable) sql(s string) string {
	s = strings.ReplaceAll(s, "{locks}", l.p.qualify("studioflow_locks"))
	if l.p.dialect == sqlstore.PostgreSQL {
		for n := 1; strings.Contains(s, "?"); n++ {
			s = strings.Replace(s, "?", fmt.Sprintf("$%d", n), 1)
		}
	}
	return s
}

// at is a time as the expires_at column holds it.
func (l leaseTable) at(t time.Time) any {
	if l.p.dialect == sqlstore.SQLite {
		return t.UnixNano()
	}
	return t
}

// name is a lock's name as the name column holds it: bytes on
// PostgreSQL, text on SQLite.
func (l leaseTable) name(name string) any {
	if l.p.dialect == sqlstore.PostgreSQL {
		return []byte(name)
	}
	return name
}

func (l leaseTable) expiry(name string) time.Time {
	l.t.Helper()
	q := l.raw.QueryRowContext(ctx, l.sql(`SELECT expires_at FROM {locks} WHERE name = ?`), l.name(name))
	if l.p.dialect == sqlstore.SQLite {
		var n int64
		require.NoError(l.t, q.Scan(&n))
		return time.Unix(0, n).UTC()
	}
	var at time.Time
	require.NoError(l.t, q.Scan(&at))
	return at
}

func (l leaseTable) token(name string) string {
	l.t.Helper()
	var token string
	require.NoError(l.t, l.raw.QueryRowContext(ctx, l.sql(`SELECT token FROM {locks} WHERE name = ?`), l.name(name)).Scan(&token))
	return token
}

func (l leaseTable) exists(name string) bool {
	l.t.Helper()
	var n int
	require.NoError(l.t, l.raw.QueryRowContext(ctx, l.sql(`SELECT count(*) FROM {locks} WHERE name = ?`), l.name(name)).Scan(&n))
	return n > 0
}

// A handle renews the leases it holds, past their first expiry, by the
// leases' clock; a lease it released is not renewed even when its row
// stayed (the delete failed), so another handle takes it once it expires.
func TestLeasesRenew(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		clock := newLeaseClock(t, p, t0)
		const lease = 300 * time.Millisecond // renewed every 100 ms
		passes := make(chan struct{}, 1)
		holder := p.Open(clock.opt, sqlstore.WithLockLease(lease), sqlstore.WithRenewHook(func() {
			select {
			case passes <- struct{}{}:
			default:
			}
		}))
		_, err := holder.Executions().Lock(ctx, "execution FN1") // held
		require.NoError(t, err)
		leases := newLeaseTable(t, p)
		assert.True(t, t0.Add(lease).Equal(leases.expiry("execution FN1")), "the lease's expiry, by the leases' clock")
		release, err := holder.Executions().Lock(ctx, "execution FN2")
		require.NoError(t, err)
		token := leases.token("execution FN2")
		release()
		// As if the release's delete had failed: the row is back, as it was.
		_, err = leases.raw.ExecContext(ctx, leases.sql(`INSERT INTO {locks} (name, holder, token, expires_at) SELECT ?, holder, ?, ? FROM {locks} WHERE name = ?`),
			leases.name("execution FN2"), token, leases.at(t0.Add(lease)), leases.name("execution FN1"))
		require.NoError(t, err)

		later := t0.Add(time.Hour)
		clock.set(later)
		select {
		case <-passes: // a pass that may have begun before
		default:
		}
		bounded, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		for range 2 { // the second began after the clock moved
			select {
			case <-passes:
			case <-bounded.Done():
				t.Fatal("no renewal")
			}
		}
		assert.True(t, later.Add(lease).Equal(leases.expiry("execution FN1")), "the held lease's expiry")
		assert.True(t, t0.Add(lease).Equal(leases.expiry("execution FN2")), "the released lease was renewed")

		other := p.Open(clock.opt, sqlstore.WithLockLease(lease))
		waiting, stop := context.WithCancel(ctx)
		defer stop()
		sqlstore.SetWaitHook(other, func(string) { stop() })
		_, err = other.Executions().Lock(waiting, "execution FN1")
		assert.ErrorIs(t, err, context.Canceled, "a renewed lease was taken")
		waiting, stop = context.WithCancel(ctx)
		defer stop()
		sqlstore.SetWaitHook(other, func(string) { stop() })
		released, err := other.Executions().Lock(waiting, "execution FN2")
		require.NoError(t, err, "a released lease was renewed")
		released()
	})
}

// A lease whose holder stopped renewing it (a crashed process) is free
// once it expires, and not before.
func TestLeaseExpires(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		clock := newLeaseClock(t, p, t0)
		const lease = time.Hour // not renewed while the test runs: the holder might as well have crashed
		holder := p.Open(clock.opt, sqlstore.WithLockLease(lease))
		_, err := holder.Executions().Lock(ctx, "execution FN1") // never released
		require.NoError(t, err)
		leases := newLeaseTable(t, p)
		assert.True(t, t0.Add(lease).Equal(leases.expiry("execution FN1")), "the lease's expiry, by the leases' clock")

		other := p.Open(clock.opt)
		clock.set(t0.Add(lease - time.Second))
		waiting, stop := context.WithCancel(ctx)
		defer stop()
		sqlstore.SetWaitHook(other, func(string) { stop() })
		_, err = other.Executions().Lock(waiting, "execution FN1")
		assert.ErrorIs(t, err, context.Canceled, "a lease was taken before it expired")

		clock.set(t0.Add(lease))
		sqlstore.SetWaitHook(other, func(string) { t.Errorf("an expired lease was waited for") })
		release, err := other.Executions().Lock(ctx, "execution FN1")
		require.NoError(t, err)
		release()
		assert.Equal(t, 0, count(t, other, "locks"), "the expired lease was taken over, then freed")

		_, err = holder.Executions().Lock(ctx, "execution FN2") // never released
		require.NoError(t, err)
		assert.Equal(t, 1, count(t, other, "locks"))
		require.NoError(t, holder.Close())
		assert.Equal(t, 0, count(t, other, "locks"), "Close frees the leases held")
	})
}

// PostgreSQL's leases are timed by the database's clock, not the
// handles': two handles whose clocks are a century apart exclude each
// other (by their own clocks, each would find the other's lease expired,
// or taken for a century), and the leases expire a lease after the
// database's now.
func TestPostgresLeasesUseTheDatabaseClock(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skipf("set %s to run it", postgresEnv)
	}
	p := postgresPlace(t)
	behind := p.Open(sqlstore.WithClock(func() time.Time { return t0 }))
	ahead := p.Open(sqlstore.WithClock(func() time.Time { return t0.AddDate(100, 0, 0) }))
	for _, c := range []struct{ holder, other *sqlstore.DB }{{behind, ahead}, {ahead, behind}} {
		name := fmt.Sprintf("execution %p", c.holder)
		release, err := c.holder.Executions().Lock(ctx, name)
		require.NoError(t, err)
		defer release()
		waiting, stop := context.WithCancel(ctx)
		sqlstore.SetWaitHook(c.other, func(string) { stop() })
		_, err = c.other.Executions().Lock(waiting, name)
		assert.ErrorIs(t, err, context.Canceled, "a held lease was taken by a handle whose clock is ahead or behind")
		stop()
	}
	var timely int
	require.NoError(t, p.Raw().QueryRowContext(ctx, `SELECT count(*) FROM `+p.qualify("studioflow_locks")+
		` WHERE expires_at > clock_timestamp() AND expires_at <= clock_timestamp() + $1 * interval '1 second'`,
		sqlstore.DefaultLockLease.Seconds()).Scan(&timely))
	assert.Equal(t, 2, timely, "leases expiring within a lease of the database's now")
}
