package twilio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/standard"
	"github.com/studioflow/studioflow/widgets/twilio"
)

// Behaviour Twilio documents, each test naming its source. The flows run
// on the real engine with fake services and a fixed clock.

// docEngine returns an engine running the flow src as FWdoc on services.
func docEngine(t *testing.T, src string, services *widgets.Services) *runtime.Engine {
	t.Helper()
	clock := runtime.NewFixedClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	return runtime.New(runtime.WithSource(runtime.Definitions{"FWdoc": parseFlow(t, src)}), runtime.WithServices(services),
		runtime.WithIDs(runtime.SequentialIDs()), runtime.WithClock(clock.Now))
}

// docStart starts FWdoc with the trigger kind, from +15550006666 to
// +15550008888 (call CA0007 for a call).
func docStart(t *testing.T, eng *runtime.Engine, kind runtime.TriggerKind, params map[string]any) *runtime.Execution {
	t.Helper()
	req := runtime.StartRequest{FlowSid: "FWdoc", Trigger: kind, Contact: "+15550006666", FlowAddress: "+15550008888", Parameters: params}
	if kind == runtime.TriggerCall {
		req.CallSid = "CA0007"
	}
	x, err := eng.Start(context.Background(), req)
	require.NoError(t, err)
	return x
}

// ---- 4. set-variables: numbers and "Parse as JSON object" ----

// Twilio, Set Variables widget
// (https://www.twilio.com/docs/studio/widget-library/set-variables): "A
// Studio variable created with Set Variables will be numeric if you do not
// enclose it in quotation marks". Only a fixed value in strict number
// grammar becomes a number; everything else is stored as written.
func TestSetVariablesStoresUnquotedNumbersAsNumbers(t *testing.T) {
	tests := []struct {
		value any
		want  any
	}{
		{"5", 5.0},
		{"-2", -2.0},
		{"3.25", 3.25},
		{"0", 0.0},
		{"-0", 0.0},
		{5, 5.0}, // a JSON number in the export
		{"9007199254740992", float64(1 << 53)},
		{"+15551230000", "+15551230000"}, // a phone number
		{"02134", "02134"},               // a zip code
		{"1e5", "1e5"},
		{"5.", "5."},
		{".5", ".5"},
		{" 5", " 5"},
		{"5 ", "5 "},
		{`"5"`, `"5"`},                           // quoted: text, as written
		{"9007199254740993", "9007199254740993"}, // beyond 2^53: held exactly only as text
		{"4111111111111111111", "4111111111111111111"}, // an account number
		{"{{flow.variables.n}}", "5"},                  // a template renders text
		{"{{flow.variables.n}}.5", "5.5"},              // even when the text is a number
		{"five", "five"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.value), func(t *testing.T) {
			n := mustCompile(t, "set-variables", map[string]any{"variables": []any{
				map[string]any{"key": "v", "value": tt.value, "type": "string"}}})
			sc := newStep(&widgets.Services{}).Set("flow.variables.n", "5")
			assert.Equal(t, "next", run(t, n, sc).Event)
			got, _ := sc.Lookup("flow.variables.v")
			assert.Equal(t, tt.want, got)
		})
	}
}

// The same, end to end: a counter kept as a number adds up with Liquid and
// renders without a decimal point, and a zip code keeps its leading zero.
func TestSetVariablesNumbersThroughTheEngine(t *testing.T) {
	const src = `{"description": "numbers", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "init"}], "properties": {}},
	  {"name": "init", "type": "set-variables", "transitions": [{"event": "next", "next": "inc"}],
	    "properties": {"variables": [{"type": "string", "key": "count", "value": "1"}, {"type": "string", "key": "zip", "value": "02134"}]}},
	  {"name": "inc", "type": "set-variables", "transitions": [{"event": "next", "next": "check"}],
	    "properties": {"variables": [{"key": "count", "value": "{{flow.variables.count | plus: 1}}"}]}},
	  {"name": "check", "type": "split-based-on", "properties": {"input": "{{flow.variables.count}}"},
	    "transitions": [{"event": "noMatch", "next": "inc"},
	      {"event": "match", "next": "report", "conditions": [{"friendly_name": "3", "arguments": ["{{flow.variables.count}}"], "type": "greater_than", "value": "2"}]}]},
	  {"name": "report", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
	    "properties": {"body": "count {{flow.variables.count}}, zip {{flow.variables.zip}}"}}]}`
	services, transcript := fake.Services()
	x := docStart(t, docEngine(t, src, services), runtime.TriggerMessage, nil)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, []string{`messaging.send to=+15550006666 "count 3, zip 02134"`}, transcript.Lines())
	assert.Equal(t, "02134", x.Variables()["zip"])
}

