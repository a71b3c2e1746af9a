package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
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
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

var instanceConversations = flag.Int("instance-conversations", 0,
	"conversations TestManyInstances drives (default 200, 40 with -short)")

// chat asks a name by message, asks again once on a timeout, and thanks.
const chat = `{"description": "chat", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout", "next": "again"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Name?", "timeout": "60"}},
  {"name": "again", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Still there?", "timeout": "60"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Thanks"}}]}`

// instance is one engine instance: its own database handle (its own
// connection pools) and engine, sharing the database, the clock, the ids
// and the messaging provider with the others.
type instance struct {
	db     *sqlstore.DB
	engine *runtime.Engine
	worker *runtime.ExpiryWorker
}

// instanceRun counts what the instances did.
type instanceRun struct {
	dbErrors  atomic.Int64 // operations that failed otherwise (a killed connection), retried
	conflicts atomic.Int64 // runs refused at their save (they ran, and lost the race), retried
	taken     atomic.Int64 // racing answers taken
	stale     atomic.Int64 // racing answers refused as stale, before running
	kills     atomic.Int64 // connections terminated
}

// retry runs op on the instances in turn until it succeeds, is refused as
// stale, or has failed 20 times. A conflict is a run that took the wait
// and lost at its save: with the locks holding, there is none.
func (r *instanceRun) retry(insts []instance, first int, op func(in instance) error) error {
	var err error
	for try := range 20 {
		if err = op(insts[(first+try)%len(insts)]); err == nil || errors.Is(err, runtime.ErrStale) {
			return err
		}
		if errors.Is(err, runtime.ErrConflict) {
			r.conflicts.Add(1)
		} else {
			r.dbErrors.Add(1)
		}
	}
	return err
}

// TestManyInstances drives conversations through four engine instances on
// one database: every answer is raced by the four, timeouts are delivered
// by four expiry workers at once, and on PostgreSQL the connections of one
// instance are killed while the answers race. Afterwards no execution is
// lost, no step is run twice, no timeout is delivered twice, and no refused
// racer sent anything: every message is sent once per effect key.
//
//	STUDIOFLOW_TEST_POSTGRES=... go test -run TestManyInstances -instance-conversations 10000 -v
func TestManyInstances(t *testing.T) {
	n := *instanceConversations
	if n == 0 {
		n = 200
		if testing.Short() {
			n = 40
		}
	}
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		if newPlace(t).schema == "" {
			manyInstances(t, newPlace(t), n, false)
			return
		}
		t.Run("steady", func(t *testing.T) { manyInstances(t, newPlace(t), n, false) })
		t.Run("killing connections", func(t *testing.T) { manyInstances(t, newPlace(t), n, true) })
	})
}

