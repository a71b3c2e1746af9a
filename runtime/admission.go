package runtime

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Rate is a token bucket: PerSecond tokens a second, at most Burst saved up
// (Burst 0 means one second's worth).
type Rate struct {
	// PerSecond is how many starts a second the bucket refills.
	PerSecond float64
	// Burst is how many starts may be saved up.
	Burst int
}

// Admission limits how fast executions start, per account and trigger
// kind, with token buckets. Kinds without a rate are not limited.
type Admission struct {
	mu      sync.Mutex
	rates   map[TriggerKind]Rate
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewAdmission returns a limiter with the given rates by trigger kind. The
// engine asks it with its own clock, so injected time drives refills.
func NewAdmission(rates map[TriggerKind]Rate) *Admission {
	return &Admission{rates: rates, buckets: map[string]*bucket{}}
}

// TwilioLimits are Twilio's documented limits: REST starts 20/s, inbound
// calls, messages and conversations 100/s per account.
func TwilioLimits() *Admission {
	return NewAdmission(map[TriggerKind]Rate{
		TriggerRequest:      {PerSecond: 20},
		TriggerCall:         {PerSecond: 100},
		TriggerMessage:      {PerSecond: 100},
		TriggerConversation: {PerSecond: 100},
	})
}

// TalkdeskFlowsAPILimits is Talkdesk's Flows API limit: 2 requests a second
// per account.
func TalkdeskFlowsAPILimits() *Admission {
	return NewAdmission(map[TriggerKind]Rate{TriggerRequest: {PerSecond: 2}})
}

// RateLimitError refuses a start; RetryAfter says when a token will be
// there. It unwraps to ErrRateLimited.
type RateLimitError struct {
	// Account and Kind name the bucket that ran dry.
	Account string
	// Kind is the trigger kind of the refused start.
	Kind TriggerKind
	// RetryAfter is how long until the next token.
	RetryAfter time.Duration
}

// Error says which starts are over their rate and when to retry.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("runtime: %s starts for account %q are over their rate; retry after %s", e.Kind, e.Account, e.RetryAfter)
}

// Unwrap makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// Allow takes a token for account and kind at now, or returns a
// *RateLimitError.
func (a *Admission) Allow(account string, kind TriggerKind, now time.Time) error {
	r, ok := a.rates[kind]
	if !ok || r.PerSecond <= 0 {
		return nil
	}
	burst := float64(r.Burst)
	if burst <= 0 {
		burst = math.Max(1, r.PerSecond)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	key := account + "\x00" + string(kind)
	b, ok := a.buckets[key]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		a.buckets[key] = b
	}
	if now.After(b.last) {
		b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*r.PerSecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return nil
	}
	wait := time.Duration((1 - b.tokens) / r.PerSecond * float64(time.Second))
	return &RateLimitError{Account: account, Kind: kind, RetryAfter: wait}
}
