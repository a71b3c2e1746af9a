package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// Input bounds: larger inputs are skipped, to keep each run fast.
const (
	fuzzMaxFlow   = 64 << 10
	fuzzMaxScript = 256
	fuzzMaxSteps  = 200
	fuzzMaxOps    = 48
)

// FuzzExecution runs a flow document against an event script. The
// script's first byte chooses the trigger, the lifetime and the contact;
// the next ones the start's data and edits to the flow (a property set to
// a hostile value, a transition rewired); then each byte is an action (an
// event the wait accepts, one it does not, a timeout, time passing past
// the lifetime, End, a resume from a stale copy, a second start for the
// contact...) with its arguments in the bytes after it. Between every two
// actions the execution is taken out of the store, must load through a
// new engine and survive a JSON round trip unchanged, and the next action
// runs on a new engine over the same store, as another process would.
//
// Invariants (see checkStored, resume, restart, staleResume, expire): no
// panic, contained or not; every stored execution loads; the execution a
// call returns is the one the store gives back; an active execution waits
// in its top frame, with its due time and its session key; an ended one
// has an end time, no wait, a failure code if it failed, has released its
// key and never changes again; steps stay within MaxSteps, in time order;
// a refused request changes nothing, unless time was owed (a late event
// delivers the timeout first, one past the lifetime ends the execution);
// a stale save loses; an expiry pass leaves nothing due; a sensitive
// wait's input is never stored or published; events are published in
// order, once.
func FuzzExecution(f *testing.F) {
	var flows [][]byte // the hand-written flows first, then exports
	for _, src := range []string{
		menuFlow, everyTriggerFlow, replyFlow, loopFlow,
		strings.Replace(sensitiveThenOpen, "%s", "true", 1),
		strings.Replace(sensitiveThenOpen, "%s", "false", 1),
	} {
		flows = append(flows, []byte(src))
	}
	for _, src := range fuzzHostileFlows {
		flows = append(flows, []byte(src))
	}
	handWritten := len(flows)
	for i, fl := range flows {
		if _, err := flow.Parse(fl); err != nil {
			f.Fatalf("hand-written seed flow %d does not parse, so it never reaches the engine: %v", i, err)
		}
	}
	examples, _ := filepath.Glob(filepath.Join("..", "examples", "*", "*.json"))
	twilio, _ := filepath.Glob(filepath.Join("..", "..", "shared", "testdata", "twilio", "*.json"))
	for _, file := range append(examples, twilio...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) <= fuzzMaxFlow {
			flows = append(flows, data)
		}
	}
	// A script: the header (trigger and lifetime, start data, how many
	// edits to the flow, then the edits), then one action after another.
	scripts := [][]byte{
		{0},
		// The wait's first event, with no data, again and again.
		{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		// The wait's first event with Digits "1", then its second with a body.
		{2, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 3, 3, 0, 0, 0, 1, 0, 1, 1},
		// Timeouts, a late event, an expiry pass, then the lifetime.
		{0x10, 0, 0, 5, 0, 5, 0, 12, 0, 1, 3, 9, 5, 0, 11, 7, 0, 0},
		// An unaccepted event, a stale resume, a second start, End, and again.
		{0x23, 1, 1, 2, 0, 9, 1, 0, 0, 4, 3, 0, 9, 0, 0, 0, 10, 1, 8, 2, 10, 0, 13, 6, 200, 1},
		// Second starts for the contact: while active, after an event, after End.
		{0x00, 0, 0, 10, 0, 0, 0, 0, 0, 10, 0, 8, 0, 10, 0, 9, 0, 0, 0, 13, 10, 1},
		{0x01, 0, 0, 10, 2, 0, 0, 0, 0, 10, 3, 7, 0, 0, 10, 4, 12, 0, 0, 10, 5},
		// Hostile property values on the second and third states, then events.
		{0x41, 0, 2, 1, 0, 0, 0, 2, 1, 13, 15, 0, 0, 0, 0, 0, 1, 0, 5, 0, 12, 1, 0},
		// A transition rewired to the first state, a template that fails, then events.
		{0x82, 0, 3, 2, 2, 0, 1, 1, 0, 16, 19, 3, 3, 0, 0, 1, 0, 1, 1, 1, 0, 4, 2, 5, 0},
	}
	// Every script on the hand-written flows; on exports, the first two
	// and one more, so that the seeds stay quick under -race.
	for i, fl := range flows {
		for j, sc := range scripts {
			if i < handWritten || j < 2 || j == 2+i%(len(scripts)-2) {
				f.Add(fl, sc)
			}
		}
	}
	fallbackModule := mustReadFlow(f, filepath.Join("..", "examples", "sms", "send_sms_module.json"))

	f.Fuzz(func(t *testing.T, flowJSON, script []byte) {
		if len(flowJSON) > fuzzMaxFlow || len(script) > fuzzMaxScript {
			return
		}
		def, err := flow.Parse(flowJSON)
		if err != nil {
			return
		}
		runFuzzScript(t, def, fallbackModule, script)
	})
}

