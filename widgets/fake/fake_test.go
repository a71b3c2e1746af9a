package fake_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func TestServicesWiresEveryInterface(t *testing.T) {
	s, tr := fake.Services()
	require.NotNil(t, tr)
	assert.NotNil(t, s.Voice)
	assert.NotNil(t, s.Messaging)
	assert.NotNil(t, s.HTTP)
	assert.NotNil(t, s.Functions)
	assert.NotNil(t, s.Actions)
	assert.NotNil(t, s.Payments)
	assert.NotNil(t, s.Streams)
}

func get(t *testing.T, h *fake.HTTP, method, url, body string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	return h.Do(req)
}

func TestHTTPMocksAndRecords(t *testing.T) {
	f := fake.New()
	f.HTTP.Mock("GET", "https://api.example.com/users", 200, `{"name":"Ana"}`)
	f.HTTP.Mock("POST", "https://api.example.com/users?x=1", 201, `created`)

	resp, err := get(t, f.HTTP, "GET", "https://api.example.com/users?caller=%2B1555", "")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, `{"name":"Ana"}`, string(b))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	resp, err = get(t, f.HTTP, "POST", "https://api.example.com/users?x=1", "a=b")
	require.NoError(t, err)
	assert.Equal(t, 201, resp.StatusCode)
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))

	// A mock with a query matches only that query; the method must match.
	_, err = get(t, f.HTTP, "POST", "https://api.example.com/users?x=2", "")
	assert.ErrorContains(t, err, "no HTTP mock for POST https://api.example.com/users?x=2")
	_, err = get(t, f.HTTP, "DELETE", "https://api.example.com/users", "")
	assert.Error(t, err)

	// The latest mock wins.
	f.HTTP.Mock("GET", "https://api.example.com/users", 500, "down")
	resp, err = get(t, f.HTTP, "GET", "https://api.example.com/users", "")
	require.NoError(t, err)
	assert.Equal(t, 500, resp.StatusCode)

	// A mocked network error.
	f.HTTP.MockResponse("", "https://down.example.com/", fake.HTTPResponse{Err: errors.New("connection refused")})
	_, err = get(t, f.HTTP, "PATCH", "https://down.example.com/", "")
	assert.ErrorContains(t, err, "connection refused")

	reqs := f.HTTP.Requests()
	require.Len(t, reqs, 6)
	assert.Equal(t, "a=b", reqs[1].Body)
	assert.Len(t, f.T.Service("http"), 6)
}

func TestHTTPHonoursCancelledContext(t *testing.T) {
	f := fake.New()
	f.HTTP.Mock("GET", "https://x.example.com/", 200, "ok")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://x.example.com/", nil)
	_, err := f.HTTP.Do(req)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestFunctionsBySidThenURL(t *testing.T) {
	f := fake.New()
	f.Functions.Handle("ZH1", func(_ context.Context, c widgets.FunctionCall) (widgets.FunctionResult, error) {
		return fake.JSONResult(map[string]any{"echo": c.Parameters["a"]}), nil
	})
	f.Functions.Handle("https://fn.example.com/b", func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
		return widgets.FunctionResult{StatusCode: 500, Body: "boom"}, nil
	})
	res, handled, err := f.Functions.Invoke(context.Background(), widgets.FunctionCall{Sid: "ZH1", Parameters: map[string]string{"a": "x"}})
	require.NoError(t, err)
	assert.True(t, handled)
	assert.Equal(t, `{"echo":"x"}`, res.Body)

	res, handled, err = f.Functions.Invoke(context.Background(), widgets.FunctionCall{Sid: "ZHother", URL: "https://fn.example.com/b"})
	require.NoError(t, err)
	assert.True(t, handled)
	assert.Equal(t, 500, res.StatusCode)

	_, handled, err = f.Functions.Invoke(context.Background(), widgets.FunctionCall{Sid: "ZHnone"})
	require.NoError(t, err)
	assert.False(t, handled)
	assert.Len(t, f.T.Service("functions"), 2)
}

func TestActions(t *testing.T) {
	f := fake.New()
	f.Actions.Handle("crm.lookup", func(_ context.Context, p map[string]string) (map[string]any, error) {
		return map[string]any{"tier": "gold", "id": p["id"]}, nil
	})
	out, err := f.Actions.Execute(context.Background(), "crm.lookup", map[string]string{"id": "7"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"tier": "gold", "id": "7"}, out)
	_, err = f.Actions.Execute(context.Background(), "nope", nil)
	var ue *fake.UnknownActionError
	assert.ErrorAs(t, err, &ue)
	assert.Len(t, f.T.Service("actions"), 2)
}

func TestVoiceRecordsAndNumbersCalls(t *testing.T) {
	f := fake.New()
	ctx := context.Background()
	sid1, err := f.Voice.Call(ctx, widgets.OutboundCall{From: "+1", To: "+2", SipAuthPassword: "secret"})
	require.NoError(t, err)
	sid2, _ := f.Voice.Call(ctx, widgets.OutboundCall{From: "+1", To: "+3"})
	assert.Equal(t, "CA00000001", sid1)
	assert.Equal(t, "CA00000002", sid2)
	require.NoError(t, f.Voice.Connect(ctx, "CA1", widgets.Dial{Noun: "sip", To: "sip:a@b", SipUsername: "u", SipPassword: "secret"}))
	info, err := f.Voice.RecordCall(ctx, "CA1", widgets.Recording{Mode: "start"})
	require.NoError(t, err)
	assert.Equal(t, "RE00000001", info.Sid)
	for _, e := range f.T.Entries() {
		assert.NotContains(t, fmt.Sprint(e, e.Detail), "secret")
	}
	f.Voice.Fail = errors.New("down")
	assert.Error(t, f.Voice.Redirect(ctx, "CA1", widgets.Redirect{URL: "https://x"}))
}
