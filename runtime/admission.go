package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
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

// burst is how many starts the bucket holds: Burst, or one second's worth.
func (r Rate) burst() float64 {
	if r.Burst > 0 {
		return float64(r.Burst)
	}
	return math.Max(1, r.PerSecond)
}

// Admission limits how fast executions start, per account and trigger
// kind, with token buckets. Kinds without a rate are not limited.
//
// It keeps a bucket per account and kind only while the bucket is not full:
// a full bucket is the same as none, so it is dropped once the limiter
// holds MaxAdmissionBuckets of them. Should more accounts than that be
// mid-refill at once, half the buckets are dropped at random: those
// accounts get a full burst again, so the limiter errs on the lenient side
// and its memory stays bounded.
type Admission struct {
	mu         sync.Mutex
	rates      map[TriggerKind]Rate
	buckets    map[string]*bucket
	maxBuckets int // MaxAdmissionBuckets; tests lower it
}

// MaxAdmissionBuckets bounds the buckets an Admission keeps (about 100
// bytes each).
const MaxAdmissionBuckets = 1 << 16

type bucket struct {
	tokens float64
	last   time.Time
}

// NewAdmission returns a limiter with the given rates by trigger kind. The
// engine asks it with its own clock, so injected time drives refills.
func NewAdmission(rates map[TriggerKind]Rate) *Admission {
	return &Admission{rates: rates, buckets: map[string]*bucket{}, maxBuckets: MaxAdmissionBuckets}
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
	burst := r.burst()
	a.mu.Lock()
	defer a.mu.Unlock()
	key := bucketKey(account, kind)
	b, ok := a.buckets[key]
	if !ok {
		if len(a.buckets) >= a.maxBuckets {
			a.prune(now)
		}
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

// prune drops the buckets that are full at now (they change nothing), and,
// if that frees too little, half of the others. Called with a.mu held.
func (a *Admission) prune(now time.Time) {
	for key, b := range a.buckets {
		kind := TriggerKind(key[strings.LastIndexByte(key, 0)+1:])
		r := a.rates[kind]
		if b.tokens+now.Sub(b.last).Seconds()*r.PerSecond >= r.burst() {
			delete(a.buckets, key)
		}
	}
	if len(a.buckets) < a.maxBuckets*3/4 {
		return
	}
	n := 0
	for key := range a.buckets { // map order is random
		if n%2 == 0 {
			delete(a.buckets, key)
		}
		n++
	}
}

// Len reports how many buckets the limiter holds.
func (a *Admission) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.buckets)
}

// bucketKey is the bucket of account and kind. An account name is the
// host's (or its callers') text: a long one is keyed by its hash, so that
// names cannot grow the limiter's memory.
func bucketKey(account string, kind TriggerKind) string {
	if len(account) > 64 {
		sum := sha256.Sum256([]byte(account))
		account = "sha256:" + hex.EncodeToString(sum[:])
	}
	return account + "\x00" + string(kind)
}
