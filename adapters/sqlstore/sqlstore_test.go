package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
)

// t0 is when the tests' executions are created.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// execution returns an active execution waiting for a message, due at due
// (never for the zero time).
func execution(id, key string, due time.Time) *runtime.Execution {
	return &runtime.Execution{
		ID: id, FlowSid: "FWtest", Revision: 1, Status: runtime.StatusActive, Trigger: runtime.TriggerRequest,
		Key: key, Contact: "+15550001111", Address: "+15559990000",
		Frames: []runtime.Frame{{Kind: runtime.FrameFlow, Ref: "FWtest", Sid: "FWtest", Revision: 1, State: "ask",
			Context: map[string]any{"flow": map[string]any{"variables": map[string]any{}}, "widgets": map[string]any{}}}},
		Wait:      &runtime.WaitState{State: "ask", Token: "1", Events: []string{"incomingMessage", "timeout"}},
		Steps:     []runtime.Step{{Name: "incomingRequest", From: "Trigger", To: "ask", Type: "trigger", Time: t0}},
		CreatedAt: t0, UpdatedAt: t0, DueAt: due,
	}
}

// item returns a catalog item with one draft.
func item(id string, kind version.Kind, name string, etag int64) *version.Item {
	return &version.Item{ID: id, Kind: kind, Name: name, Created: t0, Updated: t0, LastRevision: 1,
		Versions: []version.Version{{Revision: 1, Status: version.StatusDraft}}, Etag: etag}
}

// count returns the number of rows of one of db's tables.
func count(t *testing.T, db *sqlstore.DB, table string) int {
	t.Helper()
	var n int
	require.NoError(t, db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM "+db.Table(table)).Scan(&n))
	return n
}

// migrationCount is the number of migrations of a dialect: 3 of each.
func migrationCount(sqlstore.Dialect) int {
	return 3
}

// Opening a database twice, and migrating it again, changes nothing; a
// handle opened without migrating on a migrated database works.
func TestMigrationsAreIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		first := p.Open()
		require.NoError(t, first.Executions().Create(ctx, execution("FN1", "k1", time.Time{})))
		second := p.Open()
		require.NoError(t, second.Migrate(ctx))
		untouched := p.Open(sqlstore.WithoutMigration())
		require.NoError(t, untouched.Migrate(ctx))
		assert.Equal(t, migrationCount(p.dialect), count(t, second, "migrations"))
		_, err := untouched.Executions().Load(ctx, "FN1")
		assert.NoError(t, err, "the handle opened without migrating finds the execution")
	})
}

// Concurrent openers of a new database, of two prefixes (on PostgreSQL in
// one new schema, which both create), apply each migration once per
// prefix.
func TestConcurrentOpenersMigrateOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		for range 5 {
			p := newPlace(t)
			var wg sync.WaitGroup
			dbs := make([]*sqlstore.DB, 6)
			errs := make([]error, len(dbs))
			for i := range dbs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					dbs[i], errs[i] = p.open(sqlstore.WithPrefix([]string{"a_", "b_"}[i%2]))
				}()
			}
			wg.Wait()
			for i, db := range dbs {
				if assert.NoError(t, errs[i], "opener %d", i) {
					t.Cleanup(func() { _ = db.Close() })
				}
			}
			if t.Failed() {
				return
			}
			assert.Equal(t, migrationCount(p.dialect), count(t, dbs[0], "migrations"), "prefix a_")
			assert.Equal(t, migrationCount(p.dialect), count(t, dbs[1], "migrations"), "prefix b_")
		}
	})
}

// Two prefixes in one database are two stores that share nothing: not
// executions, session keys, items, names, addresses, nor locks.
func TestPrefixesKeepStoresApart(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a := p.Open(sqlstore.WithPrefix("a_"))
		b := p.Open(sqlstore.WithPrefix("b_"))
		require.NoError(t, a.Executions().Create(ctx, execution("FN1", "k1", t0)))
		_, err := b.Executions().Load(ctx, "FN1")
		assert.ErrorIs(t, err, runtime.ErrNotFound)
		require.NoError(t, b.Executions().Create(ctx, execution("FN2", "k1", t0)), "the session key is held in the other store only")
		ids, err := b.Executions().Due(ctx, t0, 0)
		require.NoError(t, err)
		assert.Equal(t, []string{"FN2"}, ids)

		f := item("FW1", version.KindFlow, "main", 1)
		f.Addresses = []string{"+15559990000"}
		require.NoError(t, a.Catalog().Put(ctx, f, 0))
		require.NoError(t, b.Catalog().Put(ctx, f, 0), "the name and address are taken in the other store only")
		require.NoError(t, b.Catalog().Delete(ctx, "FW1", 1))
		_, err = a.Catalog().Get(ctx, "FW1")
		assert.NoError(t, err)

		release, err := a.Executions().Lock(ctx, "execution FN1")
		require.NoError(t, err)
		defer release()
		waited, stop := context.WithCancel(ctx)
		sqlstore.SetWaitHook(b, func(string) { stop() })
		other, err := b.Executions().Lock(waited, "execution FN1")
		require.NoError(t, err, "a lock of one store waited for the same name in another")
		other()
		stop()

		assert.Equal(t, a.Table("executions"), p.qualify("a_executions"))
	})
}

