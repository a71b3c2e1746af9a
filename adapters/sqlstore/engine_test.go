package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/sqlstore"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// menu is a flow that asks for a key and thanks the caller.
const menu = `{"description": "menu", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}], "properties": {}},
  {"name": "menu", "type": "gather-input-on-call",
   "transitions": [{"event": "keypress", "next": "thanks"}, {"event": "timeout", "next": "bye"}],
   "properties": {"say": "Press 1 for sales.", "number_of_digits": 1, "timeout": 5}},
  {"name": "thanks", "type": "say-play", "transitions": [{"event": "audioComplete"}],
   "properties": {"say": "You pressed {{widgets.menu.Digits}}."}},
  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Goodbye."}}]}`

// host is what a process builds on a database: a catalog and an engine.
type host struct {
	catalog *version.Catalog
	engine  *runtime.Engine
	lines   func() []string
}

func newHost(db *sqlstore.DB, clock *runtime.FixedClock, ids func(string) string) host {
	cat := version.NewCatalog(version.WithStore(db.Catalog()), version.WithClock(clock.Now))
	services, transcript := fake.Services()
	engine := runtime.New(
		runtime.WithStore(db.Executions()),
		runtime.WithSource(runtime.CatalogSource{Catalog: cat}),
		runtime.WithServices(services),
		runtime.WithIDs(ids),
		runtime.WithClock(clock.Now),
	)
	return host{catalog: cat, engine: engine, lines: transcript.Lines}
}

// A flow published in the catalog runs on the engine; the execution and
// the catalog outlive the process that started them: another, on the
// same database, resumes one and expires the other.
func TestEngineAndCatalogOnTheStores(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		clock := runtime.NewFixedClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
		ids := runtime.SequentialIDs()
		db, err := p.open()
		require.NoError(t, err)
		first := newHost(db, clock, ids)

		def, err := flow.Parse([]byte(menu))
		require.NoError(t, err)
		admin := version.Actor{ID: "admin"}
		it, v, err := first.catalog.Create(ctx, admin, version.KindFlow, "Menu", "", def, "first cut")
		require.NoError(t, err)
		_, err = first.catalog.Publish(ctx, admin, it.ID, v.Revision)
		require.NoError(t, err)
		require.NoError(t, first.catalog.Assign(ctx, admin, "+15559990000", it.ID))

		start := func(h host, contact, call string) *runtime.Execution {
			x, err := h.engine.Start(ctx, runtime.StartRequest{Trigger: runtime.TriggerCall, Contact: contact, FlowAddress: "+15559990000", CallSid: call})
			require.NoError(t, err)
			return x
		}
		pressed := start(first, "+15550001111", "CA1")
		silent := start(first, "+15550002222", "CA2")
		require.Equal(t, runtime.StatusActive, pressed.Status)
		_, err = first.engine.Start(ctx, runtime.StartRequest{Trigger: runtime.TriggerCall, Contact: "+15550001111", FlowAddress: "+15559990000", CallSid: "CA1"})
		var ce *runtime.ConflictError
		require.ErrorAs(t, err, &ce, "a second start for one call")
		assert.Equal(t, pressed.ID, ce.ActiveID)
		require.NoError(t, db.Close())

		second := newHost(p.Open(), clock, ids)
		x, err := second.engine.Resume(ctx, pressed.ID, widgets.Event{Name: "keypress", Token: pressed.Wait.Token, Data: map[string]any{"Digits": "1"}})
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status)
		assert.Equal(t, []string{`voice.say "You pressed 1."`}, second.lines())

		clock.Advance(time.Hour)
		n, err := second.engine.Expire(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		x, err = second.engine.Get(ctx, silent.ID)
		require.NoError(t, err)
		assert.Equal(t, runtime.StatusEnded, x.Status)
		assert.Equal(t, "bye", x.Steps[len(x.Steps)-1].From)

		r, err := second.catalog.ResolveAddress(ctx, "+15559990000", "+15550003333")
		require.NoError(t, err)
		assert.Equal(t, it.ID, r.ItemID)
		assert.Equal(t, 1, r.Revision)
	})
}

// Expiry workers of two processes at once deliver every timeout, each
// once, and split the work.
func TestExpiryWorkersShareTheWork(t *testing.T) {
	eachBackend(t, func(t *testing.T, newPlace func(*testing.T) place) {
		p := newPlace(t)
		clock := runtime.NewFixedClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
		ids := runtime.SequentialIDs()
		a, b := newHost(p.Open(), clock, ids), newHost(p.Open(), clock, ids)
		def, err := flow.Parse([]byte(menu))
		require.NoError(t, err)
		admin := version.Actor{ID: "admin"}
		it, v, err := a.catalog.Create(ctx, admin, version.KindFlow, "Menu", "", def, "")
		require.NoError(t, err)
		_, err = a.catalog.Publish(ctx, admin, it.ID, v.Revision)
		require.NoError(t, err)
		require.NoError(t, a.catalog.Assign(ctx, admin, "+15559990000", it.ID))
		const calls = 20
		for i := range calls {
			_, err := a.engine.Start(ctx, runtime.StartRequest{Trigger: runtime.TriggerCall, Contact: fmt.Sprintf("+1555000%04d", i),
				FlowAddress: "+15559990000", CallSid: fmt.Sprintf("CA%d", i)})
			require.NoError(t, err)
		}
		clock.Advance(time.Hour)

		reports := make([]runtime.ExpiryReport, 2)
		var wg sync.WaitGroup
		for i, h := range []host{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := &runtime.ExpiryWorker{Engine: h.engine, Batch: 3, Retention: -1}
				rep, err := w.Pass(ctx)
				assert.NoError(t, err)
				reports[i] = rep
			}()
		}
		wg.Wait()
		assert.Equal(t, calls, reports[0].Changed+reports[1].Changed, "timeouts delivered: %+v", reports)
		byes := 0
		for _, line := range append(a.lines(), b.lines()...) {
			if line == `voice.say "Goodbye."` {
				byes++
			}
		}
		assert.Equal(t, calls, byes, "each caller hears goodbye once")
		t.Logf("the workers changed %d and %d", reports[0].Changed, reports[1].Changed)
		page, _, err := a.engine.Store().List(ctx, runtime.ListFilter{Status: runtime.StatusActive})
		require.NoError(t, err)
		assert.Empty(t, page)
	})
}