// Twilio, Set Variables widget: "Parse as JSON object ... Set a literal
// JSON string (Using a Liquid reference to a JSON string, or a mixture of
// JSON and Liquid) and access it as an object". The export marks such an
// item "type": "json".
func TestSetVariablesParsesJSONObjects(t *testing.T) {
	const src = `{"description": "json", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next", "next": "report"}],
	    "properties": {"variables": [
	      {"type": "json", "key": "order", "value": "{\"id\": \"{{flow.data.id}}\", \"qty\": 2, \"items\": [\"tea\"]}"},
	      {"type": "json", "key": "copy", "value": "{{flow.data.raw}}"},
	      {"type": "json", "key": "broken", "value": "{\"id\": {{flow.data.id}}"},
	      {"type": "string", "key": "text", "value": "{\"id\": 1}"}]}},
	  {"name": "report", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
	    "properties": {"to": "+15550001111", "body": "order {{flow.variables.order.id}} x{{flow.variables.order.qty}} {{flow.variables.order.items[0]}}, copy {{flow.variables.copy.a}}"}}]}`
	services, transcript := fake.Services()
	x := docStart(t, docEngine(t, src, services), runtime.TriggerRequest, map[string]any{"id": "A-7", "raw": `{"a": "b"}`})
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, []string{`messaging.send to=+15550001111 "order A-7 x2 tea, copy b"`}, transcript.Lines())
	vars := x.Variables()
	assert.Equal(t, map[string]any{"id": "A-7", "qty": 2.0, "items": []any{"tea"}}, vars["order"])
	assert.Equal(t, `{"id": A-7`, vars["broken"], "text that is not JSON is kept as text")
	assert.Equal(t, `{"id": 1}`, vars["text"], "a plain value is never parsed")
}

// Twilio, Set Variables widget, "Parse as JSON object": "Set or pass an
// existing JSON object" — a value naming an object alone stores that
// object, not its text.
func TestSetVariablesPassesAnExistingObject(t *testing.T) {
	const src = `{"description": "json", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "set"}], "properties": {}},
	  {"name": "set", "type": "set-variables", "transitions": [{"event": "next"}],
	    "properties": {"variables": [
	      {"type": "json", "key": "o", "value": "{{flow.data.order}}"},
	      {"type": "json", "key": "l", "value": "{{ flow.data.items }}"}]}}]}`
	services, _ := fake.Services()
	x := docStart(t, docEngine(t, src, services), runtime.TriggerRequest, map[string]any{
		"order": map[string]any{"id": "A1", "qty": 2.0}, "items": []any{"tea", "milk"}})
	require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, map[string]any{"id": "A1", "qty": 2.0}, x.Variables()["o"])
	assert.Equal(t, []any{"tea", "milk"}, x.Variables()["l"])
}

func TestSetVariablesJSONChecks(t *testing.T) {
	item := func(typ, value string) map[string]any {
		return map[string]any{"variables": []any{map[string]any{"key": "k", "type": typ, "value": value}}}
	}
	runChecks(t, "set-variables", []check{
		{name: "json object", props: item("json", `{"a": 1}`)},
		{name: "json template", props: item("json", `{{flow.data.raw}}`)},
		{name: "fixed invalid json", props: item("json", `{"a": `), key: "variables", code: widgets.CodePropertyInvalid, warn: true},
		{name: "unknown type", props: item("object", `x`), key: "variables", code: widgets.CodePropertyInvalid, warn: true},
	})
}

// ---- 5. send-message publishes outbound.* ----

