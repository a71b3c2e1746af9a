package sqlstore_test

import (
	"context"
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

// A PostgreSQL handle holds all its locks on one connection: a hundred
// locks held take no more.
func TestPostgresLocksShareAConnection(t *testing.T) {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to run it", postgresEnv)
	}
	p := postgresPlace(t)
	app := "studioflow-locks-" + p.schema[len(p.schema)-12:]
	db, err := postgres.Open(ctx, withApplicationName(dsn, app), sqlstore.WithSchema(p.schema))
	require.NoError(t, err)
	defer db.Close()
	bounded, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var releases []func()
	for i := range 100 {
		release, err := db.Executions().Lock(bounded, fmt.Sprint("execution FN", i))
		require.NoError(t, err)
		releases = append(releases, release)
	}
	held := func() (conns, locks int) {
		require.NoError(t, p.Raw().QueryRowContext(ctx, `SELECT count(DISTINCT l.pid), count(*) FROM pg_locks l
			JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`,
			app).Scan(&conns, &locks))
		return conns, locks
	}
	conns, locks := held()
	assert.Equal(t, 100, locks, "advisory locks held")
	assert.Equal(t, sqlstore.LockConns, conns, "connections holding them")
	for _, release := range releases {
		release()
	}
	_, locks = held()
	assert.Zero(t, locks, "advisory locks held after release")
}

// When the connection holding a handle's locks is killed, the handle's
// next Lock replaces it, and the locks it held are gone: another handle
// takes one its holder has not released (the fencing limit the package
// documents). The holder's late release frees nothing of another's.
func TestKilledLockConnection(t *testing.T) {
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to run it", postgresEnv)
	}
	p := postgresPlace(t)
	app := "studioflow-killed-" + p.schema[len(p.schema)-12:]
	a, err := postgres.Open(ctx, withApplicationName(dsn, app), sqlstore.WithSchema(p.schema))
	require.NoError(t, err)
	defer a.Close()
	b := p.Open()
	bounded, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	releaseA, err := a.Executions().Lock(bounded, "execution FN1")
	require.NoError(t, err)
	var killed int
	require.NoError(t, p.Raw().QueryRowContext(ctx,
		`SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) k`, app).Scan(&killed))
	require.Positive(t, killed)

	other, err := a.Executions().Lock(bounded, "execution FN2")
	require.NoError(t, err, "the lock connection was not replaced")
	other()
	releaseB, err := b.Executions().Lock(bounded, "execution FN1")
	require.NoError(t, err, "the lock went with its connection")
	releaseA() // frees nothing: its lock is gone, and b's is b's

	waiting, stop := context.WithCancel(bounded)
	defer stop()
	sqlstore.SetWaitHook(a, func(string) { stop() })
	_, err = a.Executions().Lock(waiting, "execution FN1")
	assert.ErrorIs(t, err, context.Canceled, "a took the lock b holds")
	releaseB()
	again, err := a.Executions().Lock(bounded, "execution FN1")
	require.NoError(t, err)
	again()
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

// A SQLite handle renews the leases it holds, past their first expiry, by
// its own clock; a lease it released is not renewed even when its row
// stayed (the delete failed), so another handle takes it once it expires.
func TestSQLiteLeasesRenew(t *testing.T) {
	p := sqlitePlace(t)
	const lease = 300 * time.Millisecond // renewed every 100 ms
	clock := newSettable(t0)
	passes := make(chan struct{}, 1)
	holder := p.Open(sqlstore.WithClock(clock.now), sqlstore.WithLockLease(lease), sqlstore.WithRenewHook(func() {
		select {
		case passes <- struct{}{}:
		default:
		}
	}))
	_, err := holder.Executions().Lock(ctx, "execution FN1") // held
	require.NoError(t, err)
	release, err := holder.Executions().Lock(ctx, "execution FN2")
	require.NoError(t, err)
	raw := p.Raw()
	var token string
	require.NoError(t, raw.QueryRowContext(ctx, `SELECT token FROM studioflow_locks WHERE name = ?`, "execution FN2").Scan(&token))
	release()
	// As if the release's delete had failed: the row is back, as it was.
	_, err = raw.ExecContext(ctx, `INSERT INTO studioflow_locks (name, holder, token, expires_at) SELECT ?, holder, ?, ? FROM studioflow_locks WHERE name = ?`,
		"execution FN2", token, t0.Add(lease).UnixNano(), "execution FN1")
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
	var until int64
	require.NoError(t, raw.QueryRowContext(ctx, `SELECT expires_at FROM studioflow_locks WHERE name = ?`, "execution FN1").Scan(&until))
	assert.Equal(t, later.Add(lease).UnixNano(), until, "the held lease's expiry")

	other := p.Open(sqlstore.WithClock(func() time.Time { return later }), sqlstore.WithLockLease(lease))
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
}
