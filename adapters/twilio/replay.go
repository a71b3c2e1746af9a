package twilio

import (
	"container/list"
	"context"
	"sync"
)

// replayCache keeps the first response to each webhook delivery (by its
// I-Twilio-Idempotency-Token), at most max of them, oldest dropped first.
// A retry that arrives while the first delivery still runs waits for its
// response. Responses with a 5xx status are not kept: nothing was saved,
// and the retry runs again (with the same effect keys).
type replayCache struct {
	mu    sync.Mutex
	max   int
	m     map[string]*list.Element
	order *list.List // of *replayEntry, oldest first
}

type replayEntry struct {
	key  string
	done chan struct{}
	resp response
}

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, m: map[string]*list.Element{}, order: list.New()}
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
	defer func() {
		if !completed {
			e.resp = textResponse(500, "the webhook's handler panicked")
		}
		if e.resp.status >= 500 {
			c.drop(key, e)
		}
		close(e.done)
	}()
	e.resp = f()
	completed = true
	return e.resp, nil
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
