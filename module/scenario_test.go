package module_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/module"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/standard"
)

var admin = version.Actor{ID: "admin", Roles: []version.Role{version.RoleAdmin}}

// world is a catalog with the standard checks and module protection, and
// an engine running what it publishes, with a movable clock.
type world struct {
	cat        *version.Catalog
	engine     *runtime.Engine
	clock      *runtime.FixedClock
	transcript *fake.Transcript
}

func newWorld(t *testing.T, now time.Time) *world {
	t.Helper()
	reg := standard.New()
	clock := runtime.NewFixedClock(now)
	cat := version.NewCatalog(version.WithStandardChecks(reg), version.WithClock(clock.Now))
	services, transcript := fake.Services()
	src := runtime.CatalogSource{Catalog: cat}
	engine := runtime.New(runtime.WithWidgets(reg), runtime.WithSource(src), runtime.WithModules(src),
		runtime.WithServices(services), runtime.WithClock(clock.Now))
	return &world{cat: cat, engine: engine, clock: clock, transcript: transcript}
}

// publish creates (or saves over) an item and publishes it, failing the
// test on any error.
func (w *world) publish(t *testing.T, kind version.Kind, name, src string) *version.Item {
	t.Helper()
	item, err := w.create(kind, name, src)
	require.NoError(t, err)
	return item
}

func (w *world) create(kind version.Kind, name, src string) (*version.Item, error) {
	ctx := context.Background()
	def, err := flow.Parse([]byte(src))
	if err != nil {
		return nil, err
	}
	item, v, err := w.cat.Create(ctx, admin, kind, name, "", def, "create")
	if err != nil {
		return nil, err
	}
	if _, err := w.cat.Publish(ctx, admin, item.ID, v.Revision); err != nil {
		return nil, err
	}
	return item, nil
}

// update publishes a new version of an item.
func (w *world) update(item *version.Item, src string) error {
	ctx := context.Background()
	def, err := flow.Parse([]byte(src))
	if err != nil {
		return err
	}
	d, err := w.cat.Edit(ctx, admin, item.ID)
	if err != nil {
		return err
	}
	d, err = w.cat.SaveDraft(ctx, admin, item.ID, d.Revision, def, "update")
	if err != nil {
		return err
	}
	_, err = w.cat.Publish(ctx, admin, item.ID, d.Revision)
	if err != nil {
		_ = w.cat.Discard(ctx, admin, item.ID, d.Revision)
	}
	return err
}

func (w *world) call(t *testing.T, flowID, callSid string) *runtime.Execution {
	t.Helper()
	x, err := w.engine.Start(context.Background(), runtime.StartRequest{FlowSid: flowID, Trigger: runtime.TriggerCall, Contact: "+15550001", FlowAddress: "+18005550100", CallSid: callSid})
	require.NoError(t, err)
	return x
}

// holidayModule is seed 000's module: a calendar check with one exit back
// to the flow (not a holiday) and one branch that plays a greeting and
// ends the call.
func holidayModule(dates string) string {
	return `{"description": "Holiday check", "initial_state": "Begin", "exposed_variables": ["holiday"], "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "calendar"}],
	   "properties": {"arguments": [{"name": "dnis", "type": "String", "variable": "dnis"}]}},
	  {"name": "calendar", "type": "calendar-based-rules", "transitions": [{"event": "holiday", "next": "remember"}, {"event": "noMatch", "next": "open"}],
	   "properties": {"timezone": "Europe/Lisbon", "rules": [{"name": "holiday", "dates": ` + dates + `, "annual": true}]}},
	  {"name": "remember", "type": "set-variables", "transitions": [{"event": "next", "next": "greeting"}],
	   "properties": {"variables": [{"key": "holiday", "value": "{{widgets.calendar.local_date}}"}]}},
	  {"name": "greeting", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "hang_up"}],
	   "properties": {"say": "Happy holidays! Our {{flow.variables.dnis}} line is closed today."}},
	  {"name": "hang_up", "type": "end-flow", "transitions": [], "properties": {}},
	  {"name": "open", "type": "return-to-flow", "transitions": [], "properties": {"exit": "open", "outputs": [{"name": "checked", "value": "{{widgets.calendar.local_date}}"}]}}
	]}`
}

