package twilio

import (
	"container/list"
	"context"
	"fmt"
	"net/http"
	"sync"
)

// ReplayStore keeps webhook responses where every instance of a host
// finds them (a shared cache, a database table), so that Twilio's retry
// of a webhook that reaches another instance than the first delivery
// gets the first response and runs nothing (Config.ReplayStore). Keep a
// response for at least as long as Twilio retries a webhook: a day is
// plenty.
type ReplayStore interface {
	// Get returns the response kept for key, false when there is none.
	Get(ctx context.Context, key string) (Response, bool, error)
	// Put keeps resp for key.
	Put(ctx context.Context, key string, resp Response) error
}

// Response is a webhook's response as a ReplayStore keeps it.
type Response struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`
	Body        []byte `json:"body"`
}

// replayCache keeps the first response to each webhook delivery (by its
// I-Twilio-Idempotency-Token), at most max of them, oldest dropped first,
// and, when the host gives one, in its shared ReplayStore too. A retry
// that arrives at this instance while the first delivery still runs waits
// for its response. Responses with a 5xx status are not kept: nothing was
// saved, and the retry runs again (with the same effect keys).
type replayCache struct {
	mu     sync.Mutex
	max    int
	m      map[string]*list.Element
	order  *list.List // of *replayEntry, oldest first
	shared ReplayStore
}

type replayEntry struct {
	key  string
	done chan struct{}
	resp response
}

func newReplayCache(max int, shared ReplayStore) *replayCache {
	return &replayCache{max: max, m: map[string]*list.Element{}, order: list.New(), shared: shared}
}

// do returns the response kept for key, or runs f and keeps its response.
func (c *replayCache) do(ctx context.Context, key string, f func() response) (response, error) {
	c.mu.Lock()
	if el, ok := c.m[key]; ok {
		e := el.Value.(*replayEntry)
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return response{}, ctx.Err()
		}
		if e.resp.status >= 500 {
			return c.do(ctx, key, f) // the first one failed and was dropped: run again
		}
		return e.resp, nil
	}
	e := &replayEntry{key: key, done: make(chan struct{})}
	c.m[key] = c.order.PushBack(e)
	for c.order.Len() > c.max {
		old := c.order.Remove(c.order.Front()).(*replayEntry)
		delete(c.m, old.key)
	}
	c.mu.Unlock()

	completed := false
	var err error
	defer func() {
		if !completed {
			e.resp = textResponse(500, "the webhook's handler panicked")
		}
		if e.resp.status >= 500 {
			c.drop(key, e)
		}
		close(e.done)
	}()
	e.resp, err = c.sharedOrRun(ctx, key, f)
	completed = true
	return e.resp, err
}

// sharedOrRun returns the response the shared store keeps for key, or
// runs f and keeps its response there. A store that fails to answer is a
// 503, which Twilio retries: running f without knowing could run a
// delivery twice.
func (c *replayCache) sharedOrRun(ctx context.Context, key string, f func() response) (response, error) {
	if c.shared == nil {
		return f(), nil
	}
	kept, ok, err := c.shared.Get(ctx, key)
	if err != nil {
		return textResponse(http.StatusServiceUnavailable, "the replay store failed: "+err.Error()), nil
	}
	if ok {
		return response{status: kept.Status, contentType: kept.ContentType, body: kept.Body}, nil
	}
	resp := f()
	if resp.status < 500 {
		if err := c.shared.Put(ctx, key, Response{Status: resp.status, ContentType: resp.contentType, Body: resp.body}); err != nil {
			return resp, fmt.Errorf("keep the response in the replay store: %w", err)
		}
	}
	return resp, nil
}

// drop forgets e if it is still key's entry.
func (c *replayCache) drop(key string, e *replayEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok && el.Value.(*replayEntry) == e {
		c.order.Remove(el)
		delete(c.m, key)
	}
}