// manyInstances is TestManyInstances on one database; kill has one
// instance's connections killed while the answers race (PostgreSQL).
func manyInstances(t *testing.T, p place, n int, kill bool) {
	{
		def, err := flow.Parse([]byte(chat))
		require.NoError(t, err)
		clock := runtime.NewFixedClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
		ids := runtime.SequentialIDs()
		services, transcript := fake.Services()
		insts := make([]instance, 4)
		for i := range insts {
			db := p.Open()
			if p.schema != "" { // named, so that its connections can be killed
				var err error
				db, err = postgres.Open(ctx, withApplicationName(os.Getenv(postgresEnv), fmt.Sprint("studioflow-instance-", i)),
					sqlstore.WithSchema(p.schema), sqlstore.WithLockLease(2*time.Second)) // a lease whose release was killed twice lapses soon
				require.NoError(t, err)
				t.Cleanup(func() { _ = db.Close() })
			}
			e := runtime.New(runtime.WithStore(db.Executions()), runtime.WithSource(runtime.Definitions{"FW": def}),
				runtime.WithServices(services), runtime.WithClock(clock.Now), runtime.WithIDs(ids))
			insts[i] = instance{db: db, engine: e, worker: &runtime.ExpiryWorker{Engine: e, Batch: 50}}
		}
		var run instanceRun
		started := make([]string, n)
		tokens := make([]string, n)
		parallel(n, func(i int) {
			req := runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: fmt.Sprintf("+1777%07d", i), FlowAddress: "+15559990000"}
			err := run.retry(insts, i, func(in instance) error {
				x, err := in.engine.Start(ctx, req)
				var ce *runtime.ConflictError
				if errors.As(err, &ce) && ce.ActiveID != "" { // started by a try whose answer was lost
					x, err = in.engine.Get(ctx, ce.ActiveID)
				}
				if err == nil {
					started[i], tokens[i] = x.ID, x.Wait.Token
				}
				return err
			})
			assert.NoError(t, err, "start %d", i)
		})
		require.False(t, t.Failed())

		// Every other conversation answers now, raced by the four
		// instances; meanwhile instance 2's connections are killed.
		stopKilling := make(chan struct{})
		var killer sync.WaitGroup
		if kill {
			killer.Add(1)
			go func() {
				defer killer.Done()
				killConnections(t, &run, "studioflow-instance-2", stopKilling)
			}()
		}
		answer := func(i int) {
			race(&run, insts, started[i], tokens[i])
		}
		parallel(n/2, func(k int) { answer(2 * k) })
		close(stopKilling)
		killer.Wait()

		// The others time out: four expiry workers pass at once until
		// nothing is due.
		clock.Advance(2 * time.Minute)
		for pass := 0; ; pass++ {
			require.Less(t, pass, 20, "timeouts still due after 20 passes")
			var changed atomic.Int64
			var failed atomic.Bool
			var wg sync.WaitGroup
			for _, in := range insts {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rep, err := in.worker.Pass(ctx)
					changed.Add(int64(rep.Changed))
					if err != nil {
						run.dbErrors.Add(1)
						failed.Store(true)
					}
				}()
			}
			wg.Wait()
			if changed.Load() == 0 && !failed.Load() {
				break
			}
		}
		// ... and then answer the question asked again.
		parallel(n/2, func(k int) {
			i := 2*k + 1
			x, err := insts[0].engine.Get(ctx, started[i])
			if !assert.NoError(t, err) || !assert.NotNil(t, x.Wait, "conversation %d is not waiting again after its timeout", i) {
				return
			}
			race(&run, insts, started[i], x.Wait.Token)
		})

		// Nothing lost, nothing run twice.
		want := map[bool]string{
			false: "incomingRequest:Trigger>ask incomingMessage:ask>thanks sent:thanks>Ended",
			true:  "incomingRequest:Trigger>ask timeout:ask>again incomingMessage:again>thanks sent:thanks>Ended",
		}
		for i, id := range started {
			x, err := insts[i%4].engine.Get(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusEnded, x.Status, "conversation %d", i)
			assert.Equal(t, want[i%2 == 1], steps(x), "conversation %d", i)
		}
		stored := 0
		for cursor := ""; ; {
			page, next, err := insts[0].db.Executions().List(ctx, runtime.ListFilter{FlowSid: "FW", Cursor: cursor, Limit: runtime.MaxListLimit})
			require.NoError(t, err)
			stored += len(page)
			if cursor = next; cursor == "" {
				break
			}
		}
		assert.Equal(t, n, stored, "executions stored")

		// Every message once per effect key, and once per conversation.
		keys := map[string]int{}
		sends := map[string]int{}
		for _, e := range transcript.Service("messaging") {
			sends[e.Text]++
			if e.Effect == "" {
				t.Errorf("a send without an effect key: %v", e)
			}
			if keys[e.Effect]++; keys[e.Effect] == 1 {
				sends["distinct "+e.Text]++
			}
		}
		assert.Equal(t, n, sends["distinct Name?"])
		assert.Equal(t, n/2, sends["distinct Still there?"], "timeouts delivered")
		assert.Equal(t, n, sends["distinct Thanks"])
		extra := sends["Name?"] + sends["Still there?"] + sends["Thanks"] - (2*n + n/2)
		assert.Equal(t, int64(n), run.taken.Load(), "answers taken: one per wait")
		// The locks hold, killed connections or not: no racer ran a step it
		// then lost at its save.
		assert.Zero(t, run.conflicts.Load(), "runs refused at their save")
		if run.kills.Load() == 0 {
			assert.Zero(t, extra, "sends repeated")
		} else {
			// A step whose save died with its connection is run again by
			// the retry, under the same effect keys: at least once across
			// faults, and never more than once per failed operation.
			assert.LessOrEqual(t, int64(extra), run.dbErrors.Load(), "sends repeated beyond the failed operations")
		}
		t.Logf("%s: %d conversations, 4 instances: %d answers taken, %d racing answers refused as stale, "+
			"%d timeouts delivered, %d connections killed, %d operations failed and retried, %d runs refused at their save, "+
			"%d sends (%d repeated under one effect key)",
			p.dialect, n, run.taken.Load(), run.stale.Load(), sends["distinct Still there?"], run.kills.Load(), run.dbErrors.Load(),
			run.conflicts.Load(), sends["Name?"]+sends["Still there?"]+sends["Thanks"], extra)
	}
}

// race has the four instances answer the wait token of execution id at
// once: one must take it and the others be refused as stale. An answer
// that failed on a killed connection is retried, with the same token.
func race(run *instanceRun, insts []instance, id, token string) {
	var wg sync.WaitGroup
	for k := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := run.retry(insts, k, func(in instance) error {
				_, err := in.engine.Resume(ctx, id, widgets.Event{Name: "incomingMessage", Token: token, Data: map[string]any{"Body": "Ada"}})
				return err
			})
			switch {
			case err == nil:
				run.taken.Add(1)
			case errors.Is(err, runtime.ErrStale):
				run.stale.Add(1)
			}
		}()
	}
	wg.Wait()
}

// parallel runs f(0..n-1) on 8 goroutines.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// steps is an execution's step log as "event:from>to" words.
func steps(x *runtime.Execution) string {
	parts := make([]string, len(x.Steps))
	for i, s := range x.Steps {
		parts[i] = s.Name + ":" + s.From + ">" + s.To
	}
	return strings.Join(parts, " ")
}

// withApplicationName adds application_name to a PostgreSQL URL.
func withApplicationName(dsn, name string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "application_name=" + name
}

// killConnections terminates the server processes of the connections named
// app, every few milliseconds, until stop is closed.
func killConnections(t *testing.T, run *instanceRun, app string, stop <-chan struct{}) {
	admin, err := sql.Open("pgx", os.Getenv(postgresEnv))
	if err != nil {
		t.Error(err)
		return
	}
	defer admin.Close()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		var killed int64
		err := admin.QueryRowContext(context.Background(),
			`SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) k`, app).Scan(&killed)
		if err != nil {
			t.Error(err)
			return
		}
		run.kills.Add(killed)
	}
}