func lineFlow(line string) string {
	return `{"description": "` + line + ` line", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true}, "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "holiday"}], "properties": {}},
	  {"name": "holiday", "type": "run-module", "transitions": [{"event": "open", "next": "welcome"}, {"event": "failed", "next": "welcome"}],
	   "properties": {"module": "Holiday check", "arguments": [{"name": "dnis", "value": "` + line + `"}], "outputs": [{"name": "checked", "variable": "checked_on"}]}},
	  {"name": "welcome", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Welcome to ` + line + ` ({{flow.variables.checked_on}})."}}
	]}`
}

func TestHolidayScenario(t *testing.T) {
	christmas := time.Date(2026, 12, 25, 10, 0, 0, 0, time.UTC)
	w := newWorld(t, christmas)
	w.publish(t, version.KindModule, "Holiday check", holidayModule(`["2026-12-25"]`))
	sales := w.publish(t, version.KindFlow, "Sales", lineFlow("sales"))
	support := w.publish(t, version.KindFlow, "Support", lineFlow("support"))

	// Christmas: both flows play the module's greeting and end the call.
	x := w.call(t, sales.ID, "CA1")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, map[string]any{"Holiday check.holiday": "2026-12-25"}, x.Exposed)
	w.call(t, support.ID, "CA2")
	closed := []string{`voice.say "Happy holidays! Our sales line is closed today."`, "voice.hangup",
		`voice.say "Happy holidays! Our support line is closed today."`, "voice.hangup"}
	assert.Equal(t, closed, w.transcript.Lines())

	// New Year's Day is not a holiday in version 1: both flows go on.
	w.transcript.Reset()
	w.clock.Advance(7 * 24 * time.Hour)
	w.call(t, sales.ID, "CA3")
	w.call(t, support.ID, "CA4")
	assert.Equal(t, []string{"Welcome to sales (2027-01-01).", "Welcome to support (2027-01-01)."}, texts(w.transcript))

	// A new module version adds New Year's Day; both flows change for new
	// calls without being touched.
	mod, err := w.cat.ResolveModule(context.Background(), "Holiday check")
	require.NoError(t, err)
	item, err := w.cat.Get(context.Background(), admin, mod.ItemID)
	require.NoError(t, err)
	require.NoError(t, w.update(item, holidayModule(`["2026-12-25", "2027-01-01"]`)))
	w.transcript.Reset()
	w.call(t, sales.ID, "CA5")
	w.call(t, support.ID, "CA6")
	assert.Equal(t, closed, w.transcript.Lines())
}

func texts(tr *fake.Transcript) []string {
	var out []string
	for _, e := range tr.Entries() {
		out = append(out, e.Text)
	}
	return out
}

