// Package fake has in-memory implementations of every service interface of
// package widgets. Each records every call it receives in a shared
// Transcript, so tests and simulators can assert on what a caller heard,
// what was sent and what was requested.
package fake

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/studioflow/studioflow/widgets"
)

// Entry is one recorded service call.
type Entry struct {
	// Service is "voice", "messaging", "http", ...
	Service string `json:"service"`
	// Op is the operation: "say", "play", "digits", "gather", "send", ...
	Op string `json:"op"`
	// CallSid is the call the operation acted on, if any.
	CallSid string `json:"call_sid,omitempty"`
	// Text is the operation's main text: what was said, the URL played,
	// the message body, the request URL...
	Text string `json:"text,omitempty"`
	// To and From are the addresses concerned, if any.
	To string `json:"to,omitempty"`
	// From is the originating address (sender, caller ID), if any.
	From string `json:"from,omitempty"`
	// Detail holds the operation's other values.
	Detail map[string]any `json:"detail,omitempty"`
	// Effect is the call's idempotency key (widgets.EffectOf), when the
	// engine gave one: a step run again after a crash repeats its keys.
	Effect string `json:"effect,omitempty"`
}

// effectOf is the idempotency key ctx carries, "" for none.
func effectOf(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	e, _ := widgets.EffectOf(ctx)
	return e.Key
}

// String formats the entry as one transcript line: "SERVICE.OP", then
// " to=TO" if To is set and the quoted Text if Text is set.
func (e Entry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.%s", e.Service, e.Op)
	if e.To != "" {
		fmt.Fprintf(&b, " to=%s", e.To)
	}
	if e.Text != "" {
		fmt.Fprintf(&b, " %q", e.Text)
	}
	return b.String()
}

// Transcript records entries; it is safe for concurrent use.
type Transcript struct {
	mu      sync.Mutex
	entries []Entry
}

// Add records an entry.
func (t *Transcript) Add(e Entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entries = append(t.entries, e)
}

// Entries returns a copy of what was recorded.
func (t *Transcript) Entries() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Entry(nil), t.entries...)
}

// Since returns a copy of the entries recorded after the first n.
func (t *Transcript) Since(n int) []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n >= len(t.entries) {
		return nil
	}
	return append([]Entry(nil), t.entries[n:]...)
}

// Len reports how many entries were recorded.
func (t *Transcript) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// Lines returns each entry as one line of text.
func (t *Transcript) Lines() []string {
	es := t.Entries()
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	return out
}

// Reset forgets every entry.
func (t *Transcript) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entries = nil
}

// Service returns the entries recorded by one service ("voice", "http"...).
func (t *Transcript) Service(name string) []Entry {
	var out []Entry
	for _, e := range t.Entries() {
		if e.Service == name {
			out = append(out, e)
		}
	}
	return out
}

// Fakes holds one fake of every service, sharing one Transcript. Tests
// configure them (HTTP mocks, function handlers, failures) through the
// typed fields and hand Services() to the engine.
type Fakes struct {
	// T is the transcript every fake records in.
	T *Transcript
	// Voice fakes widgets.Voice and widgets.CallRecorder.
	Voice *Voice
	// Messaging fakes widgets.Messaging.
	Messaging *Messaging
	// HTTP fakes widgets.HTTPDoer; mock its responses before running.
	HTTP *HTTP
	// Functions fakes widgets.Functions; register handlers with Handle.
	Functions *Functions
	// Actions fakes widgets.Actions; register handlers with Handle.
	Actions *Actions
	// Payments fakes widgets.Payments.
	Payments *Payments
	// Streams fakes widgets.Streams.
	Streams *Streams
	// ContactCenter fakes widgets.ContactCenter; set answers with Answer
	// and Fail.
	ContactCenter *ContactCenter
}

// New returns a fake of every service, sharing one Transcript.
func New() *Fakes {
	t := &Transcript{}
	return &Fakes{
		T:         t,
		Voice:     &Voice{T: t},
		Messaging: &Messaging{T: t},
		HTTP:      &HTTP{T: t},
		Functions: &Functions{T: t},
		Actions:   &Actions{T: t},
		Payments:  &Payments{T: t},
		Streams:   &Streams{T: t},

		ContactCenter: &ContactCenter{T: t},
	}
}

// Services returns the fakes as a widgets.Services.
func (f *Fakes) Services() *widgets.Services {
	return &widgets.Services{
		Voice:     f.Voice,
		Messaging: f.Messaging,
		HTTP:      f.HTTP,
		Functions: f.Functions,
		Actions:   f.Actions,
		Payments:  f.Payments,
		Streams:   f.Streams,

		ContactCenter: f.ContactCenter,
	}
}

// Services returns services wired to fakes that share one transcript: every
// service interface of package widgets has one. Use New to reach the fakes
// themselves (to mock HTTP responses or register function handlers).
func Services() (*widgets.Services, *Transcript) {
	f := New()
	return f.Services(), f.T
}

// counter hands out sequential sids with a prefix: CA00000001, ...
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) next(prefix string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return fmt.Sprintf("%s%08d", prefix, c.n)
}