// Twilio, Send Message widget
// (https://www.twilio.com/docs/studio/widget-library/send-message): a sent
// message is read as widgets.NAME.outbound.* (Sid, To, From, Body,
// Status); message.* stays beside it.
func TestSendMessagePublishesOutbound(t *testing.T) {
	const src = `{"description": "outbound", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "confirm"}], "properties": {}},
	  {"name": "confirm", "type": "send-message", "transitions": [{"event": "sent", "next": "log"}, {"event": "failed"}],
	    "properties": {"body": "Booked"}},
	  {"name": "log", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
	    "properties": {"to": "+15550001111", "body": "{{widgets.confirm.outbound.Sid}} {{widgets.confirm.outbound.Status}} {{widgets.confirm.outbound.To}} {{widgets.confirm.outbound.From}} {{widgets.confirm.outbound.Body}} / {{widgets.confirm.message.Sid}}"}}]}`
	services, transcript := fake.Services()
	x := docStart(t, docEngine(t, src, services), runtime.TriggerMessage, nil)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	lines := transcript.Lines()
	require.Len(t, lines, 2)
	assert.Equal(t, `messaging.send to=+15550001111 "SM00000001 sent +15550006666 +15550008888 Booked / SM00000001"`, lines[1])
}

// ---- 7. gather-input-on-call publishes the <Gather> callback ----

// Twilio, TwiML Voice: <Gather> (https://www.twilio.com/docs/voice/twiml/gather):
// the action callback carries Digits (without the finishOnKey key, which
// FinishedOnKey reports), SpeechResult, Confidence and the parameters of
// every TwiML request (CallSid, AccountSid, From, To, CallStatus,
// Direction ...).
func TestGatherDigitsNeverHoldTheFinishKey(t *testing.T) {
	tests := []struct {
		name   string
		finish any // finish_on_key; nil leaves the default, #
		data   map[string]any
		want   string
	}{
		{name: "12345# with #", data: map[string]any{"Digits": "12345#"}, want: "12345"},
		{name: "the host says # ended it", data: map[string]any{"Digits": "12345#", "FinishedOnKey": "#"}, want: "12345"},
		{name: "a digit finish key", finish: "5", data: map[string]any{"Digits": "12345"}, want: "1234"},
		{name: "the host says no key ended it", finish: "5", data: map[string]any{"Digits": "12345", "FinishedOnKey": ""}, want: "12345"},
		{name: "* as the finish key", finish: "*", data: map[string]any{"Digits": "0*"}, want: "0"},
		{name: "no finish key", finish: "", data: map[string]any{"Digits": "12#"}, want: "12#"},
		{name: "only the finish key", data: map[string]any{"Digits": "#"}, want: ""},
		{name: "digits without it", data: map[string]any{"Digits": "12345"}, want: "12345"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := map[string]any{"say": "Enter your account number"}
			if tt.finish != nil {
				p["finish_on_key"] = tt.finish
			}
			n := mustCompile(t, "gather-input-on-call", p)
			res := resume(t, n, newStep(&widgets.Services{}), widgets.Event{Name: "keypress", Data: tt.data})
			assert.Equal(t, tt.want, res.Outputs["Digits"])
		})
	}
}

func TestGatherPublishesTheCallbackParameters(t *testing.T) {
	const src = `{"description": "gather", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}], "properties": {}},
	  {"name": "menu", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "bye"}, {"event": "speech"}, {"event": "timeout"}],
	    "properties": {"say": "Enter your account number, then press pound", "finish_on_key": "#"}},
	  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}],
	    "properties": {"say": "{{widgets.menu.Digits}} from {{widgets.menu.From}} on {{widgets.menu.CallSid}}, {{widgets.menu.CallStatus}}, {{widgets.menu.AccountSid}}"}}]}`
	services, transcript := fake.Services()
	eng := docEngine(t, src, services)
	x := docStart(t, eng, runtime.TriggerCall, nil)
	require.NotNil(t, x.Wait, x.Reason)
	_, err := eng.Resume(context.Background(), x.ID, widgets.Event{Name: "keypress", Data: map[string]any{
		"Digits": "12345#", "FinishedOnKey": "#", "AccountSid": "AC1", "ApiVersion": "2010-04-01", "msg": "Gather End", "Secret": "x"}})
	require.NoError(t, err)
	x, err = eng.Get(context.Background(), x.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, map[string]any{
		"Digits": "12345", "FinishedOnKey": "#", "AccountSid": "AC1", "ApiVersion": "2010-04-01",
		"CallSid": "CA0007", "CallStatus": "in-progress", "Direction": "inbound",
		"From": "+15550006666", "Caller": "+15550006666", "To": "+15550008888", "Called": "+15550008888",
	}, x.Widgets()["menu"])
	assert.Equal(t, `voice.say "12345 from +15550006666 on CA0007, in-progress, AC1"`, transcript.Lines()[1])
}