// smsModule is seed 002's module: it checks a phone number's format and
// the customer's opt-in, then sends the message.
const smsModule = `{"description": "Send SMS", "initial_state": "Begin", "states": [
  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "format"}],
   "properties": {"arguments": [{"name": "phone", "type": "String", "variable": "phone"},
                                {"name": "opted_in", "type": "Boolean", "variable": "opted_in"},
                                {"name": "text", "type": "String", "variable": "text"}]}},
  {"name": "format", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "bad_number"},
     {"event": "match", "next": "opt_in", "conditions": [{"friendly_name": "E.164", "arguments": ["{{flow.variables.phone}}"], "type": "regex", "value": "\\+[1-9][0-9]{7,14}"}]}],
   "properties": {"input": "{{flow.variables.phone}}"}},
  {"name": "opt_in", "type": "split-based-on", "transitions": [{"event": "noMatch", "next": "not_opted_in"},
     {"event": "match", "next": "send", "conditions": [{"friendly_name": "yes", "arguments": ["{{flow.variables.opted_in}}"], "type": "equal_to", "value": "true"}]}],
   "properties": {"input": "{{flow.variables.opted_in}}"}},
  {"name": "send", "type": "send-message", "transitions": [{"event": "sent", "next": "done"}, {"event": "failed", "next": "not_sent"}],
   "properties": {"from": "+18005550100", "to": "{{flow.variables.phone}}", "body": "{{flow.variables.text}}"}},
  {"name": "done", "type": "return-to-flow", "transitions": [], "properties": {"exit": "sent", "outputs": [{"name": "message_sid", "value": "{{widgets.send.message.Sid}}"}]}},
  {"name": "not_sent", "type": "return-to-flow", "transitions": [], "properties": {"exit": "failed_to_send", "outputs": [{"name": "reason", "value": "{{widgets.send.error}}"}]}},
  {"name": "bad_number", "type": "return-to-flow", "transitions": [], "properties": {"exit": "invalid_number", "outputs": [{"name": "reason", "value": "{{flow.variables.phone}} is not an E.164 number"}]}},
  {"name": "not_opted_in", "type": "return-to-flow", "transitions": [], "properties": {"exit": "not_opted_in", "outputs": [{"name": "reason", "value": "no SMS opt-in"}]}}
]}`

// smsUser is a flow (API request or incoming message) that runs the SMS
// module and records the outcome.
func smsUser(trigger, text string) string {
	return `{"description": "uses SMS", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "` + trigger + `", "next": "sms"}], "properties": {}},
	  {"name": "sms", "type": "run-module",
	   "transitions": [{"event": "sent", "next": "ok"}, {"event": "invalid_number", "next": "ko"}, {"event": "not_opted_in", "next": "ko"}, {"event": "failed_to_send", "next": "ko"}, {"event": "failed", "next": "ko"}],
	   "properties": {"module": "Send SMS",
	     "arguments": [{"name": "phone", "value": "{{flow.data.phone}}{{trigger.message.From}}"}, {"name": "opted_in", "value": "{{flow.data.opted_in | default: 'true'}}"}, {"name": "text", "value": "` + text + `"}],
	     "outputs": [{"name": "message_sid", "variable": "sid"}, {"name": "reason", "variable": "why"}]}},
	  {"name": "ok", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "outcome", "value": "sent {{flow.variables.sid}}"}]}},
	  {"name": "ko", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "outcome", "value": "{{widgets.sms.exit | default: 'failed'}} {{flow.variables.why}}{{widgets.sms.error}}"}]}}
	]}`
}