// What was stored is there after the database is closed and opened again.
func TestRecordsSurviveReopening(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		db, err := p.open()
		require.NoError(t, err)
		x := execution("FN1", "k1", t0.Add(time.Minute))
		require.NoError(t, db.Executions().Create(ctx, x))
		x.Steps = append(x.Steps, runtime.Step{Name: "incomingMessage", From: "ask", To: "ask", Type: "send-and-wait-for-reply", Time: t0})
		require.NoError(t, db.Executions().Save(ctx, x))
		m := item("MD1", version.KindModule, "hours", 1)
		require.NoError(t, db.Catalog().Put(ctx, m, 0))
		f := item("FW1", version.KindFlow, "main", 1)
		f.Addresses, f.References = []string{"+15559990000"}, []string{"hours"}
		require.NoError(t, db.Catalog().Put(ctx, f, 0))
		require.NoError(t, db.Close())

		again := p.Open()
		got, err := again.Executions().Load(ctx, "FN1")
		require.NoError(t, err)
		assert.Equal(t, int64(2), got.Version)
		assert.Len(t, got.Steps, 2)
		assert.True(t, got.DueAt.Equal(t0.Add(time.Minute)))
		assert.Equal(t, time.UTC, got.CreatedAt.Location())
		id, err := again.Executions().FindActive(ctx, "k1")
		require.NoError(t, err)
		assert.Equal(t, "FN1", id)
		it, err := again.Catalog().GetByAddress(ctx, "+15559990000")
		require.NoError(t, err)
		assert.Equal(t, "FW1", it.ID)
		assert.ErrorIs(t, again.Catalog().Delete(ctx, "MD1", 1), version.ErrConflict, "the reference survived too")
	})
}

// Lock excludes across two handles on one database, as across two
// processes: holders never overlap, a waiter gets the lock when it is
// released, and a waiter's context ends its wait.
func TestLockExcludesAcrossHandles(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a, b := p.Open(), p.Open()

		var inside, most, waits, overlaps atomic.Int64
		sqlstore.SetWaitHook(a, func(string) { waits.Add(1) })
		sqlstore.SetWaitHook(b, func(string) { waits.Add(1) })
		var wg sync.WaitGroup
		for i := range 4 {
			db := []*sqlstore.DB{a, b}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					release, err := db.Executions().Lock(ctx, "execution FN1")
					if !assert.NoError(t, err) {
						return
					}
					n := inside.Add(1)
					for {
						m := most.Load()
						if n <= m || most.CompareAndSwap(m, n) {
							break
						}
					}
					// A holder that lingers: without the lock, the others
					// would come in meanwhile.
					time.Sleep(200 * time.Microsecond)
					if inside.Load() != 1 {
						overlaps.Add(1)
					}
					inside.Add(-1)
					release()
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(1), most.Load(), "holders of one lock at once")
		assert.Zero(t, overlaps.Load(), "holders that saw another inside")
		assert.Positive(t, waits.Load(), "no Lock ever found the lock held by the other handle: the test excluded nothing")
		t.Logf("%d waits on the database lock", waits.Load())
	})
}