// A gather on a call the flow placed: no trigger.call describes it, the
// call's sid still does.
func TestGatherOnAPlacedCall(t *testing.T) {
	n := mustCompile(t, "gather-input-on-call", map[string]any{"say": "Press 1"})
	sc := newStep(&widgets.Services{}).WithCall(widgets.Call{Sid: "CA900", Live: true})
	res := resume(t, n, sc, widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "1", "To": "+15550002222", "CallStatus": "in-progress"}})
	assert.Equal(t, map[string]any{"Digits": "1", "CallSid": "CA900", "CallStatus": "in-progress", "To": "+15550002222"}, res.Outputs)
}

// ---- 8. make-http-request parses JSON content types only ----

// Twilio, Make HTTP Request widget
// (https://www.twilio.com/docs/studio/widget-library/http-request): the
// response is parsed into variables when it is JSON, that is when its
// Content-Type says so; a text body that looks like JSON stays text.
func TestMakeHTTPRequestParsesOnlyJSONContentTypes(t *testing.T) {
	tests := []struct {
		contentType string
		parsed      bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON;charset=UTF-8", true},
		{"application/problem+json", true},
		{"application/vnd.api+json; charset=utf-8", true},
		{"text/plain; charset=utf-8", false},
		{"text/html", false},
		{"application/javascript", false},
		{"application/jsonp", false},
		{"application/x-www-form-urlencoded", false},
		{"not a / type;;", false},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = w.Write([]byte(`{"name": "Ana"}`))
			}))
			defer srv.Close()
			n := mustCompile(t, "make-http-request", map[string]any{"url": srv.URL + "/customer"})
			res := run(t, n, newStep(&widgets.Services{HTTP: srv.Client()}))
			assert.Equal(t, "success", res.Event)
			assert.Equal(t, `{"name": "Ana"}`, res.Outputs["body"])
			if tt.parsed {
				assert.Equal(t, map[string]any{"name": "Ana"}, res.Outputs["parsed"])
			} else {
				assert.NotContains(t, res.Outputs, "parsed")
			}
		})
	}
}

// ---- 9. run-function: 2xx and 3xx succeed; a second run merges parsed ----

// Twilio, Run Function widget
// (https://www.twilio.com/docs/studio/widget-library/run-function): "3xx
// redirection is supported. 4xx or 5xx status code will transition to
// 'failed' in the widget."
func TestRunFunctionSucceedsOn2xxAnd3xx(t *testing.T) {
	for status, want := range map[int]string{200: "success", 204: "success", 299: "success", 301: "success", 302: "success",
		304: "success", 399: "success", 400: "fail", 404: "fail", 500: "fail", 503: "fail", 199: "fail", 100: "fail"} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := fake.New()
			f.Functions.Handle("ZH1", func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
				return widgets.FunctionResult{StatusCode: status, ContentType: "text/plain", Body: "x"}, nil
			})
			res := run(t, mustCompile(t, "run-function", map[string]any{"function_sid": "ZH1", "url": "https://fn.example.com/x"}), newStep(f.Services()))
			assert.Equal(t, want, res.Event)
			assert.Equal(t, float64(status), res.Outputs["status_code"])
		})
	}
	// make-http-request keeps Twilio's 2xx rule for itself.
	f := fake.New()
	f.HTTP.MockResponse("GET", "https://api.example.com/moved", fake.HTTPResponse{Status: 302, Body: "moved", ContentType: "text/plain"})
	res := run(t, mustCompile(t, "make-http-request", map[string]any{"url": "https://api.example.com/moved"}), newStep(f.Services()))
	assert.Equal(t, "failed", res.Event)
}

