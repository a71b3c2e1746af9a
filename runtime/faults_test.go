package runtime_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

var faultConversations = flag.Int("fault-conversations", 500, "conversations TestStoreFaultsNeverStrandAContact runs (the issue's full size: -fault-conversations 10000)")

// faultyStore fails a share of its writes and loads: half before the
// operation (nothing happened), half after it (it happened, and the
// acknowledgement was lost). Its randomness is seeded: every run is the
// same.
type faultyStore struct {
	*runtime.MemoryStore
	rand       *rand.Rand
	rate       float64
	saveFaults int // faults of Save: each may strike between a step's effects and their save
	faults     int
}

var errInjected = errors.New("injected store fault")

// fault decides whether this operation fails, and when.
func (s *faultyStore) fault() (before, after bool) {
	if s.rand.Float64() >= s.rate {
		return false, false
	}
	s.faults++
	if s.rand.IntN(2) == 0 {
		return true, false
	}
	return false, true
}

func (s *faultyStore) Create(ctx context.Context, x *runtime.Execution) error {
	before, after := s.fault()
	if before {
		return errInjected
	}
	if err := s.MemoryStore.Create(ctx, x); err != nil || !after {
		return err
	}
	return errInjected
}

func (s *faultyStore) Save(ctx context.Context, x *runtime.Execution) error {
	before, after := s.fault()
	if before || after {
		s.saveFaults++
	}
	if before {
		return errInjected
	}
	if err := s.MemoryStore.Save(ctx, x); err != nil || !after {
		return err
	}
	return errInjected
}

func (s *faultyStore) Load(ctx context.Context, id string) (*runtime.Execution, error) {
	if before, after := s.fault(); before || after {
		return nil, errInjected
	}
	return s.MemoryStore.Load(ctx, id)
}

// faultFlow calls an API, asks a question by message, thanks: two sends
// and one request per conversation without faults.
const faultFlow = `{"description": "faults", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "lookup"}], "properties": {}},
  {"name": "lookup", "type": "make-http-request", "transitions": [{"event": "success", "next": "ask"}, {"event": "failed", "next": "ask"}],
   "properties": {"method": "GET", "url": "https://api.example.com/customer", "content_type": "application/json"}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Hi {{widgets.lookup.parsed.name}}, your order number?", "timeout": "3600"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Thanks, {{widgets.ask.inbound.Body}} noted"}}]}`

// 10% of store operations fail, half before and half after the write took
// effect, through conversations driven as a host would (retrying what
// failed, with the wait's token). Afterwards, and after the expiry pass,
// every execution is ended or waiting and resumable, no contact is held by
// an execution that cannot progress, and the messages sent exceed the
// fault-free count by at most one per save fault.
func TestStoreFaultsNeverStrandAContact(t *testing.T) {
	n := *faultConversations
	store := &faultyStore{MemoryStore: runtime.NewMemoryStore(), rand: rand.New(rand.NewPCG(1, 2)), rate: 0.10}
	services, transcript := fake.Services()
	services.HTTP.(*fake.HTTP).MockResponse("GET", "https://api.example.com/customer", fake.HTTPResponse{Status: 200, Body: `{"name": "Ada"}`, ContentType: "application/json"})
	h := newHarness(t, map[string]string{"FW": faultFlow}, runtime.WithStore(store), runtime.WithServices(services))
	ctx := context.Background()
	const tries = 20
	contact := func(i int) string { return fmt.Sprintf("+1777%07d", i) }
	for i := range n {
		req := runtime.StartRequest{FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: contact(i), FlowAddress: "+15559990000"}
		var x *runtime.Execution
		for range tries {
			var err error
			if x, err = h.engine.Start(ctx, req); err == nil {
				break
			}
		}
		if x == nil {
			continue // the host gave up starting; the expiry pass must free the contact
		}
		token, id := x.Wait.Token, x.ID
		for range tries {
			_, err := h.engine.Resume(ctx, id, widgets.Event{Name: "incomingMessage", Token: token, Data: map[string]any{"Body": fmt.Sprint("order ", i)}})
			if err == nil || errors.Is(err, runtime.ErrStale) {
				break // taken (its acknowledgement may have been lost)
			}
		}
	}
	// The first-run lease passes (the questions' hour does not), the
	// faults stop, and the expiry pass releases what never saved.
	h.clock.Advance(2 * runtime.FirstRunLease)
	store.rate = 0
	if _, err := h.engine.Expire(ctx); err != nil {
		t.Logf("expiry: %v", err)
	}

	// Every contact is free, or its execution waits and takes an answer.
	free, waiting, held := 0, 0, 0
	for i := range n {
		id, err := store.MemoryStore.FindActive(ctx, "FW|"+contact(i)+"|+15559990000")
		if errors.Is(err, runtime.ErrNotFound) {
			free++
			continue
		}
		require.NoError(t, err)
		x, err := h.engine.Get(ctx, id)
		require.NoError(t, err)
		if x.Wait == nil {
			held++
			t.Errorf("contact %d is held by %s, active with no wait", i, id)
			continue
		}
		waiting++
		y, err := h.engine.Resume(ctx, id, widgets.Event{Name: "incomingMessage", Token: x.Wait.Token, Data: map[string]any{"Body": "late"}})
		require.NoError(t, err, "contact %d: its waiting execution takes an answer", i)
		assert.Equal(t, runtime.StatusEnded, y.Status)
	}
	assert.Equal(t, n, free+waiting+held)
	sends, requests := 0, 0
	for _, e := range transcript.Entries() {
		switch e.Service {
		case "messaging":
			sends++
		case "http":
			requests++
		}
	}
	faultFree := 2*n + waiting // the late answers to the waiting ones were thanked too
	t.Logf("%d conversations, %d store faults (%d of saves): %d contacts free, %d waiting and resumable, %d held; %d sends (%d without faults, plus the late answers' thanks), %d requests",
		n, store.faults, store.saveFaults, free, waiting, held, sends, faultFree, requests)
	assert.Zero(t, held)
	assert.LessOrEqual(t, sends, faultFree+store.saveFaults, "at most one extra send per fault between an effect and its save")
}