// A Lock waits while another handle holds the lock, and gets it once it is
// released; its context ends the wait.
func TestLockWaitsForAnotherHandle(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a, b := p.Open(), p.Open()
		bounded, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		release, err := a.Executions().Lock(ctx, "session k1")
		require.NoError(t, err)

		// b polls, twice, then a releases: b gets it.
		polled := make(chan struct{})
		var polls atomic.Int64
		sqlstore.SetWaitHook(b, func(string) {
			if polls.Add(1) == 2 {
				close(polled)
			}
		})
		got := make(chan error, 1)
		var releaseB func()
		go func() {
			var err error
			releaseB, err = b.Executions().Lock(bounded, "session k1")
			got <- err
		}()
		select {
		case <-polled:
		case err := <-got:
			t.Fatalf("b locked while a held the lock: %v", err)
		case <-bounded.Done():
			t.Fatal("b never polled the lock a held")
		}
		select {
		case err := <-got:
			t.Fatalf("b locked while a held the lock: %v", err)
		default:
		}
		release()
		release() // does nothing more
		select {
		case err := <-got:
			require.NoError(t, err)
		case <-bounded.Done():
			t.Fatal("b never got the lock a released")
		}

		// Now a waits for b; canceling its context ends the wait.
		waiting, stop := context.WithCancel(ctx)
		var stopped atomic.Bool
		sqlstore.SetWaitHook(a, func(string) {
			if stopped.CompareAndSwap(false, true) {
				stop()
			}
		})
		_, err = a.Executions().Lock(waiting, "session k1")
		assert.ErrorIs(t, err, context.Canceled)
		releaseB()
		again, err := a.Executions().Lock(ctx, "session k1")
		require.NoError(t, err, "the lock was not freed")
		again()
	})
}

// Due claims what it lists: another handle's Due skips it until the claim
// expires or a save clears it, while the claiming handle lists it again.
func TestDueClaims(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a, b := p.Open(), p.Open()
		for i := 1; i <= 4; i++ {
			require.NoError(t, a.Executions().Create(ctx, execution(fmt.Sprintf("FN%d", i), "", t0.Add(time.Duration(i)*time.Minute))))
		}
		now := t0.Add(time.Hour)
		due := func(db *sqlstore.DB, at time.Time, limit int) []string {
			t.Helper()
			ids, err := db.Executions().Due(ctx, at, limit)
			require.NoError(t, err)
			return ids
		}
		assert.Equal(t, []string{"FN1", "FN2"}, due(a, now, 2))
		assert.Equal(t, []string{"FN3", "FN4"}, due(b, now, 0), "b lists what a did not claim")
		assert.Equal(t, []string{"FN3", "FN4"}, due(b, now, 0), "b lists its own claims again, and not a's")
		assert.Equal(t, []string{"FN1", "FN2"}, due(a, now, 0), "a lists its own claims, not b's")

		later := now.Add(sqlstore.DefaultClaimLease)
		assert.Equal(t, []string{"FN1", "FN2", "FN3", "FN4"}, due(b, later, 0), "claims expire")

		x, err := a.Executions().Load(ctx, "FN3")
		require.NoError(t, err)
		require.NoError(t, a.Executions().Save(ctx, x))
		assert.Equal(t, []string{"FN3"}, due(a, later, 0), "a save clears the claim")

		// A claim made at a time past what int64 nanoseconds hold (the
		// year 2262 on) still holds: it must not wrap round to the past.
		far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
		assert.Equal(t, []string{"FN1", "FN2", "FN3", "FN4"}, due(a, far, 0))
		assert.Empty(t, due(b, far, 0), "a's claims made in the year 3000 hold for b")
	})
}

// Expiry passes of several handles at once split the due executions
// between them: no id goes to two handles.
func TestConcurrentDueSplits(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		dbs := []*sqlstore.DB{p.Open(), p.Open(), p.Open()}
		for i := range 30 {
			require.NoError(t, dbs[0].Executions().Create(ctx, execution(fmt.Sprintf("FN%02d", i), "", t0.Add(time.Duration(i)*time.Second))))
		}
		var mu sync.Mutex
		listedBy := map[string]map[int]bool{} // id -> the handles that listed it
		var wg sync.WaitGroup
		for h, db := range dbs {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						ids, err := db.Executions().Due(ctx, t0.Add(time.Hour), 4)
						if !assert.NoError(t, err) {
							return
						}
						mu.Lock()
						for _, id := range ids {
							if listedBy[id] == nil {
								listedBy[id] = map[int]bool{}
							}
							listedBy[id][h] = true
						}
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		handles := map[int]bool{}
		for id, by := range listedBy {
			assert.Len(t, by, 1, "%s went to several handles", id)
			for h := range by {
				handles[h] = true
			}
		}
		assert.Len(t, handles, len(dbs), "every handle got a share")
	})
}

