package twilio_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
)

// mapReplay is a ReplayStore shared by the instances of a test.
type mapReplay struct {
	mu      sync.Mutex
	m       map[string]twilio.Response
	fail    error // Get's
	putFail error
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
	if s.putFail != nil {
		return s.putFail
	}
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

	// Keys are opaque: 64 hex digits, whatever the token holds.
	shared.mu.Lock()
	for k := range shared.m {
		assert.Regexp(t, `^[0-9a-f]{64}$`, k)
	}
	shared.mu.Unlock()

	// A store that cannot answer is a 503; nothing runs, and the store's
	// error stays in the log.
	shared.fail = errors.New("cache down at 10.0.0.7")
	g, _ = find(parseTwiML(t, first.body), "Gather")
	in.Set("Digits", "1")
	r := postB(g.attr("action"), in, "retry-2")
	assert.Equal(t, http.StatusServiceUnavailable, r.status, r.body)
	assert.NotContains(t, r.body, "10.0.0.7")
	_, after = stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, before, after)

	// A kept response the adapter could not have put there (it keeps 2xx
	// to 4xx) is a store fault too.
	shared.fail = nil
	for i, status := range []int{0, 101, 503, 1000} {
		token := fmt.Sprintf("retry-4-%d", i)
		shared.mu.Lock()
		shared.m[replayKeyOf(twilio.PathVoiceGather, token)] = twilio.Response{Status: status}
		shared.mu.Unlock()
		r = postB(g.attr("action"), in, token)
		assert.Equal(t, http.StatusServiceUnavailable, r.status, "kept %d: %s", status, r.body)
		_, after = stepsOf(t, h.engine, "FN00000001")
		assert.Equal(t, before, after, "kept %d", status)
	}

	// A failed Put still answers the webhook (it ran), and is only logged.
	shared.putFail = errors.New("cache full")
	r = postB(g.attr("action"), in, "retry-3")
	require.Equal(t, http.StatusOK, r.status, r.body)
	_, after = stepsOf(t, h.engine, "FN00000001")
	assert.Greater(t, len(after), len(before), "the keypress was taken")
}

// A 5xx (a store fault in the engine) is not kept: Twilio's retry runs
// again.
func TestAFailedWebhookIsNotKeptForItsRetry(t *testing.T) {
	shared := &mapReplay{}
	h := newHarnessConfig(t, map[string]string{"FWivr": ivr}, nil, func(c *twilio.Config) { c.ReplayStore = shared })
	c := h.dial("CA0001", "FWivr")
	g, _ := find(c.doc, "Gather")
	in := c.params()
	in.Set("Digits", "1")
	h.store.setFail(errors.New("disk full"))
	r := h.post(g.attr("action"), in, "retry-9", testToken)
	require.Equal(t, http.StatusInternalServerError, r.status, r.body)
	h.store.setFail(nil)
	r = h.post(g.attr("action"), in, "retry-9", testToken)
	assert.Equal(t, http.StatusOK, r.status, "the retry ran: %s", r.body)
}

// claimReplay is a mapReplay that claims deliveries (a ReplayClaimer).
type claimReplay struct {
	mapReplay
	claims    map[string]time.Duration
	claimFail error
	released  []string
}

func (s *claimReplay) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimFail != nil {
		return false, s.claimFail
	}
	if _, ok := s.claims[key]; ok {
		return false, nil
	}
	if s.claims == nil {
		s.claims = map[string]time.Duration{}
	}
	s.claims[key] = ttl
	return true, nil
}

func (s *claimReplay) Release(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.claims, key)
	s.released = append(s.released, key)
	return nil
}

// With a ReplayClaimer, a delivery claimed by another instance (its first
// delivery still running there) is a 503 that runs nothing; a delivery
// whose response is not kept (a 5xx) releases its claim, so its retry
// runs; a claim the store cannot make is a 503 too.
func TestAClaimedDeliveryRunsOnce(t *testing.T) {
	shared := &claimReplay{}
	h := newHarnessConfig(t, map[string]string{"FWivr": ivr}, nil, func(c *twilio.Config) { c.ReplayStore = shared })
	c := h.dial("CA0001", "FWivr")
	g, _ := find(c.doc, "Gather")
	in := c.params()
	in.Set("Digits", "7")
	_, before := stepsOf(t, h.engine, "FN00000001")
	key := replayKeyOf(twilio.PathVoiceGather, "retry-c")

	// Another instance runs the first delivery: it holds the claim.
	shared.mu.Lock()
	shared.claims = map[string]time.Duration{key: time.Minute}
	shared.mu.Unlock()
	r := h.post(g.attr("action"), in, "retry-c", testToken)
	assert.Equal(t, http.StatusServiceUnavailable, r.status, r.body)
	assert.Contains(t, r.body, "still running")
	_, after := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, before, after, "nothing ran")

	// The claim is gone (that instance died; the claim expired): the
	// retry runs, once, and its response is kept under its claim.
	shared.mu.Lock()
	delete(shared.claims, key)
	shared.mu.Unlock()
	first := h.post(g.attr("action"), in, "retry-c", testToken)
	require.Equal(t, http.StatusOK, first.status, first.body)
	shared.mu.Lock()
	assert.Equal(t, time.Minute, shared.claims[key], "claimed for longer than a webhook runs")
	assert.Equal(t, first.body, string(shared.m[key].Body))
	shared.mu.Unlock()
	_, before = stepsOf(t, h.engine, "FN00000001")
	assert.Greater(t, len(before), len(after), "the keypress was taken")

	// A claim the store cannot make runs nothing.
	g, _ = find(parseTwiML(t, first.body), "Gather")
	in.Set("Digits", "1")
	shared.mu.Lock()
	shared.claimFail = errors.New("cache down at 10.0.0.7")
	shared.mu.Unlock()
	r = h.post(g.attr("action"), in, "retry-e", testToken)
	assert.Equal(t, http.StatusServiceUnavailable, r.status, r.body)
	assert.NotContains(t, r.body, "10.0.0.7")
	_, after = stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, before, after, "nothing ran")
	shared.mu.Lock()
	shared.claimFail = nil
	shared.mu.Unlock()

	// A store fault in the engine: a 500, not kept, the claim released,
	// and the retry runs.
	h.store.setFail(errors.New("disk full"))
	r = h.post(g.attr("action"), in, "retry-d", testToken)
	require.Equal(t, http.StatusInternalServerError, r.status, r.body)
	shared.mu.Lock()
	assert.Equal(t, []string{replayKeyOf(twilio.PathVoiceGather, "retry-d")}, shared.released)
	shared.mu.Unlock()
	h.store.setFail(nil)
	r = h.post(g.attr("action"), in, "retry-d", testToken)
	assert.Equal(t, http.StatusOK, r.status, "the retry ran: %s", r.body)
	_, after = stepsOf(t, h.engine, "FN00000001")
	assert.Greater(t, len(after), len(before), "the keypress was taken")
}

// replayKeyOf is a delivery's ReplayStore key, as ReplayStore documents it.
func replayKeyOf(path, token string) string {
	sum := sha256.Sum256([]byte(path + "\x00" + token))
	return hex.EncodeToString(sum[:])
}
