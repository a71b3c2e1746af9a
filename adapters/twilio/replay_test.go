package twilio_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
)

// mapReplay is a ReplayStore shared by the instances of a test.
type mapReplay struct {
	mu   sync.Mutex
	m    map[string]twilio.Response
	fail error
}

func (s *mapReplay) Get(_ context.Context, key string) (twilio.Response, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return twilio.Response{}, false, s.fail
	}
	r, ok := s.m[key]
	return r, ok, nil
}

func (s *mapReplay) Put(_ context.Context, key string, r twilio.Response) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]twilio.Response{}
	}
	s.m[key] = r
	return nil
}

// Two instances behind one public URL share the engine's store and a
// ReplayStore: Twilio's retry of a webhook the first instance answered
// reaches the second, which answers the first response and runs nothing.
func TestARetryReachingAnotherInstanceRunsNothing(t *testing.T) {
	shared := &mapReplay{}
	h := newHarnessConfig(t, map[string]string{"FWivr": ivr}, nil, func(c *twilio.Config) { c.ReplayStore = shared })

	// Instance B: its own adapter and engine, on the same store.
	b, err := twilio.New(twilio.Config{AccountSid: testAccount, AuthToken: testToken, PublicURL: h.server.URL,
		APIBaseURL: h.server.URL, ReplayStore: shared})
	require.NoError(t, err)
	def, err := flow.Parse([]byte(ivr))
	require.NoError(t, err)
	eb := runtime.New(runtime.WithSource(runtime.Definitions{"FWivr": def}), runtime.WithServices(b.Services(nil)),
		runtime.WithStore(h.engine.Store()), runtime.WithClock(h.clock.Now), runtime.WithIDs(runtime.SequentialIDs()))
	sb := httptest.NewServer(b.Handler(eb))
	t.Cleanup(sb.Close)
	postB := func(u string, form url.Values, idem string) reply {
		req, err := http.NewRequest(http.MethodPost, strings.Replace(u, h.server.URL, sb.URL, 1), strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.HeaderSignature, sign(testToken, u, form)) // signed for the public URL
		req.Header.Set(twilio.HeaderIdempotencyToken, idem)
		resp, err := sb.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return reply{status: resp.StatusCode, body: string(body)}
	}

	c := h.dial("CA0001", "FWivr")
	g, _ := find(c.doc, "Gather")
	in := c.params()
	in.Set("Digits", "7")
	first := h.post(g.attr("action"), in, "retry-1", testToken)
	require.Equal(t, http.StatusOK, first.status, first.body)
	_, before := stepsOf(t, h.engine, "FN00000001")

	again := postB(g.attr("action"), in, "retry-1")
	assert.Equal(t, first, again, "the first response, from the shared store")
	_, after := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, before, after, "nothing ran again")

	// A store that cannot answer is a 503 Twilio retries; nothing runs.
	shared.fail = errors.New("cache down")
	g, _ = find(parseTwiML(t, first.body), "Gather")
	in.Set("Digits", "1")
	r := postB(g.attr("action"), in, "retry-2")
	assert.Equal(t, http.StatusServiceUnavailable, r.status, r.body)
	_, after = stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, before, after)
}