// A record that does not decode loads as ErrCorrupt, and ForceEnd ends it
// unread, freeing its session.
func TestCorruptRecord(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		db := newPlace(t).Open()
		s := db.Executions()
		require.NoError(t, s.Create(ctx, execution("FN1", "k1", t0)))
		_, err := db.SQL().ExecContext(ctx, "UPDATE "+db.Table("executions")+" SET data = '{\"frames\": 7'")
		require.NoError(t, err)
		_, err = s.Load(ctx, "FN1")
		require.ErrorIs(t, err, runtime.ErrCorrupt)
		assert.Contains(t, err.Error(), "FN1")
		_, _, err = s.List(ctx, runtime.ListFilter{})
		assert.ErrorIs(t, err, runtime.ErrCorrupt)

		require.NoError(t, s.ForceEnd(ctx, "FN1", runtime.ForcedEnd{Code: runtime.FailureCorrupt, Reason: "unreadable", At: t0.Add(time.Minute)}))
		x, err := s.Load(ctx, "FN1")
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusFailed, x.Status)
		assert.Equal(t, "k1", x.Key)
		assert.Equal(t, int64(2), x.Version)
		_, err = s.FindActive(ctx, "k1")
		assert.ErrorIs(t, err, runtime.ErrNotFound)
		require.NoError(t, s.Create(ctx, execution("FN2", "k1", t0)))
	})
}

// A second active execution for a session is refused by the database even
// when it comes through another handle, naming the one active.
func TestOneActivePerSessionAcrossHandles(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a, b := p.Open(), p.Open()
		var wg sync.WaitGroup
		var wins atomic.Int64
		for i := range 8 {
			db := []*sqlstore.DB{a, b}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.Executions().Create(ctx, execution(fmt.Sprintf("FN%d", i), "k1", time.Time{}))
				var ce *runtime.ConflictError
				switch {
				case err == nil:
					wins.Add(1)
				case errors.As(err, &ce):
					assert.NotEmpty(t, ce.ActiveID, "the conflict names the active execution")
				default:
					t.Errorf("Create: %v", err)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(1), wins.Load())
	})
}

// Every operation on an ended context returns its error.
func TestContextErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		db := newPlace(t).Open()
		s, c := db.Executions(), db.Catalog()
		require.NoError(t, s.Create(ctx, execution("FN1", "k1", t0)))
		x, err := s.Load(ctx, "FN1")
		require.NoError(t, err)
		done, cancel := context.WithCancel(ctx)
		cancel()
		for what, err := range map[string]error{
			"Create":        s.Create(done, execution("FN2", "", t0)),
			"Save":          s.Save(done, x),
			"ForceEnd":      s.ForceEnd(done, "FN1", runtime.ForcedEnd{At: t0}),
			"Delete":        s.Delete(done, "FN1"),
			"Put":           c.Put(done, item("FW1", version.KindFlow, "main", 1), 0),
			"CatalogDelete": c.Delete(done, "FW1", 1),
			"Migrate":       db.Migrate(done),
		} {
			assert.ErrorIs(t, err, context.Canceled, what)
		}
		_, err = s.Load(done, "FN1")
		assert.ErrorIs(t, err, context.Canceled, "Load")
		_, err = s.FindActive(done, "k1")
		assert.ErrorIs(t, err, context.Canceled, "FindActive")
		_, err = s.Due(done, t0, 0)
		assert.ErrorIs(t, err, context.Canceled, "Due")
		_, err = s.DeleteBefore(done, t0)
		assert.ErrorIs(t, err, context.Canceled, "DeleteBefore")
		_, _, err = s.List(done, runtime.ListFilter{})
		assert.ErrorIs(t, err, context.Canceled, "List")
		_, err = s.Lock(done, "x")
		assert.ErrorIs(t, err, context.Canceled, "Lock")
		_, err = c.Get(done, "FW1")
		assert.ErrorIs(t, err, context.Canceled, "Get")
		_, err = c.List(done, "")
		assert.ErrorIs(t, err, context.Canceled, "List items")
	})
}

// Open refuses options it cannot honour, saying which.
func TestOpenRefusesBadOptions(t *testing.T) {
	p := sqlitePlace(t)
	for _, c := range []struct {
		opt  sqlstore.Option
		want string
	}{
		{sqlstore.WithPrefix("Studio"), `table prefix "Studio" is not lowercase letters`},
		{sqlstore.WithPrefix("x; DROP TABLE y"), `table prefix "x; DROP TABLE y" is not`},
		{sqlstore.WithPrefix("a234567890123456789012345678901"), `table prefix "a234567890123456789012345678901" is not lowercase letters, digits and underscores of at most 30 bytes`},
		{sqlstore.WithSchema("flows"), `SQLite has no schemas (WithSchema "flows")`},
	} {
		_, err := p.open(c.opt)
		assert.ErrorContains(t, err, c.want)
	}
	pool, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none")
	require.NoError(t, err)
	defer pool.Close()
	_, err = sqlstore.Open(ctx, pool, sqlstore.PostgreSQL, sqlstore.WithSchema("bad-name"))
	assert.ErrorContains(t, err, `schema "bad-name" is not letters, digits and underscores`)
	_, err = sqlstore.Open(ctx, pool, "oracle")
	assert.ErrorContains(t, err, `unknown dialect "oracle"`)
}