func TestSMSModuleScenario(t *testing.T) {
	w := newWorld(t, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	w.publish(t, version.KindModule, "Send SMS", smsModule)
	reset := w.publish(t, version.KindFlow, "Password reset", smsUser("incomingRequest", "Your reset code is 123456"))
	balance := w.publish(t, version.KindFlow, "Balance", smsUser("incomingMessage", "Your balance is 42.00"))
	ctx := context.Background()

	run := func(req runtime.StartRequest) string {
		x, err := w.engine.Start(ctx, req)
		require.NoError(t, err)
		require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
		return x.Variables()["outcome"].(string)
	}
	rest := func(params map[string]any) runtime.StartRequest {
		return runtime.StartRequest{FlowSid: reset.ID, Trigger: runtime.TriggerRequest, Contact: "app", FlowAddress: "+18005550100", Parameters: params}
	}
	assert.Equal(t, "sent SM00000001", run(rest(map[string]any{"phone": "+351912345678", "opted_in": "true"})))
	assert.Equal(t, "not_opted_in no SMS opt-in", run(rest(map[string]any{"phone": "+351912345679", "opted_in": "false"})))
	assert.Equal(t, "invalid_number 912 is not an E.164 number", run(rest(map[string]any{"phone": "912", "opted_in": "true"})))
	assert.Equal(t, `failed module argument "opted_in": "perhaps" is not a Boolean (true or false)`, run(rest(map[string]any{"phone": "+351912345670", "opted_in": "perhaps"})))
	assert.Equal(t, "sent SM00000002", run(runtime.StartRequest{FlowSid: balance.ID, Trigger: runtime.TriggerMessage, Contact: "+447700900123", FlowAddress: "+18005550100"}))

	var sent []string
	for _, e := range w.transcript.Entries() {
		sent = append(sent, e.To+" "+e.Text)
	}
	assert.Equal(t, []string{"+351912345678 Your reset code is 123456", "+447700900123 Your balance is 42.00"}, sent)
}

func TestModuleChangesRefusedOrAccepted(t *testing.T) {
	cases := []struct {
		name    string
		next    string
		refused []string
	}{
		{"new optional argument", strings.Replace(smsModule, `{"name": "text", "type": "String", "variable": "text"}`,
			`{"name": "text", "type": "String", "variable": "text"}, {"name": "sender", "type": "String", "variable": "sender", "required": false}`, 1), nil},
		{"new exit nobody wires yet", strings.Replace(smsModule, `{"name": "not_opted_in", "type": "return-to-flow"`,
			`{"name": "x", "type": "return-to-flow", "transitions": [], "properties": {"exit": "throttled"}}, {"name": "not_opted_in", "type": "return-to-flow"`, 1), nil},
		{"exit removed", strings.Replace(smsModule, `"exit": "not_opted_in"`, `"exit": "invalid_number"`, 1),
			[]string{`flow "Balance" r1 (published), state "sms": exit "not_opted_in" is removed, and the step wires it`,
				`flow "Password reset" r1 (published), state "sms": exit "not_opted_in" is removed, and the step wires it`}},
		{"argument removed", strings.Replace(smsModule, `{"name": "text", "type": "String", "variable": "text"}`, `{"name": "body", "type": "String", "variable": "text", "required": false}`, 1),
			[]string{`flow "Balance" r1 (published), state "sms": argument "text" is removed, and the step maps it`,
				`flow "Password reset" r1 (published), state "sms": argument "text" is removed, and the step maps it`}},
		{"argument retyped", strings.Replace(smsModule, `{"name": "opted_in", "type": "Boolean"`, `{"name": "opted_in", "type": "Number"`, 1),
			[]string{`flow "Balance" r1 (published), state "sms": argument "opted_in" is retyped from Boolean to Number, and the step maps it`,
				`flow "Password reset" r1 (published), state "sms": argument "opted_in" is retyped from Boolean to Number, and the step maps it`}},
		{"new required argument", strings.Replace(smsModule, `{"name": "text", "type": "String", "variable": "text"}`,
			`{"name": "text", "type": "String", "variable": "text"}, {"name": "sender", "type": "String", "variable": "sender"}`, 1),
			[]string{`flow "Balance" r1 (published), state "sms": argument "sender" (String) is new and required, and the step does not give it`,
				`flow "Password reset" r1 (published), state "sms": argument "sender" (String) is new and required, and the step does not give it`}},
		{"compatibility narrowed: a voice step", withVoiceStep(smsModule),
			[]string{`flow "Balance" r1 (published), state "sms": `, `flow "Password reset" r1 (published), state "sms": `}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
			mod := w.publish(t, version.KindModule, "Send SMS", smsModule)
			w.publish(t, version.KindFlow, "Password reset", smsUser("incomingRequest", "code"))
			w.publish(t, version.KindFlow, "Balance", smsUser("incomingMessage", "balance"))
			err := w.update(mod, c.next)
			if c.refused == nil {
				require.NoError(t, err)
				// The new version is what flows now run.
				r, err := w.cat.ResolveModule(context.Background(), "Send SMS")
				require.NoError(t, err)
				want, _ := flow.Parse([]byte(c.next))
				hash, _ := version.Hash(want)
				assert.Equal(t, hash, r.Hash)
				assert.NotEqual(t, 1, r.Revision)
				return
			}
			var be *module.BreakingChangeError
			require.ErrorAs(t, err, &be, "%v", err)
			assert.ErrorIs(t, err, module.ErrBreaking)
			var got []string
			for _, b := range be.Breaks {
				got = append(got, b.String())
			}
			if strings.Contains(c.name, "voice") {
				// Both SMS flows run the module where no call exists.
				require.Len(t, got, 2)
				for i, g := range got {
					assert.True(t, strings.HasPrefix(g, c.refused[i]), g)
					assert.Contains(t, g, "needs a live call")
				}
				return
			}
			assert.ElementsMatch(t, c.refused, got)
		})
	}
}

