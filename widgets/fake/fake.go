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
	To   string `json:"to,omitempty"`
	From string `json:"from,omitempty"`
	// Detail holds the operation's other values.
	Detail map[string]any `json:"detail,omitempty"`
}

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

// Voice records voice operations. Set Fail to make every call return an
// error.
type Voice struct {
	T    *Transcript
	Fail error
}

func promptEntry(op string, call string, p widgets.Prompt) Entry {
	e := Entry{Service: "voice", Op: op, CallSid: call}
	switch {
	case p.Say != "":
		e.Op, e.Text = op+".say", p.Say
	case p.Play != "":
		e.Op, e.Text = op+".play", p.Play
	case p.Digits != "":
		e.Op, e.Text = op+".digits", p.Digits
	}
	if op == "prompt" {
		e.Op = strings.TrimPrefix(e.Op, "prompt.")
	}
	return e
}

// Say implements widgets.Voice.
func (v *Voice) Say(_ context.Context, call string, p widgets.Prompt) error {
	if v.Fail != nil {
		return v.Fail
	}
	v.T.Add(promptEntry("prompt", call, p))
	return nil
}

// Gather implements widgets.Voice.
func (v *Voice) Gather(_ context.Context, call string, g widgets.Gather) error {
	if v.Fail != nil {
		return v.Fail
	}
	e := promptEntry("gather", call, g.Prompt)
	e.Detail = map[string]any{"timeout": g.Timeout.Seconds(), "finish_on_key": g.FinishOnKey, "number_of_digits": g.NumDigits}
	v.T.Add(e)
	return nil
}

// Hangup implements widgets.Voice.
func (v *Voice) Hangup(_ context.Context, call string) error {
	if v.Fail != nil {
		return v.Fail
	}
	v.T.Add(Entry{Service: "voice", Op: "hangup", CallSid: call})
	return nil
}

// Messaging records sent messages and gives each a sid SM00000001, ...
// Set Fail to make sends fail.
type Messaging struct {
	T    *Transcript
	Fail error
	mu   sync.Mutex
	n    int
}

// Send implements widgets.Messaging.
func (m *Messaging) Send(_ context.Context, msg widgets.Message) (widgets.Sent, error) {
	if m.Fail != nil {
		return widgets.Sent{}, m.Fail
	}
	m.mu.Lock()
	m.n++
	sid := fmt.Sprintf("SM%08d", m.n)
	m.mu.Unlock()
	e := Entry{Service: "messaging", Op: "send", To: msg.To, From: msg.From, Text: msg.Body}
	if len(msg.MediaURL) > 0 {
		e.Detail = map[string]any{"media_url": msg.MediaURL}
	}
	m.T.Add(e)
	return widgets.Sent{Sid: sid, Status: "sent"}, nil
}

// Services returns services wired to fakes that share one transcript.
func Services() (*widgets.Services, *Transcript) {
	t := &Transcript{}
	return &widgets.Services{
		Voice:     &Voice{T: t},
		Messaging: &Messaging{T: t},
	}, t
}

// Connect implements widgets.Voice.
func (v *Voice) Connect(_ context.Context, call string, d widgets.Dial) error {
	if v.Fail != nil {
		return v.Fail
	}
	v.T.Add(Entry{Service: "voice", Op: "connect", CallSid: call, To: d.To, From: d.CallerID, Detail: map[string]any{"noun": d.Noun}})
	return nil
}

// Record implements widgets.Voice.
func (v *Voice) Record(_ context.Context, call string, r widgets.Recording) error {
	if v.Fail != nil {
		return v.Fail
	}
	v.T.Add(Entry{Service: "voice", Op: "record", CallSid: call, Text: r.Mode})
	return nil
}

// Enqueue implements widgets.Voice.
func (v *Voice) Enqueue(_ context.Context, call string, q widgets.Enqueue) error {
	if v.Fail != nil {
		return v.Fail
	}
	v.T.Add(Entry{Service: "voice", Op: "enqueue", CallSid: call, Text: q.Queue + q.Workflow})
	return nil
}

// Redirect implements widgets.Voice.
func (v *Voice) Redirect(_ context.Context, call string, r widgets.Redirect) error {
	if v.Fail != nil {
		return v.Fail
	}
	v.T.Add(Entry{Service: "voice", Op: "redirect", CallSid: call, Text: r.URL})
	return nil
}

// Call implements widgets.Voice. Calls get sids CA00000001, CA00000002...
func (v *Voice) Call(_ context.Context, c widgets.OutboundCall) (string, error) {
	if v.Fail != nil {
		return "", v.Fail
	}
	v.T.Add(Entry{Service: "voice", Op: "call", To: c.To, From: c.From})
	return "CA" + fmt.Sprintf("%08d", len(v.T.Entries())), nil
}