func mustReadFlow(t testing.TB, file string) *flow.Definition {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	def, err := flow.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// fuzzHostileFlows are seeds in shapes real exports rarely have.
var fuzzHostileFlows = []string{
	// A flow that runs itself as a subflow (under another sid), which
	// waits for a keypress, then calls an HTTP API and parses its answer.
	`{"description": "self subflow", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "sub"}, {"event": "incomingParent", "next": "ask"}, {"event": "incomingRequest", "next": "fetch"}], "properties": {}},
	  {"name": "sub", "type": "run-subflow", "transitions": [{"event": "completed", "next": "fetch"}, {"event": "failed", "next": "fetch"}],
	   "properties": {"flow_sid": "FWchild", "parameters": [{"key": "trig", "value": "{{trigger | to_json}}"}, {"key": "n", "value": "{{ flow.data.n | plus: 1 }}"}]}},
	  {"name": "ask", "type": "gather-input-on-call", "transitions": [{"event": "keypress"}, {"event": "speech", "next": "ask"}, {"event": "timeout", "next": "ask"}],
	   "properties": {"say": "Say {{trigger.parent.parameters.n}}", "timeout": "0", "number_of_digits": 100}},
	  {"name": "fetch", "type": "make-http-request", "transitions": [{"event": "success", "next": "use"}, {"event": "failed", "next": "reply"}],
	   "properties": {"method": "POST", "url": "https://api.example.com/x?d={{widgets.sub.Digits | url_encode}}", "content_type": "application/json", "body": "{\"a\": \"{{widgets | to_json | escape}}\"}"}},
	  {"name": "use", "type": "set-variables", "transitions": [{"event": "next", "next": "reply"}],
	   "properties": {"variables": [{"key": "deep", "value": "{{widgets.fetch.parsed.deep.a.a.a}}"}, {"key": "n", "value": "{{widgets.fetch.parsed.n | times: 1e308 | times: 10}}"}]}},
	  {"name": "reply", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "split"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "Reply {{flow.variables.deep}}", "timeout": "3600"}},
	  {"name": "split", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "reply"},
	     {"event": "match", "next": "end", "conditions": [{"friendly_name": "re", "arguments": ["{{widgets.reply.inbound.Body}}"], "type": "regex", "value": "^(a+)+$"}]},
	     {"event": "match", "next": "reply", "conditions": [{"friendly_name": "num", "arguments": ["{{widgets.reply.inbound.Body}}"], "type": "greater_than", "value": "1e308"}]}],
	   "properties": {"input": "{{widgets.reply.inbound.Body}}"}},
	  {"name": "end", "type": "end-flow", "transitions": [], "properties": {}}]}`,
	// Templates that fail or nearly do.
	`{"description": "templates", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}, {"event": "incomingMessage", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next", "next": "wait"}], "properties": {"variables": [
	    {"key": "big", "value": "{{ 9223372036854775807 | times: 9223372036854775807 }}"}, {"key": "loop", "value": "{% for i in (1..100000) %}{{i}}{% endfor %}"},
	    {"key": "all", "value": "{{ widgets | to_json }}{{ trigger | to_json }}{{ flow | to_json }}"},
	    {"key": "json", "value": "{\"a\": {{ flow.data.x | default: 1 }}}"}]}},
	  {"name": "wait", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "split"}, {"event": "timeout", "next": "wait"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "{{ flow.variables | to_json }}", "timeout": "{{ flow.data.t | default: 60 }}"}},
	  {"name": "split", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "set"},
	     {"event": "match", "next": "div", "conditions": [{"friendly_name": "zero", "arguments": ["{{widgets.wait.inbound.Body}}"], "type": "equal_to", "value": "0"}]}],
	   "properties": {"input": "{{widgets.wait.inbound.Body}}"}},
	  {"name": "div", "type": "set-variables", "transitions": [{"event": "next", "next": "wait"}], "properties": {"variables": [{"key": "x", "value": "{{ x | divided_by: 0 }}"}]}}]}`,
	// Weird state names, huge numbers and deep nesting in properties.
	`{"description": "weird \u2028", "initial_state": "Ended", "flags": {"allow_concurrent_calls": true}, "states": [
	  {"name": "Ended", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "名前"}, {"event": "incomingConversationMessage", "next": "a.b"}, {"event": "incomingParent", "next": "a.b"}], "properties": {"offset": {"x": 1e308, "y": -0}}},
	  {"name": "名前", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "a.b"}, {"event": "speech", "next": "名前"}, {"event": "timeout", "next": "a.b"}],
	   "properties": {"say": "{{flow.sid}}", "timeout": 99999999999999999999, "number_of_digits": -1, "deep": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}}}}}}}}}}}}}}}}}}}},
	  {"name": "a.b", "type": "set-variables", "transitions": [{"event": "next", "next": "widgets"}], "properties": {"variables": [{"key": "", "value": "x"}, {"key": "a.b", "value": "{{widgets.名前.Digits}}"}, {"key": "widgets", "value": "123456789012345678901234567890"}]}},
	  {"name": "widgets", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "Ended"}, {"event": "timeout", "next": "a.b"}, {"event": "deliveryFailure"}],
	   "properties": {"body": "{{flow.variables.a.b}}", "timeout": "1"}}]}`,
	// Talkdesk's rules, conditions, action and forwarding on a call.
	`{"description": "talkdesk", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "hours"}, {"event": "incomingRequest", "next": "dial"}], "properties": {}},
	  {"name": "hours", "type": "time-based-rules", "transitions": [{"event": "open", "next": "cal"}, {"event": "noMatch", "next": "cal"}],
	   "properties": {"timezone": "UTC", "rules": [{"name": "open", "days": ["mon", "tue", "wed", "thu", "fri", "sat"]}]}},
	  {"name": "cal", "type": "calendar-based-rules", "transitions": [{"event": "xmas"}, {"event": "noMatch", "next": "cond"}],
	   "properties": {"timezone": "UTC", "rules": [{"name": "xmas", "dates": ["2026-12-25"], "annual": true}]}},
	  {"name": "cond", "type": "conditional-statement", "transitions": [{"event": "vip", "next": "act"}, {"event": "noMatch", "next": "split"}],
	   "properties": {"exits": [{"name": "vip", "conditions": [{"arguments": ["{{flow.variables.x}}"], "type": "is_blank"}]}]}},
	  {"name": "act", "type": "execute-action", "transitions": [{"event": "success", "next": "fwd"}, {"event": "error", "next": "split"}, {"event": "timeout", "next": "split"}],
	   "properties": {"action": "crm.lookup", "timeout": "{{flow.data.t}}"}},
	  {"name": "split", "type": "traffic-splitter", "transitions": [{"event": "a", "next": "fwd"}, {"event": "b", "next": "stop"}],
	   "properties": {"exits": [{"name": "a"}, {"name": "b"}]}},
	  {"name": "fwd", "type": "forward-to-external-number", "transitions": [{"event": "completed", "next": "stop"}, {"event": "noAnswer", "next": "stop"}, {"event": "invalidNumber"}],
	   "properties": {"to": "+15550100000", "timeout": 30}},
	  {"name": "dial", "type": "make-outbound-call", "transitions": [{"event": "answered", "next": "stop"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "invalidNumber"}],
	   "properties": {"from": "+18005550100", "to": "{{flow.data.to | default: '+15550100001'}}", "ring_timeout": "20"}},
	  {"name": "stop", "type": "end-flow", "transitions": [], "properties": {}}]}`,
	// Call recording, a media stream and a TwiML redirect.
	`{"description": "media", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "rec"}], "properties": {}},
	  {"name": "rec", "type": "record-call", "transitions": [{"event": "success", "next": "stream"}, {"event": "failed", "next": "stream"}], "properties": {"record_call": true}},
	  {"name": "stream", "type": "fork-stream", "transitions": [{"event": "next", "next": "away"}], "properties": {"stream_action": "start", "stream_url": "wss://media.example.com/s"}},
	  {"name": "away", "type": "add-twiml-redirect", "transitions": [{"event": "return", "next": "back"}, {"event": "timeout", "next": "away"}, {"event": "fail"}],
	   "properties": {"url": "https://twiml.example.com/x", "timeout": "30"}},
	  {"name": "back", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Welcome back, {{widgets.away.Name}}"}}]}`,
	// An outbound call, then a payment and a recording.
	`{"description": "outbound", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "dial"}], "properties": {}},
	  {"name": "dial", "type": "make-outgoing-call-v2", "transitions": [{"event": "answered", "next": "pay"}, {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}],
	   "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}", "timeout": 60}},
	  {"name": "pay", "type": "capture-payments", "transitions": [{"event": "success", "next": "rec"}, {"event": "maxFailedAttempts", "next": "rec"}, {"event": "providerError", "next": "rec"}, {"event": "payInterrupted", "next": "rec"}, {"event": "hangup"}, {"event": "validationError", "next": "rec"}],
	   "properties": {"payment_amount": "10.50", "currency": "usd", "payment_connector": "Default"}},
	  {"name": "rec", "type": "record-voicemail", "transitions": [{"event": "recordingComplete"}, {"event": "noAudio", "next": "rec"}, {"event": "hangup"}],
	   "properties": {"timeout": 5, "max_length": 60}}]}`,
}

// fuzzEnv is the world one fuzz input runs in: one store, clock, source,
// id sequence and set of fake services, shared by every engine built
// over it.
type fuzzEnv struct {
	t       *testing.T
	ctx     context.Context
	clock   *runtime.FixedClock
	store   *runtime.MemoryStore
	source  fuzzSource
	modules fuzzModules
	ids     func(string) string
	fakes   *fake.Fakes
	svc     *widgets.Services
	limits  runtime.Limits
	log     *findingLog
	sink    *checkingSink
	httpArg byte // chooses the next HTTP answer
	ops     []string
}

// fuzzSource returns the fuzzed definition for any flow sid, so that a
// run-subflow step runs the flow itself as a child.
type fuzzSource struct{ def *flow.Definition }

func (s fuzzSource) Flow(_ context.Context, sid, revision string) (*runtime.Resolved, error) {
	if sid == "" || revision != "" && revision != "1" && revision != "LatestPublished" && revision != "LatestDraft" {
		return nil, fmt.Errorf("fuzz: flow %q revision %q: %w", sid, revision, runtime.ErrNotFound)
	}
	return &runtime.Resolved{Sid: sid, Revision: 1, Definition: s.def}, nil
}

// fuzzModules returns the fuzzed definition when it is a module, else the
// SMS example's module, for any name.
type fuzzModules struct{ def, fallback *flow.Definition }

func (m fuzzModules) Module(_ context.Context, name, revision string) (*runtime.Resolved, error) {
	if revision != "" && revision != "1" {
		return nil, fmt.Errorf("fuzz: module %q revision %s: %w", name, revision, runtime.ErrNotFound)
	}
	def := m.fallback
	if m.def.IsModule() {
		def = m.def
	}
	return &runtime.Resolved{Sid: "module:" + name, Revision: 1, Definition: def}, nil
}

// findingLog records what an engine logs at warning level or above: a
// contained panic, a store failure, a corrupt record. None is expected.
type findingLog struct {
	mu   sync.Mutex
	msgs []string
}

func (h *findingLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h *findingLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.msgs = append(h.msgs, b.String())
	h.mu.Unlock()
	return nil
}

func (h *findingLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *findingLog) WithGroup(string) slog.Handler      { return h }

func (h *findingLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.msgs
	h.msgs = nil
	return out
}

// checkingSink checks that an execution publishes one started event
// first and at most one ended event last.
type checkingSink struct {
	mu       sync.Mutex
	started  map[string]bool
	ended    map[string]bool
	problems []string
}

func (s *checkingSink) Publish(_ context.Context, ev runtime.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, err := json.Marshal(ev); err != nil || bytes.Contains(data, []byte(fuzzSecret)) {
		s.problems = append(s.problems, fmt.Sprintf("event %s (%v) holds a sensitive input: %s", ev.Type, err, data))
	}
	switch {
	case ev.Type == runtime.EventExecutionStarted && s.started[ev.ExecutionID]:
		s.problems = append(s.problems, "execution "+ev.ExecutionID+" started twice")
	case ev.Type != runtime.EventExecutionStarted && !s.started[ev.ExecutionID]:
		s.problems = append(s.problems, fmt.Sprintf("%s for %s before it started", ev.Type, ev.ExecutionID))
	case s.ended[ev.ExecutionID]:
		s.problems = append(s.problems, fmt.Sprintf("%s for %s after it ended", ev.Type, ev.ExecutionID))
	}
	switch ev.Type {
	case runtime.EventExecutionStarted:
		s.started[ev.ExecutionID] = true
	case runtime.EventExecutionEnded:
		s.ended[ev.ExecutionID] = true
	}
	return nil
}

func (s *checkingSink) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.problems
	s.problems = nil
	return out
}

