package version_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/version"
)

var (
	ctx   = context.Background()
	alice = version.Actor{ID: "alice"}
	t0    = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
)

// ticker is a clock that advances one second per reading.
func ticker() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)) * time.Second) }
}

// sequentialIDs gives FW0001, FW0002, ... and MD0001, ...
func sequentialIDs() func(version.Kind) string {
	var flows, modules atomic.Int64
	return func(k version.Kind) string {
		if k == version.KindModule {
			return fmt.Sprintf("MD%04d", modules.Add(1))
		}
		return fmt.Sprintf("FW%04d", flows.Add(1))
	}
}

func newCatalog(opts ...version.Option) *version.Catalog {
	return version.NewCatalog(append([]version.Option{
		version.WithClock(ticker()), version.WithIDs(sequentialIDs()),
	}, opts...)...)
}

// parse reads a definition from JSON written with single quotes.
func parse(t testing.TB, js string) *flow.Definition {
	t.Helper()
	def, err := flow.Parse([]byte(strings.ReplaceAll(js, "'", `"`)))
	require.NoError(t, err)
	return def
}

// sayFlow is a sound flow that says text on a call.
func sayFlow(t testing.TB, text string) *flow.Definition {
	return parse(t, `{'description':'IVR','initial_state':'Trigger','states':[
		{'name':'Trigger','type':'trigger','transitions':[{'event':'incomingCall','next':'greet'}],'properties':{}},
		{'name':'greet','type':'say-play','transitions':[{'event':'audioComplete'}],'properties':{'say':'`+text+`'}}]}`)
}

// brokenFlow has a transition to a state that does not exist.
func brokenFlow(t testing.TB) *flow.Definition {
	return parse(t, `{'initial_state':'Trigger','states':[
		{'name':'Trigger','type':'trigger','transitions':[{'event':'incomingCall','next':'nowhere'}],'properties':{}}]}`)
}

// moduleFlow runs module name from a call.
func moduleFlow(t testing.TB, name string) *flow.Definition {
	return parse(t, `{'initial_state':'Trigger','states':[
		{'name':'Trigger','type':'trigger','transitions':[{'event':'incomingCall','next':'hours'}],'properties':{}},
		{'name':'hours','type':'run-module','transitions':[{'event':'open'}],'properties':{'module':'`+name+`'}}]}`)
}

// holidayModule is a sound module with one argument and one exit.
func holidayModule(t testing.TB) *flow.Definition {
	return parse(t, `{'initial_state':'Begin','states':[
		{'name':'Begin','type':'begin-module','transitions':[{'event':'next','next':'open'}],
		 'properties':{'arguments':[{'name':'dnis','type':'String','variable':'dnis'}]}},
		{'name':'open','type':'return-to-flow','transitions':[],'properties':{'exit':'open'}}]}`)
}

// history renders an item's versions as "1 archived, 2 published, 3 draft".
func history(t testing.TB, c *version.Catalog, id string) string {
	t.Helper()
	vs, err := c.Versions(ctx, alice, id)
	require.NoError(t, err)
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%d %s", v.Revision, v.Status)
	}
	return strings.Join(parts, ", ")
}

// published creates a flow and publishes it: revision 1 published.
func published(t testing.TB, c *version.Catalog, name string) string {
	t.Helper()
	it, v, err := c.Create(ctx, alice, version.KindFlow, name, "", sayFlow(t, "hello"), "first")
	require.NoError(t, err)
	_, err = c.Publish(ctx, alice, it.ID, v.Revision)
	require.NoError(t, err)
	return it.ID
}