// A run-function that runs again in the same execution merges its new
// parsed into the one its earlier run left: new keys win, old ones stay.
func TestRunFunctionMergesParsedOnASecondRun(t *testing.T) {
	const src = `{"description": "retry", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "lookup"}], "properties": {}},
	  {"name": "lookup", "type": "run-function", "transitions": [{"event": "success", "next": "done"}, {"event": "fail"}],
	    "properties": {"function_sid": "ZHlookup", "url": "https://fn.example.com/lookup"}},
	  {"name": "done", "type": "split-based-on", "properties": {"input": "{{widgets.lookup.parsed.done}}"},
	    "transitions": [{"event": "noMatch", "next": "lookup"},
	      {"event": "match", "next": "report", "conditions": [{"friendly_name": "done", "arguments": ["{{widgets.lookup.parsed.done}}"], "type": "equal_to", "value": "true"}]}]},
	  {"name": "report", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
	    "properties": {"body": "{{widgets.lookup.parsed.name}} {{widgets.lookup.parsed.tier}} {{widgets.lookup.parsed.page}}"}}]}`
	f := fake.New()
	calls := 0
	f.Functions.Handle("ZHlookup", func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
		calls++
		if calls == 1 {
			return fake.JSONResult(map[string]any{"name": "Ana", "page": 1, "done": false}), nil
		}
		return fake.JSONResult(map[string]any{"tier": "gold", "page": 2, "done": true}), nil
	})
	x := docStart(t, docEngine(t, src, f.Services()), runtime.TriggerMessage, nil)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	assert.Equal(t, 2, calls)
	var sent []string
	for _, l := range f.T.Lines() {
		if strings.HasPrefix(l, "messaging.") {
			sent = append(sent, l)
		}
	}
	assert.Equal(t, []string{`messaging.send to=+15550006666 "Ana gold 2"`}, sent)
	lookup, _ := x.Widgets()["lookup"].(map[string]any)
	assert.Equal(t, map[string]any{"name": "Ana", "tier": "gold", "page": 2.0, "done": true}, lookup["parsed"])
}

// The merge copies the earlier parsed: the stored map is never changed
// in place, and a response without parsed leaves none.
func TestRunFunctionMergeCopiesTheOldParsed(t *testing.T) {
	f := fake.New()
	body := map[string]any{"b": 3, "c": 4}
	f.Functions.Handle("ZH1", func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
		if body == nil {
			return widgets.FunctionResult{StatusCode: 200, ContentType: "text/plain", Body: "ok"}, nil
		}
		return fake.JSONResult(body), nil
	})
	n := mustCompile(t, "run-function", map[string]any{"function_sid": "ZH1", "url": "https://fn.example.com/x"})
	old := map[string]any{"a": 1.0, "b": 2.0, "nested": map[string]any{"x": 1.0}}
	sc := newStep(f.Services()).Set("widgets.w.parsed", old)
	res := run(t, n, sc)
	assert.Equal(t, map[string]any{"a": 1.0, "b": 3.0, "c": 4.0, "nested": map[string]any{"x": 1.0}}, res.Outputs["parsed"])
	assert.Equal(t, map[string]any{"a": 1.0, "b": 2.0, "nested": map[string]any{"x": 1.0}}, old)
	res.Outputs["parsed"].(map[string]any)["nested"].(map[string]any)["x"] = 9.0
	assert.Equal(t, 1.0, old["nested"].(map[string]any)["x"])

	body = nil
	res = run(t, n, newStep(f.Services()).Set("widgets.w.parsed", old))
	assert.NotContains(t, res.Outputs, "parsed")
}

// ---- 10. ranges and defaults as Twilio documents them ----