// catchAllHTTP answers every request through the HTTP fake: it mocks the
// exact method and URL of each request before handing it on, with an
// answer the script chose (JSON, text, an error status, a network error,
// hostile JSON).
type catchAllHTTP struct {
	env  *fuzzEnv
	fake *fake.HTTP
}

func (c *catchAllHTTP) Do(req *http.Request) (*http.Response, error) {
	answer := fuzzHTTPAnswers[int(c.env.httpArg)%len(fuzzHTTPAnswers)]
	c.env.httpArg = c.env.httpArg*31 + 7
	c.fake.MockFunc(req.Method, req.URL.String(), func(fake.HTTPRequest) fake.HTTPResponse { return answer })
	return c.fake.Do(req)
}

var fuzzHTTPAnswers = []fake.HTTPResponse{
	{Body: `{"ok": true, "n": 42, "list": [1, "two", null, {"x": 1.5}], "deep": {"a": {"a": {"a": "leaf"}}}}`},
	{Body: "plain text"},
	{Status: 404, Body: `{"error": "not found"}`},
	{Status: 500, Body: "boom"},
	{Err: errors.New("connection reset by peer")},
	{Body: `{"huge": 1e400, "neg": -1e308, "tiny": 5e-324}`},
	{Body: strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)},
	{Body: `[1, 2, 3]`},
	{Status: 302, Body: ""},
	{Body: `{"n": 123456789012345678901234567890, "s": "\u0000\ud800", "Body": "{{flow.sid}}"}`},
	{Body: `{"a": "` + strings.Repeat("x", 70<<10) + `"}`},
	{Status: 204},
	{Body: "caf\xc3 \xff", ContentType: "text/plain"},
	{Body: "{\"k\xff\": \"v\xfe\", \"k\ufffd\": 1}"},
}

