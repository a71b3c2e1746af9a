package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

// A refusal that a retry may not get (a conflict with another run, a
// rate limit) and an engine fault are not kept for the delivery's
// retries; a refusal the request itself earns (a stale wait, an event the
// wait does not take, no such execution) is.
func TestTransientRefusalsAreNotKept(t *testing.T) {
	a, err := New(Config{AccountSid: "AC1", AuthToken: "token", PublicURL: "https://ivr.example.com", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	for _, tt := range []struct {
		err    error
		status int
		kept   bool
	}{
		{fmt.Errorf("save: %w", runtime.ErrConflict), http.StatusConflict, false},
		{&runtime.RateLimitError{}, http.StatusTooManyRequests, false},
		{errors.New("disk full"), http.StatusInternalServerError, false},
		{fmt.Errorf("late: %w: %w", runtime.ErrStale, runtime.ErrRefused), http.StatusConflict, true},
		{fmt.Errorf("not waiting: %w", runtime.ErrRefused), http.StatusConflict, true},
		{fmt.Errorf("gone: %w", runtime.ErrNotFound), http.StatusNotFound, true},
	} {
		resp := a.engineError("test", tt.err)
		assert.Equal(t, tt.status, resp.status, "%v", tt.err)
		assert.Equal(t, tt.kept, resp.kept(), "%v", tt.err)
	}

	// The cache runs a delivery whose first response was transient again,
	// and keeps the second.
	c := newReplayCache(8, nil, a.logger)
	runs := 0
	f := func() response {
		runs++
		if runs == 1 {
			return a.engineError("test", &runtime.RateLimitError{})
		}
		return textResponse(http.StatusOK, "ok")
	}
	for i, want := range []int{http.StatusTooManyRequests, http.StatusOK, http.StatusOK} {
		resp, err := c.do(context.Background(), "k", f)
		require.NoError(t, err)
		assert.Equal(t, want, resp.status, "delivery %d", i+1)
	}
	assert.Equal(t, 2, runs, "the retry after the rate limit ran; the one after it was answered from the cache")
}

// ctxClaimer records the context errors its Put and Release see.
type ctxClaimer struct {
	put, release []error
}

func (s *ctxClaimer) Get(context.Context, string) (Response, bool, error) {
	return Response{}, false, nil
}
func (s *ctxClaimer) Put(ctx context.Context, _ string, _ Response) error {
	s.put = append(s.put, ctx.Err())
	return nil
}
func (s *ctxClaimer) Claim(context.Context, string, time.Duration) (bool, error) { return true, nil }
func (s *ctxClaimer) Release(ctx context.Context, _ string) error {
	s.release = append(s.release, ctx.Err())
	return nil
}

// Put and Release outlive the request: a caller that went away while the
// delivery ran (its context canceled) still has its response kept, or
// its claim released.
func TestKeepingOutlivesTheRequest(t *testing.T) {
	store := &ctxClaimer{}
	c := newReplayCache(8, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.sharedOrRun(ctx, "a", func() response { return textResponse(http.StatusOK, "ok") })
	require.NoError(t, err)
	_, err = c.sharedOrRun(ctx, "b", func() response { return textResponse(http.StatusInternalServerError, "no") })
	require.NoError(t, err)
	assert.Equal(t, []error{nil}, store.put, "the 200 was kept on a live context")
	assert.Equal(t, []error{nil}, store.release, "the 500's claim was released on a live context")
}