// Twilio, Make Outgoing Call widget
// (https://www.twilio.com/docs/studio/widget-library/make-outgoing-call)
// and the Calls API it uses (https://www.twilio.com/docs/voice/api/call-resource):
// Timeout up to 600 seconds, MachineDetectionTimeout 3 to 120 seconds.
func TestMakeOutgoingCallAcceptsTwiliosRanges(t *testing.T) {
	s, v := voiceServices()
	n := mustCompile(t, "make-outgoing-call-v2", map[string]any{
		"timeout": 0, "detect_answering_machine": true, "machine_detection_timeout": "120"})
	run(t, n, newStep(s))
	assert.Equal(t, time.Duration(0), v.out.Timeout)
	assert.Equal(t, 120.0, v.out.Extra["machine_detection_timeout"])

	_, ps := compile(t, "make-outgoing-call-v2", map[string]any{"timeout": 600, "machine_detection_timeout": 3})
	assert.Empty(t, ps)
}

// Twilio, Send to Flex widget
// (https://www.twilio.com/docs/studio/widget-library/send-flex): the task
// timeout defaults to 3600 seconds; Twilio, Enqueue Call widget
// (https://www.twilio.com/docs/studio/widget-library/enqueue-call): "If not
// specified, defaults to infinity" (no timeout is sent).
func TestTaskTimeoutDefaults(t *testing.T) {
	s, v := voiceServices()
	run(t, mustCompile(t, "send-to-flex", map[string]any{"workflow": "WW1", "channel": "voice"}), newStep(s))
	assert.Equal(t, time.Hour, v.enqueue.Timeout)
	run(t, mustCompile(t, "enqueue-call", map[string]any{"queue_name": "support"}), newStep(s))
	assert.Zero(t, v.enqueue.Timeout)
	assert.Equal(t, "POST", v.enqueue.WaitURLMethod)
}

// ---- 11. every widget type Twilio has loads ----

// Twilio's widget library (https://www.twilio.com/docs/studio/widget-library)
// and the Make Outgoing Call v1 page
// (https://www.twilio.com/docs/studio/widget-library/make-outgoing-call-v1):
// flows holding these types load and check; the standard registry knows
// each.
func TestTwilioVersionedAndNewTypesAreRegistered(t *testing.T) {
	names := map[string]bool{}
	for _, ty := range twilio.Types() {
		names[ty.Name] = true
		assert.Equal(t, flow.VendorTwilio, ty.Vendor, ty.Name)
	}
	reg := standard.New()
	for _, name := range []string{"make-outgoing-call-v1", "run-function-v2", "connect-virtual-agent", "connect-virtual-agent-v2",
		"start-conversation", "resume-conversation", "run-conversation-relay"} {
		assert.True(t, names[name], "%s is not in twilio.Types()", name)
		_, ok := reg.Lookup(name)
		assert.True(t, ok, "%s is not registered by standard.New()", name)
	}
	va, _ := reg.Lookup("connect-virtual-agent")
	assert.True(t, va.NeedsCall)
	assert.Equal(t, []string{"hangup"}, va.EndsCallOn)
	v1, _ := reg.Lookup("make-outgoing-call-v1")
	assert.True(t, v1.PlacesCall)
	assert.Equal(t, []string{"answered", "answeredByMachine"}, v1.ProvidesCallOn)
}