func (env *fuzzEnv) engine() *runtime.Engine {
	return runtime.New(
		runtime.WithSource(env.source),
		runtime.WithModules(env.modules),
		runtime.WithServices(env.svc),
		runtime.WithClock(env.clock.Now),
		runtime.WithIDs(env.ids),
		runtime.WithSeed(1),
		runtime.WithLimits(env.limits),
		runtime.WithStore(env.store),
		runtime.WithSink(env.sink),
		runtime.WithLogger(slog.New(env.log)),
	)
}

// fatalf fails the input, with the actions taken so far.
func (env *fuzzEnv) fatalf(format string, args ...any) {
	env.t.Helper()
	env.t.Fatalf("%s\nactions:\n  %s", fmt.Sprintf(format, args...), strings.Join(env.ops, "\n  "))
}

func (env *fuzzEnv) logf(format string, args ...any) {
	env.ops = append(env.ops, fmt.Sprintf(format, args...))
}

// fuzzBytes reads a script.
type fuzzBytes struct {
	b []byte
	i int
}

func (s *fuzzBytes) more() bool { return s.i < len(s.b) }

func (s *fuzzBytes) next() byte {
	if s.i >= len(s.b) {
		return 0
	}
	c := s.b[s.i]
	s.i++
	return c
}

var fuzzLifetimes = []time.Duration{0, time.Hour, 10 * time.Minute, 48 * time.Hour}

// fuzzFroms are contact addresses: a number, a chat identity, none, and
// one a broken client may send (not UTF-8).
var fuzzFroms = []string{"+15550001111", "client:名前 \u2028", "", "+1555\xff\xfe"}

var fuzzKeys = []string{
	"Digits", "SpeechResult", "Confidence", "Body", "From", "To", "MessageSid", "CallStatus", "DialCallStatus",
	"AnsweredBy", "CallSid", "RecordingUrl", "PaymentCardNumber", "PaymentError", "Result", "parameters",
	"", "a.b", "__proto__", "\x00", "widgets", strings.Repeat("k", 300), "名前", "\xff", "\ufffd", "Body\xc3",
}

var fuzzWords = []string{
	"1", "2", "9", "12345", "*", "#", "yes", "no", "Ada", "in-progress", "completed", "busy", "no-answer", "failed",
	"human", "machine_start", "canceled", "{{flow.data}}", "{% raw %}", "{{ x | divided_by: 0 }}", "\u2028", "\xff\xfe",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "4111 1111 1111 1111", "12/29", "-0", "1e999", "NaN",
	"\ufffd", "caf\xc3", "\xed\xa0\x80", "<b>&amp;</b>",
}

// value returns a value for event or start data, chosen by the script.
func (s *fuzzBytes) value(depth int) any {
	if depth > 3 {
		return s.word()
	}
	switch c := s.next(); c % 16 {
	case 0, 1:
		digits := "0123456789*#"
		n := int(s.next() % 12)
		var b strings.Builder
		for i := range n {
			b.WriteByte(digits[(int(c)+i*7)%len(digits)])
		}
		return b.String()
	case 2:
		return ""
	case 3, 4:
		return s.word()
	case 5:
		return strings.Repeat("x", int(s.next())*128)
	case 6:
		return []any{1e308, -1e308, 5e-324, math.Copysign(0, -1), math.MaxInt64, uint64(math.MaxUint64), float32(3.5), 0.1}[s.next()%8]
	case 7:
		return c&0x10 != 0
	case 8:
		return nil
	case 9:
		return nested(int(s.next() % 40))
	case 10:
		n := int(s.next() % 4)
		l := make([]any, n)
		for i := range l {
			l[i] = s.value(depth + 1)
		}
		return l
	case 11:
		return s.data(depth + 1)
	case 12:
		return int(c) - 128
	case 13:
		// Go values a host may hand over that are not JSON-like.
		return []any{
			json.Number("1e999"), json.Number("12"), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), []int{1, 2},
			map[string]int{"a": 1}, []string{"a"}, math.NaN(), math.Inf(1), float32(math.Inf(-1)),
			json.RawMessage(`{"a":1}`), struct{ A int }{1}, []map[string]any{{"a": 1}},
		}[s.next()%12]
	case 14:
		return strings.Repeat("{{flow.sid}}", int(s.next()%8))
	}
	return strings.Repeat("y", 300<<10) // past MaxValueBytes
}

func (s *fuzzBytes) word() string { return fuzzWords[int(s.next())%len(fuzzWords)] }

func (s *fuzzBytes) key() string { return fuzzKeys[int(s.next())%len(fuzzKeys)] }

// data returns an event's data: up to four entries.
func (s *fuzzBytes) data(depth int) map[string]any {
	c := s.next()
	if c == 0xff {
		return nil
	}
	m := map[string]any{}
	for range int(c % 5) {
		m[s.key()] = s.value(depth)
	}
	return m
}

// eventNames are events a wait may or may not accept.
var fuzzEvents = []string{
	"keypress", "speech", "timeout", "incomingMessage", "deliveryFailure", "answered", "busy", "noAnswer", "failed",
	"hangup", "completed", "callCompleted", "success", "recordingComplete", "", "incomingCall", "next", "audioComplete",
}

