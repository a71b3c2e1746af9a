package safehttp_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/safehttp"
	"github.com/studioflow/studioflow/widgets"
)

// fetchFlow requests the url the REST trigger passes in flow.data.url.
const fetchFlow = `{
  "description": "fetch", "initial_state": "Trigger",
  "states": [
    {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "fetch"}], "properties": {}},
    {"name": "fetch", "type": "make-http-request", "transitions": [{"event": "success"}, {"event": "failed"}],
     "properties": {"method": "GET", "url": "{{flow.data.url}}", "content_type": "application/json"}}
  ]}`

// runFetch runs fetchFlow through the engine with client as Services.HTTP
// and returns the execution.
func runFetch(t *testing.T, client widgets.HTTPDoer, target string) *runtime.Execution {
	t.Helper()
	def, err := flow.Parse([]byte(fetchFlow))
	require.NoError(t, err)
	engine := runtime.New(
		runtime.WithSource(runtime.Definitions{"FWfetch": def}),
		runtime.WithServices(&widgets.Services{HTTP: client}),
		runtime.WithClock(runtime.NewFixedClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Now),
	)
	x, err := engine.Start(context.Background(), runtime.StartRequest{
		FlowSid: "FWfetch", Trigger: runtime.TriggerRequest, Contact: "+15550001111", FlowAddress: "+15559990000",
		Parameters: map[string]any{"url": target},
	})
	require.NoError(t, err)
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	return x
}

func TestMakeHTTPRequestThroughTheEngine(t *testing.T) {
	srv := newServer(t, "127.0.0.1:0", hello)

	// Refused: the step takes failed, with the refusal as widgets.fetch.error.
	for _, host := range []string{"127.0.0.1", "localhost", "0x7f000001", "2130706433", "127.1", "[::ffff:127.0.0.1]"} {
		t.Run(host, func(t *testing.T) {
			x := runFetch(t, safehttp.NewClient(), "http://"+host+":"+srv.port+"/")
			require.Len(t, x.Steps, 2)
			assert.Equal(t, "failed", x.Steps[1].Name)
			assert.Equal(t, "fetch", x.Steps[1].From)
			out, _ := x.Widgets()["fetch"].(map[string]any)
			require.NotNil(t, out)
			assert.Contains(t, out["error"], "safehttp: refused to connect to ")
			if host == "localhost" {
				// The flow learns the host it named, not what it
				// resolved to.
				assert.Contains(t, out["error"], "host localhost (loopback)")
				assert.NotContains(t, out["error"], "127.0.0.1")
			}
			assert.NotContains(t, out, "status_code")
		})
	}
	assert.Zero(t, srv.hits.Load(), "a refused request reached the server")

	// Allowed, the same flow reaches the server.
	x := runFetch(t, safehttp.NewClient(safehttp.AllowNetworks(netip.MustParsePrefix("127.0.0.1/32"))), srv.URL+"/")
	require.Len(t, x.Steps, 2)
	assert.Equal(t, "success", x.Steps[1].Name)
	assert.Equal(t, "hello", x.Widgets()["fetch"].(map[string]any)["body"])
}