// A flow holding every Twilio-only widget loads and checks with no error;
// running one fails the execution with a service error naming what it
// needs.
func TestTwilioOnlyWidgetsLoadAndFailWithAServiceError(t *testing.T) {
	states := map[string]string{
		"connect-virtual-agent": `{"name": "va", "type": "connect-virtual-agent", "transitions": [{"event": "return", "next": "bye"}, {"event": "hangup"}],
		    "properties": {"connector": "dialogflow_es", "language": "en-US", "sentiment_analysis": "false"}}`,
		"connect-virtual-agent-v2": `{"name": "va", "type": "connect-virtual-agent-v2",
		    "transitions": [{"event": "completed", "next": "bye"}, {"event": "live-agent-handoff", "next": "bye"}, {"event": "hangup"}, {"event": "failed"}, {"event": "paused"}, {"event": "timeout"}],
		    "properties": {"connector_name": "cx", "channel": "voice", "timeout": "3600", "status_callback_method": "POST"}}`,
		"start-conversation": `{"name": "va", "type": "start-conversation", "transitions": [{"event": "created", "next": "bye"}, {"event": "failed"}],
		    "properties": {"conversation_service_sid": "IS1"}}`,
		"resume-conversation": `{"name": "va", "type": "resume-conversation", "transitions": [{"event": "resumed", "next": "bye"}, {"event": "failed"}],
		    "properties": {"conversation_service_sid": "IS1", "conversation_sid": "CH1"}}`,
		"run-conversation-relay": `{"name": "va", "type": "run-conversation-relay", "transitions": [{"event": "success", "next": "bye"}, {"event": "failed"}],
		    "properties": {"url": "wss://relay.example.com/s"}}`,
	}
	for typ, state := range states {
		t.Run(typ, func(t *testing.T) {
			src := `{"description": "only twilio", "initial_state": "Trigger", "states": [
			  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "va"}], "properties": {}},
			  ` + state + `,
			  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Bye"}}]}`
			ps := flow.Check(parseFlow(t, src), flow.WithCheckers(standard.New().Checker()))
			assert.Empty(t, ps, "%s", ps)

			services, transcript := fake.Services()
			x := docStart(t, docEngine(t, src, services), runtime.TriggerCall, nil)
			assert.Equal(t, runtime.StatusFailed, x.Status)
			assert.Equal(t, runtime.FailureService, x.FailureCode)
			assert.Contains(t, x.Reason, typ+" needs ")
			assert.Contains(t, x.Reason, "Twilio-only service")
			assert.Empty(t, transcript.Lines())
		})
	}

	n := mustCompile(t, "connect-virtual-agent", map[string]any{"connector": "es"})
	_, err := n.Run(newStep(&widgets.Services{}))
	assert.ErrorIs(t, err, widgets.ErrNotConfigured)
	var se *widgets.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "virtual-agent", se.Service)

	_, ps := compile(t, "connect-virtual-agent", map[string]any{})
	assert.Equal(t, "#/states/0/properties/connector", ps.Errors()[0].Path)
}

// make-outgoing-call-v1 places the call as v2 does; a machine answering
// is its own outcome, after which the call is live.
func TestMakeOutgoingCallV1(t *testing.T) {
	const src = `{"description": "v1", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "call"}], "properties": {}},
	  {"name": "call", "type": "make-outgoing-call-v1",
	    "transitions": [{"event": "answered", "next": "hello"}, {"event": "answeredByMachine", "next": "message"},
	                    {"event": "busy"}, {"event": "noAnswer"}, {"event": "failed"}],
	    "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}", "record": false, "timeout": 30}},
	  {"name": "hello", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Hello"}},
	  {"name": "message", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Please call us back"}}]}`
	services, transcript := fake.Services()
	eng := docEngine(t, src, services)
	x := docStart(t, eng, runtime.TriggerRequest, nil)
	require.NotNil(t, x.Wait, x.Reason)
	assert.Equal(t, []string{"answered", "answeredByMachine", "busy", "noAnswer", "failed"}, x.Wait.Events)
	_, err := eng.Resume(context.Background(), x.ID, widgets.Event{Name: "answeredByMachine", Data: map[string]any{"AnsweredBy": "machine_end_beep"}})
	require.NoError(t, err)
	x, err = eng.Get(context.Background(), x.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
	call, _ := x.Widgets()["call"].(map[string]any)
	assert.Equal(t, "in-progress", call["CallStatus"])
	assert.Equal(t, "machine_end_beep", call["AnsweredBy"])
	lines := transcript.Lines()
	require.Len(t, lines, 2)
	assert.True(t, strings.HasPrefix(lines[0], "voice.call"), lines[0])
	assert.Equal(t, `voice.say "Please call us back"`, lines[1])
}

// run-function-v2 is run-function under its versioned name.
func TestRunFunctionV2IsRunFunction(t *testing.T) {
	f := fake.New()
	f.Functions.Handle("ZH1", func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
		return fake.JSONResult(map[string]any{"ok": true}), nil
	})
	n := mustCompile(t, "run-function-v2", map[string]any{"function_sid": "ZH1", "url": "https://fn.example.com/x"})
	assert.Equal(t, []string{"success", "fail"}, n.Events())
	res := run(t, n, newStep(f.Services()))
	assert.Equal(t, "success", res.Event)
	assert.Equal(t, map[string]any{"ok": true}, res.Outputs["parsed"])
}