func runFuzzScript(t *testing.T, def *flow.Definition, fallbackModule *flow.Definition, script []byte) {
	s := &fuzzBytes{b: script}
	head := s.next()
	fakes := fake.New()
	env := &fuzzEnv{
		t: t, ctx: context.Background(),
		clock:   runtime.NewFixedClock(t0),
		store:   runtime.NewMemoryStore(),
		source:  fuzzSource{def: def},
		modules: fuzzModules{def: def, fallback: fallbackModule},
		ids:     runtime.SequentialIDs(),
		fakes:   fakes,
		limits:  runtime.Limits{MaxSteps: fuzzMaxSteps, Lifetime: fuzzLifetimes[(head>>4)%4]},
		log:     &findingLog{},
		sink:    &checkingSink{started: map[string]bool{}, ended: map[string]bool{}},
		httpArg: head,
	}
	env.svc = fakes.Services()
	env.svc.HTTP = &catchAllHTTP{env: env, fake: fakes.HTTP}
	env.limits = env.engine().Limits()

	// Start data, if the second byte says so.
	var params, payload map[string]any
	if s.next()&1 == 1 {
		params, payload = s.data(1), s.data(1)
	}
	// Edits to the flow itself, which byte-level mutation of its JSON
	// rarely makes without breaking it: hostile property values, rewired
	// transitions.
	for range int(s.next() % 4) {
		mutateFlow(def, s)
	}

	// The trigger: one the flow wires, picked by the first byte.
	var kinds []runtime.TriggerKind
	for _, ev := range def.WiredTriggerEvents() {
		if k, ok := runtime.TriggerKindOf(ev); ok {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		kinds = []runtime.TriggerKind{runtime.TriggerCall, runtime.TriggerMessage, runtime.TriggerConversation, runtime.TriggerRequest, runtime.TriggerParent}
	}
	req := runtime.StartRequest{
		FlowSid: "FWfuzz", Trigger: kinds[int(head&0x0f)%len(kinds)],
		Contact: fuzzFroms[head>>6], FlowAddress: "+15559990000", CallSid: "CA1", ConversationSid: "CH1",
		Parameters: params, Payload: payload,
	}
	if len(script) == 0 {
		// The empty script: the flow's first trigger, no data.
		req.Trigger = kinds[0]
	}

	x, err := env.start(req)
	env.logf("start %s: %v", req.Trigger, errText(err))
	switch {
	case err == nil:
	case errors.Is(err, flow.ErrInvalid):
		return // the flow does not pass its checks: not runnable
	case errors.Is(err, runtime.ErrRefused):
		if env.store.Len() != 0 {
			env.fatalf("a refused start stored an execution")
		}
		return
	default:
		env.fatalf("start: unexpected error: %v", err)
	}
	r := &fuzzRun{env: env, req: req, id: x.ID, ids: []string{x.ID}}
	r.cur = r.checkStored("start", x)

	for ops := 0; s.more() && ops < fuzzMaxOps; ops++ {
		r.step(s)
	}
	// Every execution still loads, and those that ended were never
	// changed after.
	for _, id := range r.ids {
		r.id = id
		r.checkStored("final", nil)
	}
	// Let time run out: nothing stays due after an expiry pass.
	env.clock.Advance(env.limits.Lifetime + time.Second)
	r.expire("final expiry")
	for _, id := range r.ids {
		r.id = id
		if x := r.checkStored("after final expiry", nil); !x.Done() {
			env.fatalf("%s is still active after its lifetime and an expiry pass", id)
		}
	}
}

// fuzzSecret is what a caller keys in or says at a sensitive wait. It
// must never appear in a stored execution or a published event.
const fuzzSecret = "918273645"

// withSecret puts fuzzSecret in data, where a PIN or card data would be.
func withSecret(data map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range data {
		out[k] = v
	}
	out["Digits"], out["SpeechResult"] = fuzzSecret, "my pin is "+fuzzSecret
	out["PaymentCardNumber"], out["SecurityCode"], out["BankAccountNumber"] = "4111 "+fuzzSecret, fuzzSecret, fuzzSecret
	out["PaymentError"] = "card " + fuzzSecret + " declined"
	return out
}

// fuzzPropertyKeys are properties the standard widgets read.
var fuzzPropertyKeys = []string{
	"timeout", "say", "play", "body", "url", "to", "from", "number_of_digits", "flow_sid", "variables", "input",
	"method", "content_type", "parameters", "module", "arguments", "sensitive", "loop", "finish_on_key",
	"ring_timeout", "payment_amount", "stop_gather", "caller_id", "max_length", "flow_revision", "queue_name",
}

// fuzzPropertyValues are hostile property values, as JSON.
var fuzzPropertyValues = []string{
	`"{{ x | divided_by: 0 }}"`, `"0"`, `-1`, `1e308`, `"99999999999999999999"`, `""`, `null`, `[]`, `{}`, `true`,
	`"{{flow.data}}"`, `"{{ widgets | to_json | truncate: 7 }}"`, `"{{ 'héllo wörld' | slice: 1, 1 }}"`,
	`"{{ 'héllo' | truncate: 3, '' }}"`, `"{% for a in (1..1000) %}{{a}}{% endfor %}"`, `"{{ 1 | plus: 1e308 }}"`,
	`"https://api.example.com/{{ trigger | to_json | url_encode }}"`, `"{{ widgets.fetch.body }}"`,
	`[{"key": "k", "value": "{{ flow.variables.k | append: 'x' }}"}, {"key": "k", "value": "{{ flow.variables.k | size }}"}]`,
	`[{"key": "", "value": ""}, {"key": "a.b", "value": "{{ trigger }}"}]`, `"FWchild"`, `"{{flow.sid}}"`, `"30"`, `"3600"`,
	`"{{ 'now' | date: '%s' }}"`, `"{{ flow.variables }}"`, `{"a": {"a": {"a": {"a": {"a": [[[[["x"]]]]]}}}}}`, `"\u2028<&>"`,
	`"{{ widgets.x.y.z.w | default: 'é' | slice: 0 }}"`, `"{% if widgets %}{{ widgets.size }}{% endif %}"`,
}

// mutateFlow edits def as the script says: a property set to a hostile
// value, a transition rewired, concurrent calls turned on or off.
func mutateFlow(def *flow.Definition, s *fuzzBytes) {
	if len(def.States) == 0 {
		return
	}
	st := &def.States[int(s.next())%len(def.States)]
	switch s.next() % 4 {
	case 0, 1:
		key := fuzzPropertyKeys[int(s.next())%len(fuzzPropertyKeys)]
		val := fuzzPropertyValues[int(s.next())%len(fuzzPropertyValues)]
		_ = st.SetProperty(key, json.RawMessage(val))
	case 2:
		if len(st.Transitions) > 0 {
			tr := &st.Transitions[int(s.next())%len(st.Transitions)]
			if c := int(s.next()); c < len(def.States) {
				tr.Next = def.States[c].Name
			} else {
				tr.Next = ""
			}
		}
	case 3:
		def.Flags.AllowConcurrentCalls = !def.Flags.AllowConcurrentCalls
	}
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func (env *fuzzEnv) start(req runtime.StartRequest) (*runtime.Execution, error) {
	x, err := env.engine().Start(env.ctx, req)
	return x, env.contained("Start", err)
}

// contained reports an error the engine made of a panic as a finding:
// the engine contains panics, and a panic is a bug all the same.
func (env *fuzzEnv) contained(op string, err error) error {
	env.t.Helper()
	if msgs := env.log.take(); len(msgs) > 0 {
		env.fatalf("%s: the engine logged a problem (err %v):\n%s", op, err, strings.Join(msgs, "\n"))
	}
	if err != nil && strings.Contains(err.Error(), "internal error") {
		env.fatalf("%s: a panic was contained: %v", op, err)
	}
	if ps := env.sink.take(); len(ps) > 0 {
		env.fatalf("%s: published events out of order: %s", op, strings.Join(ps, "; "))
	}
	return err
}

// fuzzRun follows the executions one input starts.
type fuzzRun struct {
	env   *fuzzEnv
	req   runtime.StartRequest
	id    string              // the current execution
	ids   []string            // every execution started
	cur   *runtime.Execution  // the current execution as last stored
	ended map[string][]byte   // executions that ended, as stored then
	stale map[string][][]byte // earlier records of each execution
}

// step runs one action of the script.
func (r *fuzzRun) step(s *fuzzBytes) {
	env := r.env
	before := r.cur
	op := s.next() % 14
	switch op {
	case 0, 1, 2, 3: // an event the wait accepts
		name := fuzzEvents[int(s.next())%len(fuzzEvents)]
		if before.Wait != nil && len(before.Wait.Events) > 0 {
			name = before.Wait.Events[int(s.next())%len(before.Wait.Events)]
		}
		data := s.data(1)
		if before.Wait != nil && before.Wait.Sensitive {
			// Input for a sensitive wait (a PIN, card data): its secret
			// is never stored or published (checked in checkStored and
			// by the sink).
			data = withSecret(data)
		}
		r.resume("resume", name, data)
	case 4: // an event the wait does not accept
		name := fuzzEvents[int(s.next())%len(fuzzEvents)]
		if before.Wait != nil && before.Wait.Accepts(name) {
			name += "X"
		}
		r.resume("resume unaccepted", name, s.data(1))
	case 5: // the wait's timeout: the clock moves to its deadline, and the expiry pass runs
		if before.Wait != nil && before.Wait.Deadline != nil {
			if d := before.Wait.Deadline.Sub(env.clock.Now()); d > 0 {
				env.clock.Advance(d)
			}
			env.clock.Advance(time.Duration(s.next()%3) * time.Millisecond)
		} else {
			env.clock.Advance(time.Duration(s.next()) * time.Second)
		}
		r.expire("timeout")
	case 6: // time passes, no expiry pass: the next event may be late
		env.clock.Advance(time.Duration(s.next())*time.Second + time.Duration(s.next()%4)*time.Hour)
		env.logf("clock +, now %s", env.clock.Now().Format(time.RFC3339Nano))
	case 7: // past the lifetime, then the expiry pass
		env.clock.Advance(env.limits.Lifetime + time.Duration(s.next())*time.Millisecond)
		if s.next()&1 == 0 {
			r.expire("past the lifetime")
		} else {
			name := "timeout"
			if before.Wait != nil && len(before.Wait.Events) > 0 {
				name = before.Wait.Events[0]
			}
			r.resume("resume past the lifetime", name, nil)
		}
	case 8: // End
		x, err := env.engine().End(env.ctx, r.id, s.word())
		err = env.contained("End", err)
		env.logf("end %s: %v", r.id, errText(err))
		switch {
		case err == nil:
			if before.Done() {
				env.fatalf("End of an ended execution succeeded")
			}
			r.cur = r.checkStored("End", x)
			if r.cur.Status != runtime.StatusEnded || r.cur.FailureCode != "" {
				env.fatalf("End left status %s code %q", r.cur.Status, r.cur.FailureCode)
			}
		case errors.Is(err, runtime.ErrRefused):
			if !before.Done() {
				env.fatalf("End of an active execution was refused: %v", err)
			}
			r.cur = r.unchanged("End refused", before)
		default:
			env.fatalf("End: unexpected error: %v", err)
		}
	case 9: // a resume from a stale copy of the record
		r.staleResume(s)
	case 10: // a second start for the same contact
		r.restart(s)
	case 11: // an expiry pass now
		r.expire("expire")
	case 12: // time moves to the deadline, then an accepted event arrives late
		if before.Wait != nil && before.Wait.Deadline != nil {
			if d := before.Wait.Deadline.Sub(env.clock.Now()); d > 0 {
				env.clock.Advance(d)
			}
		}
		name := "keypress"
		if before.Wait != nil && len(before.Wait.Events) > 0 {
			name = before.Wait.Events[int(s.next())%len(before.Wait.Events)]
		}
		r.resume("late resume", name, s.data(1))
	case 13: // lookups that must not find anything or change anything
		_, err := env.engine().Get(env.ctx, r.id+"x")
		if err = env.contained("Get", err); !errors.Is(err, runtime.ErrNotFound) {
			env.fatalf("Get of an unknown id: %v", err)
		}
		_, err = env.engine().Resume(env.ctx, "FNnope", widgets.Event{Name: "keypress"})
		if err = env.contained("Resume", err); !errors.Is(err, runtime.ErrNotFound) {
			env.fatalf("Resume of an unknown id: %v", err)
		}
		r.cur = r.unchanged("lookups", before)
	}
}

// resume delivers an event to the current execution and checks what the
// engine promises: an event the wait does not accept is refused and
// changes nothing; an accepted one that arrives after the wait's deadline
// or the execution's lifetime first delivers what time owed, which is
// saved, and the event itself may be refused.
func (r *fuzzRun) resume(what, name string, data map[string]any) {
	env := r.env
	before := r.cur
	now := env.clock.Now()
	accepted := before.Status == runtime.StatusActive && before.Wait != nil && before.Wait.Accepts(name)
	pastLifetime := !now.Before(before.CreatedAt.Add(env.limits.Lifetime))
	late := accepted && before.Wait.Deadline != nil && !now.Before(*before.Wait.Deadline) && name != before.Wait.TimeoutEventName()
	// Just after a sensitive wait timed out, the next wait refuses its
	// input events for a moment: they may be input meant for that wait.
	guarded := accepted && before.Wait.Guard != nil && now.Before(before.Wait.Guard.Until) && slices.Contains(before.Wait.Guard.Events, name)
	x, err := env.engine().Resume(env.ctx, r.id, widgets.Event{Name: name, Data: data})
	err = env.contained("Resume", err)
	env.logf("%s %q %s: %v", what, name, shortData(data), errText(err))
	var ve *runtime.ValueError
	switch {
	case err == nil:
		if !accepted {
			env.fatalf("%s: event %q was delivered, but the wait %+v does not accept it", what, name, before.Wait)
		}
		if guarded {
			env.fatalf("%s: event %q was delivered while the wait's guard %+v refuses it", what, name, before.Wait.Guard)
		}
		if pastLifetime {
			env.fatalf("%s: event %q was delivered past the execution's lifetime", what, name)
		}
		r.cur = r.checkStored(what, x)
		if r.cur.Version != before.Version+1 {
			env.fatalf("%s: version went from %d to %d", what, before.Version, r.cur.Version)
		}
	case errors.Is(err, runtime.ErrRefused):
		switch {
		case errors.As(err, &ve), !accepted, guarded:
			// Refused before anything ran: the data past the limits, an
			// event the wait does not take, or one its guard refuses.
			r.cur = r.unchanged(what+" refused", before)
		case pastLifetime:
			r.cur = r.checkStored(what+" refused (expired)", nil)
			if r.cur.Status != runtime.StatusEnded || r.cur.FailureCode != runtime.FailureExpired {
				env.fatalf("%s: refused past the lifetime, yet status %s code %q", what, r.cur.Status, r.cur.FailureCode)
			}
		case late:
			// The owed timeout was delivered and saved.
			r.cur = r.checkStored(what+" refused (late)", nil)
			if r.cur.Version != before.Version+1 {
				env.fatalf("%s: a late %q was refused, but the owed timeout was not saved (version %d to %d)", what, name, before.Version, r.cur.Version)
			}
		default:
			env.fatalf("%s: an accepted, timely event %q was refused: %v", what, name, err)
		}
	default:
		env.fatalf("%s: unexpected error: %v", what, err)
	}
}

func shortData(data map[string]any) string {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Sprintf("(%T keys %d)", data, len(data))
	}
	if len(b) > 120 {
		return string(b[:120]) + fmt.Sprintf("...(%d bytes)", len(b))
	}
	return string(b)
}

// expire runs the expiry pass and checks that nothing it could advance is
// still due.
func (r *fuzzRun) expire(what string) {
	env := r.env
	now := env.clock.Now()
	n, err := env.engine().Expire(env.ctx)
	err = env.contained("Expire", err)
	env.logf("%s at %s: %d changed, %v", what, now.Format(time.RFC3339Nano), n, errText(err))
	if err != nil {
		env.fatalf("%s: the expiry pass failed: %v", what, err)
	}
	due, err := env.store.Due(env.ctx, now, 0)
	if err != nil {
		env.fatalf("Due: %v", err)
	}
	if len(due) > 0 {
		env.fatalf("%s: still due at %s after the expiry pass: %v", what, now.Format(time.RFC3339Nano), due)
	}
	r.cur = r.checkStored(what, nil)
}

// staleResume resumes through a store that hands back an earlier record of
// the execution, as a process that loaded it before another saved would:
// the save must lose, and the stored record stay as it was.
func (r *fuzzRun) staleResume(s *fuzzBytes) {
	env := r.env
	before := r.cur
	var olds []*runtime.Execution
	var oldData [][]byte
	for _, data := range r.stale[r.id] {
		prev, err := runtime.UnmarshalExecution(data)
		if err != nil {
			env.fatalf("an earlier record does not load: %v", err)
		}
		if prev.Version < before.Version {
			olds, oldData = append(olds, prev), append(oldData, data)
		}
	}
	if len(olds) == 0 {
		return
	}
	i := int(s.next()) % len(olds)
	prev, old := olds[i], oldData[i]
	name := "keypress"
	if prev.Wait != nil && len(prev.Wait.Events) > 0 {
		name = prev.Wait.Events[int(s.next())%len(prev.Wait.Events)]
	}
	st := &staleStore{MemoryStore: env.store, id: r.id, data: old}
	e := runtime.New(
		runtime.WithSource(env.source), runtime.WithModules(env.modules), runtime.WithServices(env.svc),
		runtime.WithClock(env.clock.Now), runtime.WithIDs(env.ids), runtime.WithSeed(1), runtime.WithLimits(env.limits),
		runtime.WithStore(st), runtime.WithSink(env.sink), runtime.WithLogger(slog.New(env.log)),
	)
	_, err := e.Resume(env.ctx, r.id, widgets.Event{Name: name, Data: s.data(1)})
	err = env.contained("stale Resume", err)
	env.logf("stale resume v%d %q: %v", prev.Version, name, errText(err))
	switch {
	case err == nil:
		env.fatalf("a resume of stale version %d won over stored version %d", prev.Version, before.Version)
	case errors.Is(err, runtime.ErrConflict), errors.Is(err, runtime.ErrRefused):
	default:
		env.fatalf("stale resume: unexpected error: %v", err)
	}
	r.cur = r.unchanged("stale resume", before)
}

type staleStore struct {
	*runtime.MemoryStore
	id   string
	data []byte
	used bool
}

func (s *staleStore) Load(ctx context.Context, id string) (*runtime.Execution, error) {
	if id == s.id && !s.used {
		s.used = true
		return runtime.UnmarshalExecution(s.data)
	}
	return s.MemoryStore.Load(ctx, id)
}

// restart starts the flow again for the same contact: a message resumes
// the active execution, another trigger is a conflict while one is
// active; once the execution has ended its session is free.
func (r *fuzzRun) restart(s *fuzzBytes) {
	env := r.env
	before := r.cur
	req := r.req
	if req.Trigger == runtime.TriggerMessage || req.Trigger == runtime.TriggerConversation {
		req.Payload = map[string]any{"Body": s.word()}
	}
	x, err := env.start(req)
	env.logf("start again %s: %v", req.Trigger, errText(err))
	var ce *runtime.ConflictError
	switch {
	case err == nil:
		if x.ID == r.id {
			// A message resumed the active execution.
			if before.Done() {
				env.fatalf("a start resumed ended execution %s", r.id)
			}
			r.cur = r.checkStored("start resuming", x)
			return
		}
		if !before.Done() && before.Key != "" {
			// Allowed only when time ended it first (a message found it
			// past its deadline or lifetime).
			if old := r.checkStored("start over an active one", nil); !old.Done() {
				env.fatalf("a second execution %s started while %s holds key %q", x.ID, r.id, before.Key)
			}
		}
		r.id = x.ID
		r.ids = append(r.ids, x.ID)
		r.cur = r.checkStored("start again", x)
	case errors.As(err, &ce):
		if before.Done() {
			env.fatalf("ended execution %s still holds its session: %v", r.id, err)
		}
		if ce.ActiveID != r.id {
			env.fatalf("conflict names %q, not the active %s", ce.ActiveID, r.id)
		}
		r.cur = r.checkStored("start conflict", nil)
		if req.Trigger != runtime.TriggerMessage && req.Trigger != runtime.TriggerConversation && r.cur.Version != before.Version {
			env.fatalf("a conflicting start changed the active execution")
		}
	default:
		env.fatalf("start again: unexpected error: %v", err)
	}
}

// unchanged checks that the stored record is as it was.
func (r *fuzzRun) unchanged(what string, before *runtime.Execution) *runtime.Execution {
	x := r.checkStored(what, nil)
	if x.Version != before.Version {
		r.env.fatalf("%s: the refused request changed the execution: version %d to %d", what, before.Version, x.Version)
	}
	a, _ := runtime.MarshalExecution(before)
	b, _ := runtime.MarshalExecution(x)
	if !bytes.Equal(a, b) {
		r.env.fatalf("%s: the refused request changed the execution:\nbefore: %s\nafter:  %s", what, a, b)
	}
	return x
}

// checkStored loads the current execution from the store and checks it:
// it loads (through the store and a new engine), survives a JSON round
// trip unchanged, equals what the engine returned (got, if any), and is in
// a state an execution may be in.
func (r *fuzzRun) checkStored(what string, got *runtime.Execution) *runtime.Execution {
	env := r.env
	env.t.Helper()
	x, err := env.store.Load(env.ctx, r.id)
	if err != nil {
		env.fatalf("%s: the stored execution %s does not load: %v", what, r.id, err)
	}
	g, err := env.engine().Get(env.ctx, r.id)
	if err = env.contained("Get", err); err != nil {
		env.fatalf("%s: Get %s: %v", what, r.id, err)
	}
	data, err := runtime.MarshalExecution(x)
	if err != nil {
		env.fatalf("%s: a loaded execution does not marshal: %v", what, err)
	}
	y, err := runtime.UnmarshalExecution(data)
	if err != nil {
		env.fatalf("%s: a marshalled execution does not unmarshal: %v\n%s", what, err, data)
	}
	if !reflect.DeepEqual(x, y) {
		env.fatalf("%s: the JSON round trip changed the execution:\n%#v\n%#v", what, x, y)
	}
	if again, err := runtime.MarshalExecution(y); err != nil || !bytes.Equal(again, data) {
		env.fatalf("%s: marshalling twice differs (%v):\n%s\n%s", what, err, data, again)
	}
	if gdata, err := runtime.MarshalExecution(g); err != nil || !bytes.Equal(gdata, data) {
		env.fatalf("%s: Get differs from the store (%v):\n%s\n%s", what, err, data, gdata)
	}
	if bytes.Contains(data, []byte(fuzzSecret)) {
		env.fatalf("%s: a sensitive input was stored:\n%s", what, data)
	}
	if got != nil {
		gotData, err := runtime.MarshalExecution(got)
		if err != nil || !bytes.Equal(gotData, data) {
			env.fatalf("%s: the execution returned differs from the one stored (%v):\nreturned: %s\nstored:   %s", what, err, gotData, data)
		}
		// Every value is held in the form JSON gives it back, so the
		// process that ran the step and one that loads it later see the
		// same execution.
		if !reflect.DeepEqual(got, x) {
			env.fatalf("%s: the execution returned is not the one a load gives back:\nreturned: %#v\nloaded:   %#v", what, got, x)
		}
	}

	// The shape of an execution.
	now := env.clock.Now()
	for i, st := range x.Steps {
		if st.Time.After(now) || st.Time.Before(x.CreatedAt) || i > 0 && st.Time.Before(x.Steps[i-1].Time) {
			env.fatalf("%s: step %d at %s is out of order (created %s, now %s)", what, i, st.Time, x.CreatedAt, now)
		}
	}
	if x.UpdatedAt.Before(x.CreatedAt) || x.UpdatedAt.After(now) || x.EndedAt != nil && (x.EndedAt.Before(x.CreatedAt) || x.EndedAt.After(x.UpdatedAt)) {
		env.fatalf("%s: times out of order: created %s, updated %s, ended %v, now %s", what, x.CreatedAt, x.UpdatedAt, x.EndedAt, now)
	}
	if len(x.Steps) > env.limits.MaxSteps {
		env.fatalf("%s: %d steps, more than the limit of %d", what, len(x.Steps), env.limits.MaxSteps)
	}
	switch x.Status {
	case runtime.StatusActive:
		switch {
		case x.Wait == nil:
			env.fatalf("%s: an active execution without a wait:\n%s", what, data)
		case x.EndedAt != nil || x.FailureCode != "":
			env.fatalf("%s: an active execution with an end time or failure code:\n%s", what, data)
		case len(x.Frames) == 0 || x.Frames[len(x.Frames)-1].State != x.Wait.State:
			env.fatalf("%s: the wait is not in the top frame's state:\n%s", what, data)
		case x.Wait.Deadline != nil && !x.Wait.Accepts(x.Wait.TimeoutEventName()):
			env.fatalf("%s: the wait has a deadline but does not accept its timeout event %q:\n%s", what, x.Wait.TimeoutEventName(), data)
		}
		due := x.CreatedAt.Add(env.limits.Lifetime)
		if x.Wait.Deadline != nil && x.Wait.Deadline.Before(due) {
			due = *x.Wait.Deadline
		}
		if !x.DueAt.Equal(due) {
			env.fatalf("%s: due at %s, want %s", what, x.DueAt, due)
		}
		if x.Key != "" {
			if id, err := env.store.FindActive(env.ctx, x.Key); err != nil || id != x.ID {
				env.fatalf("%s: the active execution %s does not hold its key %q (%q, %v)", what, x.ID, x.Key, id, err)
			}
		}
	case runtime.StatusEnded, runtime.StatusFailed:
		switch {
		case x.EndedAt == nil:
			env.fatalf("%s: an execution %s without an end time:\n%s", what, x.Status, data)
		case x.Wait != nil:
			env.fatalf("%s: an execution %s still waits:\n%s", what, x.Status, data)
		case x.Status == runtime.StatusFailed && x.FailureCode == "":
			env.fatalf("%s: a failed execution without a failure code:\n%s", what, data)
		case x.Status == runtime.StatusEnded && x.FailureCode != "" && x.FailureCode != runtime.FailureExpired:
			env.fatalf("%s: an ended execution with failure code %q", what, x.FailureCode)
		case x.FailureCode == runtime.FailureWidgetPanic:
			env.fatalf("%s: a standard widget panicked: %s", what, x.Reason)
		case !x.DueAt.IsZero():
			env.fatalf("%s: an ended execution is still due at %s", what, x.DueAt)
		}
		if x.Key != "" {
			if id, err := env.store.FindActive(env.ctx, x.Key); err == nil && id == x.ID {
				env.fatalf("%s: ended execution %s still holds its key %q", what, x.ID, x.Key)
			}
		}
		if r.ended == nil {
			r.ended = map[string][]byte{}
		}
		if old, ok := r.ended[x.ID]; ok && !bytes.Equal(old, data) {
			env.fatalf("%s: an ended execution changed:\nbefore: %s\nafter:  %s", what, old, data)
		}
		r.ended[x.ID] = data
	default:
		env.fatalf("%s: unknown status %q", what, x.Status)
	}
	if r.cur != nil && r.cur.ID == x.ID && x.Version < r.cur.Version {
		env.fatalf("%s: the version went back from %d to %d", what, r.cur.Version, x.Version)
	}
	if r.stale == nil {
		r.stale = map[string][][]byte{}
	}
	if olds := r.stale[x.ID]; len(olds) == 0 || !bytes.Equal(olds[len(olds)-1], data) {
		// Keep earlier active records only: they are what a stale
		// resume would act on.
		if x.Status == runtime.StatusActive && len(olds) < 8 {
			r.stale[x.ID] = append(olds, data)
		}
	}
	return x
}
