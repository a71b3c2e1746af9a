package twilio_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func TestAddTwimlRedirectChecks(t *testing.T) {
	base := map[string]any{"url": "https://twiml.example.com/gather"}
	runChecks(t, "add-twiml-redirect", []check{
		{name: "minimal", props: base},
		{name: "as the armorvox export", props: map[string]any{"url": "https://{{flow.variables.functions_host}}/enrolment?Count={{flow.variables.count}}", "method": "POST", "timeout": "14400"}},
		{name: "url missing", props: map[string]any{}, key: "url", code: widgets.CodePropertyMissing},
		{name: "url invalid", props: map[string]any{"url": "twiml.example.com"}, key: "url", code: widgets.CodePropertyInvalid},
		{name: "method GET", props: props(base, map[string]any{"method": "get"})},
		{name: "method unknown", props: props(base, map[string]any{"method": "PUT"}), key: "method", code: widgets.CodePropertyInvalid},
		{name: "timeout zero", props: props(base, map[string]any{"timeout": 0})},
		{name: "timeout highest", props: props(base, map[string]any{"timeout": 14400})},
		{name: "timeout negative", props: props(base, map[string]any{"timeout": "-1"}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": "14401"}), key: "timeout", code: widgets.CodePropertyRange},
	})
}

func TestAddTwimlRedirect(t *testing.T) {
	assert.True(t, typeOf(t, "add-twiml-redirect").NeedsCall)
	tests := []struct {
		name        string
		props       map[string]any
		want        widgets.Redirect
		waitTimeout time.Duration
	}{
		{
			name:        "defaults: POST, 4 hours",
			props:       map[string]any{"url": "https://twiml.example.com/gather"},
			want:        widgets.Redirect{URL: "https://twiml.example.com/gather", Method: "POST", Timeout: 4 * time.Hour},
			waitTimeout: 4 * time.Hour,
		},
		{
			name:        "templates, GET, string timeout",
			props:       map[string]any{"url": "https://{{flow.variables.host}}/g?n={{flow.variables.n}}", "method": "GET", "timeout": "60"},
			want:        widgets.Redirect{URL: "https://fn.example.com/g?n=2", Method: "GET", Timeout: time.Minute},
			waitTimeout: time.Minute,
		},
		{
			name:  "timeout 0: no deadline",
			props: map[string]any{"url": "https://twiml.example.com/gather", "timeout": 0},
			want:  widgets.Redirect{URL: "https://twiml.example.com/gather", Method: "POST"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, v := voiceServices()
			n := mustCompile(t, "add-twiml-redirect", tt.props)
			res := run(t, n, newStep(s).Set("flow.variables.host", "fn.example.com").Set("flow.variables.n", 2))
			assert.Equal(t, tt.want, v.redirect)
			assert.Equal(t, "CA100", v.callSid)
			require.NotNil(t, res.Wait)
			assert.Equal(t, []string{"return", "timeout", "fail"}, res.Wait.Events)
			assert.Equal(t, tt.waitTimeout, res.Wait.Timeout)
		})
	}
}

func TestAddTwimlRedirectOutcomes(t *testing.T) {
	n := mustCompile(t, "add-twiml-redirect", map[string]any{"url": "https://twiml.example.com/gather"})
	s, v := voiceServices()
	for _, ev := range []widgets.Event{
		{Name: "return", Data: map[string]any{"SpeechResult": "enrol me", "Confidence": "0.9"}},
		{Name: "return"},
		{Name: "fail", Data: map[string]any{"error": "TwiML error 12100"}},
		{Name: "timeout", Data: map[string]any{"ignored": "x"}},
	} {
		res := resume(t, n, newStep(s), ev)
		assert.Equal(t, ev.Name, res.Event)
		if ev.Name == "timeout" || ev.Data == nil {
			assert.Empty(t, res.Outputs)
		} else {
			assert.Equal(t, ev.Data, res.Outputs)
		}
	}

	v.Fail = errors.New("call not in progress")
	res := run(t, n, newStep(s))
	assert.Equal(t, "fail", res.Event)
	assert.Equal(t, map[string]any{"error": "voice: call not in progress"}, res.Outputs)

	bad := mustCompile(t, "add-twiml-redirect", map[string]any{"url": "{{flow.variables.u}}"})
	res = run(t, bad, newStep(s))
	assert.Equal(t, "fail", res.Event)
	assert.Contains(t, res.Outputs["error"], "url:")

	_, err := n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, "no voice service")
}

// The engine's expiry pass delivers timeout once the redirect's deadline
// passes.
func TestAddTwimlRedirectTimesOut(t *testing.T) {
	def := parseFlow(t, `{"description": "redirect", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "away"}], "properties": {}},
	  {"name": "away", "type": "add-twiml-redirect", "transitions": [{"event": "return", "next": "back"}, {"event": "timeout", "next": "late"}, {"event": "fail"}],
	    "properties": {"url": "https://twiml.example.com/x", "timeout": "30"}},
	  {"name": "back", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Welcome back, {{widgets.away.Name}}"}},
	  {"name": "late", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Too late"}}]}`)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		act  func(eng *runtime.Engine, clock *runtime.FixedClock, id string)
		want string
	}{
		{"returns", func(eng *runtime.Engine, _ *runtime.FixedClock, id string) {
			_, err := eng.Resume(ctx, id, widgets.Event{Name: "return", Data: map[string]any{"Name": "Ana"}})
			require.NoError(t, err)
		}, `voice.say "Welcome back, Ana"`},
		{"times out", func(eng *runtime.Engine, clock *runtime.FixedClock, _ string) {
			clock.Advance(31 * time.Second)
			n, err := eng.Expire(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		}, `voice.say "Too late"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fake.New()
			clock := runtime.NewFixedClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			eng := runtime.New(runtime.WithSource(runtime.Definitions{"FWr": def}), runtime.WithServices(f.Services()), runtime.WithClock(clock.Now))
			x, err := eng.Start(ctx, runtime.StartRequest{FlowSid: "FWr", Trigger: runtime.TriggerCall, Contact: "+15550006666", FlowAddress: "+15550008888", CallSid: "CA7"})
			require.NoError(t, err)
			require.NotNil(t, x.Wait, x.Reason)
			tc.act(eng, clock, x.ID)
			x, err = eng.Get(ctx, x.ID)
			require.NoError(t, err)
			assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
			assert.Equal(t, []string{`voice.redirect "https://twiml.example.com/x"`, tc.want}, f.T.Lines())
		})
	}
}