// A save that would make a second active execution for a session is
// refused by the database, naming the active one.
func TestSaveKeepsOneActivePerSession(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		s := newPlace(t).Open().Executions()
		ended := execution("FN1", "k1", time.Time{})
		ended.Status = runtime.StatusEnded
		require.NoError(t, s.Create(ctx, ended))
		require.NoError(t, s.Create(ctx, execution("FN2", "k1", time.Time{})))
		x, err := s.Load(ctx, "FN1")
		require.NoError(t, err)
		x.Status = runtime.StatusActive
		err = s.Save(ctx, x)
		var ce *runtime.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "FN2", ce.ActiveID)
		assert.Equal(t, int64(1), x.Version, "a refused save leaves the version")
	})
}

// A handle keeps the items it decoded, and sees at once what another
// handle wrote since.
func TestCatalogKeepsDecodedItems(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		a, b := p.Open().Catalog(), p.Open().Catalog()
		f := item("FW1", version.KindFlow, "main", 1)
		f.Addresses = []string{"+15559990000"}
		require.NoError(t, a.Put(ctx, f, 0))
		first, err := b.Get(ctx, "FW1")
		require.NoError(t, err)
		again, err := b.GetByAddress(ctx, "+15559990000")
		require.NoError(t, err)
		assert.Same(t, first, again, "the item was decoded twice")

		renamed := item("FW1", version.KindFlow, "renamed", 2)
		require.NoError(t, a.Put(ctx, renamed, 1))
		got, err := b.Get(ctx, "FW1")
		require.NoError(t, err)
		assert.Equal(t, "renamed", got.Name)
		assert.Equal(t, int64(2), got.Etag)
		_, err = b.GetByAddress(ctx, "+15559990000")
		assert.ErrorIs(t, err, version.ErrNotFound)

		require.NoError(t, a.Delete(ctx, "FW1", 2))
		require.NoError(t, a.Put(ctx, item("FW1", version.KindFlow, "reborn", 2), 0))
		got, err = b.Get(ctx, "FW1")
		require.NoError(t, err)
		assert.Equal(t, "reborn", got.Name, "an item deleted and made again at the same etag")
	})
}

// pastDeadline is a context whose deadline has passed before its own
// timer said so: a driver's network deadline, set from it, fired first.
type pastDeadline struct{ context.Context }

func (pastDeadline) Deadline() (time.Time, bool) { return time.Unix(0, 0), true }

// An error met after the context's deadline wraps context.DeadlineExceeded,
// even when the driver's network timeout fired before the context's timer.
func TestAnErrorPastTheDeadlineWrapsIt(t *testing.T) {
	p := sqlitePlace(t)
	db := p.Open()
	err := sqlstore.Fail(db, pastDeadline{context.Background()}, "load execution FN1", errors.New("dial tcp 127.0.0.1:5432: i/o timeout"))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "i/o timeout")
	err = sqlstore.Fail(db, context.Background(), "load execution FN1", errors.New("syntax error"))
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
}

// An id, session key or lock name past MaxKeyBytes is refused on every
// database alike, with an error saying so: PostgreSQL could not index it.
func TestOverlongKeysAreRefusedAlike(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		db := newPlace(t).Open()
		long := strings.Repeat("k", sqlstore.MaxKeyBytes+1)
		err := db.Executions().Create(ctx, execution(long, "", t0))
		assert.ErrorContains(t, err, "more than the 1024")
		_, err = db.Executions().Load(ctx, long)
		assert.ErrorIs(t, err, runtime.ErrNotFound)
		x := execution("FNlongkey", long, t0)
		assert.ErrorContains(t, db.Executions().Create(ctx, x), "session key")
		_, err = db.Executions().Lock(ctx, strings.Repeat("n", 2*sqlstore.MaxKeyBytes+1))
		assert.ErrorContains(t, err, "a lock's name may be")
		release, err := db.Executions().Lock(ctx, "session "+long[:sqlstore.MaxKeyBytes])
		require.NoError(t, err, "the engine's lock of a session key as long as allowed")
		release()
		require.NoError(t, db.Executions().Create(ctx, execution(long[:sqlstore.MaxKeyBytes], "", t0)))
	})
}