// withVoiceStep plays audio after the module sends its message: the module
// now needs a live call, which neither SMS flow has.
func withVoiceStep(src string) string {
	src = strings.Replace(src, `"next": "done"}, {"event": "failed"`, `"next": "beep"}, {"event": "failed"`, 1)
	return strings.Replace(src, `{"name": "done"`, `{"name": "beep", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "done"}], "properties": {"say": "sent"}}, {"name": "done"`, 1)
}

func TestModuleCompatibleWithNothingCannotBePublished(t *testing.T) {
	// A module that needs a live call at entry and also places an outbound
	// call fits no flow type: where a call is live no outbound call may be
	// placed, and where none is, the voice step cannot run.
	nothing := `{"description": "impossible", "initial_state": "Begin", "states": [
	  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "say"}], "properties": {"arguments": []}},
	  {"name": "say", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "dial"}], "properties": {"say": "hold on"}},
	  {"name": "dial", "type": "make-outbound-call", "transitions": [{"event": "answered", "next": "out"}, {"event": "busy", "next": "out"}, {"event": "noAnswer", "next": "out"}, {"event": "invalidNumber", "next": "out"}], "properties": {"to": "+15550001111"}},
	  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done"}}]}`
	w := newWorld(t, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	_, err := w.create(version.KindModule, "Impossible", nothing)
	var te *version.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, version.RulePublishErrors, te.Rule)
	var inv *flow.InvalidError
	require.ErrorAs(t, err, &inv)
	require.Len(t, inv.Problems.Errors(), 1)
	assert.Equal(t, compat.CodeModuleNoTypes, inv.Problems.Errors()[0].Code)
	assert.Contains(t, inv.Problems.Errors()[0].Message, "the module fits no flow type")
}

func TestRunningExecutionKeepsTheModuleVersionItEntered(t *testing.T) {
	ask := func(question string) string {
		return `{"description": "ask", "initial_state": "Begin", "states": [
		  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "ask"}], "properties": {"arguments": []}},
		  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "out"}, {"event": "timeout", "next": "out"}], "properties": {"body": "` + question + `"}},
		  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent", "next": "out"}], "properties": {"body": "thanks from ` + question + `"}},
		  {"name": "out", "type": "return-to-flow", "transitions": [], "properties": {"exit": "done", "outputs": [{"name": "answer", "value": "{{widgets.ask.inbound.Body}} via ` + question + `"}]}}]}`
	}
	caller := `{"description": "c", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "run"}], "properties": {}},
	  {"name": "run", "type": "run-module", "transitions": [{"event": "done"}, {"event": "failed"}], "properties": {"module": "Ask", "outputs": [{"name": "answer", "variable": "answer"}]}}]}`
	w := newWorld(t, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	mod := w.publish(t, version.KindModule, "Ask", ask("v1"))
	fl := w.publish(t, version.KindFlow, "Chat", caller)
	ctx := context.Background()
	x, err := w.engine.Start(ctx, runtime.StartRequest{FlowSid: fl.ID, Trigger: runtime.TriggerMessage, Contact: "+1", FlowAddress: "+2"})
	require.NoError(t, err)
	require.NotNil(t, x.Wait)
	require.NoError(t, w.update(mod, ask("v2")))

	x, err = w.engine.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Data: map[string]any{"Body": "Ada"}})
	require.NoError(t, err)
	assert.Equal(t, "Ada via v1", x.Variables()["answer"])
	_, err = w.engine.Start(ctx, runtime.StartRequest{FlowSid: fl.ID, Trigger: runtime.TriggerMessage, Contact: "+3", FlowAddress: "+2"})
	require.NoError(t, err)
	assert.Equal(t, []string{"v1", "v2"}, texts(w.transcript))
}
