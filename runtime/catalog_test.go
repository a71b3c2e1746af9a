package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// greeting is a call flow that says text, then waits for a key and says
// goodbye.
func greeting(text string) *flow.Definition {
	return mustParseDef(`{"description": "hello", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true}, "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "hello"}], "properties": {}},
	  {"name": "hello", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "ask"}], "properties": {"say": "` + text + `"}},
	  {"name": "ask", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "bye"}, {"event": "timeout"}], "properties": {"say": "Press a key"}},
	  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "` + text + ` bye"}}]}`)
}

func mustParseDef(src string) *flow.Definition {
	d, err := flow.Parse([]byte(src))
	if err != nil {
		panic(err)
	}
	return d
}

func TestCatalogAddressesTestUsersAndRevisions(t *testing.T) {
	ctx := context.Background()
	admin := version.Actor{ID: "ada", Roles: []version.Role{version.RoleAdmin}}
	clock := runtime.NewFixedClock(t0)
	cat := version.NewCatalog(version.WithClock(clock.Now))
	item, v1, err := cat.Create(ctx, admin, version.KindFlow, "Main line", "", greeting("Version one"), "first")
	require.NoError(t, err)
	_, err = cat.Publish(ctx, admin, item.ID, v1.Revision)
	require.NoError(t, err)
	require.NoError(t, cat.Assign(ctx, admin, "+15550000000", item.ID))
	require.NoError(t, cat.SetTestUsers(ctx, admin, item.ID, []string{"+1tester"}))
	draft, err := cat.Edit(ctx, admin, item.ID)
	require.NoError(t, err)
	draft, err = cat.SaveDraft(ctx, admin, item.ID, draft.Revision, greeting("Version two"), "new greeting")
	require.NoError(t, err)

	services, transcript := fake.Services()
	engine := runtime.New(runtime.WithSource(runtime.CatalogSource{Catalog: cat}), runtime.WithServices(services), runtime.WithClock(clock.Now))
	callFrom := func(from, callSid string) *runtime.Execution {
		x, err := engine.Start(ctx, runtime.StartRequest{Trigger: runtime.TriggerCall, Contact: from, FlowAddress: "+15550000000", CallSid: callSid})
		require.NoError(t, err)
		return x
	}

	customer := callFrom("+1customer", "CA1")
	assert.Equal(t, item.ID, customer.FlowSid)
	assert.Equal(t, v1.Revision, customer.Revision)
	tester := callFrom("+1tester", "CA2")
	assert.Equal(t, draft.Revision, tester.Revision)
	assert.Equal(t, []string{"Version one", "Press a key", "Version two", "Press a key"}, said(transcript))

	// Publishing affects new executions only: the customer's call, started
	// on revision one, finishes on it.
	_, err = cat.Publish(ctx, admin, item.ID, draft.Revision)
	require.NoError(t, err)
	customer, err = engine.Resume(ctx, customer.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}})
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, customer.Status)
	later := callFrom("+1customer", "CA3")
	assert.Equal(t, draft.Revision, later.Revision)
	lines := said(transcript)
	assert.Equal(t, []string{"Version one bye", "Version two", "Press a key"}, lines[4:])

	// A fresh engine (another process) resumes the old revision from the
	// catalog, not from its cache.
	other := runtime.New(runtime.WithSource(runtime.CatalogSource{Catalog: cat}), runtime.WithServices(services), runtime.WithStore(engine.Store()),
		runtime.WithClock(clock.Now))
	tester, err = other.Resume(ctx, tester.ID, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1"}})
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, tester.Status)
	assert.True(t, strings.HasPrefix(said(transcript)[len(said(transcript))-1], "Version two bye"))

	// An address with no flow is refused clearly.
	_, err = engine.Start(ctx, runtime.StartRequest{Trigger: runtime.TriggerCall, Contact: "+1", FlowAddress: "+19999999999", CallSid: "CA9"})
	assert.ErrorIs(t, err, version.ErrNotFound)
}

// A catalog finds what an Amazon Connect flow names by ARN: a flow or a
// module by the id or the name the ARN ends with; and a plain name finds
// a flow too.
func TestCatalogResolvesConnectReferences(t *testing.T) {
	ctx := context.Background()
	admin := version.Actor{ID: "ada", Roles: []version.Role{version.RoleAdmin}}
	cat := version.NewCatalog(version.WithClock(runtime.NewFixedClock(t0).Now))
	item, v1, err := cat.Create(ctx, admin, version.KindFlow, "queue-transfer", "", greeting("Queue"), "first")
	require.NoError(t, err)
	_, err = cat.Publish(ctx, admin, item.ID, v1.Revision)
	require.NoError(t, err)
	src := runtime.CatalogSource{Catalog: cat}

	for _, ref := range []string{
		item.ID, "queue-transfer",
		"arn:aws:connect:eu-west-1:1:instance/i/contact-flow/" + item.ID,
		"arn:aws:connect:eu-west-1:1:instance/i/contact-flow/queue-transfer",
		"arn:aws:connect:${REGION}:${ACCT_ID}:instance/${INSTANCE_ID}/contact-flow/${F:queue-transfer:F}",
	} {
		r, err := src.Flow(ctx, ref, "")
		require.NoError(t, err, ref)
		assert.Equal(t, item.ID, r.Sid, ref)
	}
	_, err = src.Flow(ctx, "arn:aws:connect:eu-west-1:1:instance/i/contact-flow/nowhere", "")
	assert.ErrorIs(t, err, version.ErrNotFound)
	_, err = src.Module(ctx, "queue-transfer", "")
	assert.ErrorIs(t, err, version.ErrNotFound, "a flow is no module")
}
