package twilio

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// ReplayStore keeps webhook responses where every instance of a host
// finds them (a shared cache, a database table), so that Twilio's retry
// of a webhook that reaches another instance than the first delivery
// gets the first response and runs nothing (Config.ReplayStore). Keep a
// response for at least as long as Twilio retries a webhook: a day is
// plenty.
//
// Keys are 64 hexadecimal digits (a SHA-256 of the webhook's path and
// its I-Twilio-Idempotency-Token). A store that is also a ReplayClaimer
// closes the last gap: a retry that reaches another instance while the
// first delivery still runs there. Without claims, that retry finds
// nothing kept and runs too. For a voice callback that is harmless:
// the wait token it carries is stale once the first delivery answered the
// wait, so the second run is refused (a 409) and repeats nothing. An
// incoming message carries no wait token: its retry, run while the first
// delivery still runs, is a second message from the contact, which
// answers the flow's next reply wait if there is one (or is dropped, as a
// message to an execution that waits for none). Twilio retries a
// messaging webhook only where its URL's connection overrides ask for
// it; a host that sets them should give a ReplayClaimer, or keep its
// message webhooks shorter than the retry timeout.
//
// A store that fails to answer Get makes the webhook a 503 with nothing
// run: Twilio retries it only where the webhook URL's connection
// overrides ask for retries, and otherwise reports the error (error
// 11200). A failed Put is logged; the response is still sent.
type ReplayStore interface {
	// Get returns the response kept for key, false when there is none.
	Get(ctx context.Context, key string) (Response, bool, error)
	// Put keeps resp for key. Its context is not the request's: it
	// outlives a caller that went away, bounded by replayPutTimeout.
	Put(ctx context.Context, key string, resp Response) error
}

// ReplayClaimer is a ReplayStore that also claims a delivery before it
// runs (Redis's SET NX PX, an INSERT into a table whose key is unique),
// so that one delivery of a webhook runs at a time across instances: a
// retry that reaches another instance while the first delivery still
// runs there is answered 503 ("still running") and runs nothing. Where
// the webhook URL's connection overrides ask Twilio to retry a 5xx, it
// retries again and then gets the first response, once it is kept.
//
// Claims live beside the kept responses, not in their place: keep them
// under keys of their own ("claim:" + key, say), so that Get never sees
// a claim (it would read as a response no webhook gave, a store fault),
// and so that Put leaves the claim where it is: a claim that Put
// removed would let another instance claim and run the delivery between
// its Get and its Claim. A delivery whose response could not be kept
// (Put failed) keeps its claim until ttl ends, and its retries are
// answered 503 until then, as while it ran.
type ReplayClaimer interface {
	ReplayStore
	// Claim claims key for a delivery about to run, for ttl (a delivery
	// that dies holding its claim frees it then). It reports false when
	// key is claimed already.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Release frees the claim on key of a delivery whose response is not
	// kept (a 5xx, a transient refusal, a panic), so that its retry runs
	// again. Its context is not the request's, as Put's.
	Release(ctx context.Context, key string) error
}

// replayPutTimeout bounds ReplayStore.Put and ReplayClaimer.Release,
// from the time they are called.
const replayPutTimeout = 5 * time.Second

// replayClaimTTL is how long a ReplayClaimer's claim lasts: longer than
// any webhook runs (Twilio waits 15 seconds for one; the adapter bounds
// its own waits at settleTimeout).
const replayClaimTTL = time.Minute

// replayKey is the ReplayStore key of a delivery: the webhook's path and
// its I-Twilio-Idempotency-Token.
func replayKey(path, token string) string {
	sum := sha256.Sum256([]byte(path + "\x00" + token))
	return hex.EncodeToString(sum[:])
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
// for its response. Responses with a 5xx status, and transient refusals
// (a conflict with another run, a rate limit), are not kept (see
// response.kept): nothing was saved, and the retry runs again (with the
// same effect keys).
type replayCache struct {
	mu     sync.Mutex
	max    int
	m      map[string]*list.Element
	order  *list.List // of *replayEntry, oldest first
	shared ReplayStore
	logger *slog.Logger
}

type replayEntry struct {
	key  string
	done chan struct{}
	resp response
}

func newReplayCache(max int, shared ReplayStore, logger *slog.Logger) *replayCache {
	return &replayCache{max: max, m: map[string]*list.Element{}, order: list.New(), shared: shared, logger: logger}
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
		if !e.resp.kept() {
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
		if !e.resp.kept() {
			c.drop(key, e)
		}
		close(e.done)
	}()
	e.resp, err = c.sharedOrRun(ctx, key, f)
	completed = true
	return e.resp, err
}

// sharedOrRun returns the response the shared store keeps for key, or
// runs f and keeps its response there. A store that fails to answer, or
// answers something no webhook responded, is a 503 and runs nothing:
// running f without knowing could run a delivery twice (a message
// retried into the reply wait the first delivery's run set up). The
// store's error is returned for the log, never written to Twilio.
func (c *replayCache) sharedOrRun(ctx context.Context, key string, f func() response) (response, error) {
	if c.shared == nil {
		return f(), nil
	}
	kept, ok, err := c.shared.Get(ctx, key)
	// Only 2xx to 4xx responses are kept (5xx are run again), so a kept
	// status outside them is not one this adapter put there.
	if err == nil && ok && (kept.Status < 200 || kept.Status > 499) {
		err = fmt.Errorf("it kept status %d", kept.Status)
	}
	if err != nil {
		return textResponse(http.StatusServiceUnavailable, "the replay store failed"), fmt.Errorf("replay store: get: %w", err)
	}
	if ok {
		return response{status: kept.Status, contentType: kept.ContentType, body: kept.Body}, nil
	}
	keep := false // resp is kept: the claim stays with it
	if claimer, ok := c.shared.(ReplayClaimer); ok {
		claimed, err := claimer.Claim(ctx, key, replayClaimTTL)
		if err != nil {
			return textResponse(http.StatusServiceUnavailable, "the replay store failed"), fmt.Errorf("replay store: claim: %w", err)
		}
		if !claimed {
			return textResponse(http.StatusServiceUnavailable, "the first delivery of this webhook is still running"), nil
		}
		defer func() {
			if !keep { // not kept, or f panicked: the retry runs again
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replayPutTimeout)
				defer cancel()
				if err := claimer.Release(rctx, key); err != nil {
					c.logger.Error("adapters/twilio: could not release a webhook's replay claim; its retries are refused until the claim expires", "error", err)
				}
			}
		}()
	}
	resp := f()
	if keep = resp.kept(); !keep {
		return resp, nil
	}
	return resp, c.put(ctx, key, resp)
}

// put keeps resp for key in the shared store, on a context of its own
// (the request's may be gone) bounded by replayPutTimeout from now.
func (c *replayCache) put(ctx context.Context, key string, resp response) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replayPutTimeout)
	defer cancel()
	if err := c.shared.Put(ctx, key, Response{Status: resp.status, ContentType: resp.contentType, Body: resp.body}); err != nil {
		return fmt.Errorf("replay store: keep the response (Twilio's retries will not find it): %w", err)
	}
	return nil
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
