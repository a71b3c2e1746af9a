package connect_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/connect"
	"github.com/studioflow/studioflow/widgets/fake"
)

// end is an EndFlowExecution action called name, for branches a test
// tells apart by the path alone.
func end(name string) string { return name + `|EndFlowExecution|{}|{}` }

// requests are the contact center requests of a run, in order.
func requests(run *sim.Run) []fake.Entry {
	var out []fake.Entry
	for _, e := range run.Transcript {
		if e.Service == "contactcenter" {
			out = append(out, e)
		}
	}
	return out
}

// params are the parameters a contact center request carried.
func params(t *testing.T, e fake.Entry) map[string]any {
	t.Helper()
	p, ok := e.Detail["parameters"].(map[string]any)
	require.True(t, ok, "request %s %q carries no parameters: %v", e.Op, e.Text, e.Detail)
	return p
}

// stepNames are the events the run's steps took, in order.
func stepNames(run *sim.Run) []string {
	var out []string
	for _, s := range run.Steps() {
		out = append(out, s.Name)
	}
	return out
}

func shared(run *sim.Run, key string) map[string]any {
	m, _ := run.Execution.Shared[key].(map[string]any)
	return m
}

// voiceSpy is the fake voice, keeping every prompt it was asked to speak
// (with its voice and language, which the fake's transcript leaves out).
type voiceSpy struct {
	*fake.Voice
	prompts *[]widgets.Prompt
}

func (v voiceSpy) Say(ctx context.Context, call string, p widgets.Prompt) error {
	*v.prompts = append(*v.prompts, p)
	return v.Voice.Say(ctx, call, p)
}

func (v voiceSpy) Gather(ctx context.Context, call string, g widgets.Gather) error {
	*v.prompts = append(*v.prompts, g.Prompt)
	return v.Voice.Gather(ctx, call, g)
}

// spied builds a simulator whose voice service records the prompts it
// speaks in prompts.
func spied(prompts *[]widgets.Prompt, opts ...sim.Option) *sim.Sim {
	svc := &widgets.Services{}
	opts = append(opts,
		sim.WithFakes(func(f *fake.Fakes) {
			*svc = *f.Services()
			svc.Voice = voiceSpy{Voice: f.Voice, prompts: prompts}
		}),
		sim.WithRuntime(runtime.WithServices(svc)))
	return sim.New(opts...)
}

// --- MessageParticipant -------------------------------------------------

// Play prompt speaks Text and SSML and plays a prompt (PromptId) on a call;
// a chat contact takes only Text, so SSML takes NoMatchingError there.
func TestMessageParticipantOnVoiceAndChat(t *testing.T) {
	const promptARN = "arn:aws:connect:eu-west-1:1:instance/i/prompt/welcome"
	d := doc(t, "",
		`Text|MessageParticipant|{"Text":"Welcome, caller from $.CustomerEndpoint.Address."}|{"NextAction":"SSML","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`SSML|MessageParticipant|{"SSML":"<speak>Thank <emphasis>you</emphasis></speak>"}|{"NextAction":"Prompt","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Prompt|MessageParticipant|{"PromptId":"`+promptARN+`"}|{"NextAction":"Done","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Done"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d))

	run := runFlow(t, s, sim.Start{Contact: "+15550002222"})
	assert.Equal(t, []string{"Text", "SSML", "Prompt", "Done"}, path(run))
	assert.Equal(t, []string{"NextAction", "NextAction", "NextAction", "end"}, stepNames(run))
	assert.Equal(t, []string{"Welcome, caller from +15550002222.", "<speak>Thank <emphasis>you</emphasis></speak>", promptARN}, said(run))
	var ops []string
	for _, e := range run.Transcript {
		if e.Service == "voice" {
			ops = append(ops, e.Op)
		}
	}
	assert.Equal(t, []string{"say", "say", "play"}, ops, "text and SSML are spoken, a prompt is played")
	assert.Equal(t, runtime.StatusEnded, run.Status())

	run = runFlow(t, s, sim.Start{Channel: "CHAT", Body: "hi"})
	assert.Equal(t, []string{"Text", "SSML", "Failed"}, path(run))
	assert.Equal(t, []string{"NextAction", "NoMatchingError", "end"}, stepNames(run))
	assert.Equal(t, []string{"Welcome, caller from " + sim.DefaultContact + "."}, said(run), "the SSML is never sent")
	assert.Equal(t, "NoMatchingError", run.Execution.Widgets()["SSML"].(map[string]any)["ErrorType"])
	assert.Equal(t, "a chat contact takes only Text", run.Execution.Widgets()["SSML"].(map[string]any)["Error"])
	assert.Equal(t, []string{"Welcome, caller from " + sim.DefaultContact + "."}, run.Said("messaging"))
}

// --- MessageParticipantIteratively -------------------------------------

// Loop prompts plays each message in order and waits; with
// InterruptFrequencySeconds a timeout takes the MessagesInterrupted
// condition. A chat contact takes the error branch.
func TestMessageParticipantIteratively(t *testing.T) {
	d := doc(t, "",
		`Hold|MessageParticipantIteratively|{"Messages":[{"Text":"Your call matters, $.Attributes.name."},{"PromptId":"hold-music"},{"SSML":"<speak>Still there?</speak>"}],"InterruptFrequencySeconds":"30"}|{"NextAction":"Other","Conditions":[{"NextAction":"Interrupted","Condition":{"Operator":"Equals","Operands":["MessagesInterrupted"]}}],"Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Interrupted|MessageParticipant|{"Text":"Press 1 for a callback."}|{"NextAction":"Bye"}`,
		end("Other"), end("Failed"), bye)
	s := sim.New(sim.WithFlow("main", d))

	ss, err := s.Start(context.Background(), sim.Start{Payload: map[string]any{"Attributes": map[string]any{"name": "Ada"}}})
	require.NoError(t, err)
	w := ss.Waiting()
	require.NotNil(t, w, "the messages loop while the contact waits")
	assert.Equal(t, "Hold", w.State)
	assert.ElementsMatch(t, []string{"dequeued", "hangup", "timeout"}, w.Events)
	require.NotNil(t, w.Deadline)
	assert.Equal(t, sim.DefaultNow.Add(30e9), *w.Deadline, "InterruptFrequencySeconds")
	require.NoError(t, ss.Do(context.Background(), sim.Timeout()))
	require.NoError(t, ss.Finish(context.Background()))
	run := ss.Run()
	assert.Equal(t, []string{"Hold", "Interrupted", "Bye"}, path(run))
	assert.Equal(t, "Condition", run.Steps()[0].Name)
	assert.Equal(t, []string{"Your call matters, Ada.", "hold-music", "<speak>Still there?</speak>", "Press 1 for a callback."}, said(run))

	// Without an interval, the loop ends with the contact leaving the queue.
	plain := sim.New(sim.WithFlow("main", doc(t, "",
		`Hold|MessageParticipantIteratively|{"Messages":[{"Text":"Please hold."}]}|{"NextAction":"Other","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Other"), end("Failed"))))
	run = runFlow(t, plain, sim.Start{}, sim.Event("dequeued", nil))
	assert.Equal(t, []string{"Hold"}, path(run))
	assert.Equal(t, "the contact left the queue", run.Execution.Reason)
	assert.Equal(t, runtime.StatusEnded, run.Status())

	run = runFlow(t, s, sim.Start{Channel: "CHAT", Body: "hi"})
	assert.Equal(t, []string{"Hold", "Failed"}, path(run))
	assert.Equal(t, "NoMatchingError", run.Steps()[0].Name)
	assert.Empty(t, said(run), "nothing is sent to a chat")
}

// --- Compare ----------------------------------------------------------

func TestCompareOperators(t *testing.T) {
	cases := []struct {
		op, value, operand string
		want               bool
	}{
		{connect.OpEquals, "gold", "gold", true},
		{connect.OpEquals, "gold", "Gold", false},
		{connect.OpTextStartsWith, "+4420123", "+44", true},
		{connect.OpTextStartsWith, "+3312345", "+44", false},
		{connect.OpTextEndsWith, "order-1234", "1234", true},
		{connect.OpTextEndsWith, "order-1234", "order", false},
		{connect.OpTextContains, "I want a refund please", "refund", true},
		{connect.OpTextContains, "I want a refund please", "invoice", false},
		{connect.OpNumberGreaterThan, "10", "9.5", true},
		{connect.OpNumberGreaterThan, "9.5", "9.5", false},
		{connect.OpNumberGreaterThan, "ten", "9", false},
		{connect.OpNumberGreaterOrEqualTo, "9.5", "9.5", true},
		{connect.OpNumberGreaterOrEqualTo, "9", "9.5", false},
		{connect.OpNumberGreaterOrEqualTo, "", "0", false},
		{connect.OpNumberLessThan, "-3", "0", true},
		{connect.OpNumberLessThan, "0", "0", false},
		{connect.OpNumberLessThan, "abc", "100", false},
		{connect.OpNumberLessOrEqualTo, " 100 ", "100", true},
		{connect.OpNumberLessOrEqualTo, "101", "100", false},
		{connect.OpNumberLessOrEqualTo, "100", "a lot", false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%q/%q", c.op, c.value, c.operand), func(t *testing.T) {
			d := doc(t, "",
				fmt.Sprintf(`Check|Compare|{"ComparisonValue":%q}|{"NextAction":"No","Conditions":[{"NextAction":"Yes","Condition":{"Operator":%q,"Operands":[%q]}}],"Errors":[{"NextAction":"No","ErrorType":"NoMatchingCondition"}]}`, c.value, c.op, c.operand),
				end("Yes"), end("No"))
			run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{})
			want, event := []string{"Check", "No"}, "NoMatchingCondition"
			if c.want {
				want, event = []string{"Check", "Yes"}, "Condition"
			}
			assert.Equal(t, want, path(run))
			assert.Equal(t, event, run.Steps()[0].Name)
			assert.Equal(t, c.value, run.Execution.Widgets()["Check"].(map[string]any)["Value"])
		})
	}
}

// The first condition that holds wins; a condition with several operands
// holds when one of them does.
func TestCompareFirstConditionWins(t *testing.T) {
	d := doc(t, "",
		`Check|Compare|{"ComparisonValue":"$.Attributes.tier"}|{"NextAction":"None","Conditions":[{"NextAction":"Precious","Condition":{"Operator":"Equals","Operands":["gold","platinum"]}},{"NextAction":"Any","Condition":{"Operator":"TextContains","Operands":["l"]}}],"Errors":[{"NextAction":"None","ErrorType":"NoMatchingCondition"}]}`,
		end("Precious"), end("Any"), end("None"))
	s := sim.New(sim.WithFlow("main", d))
	for tier, want := range map[string]string{"platinum": "Precious", "gold": "Precious", "silver": "Any", "bronze": "None"} {
		run := runFlow(t, s, sim.Start{Payload: map[string]any{"Attributes": map[string]any{"tier": tier}}})
		assert.Equal(t, []string{"Check", want}, path(run), tier)
	}
}

// --- UpdateContactAttributes / UpdateFlowAttributes --------------------

func TestUpdateContactAttributes(t *testing.T) {
	d := doc(t, "",
		`Set|UpdateContactAttributes|{"Attributes":{"count":5,"vip":true,"ratio":0.25,"profile":{"id":"p1"},"greeting":"Hi $.Attributes.name","missing":"$.Attributes.nothing"}}|{"NextAction":"Related","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Related|UpdateContactAttributes|{"TargetContact":"Related","Attributes":{"case":"C-1"}}|{"NextAction":"Say","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Say|MessageParticipant|{"Text":"$.Attributes.greeting: $.Attributes.count, vip=$.Attributes.vip, case=[$.Attributes.case]"}|{"NextAction":"Done"}`,
		end("Done"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d))
	run := runFlow(t, s, sim.Start{Payload: map[string]any{"Attributes": map[string]any{"name": "Ada", "lang": "en"}}})
	assert.Equal(t, []string{"Set", "Related", "Say", "Done"}, path(run))
	assert.Equal(t, map[string]any{
		"name": "Ada", "lang": "en", // kept from the start
		"count": "5", "vip": "true", "ratio": "0.25", "profile": `{"id":"p1"}`,
		"greeting": "Hi Ada", "missing": "",
	}, shared(run, "Attributes"), "merged, every value made text")
	assert.Equal(t, map[string]any{"case": "C-1"}, shared(run, "RelatedContactAttributes"), "TargetContact Related")
	assert.Equal(t, []string{"Hi Ada: 5, vip=true, case=[]"}, said(run), "the related contact's attributes are not the contact's")
}

// "Both the key and value may be defined statically or dynamically" (AWS,
// UpdateContactAttributes): a key that is a reference sets the attribute
// it names; one that names nothing, or an object, is left out; a fixed
// key beats a resolved one that names the same attribute, every time.
func TestUpdateContactAttributesDynamicKeys(t *testing.T) {
	d := doc(t, "",
		`Set|UpdateContactAttributes|{"Attributes":{"$.Attributes.field":"$.Attributes.value","pre_$.Attributes.field":"x","$.Attributes.nothing":"lost","$.Attributes.other":"dynamic","same":"fixed","$.Attributes.obj":"lost too"}}|{"NextAction":"Done","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Done"), end("Failed"))
	for range 20 {
		run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{Payload: map[string]any{"Attributes": map[string]any{
			"field": "tier", "value": "gold", "other": "same", "obj": map[string]any{"a": "1"}}}})
		assert.Equal(t, []string{"Set", "Done"}, path(run))
		attrs := shared(run, "Attributes")
		assert.Equal(t, "gold", attrs["tier"])
		assert.Equal(t, "x", attrs["pre_tier"])
		assert.Equal(t, "fixed", attrs["same"])
		assert.NotContains(t, attrs, "")
		for k := range attrs {
			assert.NotContains(t, k, "{", "a key that names an object")
		}
		assert.Len(t, attrs, 7, attrs) // field, value, other, obj, tier, pre_tier, same
	}
}

// Contact attributes are limited to 32 KB in all: an update past it takes
// the error branch and sets nothing.
func TestUpdateContactAttributesPast32KB(t *testing.T) {
	big := strings.Repeat("x", 32*1024)
	d := doc(t, "",
		`Small|UpdateContactAttributes|{"Attributes":{"a":"1"}}|{"NextAction":"Big","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Big|UpdateContactAttributes|{"Attributes":{"b":"2","blob":"`+big+`"}}|{"NextAction":"Done","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Done"), end("Failed"))
	run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{})
	assert.Equal(t, []string{"Small", "Big", "Failed"}, path(run))
	assert.Equal(t, []string{"NextAction", "NoMatchingError", "end"}, stepNames(run))
	assert.Equal(t, map[string]any{"a": "1"}, shared(run, "Attributes"), "all or none")
	assert.Equal(t, "the contact's attributes would pass 32 KB", run.Execution.Widgets()["Big"].(map[string]any)["Error"])

	// Just under the limit goes through.
	fits := strings.Repeat("y", 32*1024-40)
	d = doc(t, "",
		`Big|UpdateContactAttributes|{"Attributes":{"blob":"`+fits+`"}}|{"NextAction":"Done","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Done"), end("Failed"))
	run = runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{})
	assert.Equal(t, []string{"Big", "Done"}, path(run))
	assert.Len(t, shared(run, "Attributes")["blob"], 32*1024-40)
}

func TestUpdateFlowAttributesBothForms(t *testing.T) {
	d := doc(t, "",
		`Set|UpdateFlowAttributes|{"FlowAttributes":{"long":{"Value":"from $.Channel"},"short":"plain","num":{"Value":7}}}|{"NextAction":"Say","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Say|MessageParticipant|{"Text":"$.FlowAttributes.long / $.FlowAttributes.short / $.FlowAttributes.num"}|{"NextAction":"Done"}`,
		end("Done"), end("Failed"))
	run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{})
	assert.Equal(t, []string{"Set", "Say", "Done"}, path(run))
	assert.Equal(t, []string{"from VOICE / plain / 7"}, said(run))
	vars := run.Execution.Variables()
	assert.Equal(t, "from VOICE", vars["long"])
	assert.Equal(t, "plain", vars["short"])
	assert.Equal(t, "7", vars["num"])
	assert.NotContains(t, run.Execution.Shared, "long", "flow attributes are the frame's, not the contact's")

	bad := doc(t, "",
		`Set|UpdateFlowAttributes|{"FlowAttributes":"nope"}|{"NextAction":"Done","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Done"), end("Failed"))
	run = runFlow(t, sim.New(sim.WithFlow("main", bad)), sim.Start{})
	assert.Equal(t, []string{"Set", "Failed"}, path(run))
}

// --- The UpdateContact* family -----------------------------------------

// The voice set by UpdateContactTextToSpeechVoice, with its engine (and
// the language set by UpdateContactData) go with every later prompt;
// before it, the voice is Joanna ("This defaults to Joanna if this action
// is never run").
func TestTextToSpeechVoiceCarriesToLaterPrompts(t *testing.T) {
	d := doc(t, "",
		`Before|MessageParticipant|{"Text":"Default voice."}|{"NextAction":"Voice"}`,
		`Voice|UpdateContactTextToSpeechVoice|{"TextToSpeechVoice":"Lea","TextToSpeechEngine":"Neural","TextToSpeechStyle":"None"}|{"NextAction":"Lang","Errors":[{"NextAction":"Done","ErrorType":"NoMatchingError"}]}`,
		`Lang|UpdateContactData|{"LanguageCode":"fr-FR"}|{"NextAction":"After","Errors":[{"NextAction":"Done","ErrorType":"NoMatchingError"}]}`,
		`After|MessageParticipant|{"Text":"Bonjour."}|{"NextAction":"Menu"}`,
		`Menu|GetParticipantInput|{"Text":"Tapez 1.","InputTimeLimitSeconds":"5"}|{"NextAction":"Done","Conditions":[{"NextAction":"Done","Condition":{"Operator":"Equals","Operands":["1"]}}],"Errors":[{"NextAction":"Done","ErrorType":"NoMatchingCondition"},{"NextAction":"Done","ErrorType":"InputTimeLimitExceeded"}]}`,
		end("Done"))
	var prompts []widgets.Prompt
	s := spied(&prompts, sim.WithFlow("main", d))
	run := runFlow(t, s, sim.Start{}, sim.Press("1"))
	assert.Equal(t, []string{"Before", "Voice", "Lang", "After", "Menu", "Done"}, path(run))
	assert.Equal(t, []widgets.Prompt{
		{Say: "Default voice.", Voice: "Joanna"},
		{Say: "Bonjour.", Voice: "Lea", Language: "fr-FR", Engine: "Neural"},
		{Say: "Tapez 1.", Voice: "Lea", Language: "fr-FR", Engine: "Neural"},
	}, prompts)
	assert.Equal(t, "Lea", run.Execution.Shared["TextToSpeechVoiceId"])
	assert.Equal(t, "fr-FR", run.Execution.Shared["LanguageCode"])
	assert.Equal(t, map[string]any{"TextToSpeechVoice": "Lea", "TextToSpeechEngine": "Neural", "TextToSpeechStyle": "None"}, shared(run, "TextToSpeech"))
}

// Recording, event hooks, routing and contact data are recorded on the
// contact, each merged into what earlier actions recorded.
func TestUpdateContactBehavioursAreRecorded(t *testing.T) {
	const hook = "arn:aws:connect:eu-west-1:1:instance/i/contact-flow/queue-flow"
	d := doc(t, "",
		`Rec|UpdateContactRecordingBehavior|{"RecordingBehavior":{"RecordedParticipants":["Agent","Customer"]},"AnalyticsBehavior":{"Enabled":"True","AnalyticsLanguage":"en-US"}}|{"NextAction":"Rec2"}`,
		`Rec2|UpdateContactRecordingBehavior|{"RecordingBehavior":{"ScreenRecordedParticipants":["Agent"]}}|{"NextAction":"Hooks"}`,
		`Hooks|UpdateContactEventHooks|{"EventHooks":{"CustomerQueue":"`+hook+`"}}|{"NextAction":"Routing","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Routing|UpdateContactRoutingBehavior|{"QueuePriority":"2","QueueTimeAdjustmentSeconds":"30"}|{"NextAction":"Data","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Data|UpdateContactData|{"Name":"Refund for $.Attributes.order","Description":"Customer wants money back","CustomerId":"cust-9","References":{"order":{"Type":"STRING","Value":"$.Attributes.order"}}}|{"NextAction":"Log","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Log|UpdateFlowLoggingBehavior|{"FlowLoggingBehavior":"Enabled"}|{"NextAction":"Done"}`,
		end("Done"), end("Failed"))
	run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{Payload: map[string]any{"Attributes": map[string]any{"order": "O-42"}}})
	assert.Equal(t, []string{"Rec", "Rec2", "Hooks", "Routing", "Data", "Log", "Done"}, path(run))
	assert.Equal(t, map[string]any{
		"RecordingBehavior": map[string]any{"RecordedParticipants": []any{"Agent", "Customer"}, "ScreenRecordedParticipants": []any{"Agent"}},
		"AnalyticsBehavior": map[string]any{"Enabled": "True", "AnalyticsLanguage": "en-US"},
	}, shared(run, "RecordingBehavior"))
	assert.Equal(t, map[string]any{"EventHooks": map[string]any{"CustomerQueue": hook}}, shared(run, "EventHooks"))
	assert.Equal(t, map[string]any{"QueuePriority": "2", "QueueTimeAdjustmentSeconds": "30"}, shared(run, "RoutingBehavior"))
	sh := run.Execution.Shared
	assert.Equal(t, "Refund for O-42", sh["Name"])
	assert.Equal(t, "Customer wants money back", sh["Description"])
	assert.Equal(t, "cust-9", sh["CustomerId"])
	assert.Equal(t, map[string]any{"order": map[string]any{"Type": "STRING", "Value": "O-42"}}, shared(run, "ContactData")["References"])
	assert.Equal(t, "Enabled", sh["FlowLoggingBehavior"])
	assert.Empty(t, requests(run), "the contact center is not asked")
}

func TestUpdateContactCallbackNumber(t *testing.T) {
	d := doc(t, "",
		`Number|UpdateContactCallbackNumber|{"CallbackNumber":"$.Attributes.phone"}|{"NextAction":"Say","Errors":[{"NextAction":"Invalid","ErrorType":"InvalidCallbackNumber"},{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Say|MessageParticipant|{"Text":"We will call $.CustomerCallbackNumber."}|{"NextAction":"Done"}`,
		end("Done"), end("Invalid"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d))
	for _, c := range []struct {
		phone string
		path  []string
		event string
	}{
		{"+442071234567", []string{"Number", "Say", "Done"}, "NextAction"},
		{"02071234567", []string{"Number", "Invalid"}, "InvalidCallbackNumber"},
		{"+0123", []string{"Number", "Invalid"}, "InvalidCallbackNumber"},
		{"+1 555 0100", []string{"Number", "Invalid"}, "InvalidCallbackNumber"},
		{"", []string{"Number", "Invalid"}, "InvalidCallbackNumber"},
	} {
		run := runFlow(t, s, sim.Start{Payload: map[string]any{"Attributes": map[string]any{"phone": c.phone}}})
		assert.Equal(t, c.path, path(run), c.phone)
		assert.Equal(t, c.event, run.Steps()[0].Name, c.phone)
		if c.event == "NextAction" {
			assert.Equal(t, c.phone, run.Execution.Shared["CustomerCallbackNumber"])
			assert.Equal(t, []string{"We will call " + c.phone + "."}, said(run))
		} else {
			assert.NotContains(t, run.Execution.Shared, "CustomerCallbackNumber", c.phone)
		}
	}
}

// --- Metrics ------------------------------------------------------------

func TestCheckMetricData(t *testing.T) {
	const queue = "arn:aws:connect:eu-west-1:1:instance/i/queue/sales"
	d := doc(t, "",
		`Check|CheckMetricData|{"MetricType":"NumberOfContactsInQueue","QueueId":"`+queue+`"}|{"NextAction":"Failed","Conditions":[{"NextAction":"Busy","Condition":{"Operator":"NumberGreaterThan","Operands":["10"]}},{"NextAction":"Quiet","Condition":{"Operator":"NumberLessOrEqualTo","Operands":["10"]}}],"Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"},{"NextAction":"Failed","ErrorType":"NoMatchingCondition"}]}`,
		end("Busy"), end("Quiet"), end("Failed"))

	busy := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("CheckMetricData", "sales", map[string]any{"Value": 12.0})
	}))
	run := runFlow(t, busy, sim.Start{})
	assert.Equal(t, []string{"Check", "Busy"}, path(run))
	assert.Equal(t, "Condition", run.Steps()[0].Name)
	reqs := requests(run)
	require.Len(t, reqs, 1)
	assert.Equal(t, "CheckMetricData", reqs[0].Op)
	assert.Equal(t, queue, reqs[0].Text)
	assert.Equal(t, map[string]any{"MetricType": "NumberOfContactsInQueue"}, params(t, reqs[0]))
	assert.Equal(t, 12.0, run.Execution.Widgets()["Check"].(map[string]any)["Value"])

	quiet := sim.New(sim.WithFlow("main", d)) // the fake's default Value 0
	run = runFlow(t, quiet, sim.Start{})
	assert.Equal(t, []string{"Check", "Quiet"}, path(run))

	odd := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("CheckMetricData", "", map[string]any{"NumberOfContactsInQueue": "many"})
	}))
	run = runFlow(t, odd, sim.Start{})
	assert.Equal(t, []string{"Check", "Failed"}, path(run), "the metric named by MetricType is read when Value is absent, and text is no number")
	assert.Equal(t, "NoMatchingCondition", run.Steps()[0].Name)
}

func TestGetMetricDataIsReadByALaterCompare(t *testing.T) {
	d := doc(t, "",
		`Target|UpdateContactTargetQueue|{"QueueId":"arn:aws:connect:eu-west-1:1:instance/i/queue/support"}|{"NextAction":"Metrics","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Metrics|GetMetricData|{"QueueChannel":"Voice"}|{"NextAction":"Check","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Check|Compare|{"ComparisonValue":"$.Metrics.Queue.Size"}|{"NextAction":"Short","Conditions":[{"NextAction":"Long","Condition":{"Operator":"NumberGreaterOrEqualTo","Operands":["5"]}}],"Errors":[{"NextAction":"Short","ErrorType":"NoMatchingCondition"}]}`,
		`Long|MessageParticipant|{"Text":"$.Metrics.Queue.Size callers ahead, $.Metrics.Agents.Available.Count agents free."}|{"NextAction":"Done"}`,
		end("Short"), end("Done"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("GetMetricData", "support", map[string]any{
			"Queue":  map[string]any{"Size": 7.0, "OldestContactAge": 95.0},
			"Agents": map[string]any{"Available": map[string]any{"Count": 2.0}},
		})
	}))
	run := runFlow(t, s, sim.Start{})
	assert.Equal(t, []string{"Target", "Metrics", "Check", "Long", "Done"}, path(run))
	assert.Equal(t, []string{"7 callers ahead, 2 agents free."}, said(run))
	assert.Equal(t, 7.0, run.Execution.Widgets()["Check"].(map[string]any)["Value"], "one reference keeps the number")
	reqs := requests(run)
	require.Len(t, reqs, 2)
	assert.Equal(t, "GetMetricData", reqs[1].Op)
	assert.Equal(t, "arn:aws:connect:eu-west-1:1:instance/i/queue/support", reqs[1].Text, "the target queue")
	assert.Equal(t, map[string]any{"QueueChannel": "Voice"}, params(t, reqs[1]))

	empty := sim.New(sim.WithFlow("main", d)) // no metrics: the size is nothing
	run = runFlow(t, empty, sim.Start{})
	assert.Equal(t, []string{"Target", "Metrics", "Check", "Short"}, path(run))
}

// --- TransferParticipantToThirdParty -----------------------------------

func TestTransferParticipantToThirdParty(t *testing.T) {
	transfer := func(cont string) *flow.Definition {
		return doc(t, "",
			`Dial|TransferParticipantToThirdParty|{"ThirdPartyPhoneNumber":"+442071230000","ThirdPartyConnectionTimeLimitSeconds":"20","ContinueFlowExecution":"`+cont+`","CallerId":{"Number":"+442079990000"}}|{"NextAction":"Back","Errors":[{"NextAction":"Timeout","ErrorType":"ConnectionTimeLimitExceeded"},{"NextAction":"CallFailed","ErrorType":"CallFailed"},{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
			end("Back"), end("Timeout"), end("CallFailed"), end("Failed"))
	}
	s := sim.New(sim.WithFlow("main", transfer("True")))
	for _, c := range []struct {
		status string
		path   []string
		event  string
	}{
		{"completed", []string{"Dial", "Back"}, "NextAction"},
		{"no-answer", []string{"Dial", "Timeout"}, "ConnectionTimeLimitExceeded"},
		{"busy", []string{"Dial", "CallFailed"}, "CallFailed"},
		{"failed", []string{"Dial", "CallFailed"}, "CallFailed"},
	} {
		run := runFlow(t, s, sim.Start{}, sim.Event("callCompleted", map[string]any{"DialCallStatus": c.status}))
		assert.Equal(t, c.path, path(run), c.status)
		assert.Equal(t, c.event, run.Steps()[0].Name, c.status)
		var dial *fake.Entry
		for i, e := range run.Transcript {
			if e.Service == "voice" && e.Op == "connect" {
				dial = &run.Transcript[i]
			}
		}
		require.NotNil(t, dial, "the call is connected")
		assert.Equal(t, "+442071230000", dial.To)
		assert.Equal(t, "+442079990000", dial.From, "CallerId")
		assert.Equal(t, 20.0, dial.Detail["timeout"])
		assert.Equal(t, "number", dial.Detail["noun"])
	}

	gone := sim.New(sim.WithFlow("main", transfer("False")))
	run := runFlow(t, gone, sim.Start{}, sim.Event("callCompleted", map[string]any{"DialCallStatus": "completed"}))
	assert.Equal(t, []string{"Dial"}, path(run), "ContinueFlowExecution False ends the flow")
	assert.Equal(t, runtime.StatusEnded, run.Status())
	assert.Equal(t, "transferred to +442071230000", run.Execution.Reason)

	run = runFlow(t, s, sim.Start{Channel: "CHAT", Body: "hi"})
	assert.Equal(t, []string{"Dial", "Failed"}, path(run), "a chat cannot be transferred to a number")
}

// --- Wait -----------------------------------------------------------

func TestWaitCompletesOrTheCustomerReturns(t *testing.T) {
	d := doc(t, "",
		`Wait|Wait|{"TimeoutSeconds":"3600","Events":["CustomerReturned"]}|{"NextAction":"Failed","Conditions":[{"NextAction":"Completed","Condition":{"Operator":"Equals","Operands":["WaitCompleted"]}},{"NextAction":"Returned","Condition":{"Operator":"Equals","Operands":["CustomerReturned"]}}],"Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Completed"), end("Returned"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d))

	ss, err := s.Start(context.Background(), sim.Start{Channel: "CHAT", Body: "hi"})
	require.NoError(t, err)
	w := ss.Waiting()
	require.NotNil(t, w)
	assert.ElementsMatch(t, []string{"timeout", "CustomerReturned", "incomingMessage"}, w.Events, "a chat has no hang-up; a message is the customer returning")
	require.NotNil(t, w.Deadline)
	assert.Equal(t, sim.DefaultNow.Add(3600e9), *w.Deadline)
	require.NoError(t, ss.Do(context.Background(), sim.Timeout()))
	run := ss.Run()
	assert.Equal(t, []string{"Wait", "Completed"}, path(run))
	assert.Equal(t, "Condition", run.Steps()[0].Name)
	assert.Equal(t, 2, run.Steps()[0].Transition, "the first condition, after NextAction")

	run = runFlow(t, s, sim.Start{Channel: "CHAT", Body: "hi"}, sim.Event("CustomerReturned", nil))
	assert.Equal(t, []string{"Wait", "Returned"}, path(run))
	assert.Equal(t, 3, run.Steps()[0].Transition)
	run = runFlow(t, s, sim.Start{Channel: "CHAT", Body: "hi"}, sim.Reply("I'm back"))
	assert.Equal(t, []string{"Wait", "Returned"}, path(run), "a reply is the customer returning")

	ss, err = s.Start(context.Background(), sim.Start{})
	require.NoError(t, err)
	assert.Contains(t, ss.Waiting().Events, "hangup", "a call's wait ends when the caller leaves")
	require.NoError(t, ss.Do(context.Background(), sim.Hangup()))
	assert.Equal(t, "the customer disconnected", ss.Execution().Reason)
}

// --- Interactions with the contact center -------------------------------

func TestCreateCallbackContactAndCreateTask(t *testing.T) {
	const callbackFlow = "arn:aws:connect:eu-west-1:1:instance/i/contact-flow/callback"
	const taskFlow = "arn:aws:connect:eu-west-1:1:instance/i/contact-flow/task"
	d := doc(t, "",
		`Callback|CreateCallbackContact|{"ContactFlowId":"`+callbackFlow+`","QueueId":"arn:aws:connect:eu-west-1:1:instance/i/queue/sales","InitialCallDelaySeconds":"5","MaximumConnectionAttempts":"3","RetryDelaySeconds":"600"}|{"NextAction":"Task","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Task|CreateTask|{"ContactFlowId":"`+taskFlow+`","Name":"Call back $.Attributes.name","Description":"From $.CustomerEndpoint.Address","References":{"ticket":{"Type":"URL","Value":"https://tickets.example/$.Attributes.ticket"}}}|{"NextAction":"Say","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Say|MessageParticipant|{"Text":"Task $.Task.ContactId created."}|{"NextAction":"Done"}`,
		end("Done"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("CreateTask", "task", map[string]any{"ContactId": "task-1"})
	}))
	run := runFlow(t, s, sim.Start{Contact: "+15550003333", Payload: map[string]any{"Attributes": map[string]any{"name": "Ada", "ticket": "T9"}}})
	assert.Equal(t, []string{"Callback", "Task", "Say", "Done"}, path(run))
	reqs := requests(run)
	require.Len(t, reqs, 2)
	assert.Equal(t, "CreateCallbackContact", reqs[0].Op)
	assert.Equal(t, callbackFlow, reqs[0].Text)
	assert.Equal(t, map[string]any{"ContactFlowId": callbackFlow, "QueueId": "arn:aws:connect:eu-west-1:1:instance/i/queue/sales",
		"InitialCallDelaySeconds": "5", "MaximumConnectionAttempts": "3", "RetryDelaySeconds": "600"}, params(t, reqs[0]))
	assert.Equal(t, "CreateTask", reqs[1].Op)
	assert.Equal(t, taskFlow, reqs[1].Text)
	assert.Equal(t, map[string]any{"ContactFlowId": taskFlow, "Name": "Call back Ada", "Description": "From +15550003333",
		"References": map[string]any{"ticket": map[string]any{"Type": "URL", "Value": "https://tickets.example/T9"}}}, params(t, reqs[1]))
	assert.Equal(t, map[string]any{"ContactId": "task-1"}, shared(run, "Task"))
	assert.Equal(t, []string{"Task task-1 created."}, said(run))

	failing := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Fail("CreateCallbackContact", "", errors.New("throttled"))
	}))
	run = runFlow(t, failing, sim.Start{})
	assert.Equal(t, []string{"Callback", "Failed"}, path(run))
	assert.Equal(t, "throttled", run.Execution.Widgets()["Callback"].(map[string]any)["Error"])
}

func TestShowViewPicksTheResultCondition(t *testing.T) {
	const view = "arn:aws:connect:eu-west-1:1:instance/i/view/form"
	d := doc(t, "",
		`View|ShowView|{"ViewResource":{"Id":"`+view+`","Version":"$LATEST"},"InvocationTimeLimitSeconds":"300","ViewData":{"Heading":"Hello $.Attributes.name"}}|{"NextAction":"Failed","Conditions":[{"NextAction":"Next","Condition":{"Operator":"Equals","Operands":["Next"]}},{"NextAction":"Back","Condition":{"Operator":"Equals","Operands":["Back"]}}],"Errors":[{"NextAction":"Unmatched","ErrorType":"NoMatchingCondition"},{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Next"), end("Back"), end("Unmatched"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("ShowView", "form", map[string]any{"Result": "Next", "ViewResultData": map[string]any{"email": "ada@example.com"}})
	}))
	run := runFlow(t, s, sim.Start{Payload: map[string]any{"Attributes": map[string]any{"name": "Ada"}}})
	assert.Equal(t, []string{"View", "Next"}, path(run))
	assert.Equal(t, "Condition", run.Steps()[0].Name)
	reqs := requests(run)
	require.Len(t, reqs, 1)
	assert.Equal(t, view, reqs[0].Text, "the view's Id")
	assert.Equal(t, map[string]any{"Heading": "Hello Ada"}, params(t, reqs[0])["ViewData"])
	assert.Equal(t, map[string]any{"Result": "Next", "ViewResultData": map[string]any{"email": "ada@example.com"}}, shared(run, "Views"))

	none := sim.New(sim.WithFlow("main", d)) // an empty answer has no Result
	run = runFlow(t, none, sim.Start{})
	assert.Equal(t, []string{"View", "Unmatched"}, path(run))
}

func TestVoiceIDActions(t *testing.T) {
	d := doc(t, "",
		`Stream|StartVoiceIdStream|{}|{"NextAction":"Check","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Check|CheckVoiceId|{"CheckVoiceId":{"Authentication":true}}|{"NextAction":"Failed","Conditions":[{"NextAction":"Authenticated","Condition":{"Operator":"Equals","Operands":["Authenticated"]}},{"NextAction":"NotAuthenticated","Condition":{"Operator":"Equals","Operands":["NotAuthenticated"]}}],"Errors":[{"NextAction":"Unmatched","ErrorType":"NoMatchingCondition"},{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Authenticated"), end("NotAuthenticated"), end("Unmatched"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("StartVoiceIdStream", "", map[string]any{"StreamStatus": "Started"})
		f.ContactCenter.Answer("CheckVoiceId", "", map[string]any{"Result": "Authenticated", "AuthenticationScore": 93.0})
	}))
	run := runFlow(t, s, sim.Start{})
	assert.Equal(t, []string{"Stream", "Check", "Authenticated"}, path(run))
	reqs := requests(run)
	require.Len(t, reqs, 2)
	assert.Equal(t, []string{"StartVoiceIdStream", "CheckVoiceId"}, []string{reqs[0].Op, reqs[1].Op})
	assert.Equal(t, map[string]any{"CheckVoiceId": map[string]any{"Authentication": true}}, params(t, reqs[1]))
	assert.Equal(t, map[string]any{"StreamStatus": "Started", "Result": "Authenticated", "AuthenticationScore": 93.0}, shared(run, "VoiceId"))

	notAuth := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("CheckVoiceId", "", map[string]any{"Result": "NotAuthenticated"})
	}))
	run = runFlow(t, notAuth, sim.Start{})
	assert.Equal(t, []string{"Stream", "Check", "NotAuthenticated"}, path(run))
}

func TestCustomerProfileAnswerIsReadThroughCustomer(t *testing.T) {
	d := doc(t, "",
		`Create|CreateCustomerProfile|{"ProfileRequestData":{"FirstName":"$.Attributes.first","PhoneNumber":"$.CustomerEndpoint.Address"},"ProfileResponseData":["ProfileId"]}|{"NextAction":"Get","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Get|GetCustomerProfile|{"ProfileRequestData":{"IdentifierName":"_phone","IdentifierValue":"$.CustomerEndpoint.Address"},"ProfileResponseData":["FirstName","LastName"]}|{"NextAction":"Hello","Errors":[{"NextAction":"Many","ErrorType":"MultipleFoundError"},{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Hello|MessageParticipant|{"Text":"Hello $.Customer.FirstName $.Customer.LastName ($.Customer.ProfileId)."}|{"NextAction":"Done"}`,
		end("Done"), end("Many"), end("Failed"))
	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("CreateCustomerProfile", "", map[string]any{"ProfileId": "p-1"})
		f.ContactCenter.Answer("GetCustomerProfile", "", map[string]any{"FirstName": "Ada", "LastName": "Lovelace"})
	}))
	run := runFlow(t, s, sim.Start{Contact: "+15550004444", Payload: map[string]any{"Attributes": map[string]any{"first": "Ada"}}})
	assert.Equal(t, []string{"Create", "Get", "Hello", "Done"}, path(run))
	assert.Equal(t, []string{"Hello Ada Lovelace (p-1)."}, said(run))
	assert.Equal(t, map[string]any{"ProfileId": "p-1", "FirstName": "Ada", "LastName": "Lovelace"}, shared(run, "Customer"), "answers merged")
	reqs := requests(run)
	require.Len(t, reqs, 2)
	assert.Equal(t, map[string]any{"FirstName": "Ada", "PhoneNumber": "+15550004444"}, params(t, reqs[0])["ProfileRequestData"])
	assert.Equal(t, map[string]any{"IdentifierName": "_phone", "IdentifierValue": "+15550004444"}, params(t, reqs[1])["ProfileRequestData"])

	many := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Fail("GetCustomerProfile", "", &connect.Error{Type: "MultipleFoundError", Message: "2 profiles"})
	}))
	run = runFlow(t, many, sim.Start{})
	assert.Equal(t, []string{"Create", "Get", "Many"}, path(run))
	assert.Equal(t, "MultipleFoundError", run.Steps()[1].Name)
	assert.Equal(t, "2 profiles", run.Execution.Widgets()["Get"].(map[string]any)["Error"])
}

func TestCaseActionsAndTheirErrorTypes(t *testing.T) {
	const template = "arn:aws:cases:eu-west-1:1:domain/d/template/complaint"
	withBranch := doc(t, "",
		`Create|CreateCase|{"CaseTemplateId":"`+template+`","CaseRequestFields":{"title":"Complaint from $.Attributes.name"}}|{"NextAction":"Get","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Get|GetCase|{"GetLastUpdatedCase":"True","CaseRequestFields":{"customer_id":"$.Customer.ProfileId"}}|{"NextAction":"Found","Errors":[{"NextAction":"Many","ErrorType":"MultipleFound"},{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		`Found|MessageParticipant|{"Text":"Case $.Case.CaseId."}|{"NextAction":"Done"}`,
		end("Done"), end("Many"), end("Failed"))
	withoutBranch := doc(t, "",
		`Get|GetCase|{"GetLastUpdatedCase":"True"}|{"NextAction":"Found","Errors":[{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Found"), end("Failed"))
	multiple := func(f *fake.Fakes) {
		f.ContactCenter.Fail("GetCase", "", &connect.Error{Type: "MultipleFound"})
	}

	ok := sim.New(sim.WithFlow("main", withBranch), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("CreateCase", "complaint", map[string]any{"CaseId": "case-1"})
	}))
	run := runFlow(t, ok, sim.Start{Payload: map[string]any{"Attributes": map[string]any{"name": "Ada"}}})
	assert.Equal(t, []string{"Create", "Get", "Found", "Done"}, path(run))
	assert.Equal(t, []string{"Case case-1."}, said(run))
	reqs := requests(run)
	require.Len(t, reqs, 2)
	assert.Equal(t, template, reqs[0].Text)
	assert.Equal(t, map[string]any{"title": "Complaint from Ada"}, params(t, reqs[0])["CaseRequestFields"])

	run = runFlow(t, sim.New(sim.WithFlow("main", withBranch), sim.WithFakes(multiple)), sim.Start{})
	assert.Equal(t, []string{"Create", "Get", "Many"}, path(run))
	assert.Equal(t, "MultipleFound", run.Steps()[1].Name)

	run = runFlow(t, sim.New(sim.WithFlow("main", withoutBranch), sim.WithFakes(multiple)), sim.Start{})
	assert.Equal(t, []string{"Get", "Failed"}, path(run), "a state without the branch takes NoMatchingError")
	assert.Equal(t, "NoMatchingError", run.Steps()[0].Name)
	assert.Equal(t, "MultipleFound", run.Execution.Widgets()["Get"].(map[string]any)["ErrorType"])
}

// --- ConnectParticipantWithLexBot --------------------------------------

func TestConnectParticipantWithLexBot(t *testing.T) {
	const bot = "arn:aws:lex:eu-west-1:1:bot-alias/B/A"
	d := doc(t, "",
		`Bot|ConnectParticipantWithLexBot|{"Text":"How can I help?","LexV2Bot":{"AliasArn":"`+bot+`"},"LexSessionAttributes":{"caller":"$.CustomerEndpoint.Address"}}|{"NextAction":"Failed","Conditions":[{"NextAction":"Sales","Condition":{"Operator":"Equals","Operands":["Sales"]}},{"NextAction":"Finance","Condition":{"Operator":"Equals","Operands":["Finance"]}}],"Errors":[{"NextAction":"Unmatched","ErrorType":"NoMatchingCondition"},{"NextAction":"Silent","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"Failed","ErrorType":"NoMatchingError"}]}`,
		end("Sales"), end("Finance"), end("Unmatched"), end("Silent"), end("Failed"))

	s := sim.New(sim.WithFlow("main", d))
	run := runFlow(t, s, sim.Start{Contact: "+15550005555"}, sim.Speak("sales"))
	assert.Equal(t, []string{"Bot", "Sales"}, path(run), "the words match the intent, case aside")
	assert.Equal(t, []string{"How can I help?"}, said(run))
	lex := shared(run, "Lex")
	assert.Equal(t, "Sales", lex["IntentName"])
	assert.Equal(t, "Fulfilled", lex["DialogState"])
	assert.Equal(t, "sales", lex["InputTranscript"])
	reqs := requests(run)
	require.Len(t, reqs, 1)
	assert.Equal(t, "ConnectParticipantWithLexBot", reqs[0].Op)
	assert.Equal(t, bot, reqs[0].Text)
	assert.Equal(t, map[string]any{"Text": "sales", "SessionAttributes": map[string]any{"caller": "+15550005555"}}, params(t, reqs[0]))
	assert.Equal(t, "gather.say", run.Transcript[0].Op)

	run = runFlow(t, s, sim.Start{}, sim.Speak("weather"))
	assert.Equal(t, []string{"Bot", "Unmatched"}, path(run))
	assert.Equal(t, "Failed", shared(run, "Lex")["DialogState"])

	finance := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("ConnectParticipantWithLexBot", "", map[string]any{"IntentName": "Finance", "Slots": map[string]any{"account": "123"}})
	}))
	run = runFlow(t, finance, sim.Start{}, sim.Speak("sales"))
	assert.Equal(t, []string{"Bot", "Finance"}, path(run), "the bot's intent wins over the words")
	assert.Equal(t, map[string]any{"IntentName": "Finance", "Slots": map[string]any{"account": "123"}, "InputTranscript": "sales"}, shared(run, "Lex"))

	run = runFlow(t, s, sim.Start{}, sim.Timeout())
	assert.Equal(t, []string{"Bot", "Silent"}, path(run))
	assert.Equal(t, "InputTimeLimitExceeded", run.Steps()[0].Name)
	assert.Equal(t, sim.DefaultNow.Add(8e9), run.Steps()[0].Time, "Lex waits 8 seconds by default")
}

// --- Ending ---------------------------------------------------------

func TestDisconnectAndEndFlowExecution(t *testing.T) {
	d := doc(t, "",
		`Hi|MessageParticipant|{"Text":"Goodbye."}|{"NextAction":"Bye"}`, bye)
	run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{})
	assert.Equal(t, []string{"Hi", "Bye"}, path(run))
	assert.Equal(t, []string{"voice.say \"Goodbye.\"", "voice.hangup"}, lineOps(run))
	assert.Equal(t, "disconnected", run.Execution.Reason)
	assert.Equal(t, runtime.StatusEnded, run.Status())
	last := run.Steps()[len(run.Steps())-1]
	assert.Equal(t, "DisconnectParticipant", last.Type)

	e := doc(t, "",
		`Hi|MessageParticipant|{"Text":"Goodbye."}|{"NextAction":"End"}`, end("End"))
	run = runFlow(t, sim.New(sim.WithFlow("main", e)), sim.Start{})
	assert.Equal(t, []string{"Hi", "End"}, path(run))
	assert.Equal(t, runtime.StatusEnded, run.Status())
	for _, e := range run.Transcript {
		assert.False(t, e.Service == "voice" && e.Op == "hangup", "EndFlowExecution hangs nothing up itself")
	}
	assert.Equal(t, "EndFlowExecution", run.Steps()[1].Type)
}

// lineOps are the service calls of the run other than the contact's own
// actions, as the transcript prints them, without call sids.
func lineOps(run *sim.Run) []string {
	var out []string
	for _, e := range run.Transcript {
		if e.Service == "caller" || e.Service == "contactcenter" {
			continue
		}
		s := e.Service + "." + e.Op
		if e.Text != "" {
			s += fmt.Sprintf(" %q", e.Text)
		}
		out = append(out, s)
	}
	return out
}

// --- Unknown action types ---------------------------------------------

func TestAnUnknownActionTypeLoadsAndFailsWhenReached(t *testing.T) {
	d := doc(t, "",
		`Hi|MessageParticipant|{"Text":"Hello."}|{"NextAction":"Fancy"}`,
		`Fancy|FancyNewBlock|{"Sparkle":"lots"}|{"NextAction":"Bye","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		bye)
	s := sim.New(sim.WithFlow("main", d))
	ps := s.Engine.Check(d)
	assert.Empty(t, ps.Errors(), ps)
	ws := ps.WithCode(connect.CodeActionUnsupported)
	require.Len(t, ws, 1, ps)
	assert.Equal(t, flow.SeverityWarning, ws[0].Severity)
	assert.Equal(t, "Fancy", ws[0].State)
	assert.Contains(t, ws[0].Message, `"FancyNewBlock"`)

	run := runFlow(t, s, sim.Start{})
	assert.Equal(t, runtime.StatusFailed, run.Status())
	assert.Equal(t, runtime.FailureUnsupported, run.Execution.FailureCode)
	assert.Contains(t, run.Execution.Reason, "FancyNewBlock")
	assert.Equal(t, []string{"Hello."}, said(run), "the flow ran up to the block")
	assert.Equal(t, "Hi", run.Steps()[0].From)
}

// A Compare with no NoMatchingCondition branch (nor NoMatchingError) ends
// the flow for a contact no condition matches: the check warns, on that
// action only.
func TestACompareWithoutNoMatchIsWarned(t *testing.T) {
	d := doc(t, "",
		`Open|Compare|{"ComparisonValue":"$.Attributes.tier"}|{"NextAction":"Bye","Conditions":[{"NextAction":"Bye","Condition":{"Operator":"Equals","Operands":["gold"]}}]}`,
		`Handled|Compare|{"ComparisonValue":"$.Attributes.tier"}|{"NextAction":"Bye","Conditions":[{"NextAction":"Bye","Condition":{"Operator":"Equals","Operands":["gold"]}}],"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingCondition"}]}`,
		bye)
	ps := sim.New(sim.WithFlow("main", d)).Engine.Check(d)
	assert.Empty(t, ps.Errors(), ps)
	ws := ps.WithCode(connect.CodeNoMatchEndsFlow)
	require.Len(t, ws, 1, ps)
	assert.Equal(t, flow.SeverityWarning, ws[0].Severity)
	assert.Equal(t, "Open", ws[0].State)
}

// Identifiers Connect does not allow load here with a warning each: a
// refused character, a reserved name, more than 50 characters.
func TestIdentifiersConnectRefusesAreWarned(t *testing.T) {
	long := strings.Repeat("é", 51)
	d := doc(t, "",
		`Say: hi|MessageParticipant|{"Text":"Hello."}|{"NextAction":"constructor"}`,
		`constructor|MessageParticipant|{"Text":"Again."}|{"NextAction":"`+long+`"}`,
		long+`|MessageParticipant|{"Text":"Bye."}|{"NextAction":"Fine name 1"}`,
		`Fine name 1|DisconnectParticipant|{}|{}`)
	ps := sim.New(sim.WithFlow("main", d)).Engine.Check(d)
	assert.Empty(t, ps.Errors(), ps)
	var states []string
	for _, w := range ps.WithCode(connect.CodeIdentifierRefused) {
		assert.Equal(t, flow.SeverityWarning, w.Severity)
		states = append(states, w.State)
	}
	assert.ElementsMatch(t, []string{"Say: hi", "constructor", long}, states)
}

// FlowLoggingBehavior is "One of [Enabled,Disabled]. Dynamic values are not
// supported" (AWS): anything else loads with a warning.
func TestFlowLoggingBehaviorIsEnabledOrDisabled(t *testing.T) {
	for v, warned := range map[string]bool{"Enabled": false, "Disabled": false, "Sometimes": true, "$.Attributes.logs": true, "enabled": true} {
		d := doc(t, "",
			`Log|UpdateFlowLoggingBehavior|{"FlowLoggingBehavior":"`+v+`"}|{"NextAction":"Bye"}`,
			bye)
		ps := sim.New(sim.WithFlow("main", d)).Engine.Check(d)
		assert.Empty(t, ps.Errors(), ps)
		ws := ps.WithCode(widgets.CodePropertyInvalid)
		assert.Equal(t, warned, len(ws) == 1, "%s: %s", v, ps)
	}
}

// --- References ---------------------------------------------------------

// References with Connect's bracket syntax, placeholders that are not
// references, a reference ending a sentence, missing ones, and a value
// that is exactly one reference.
func TestReferences(t *testing.T) {
	d := doc(t, "",
		`Fn|InvokeLambdaFunction|{"LambdaFunctionARN":"fn"}|{"NextAction":"Set","Errors":[{"NextAction":"Done","ErrorType":"NoMatchingError"}]}`,
		`Set|UpdateContactAttributes|{"Attributes":{"a name":"spaced","tier":"gold"}}|{"NextAction":"Say"}`,
		`Say|MessageParticipant|{"Text":"[$.Attributes.['a name']] [$.Attributes[\"a name\"]] ${REGION} costs $5, balance is $.External.x. Missing: <$.Attributes.nope><$.Nothing.at.all>"}|{"NextAction":"Keep"}`,
		`Keep|Compare|{"ComparisonValue":"$.External"}|{"NextAction":"Done","Conditions":[{"NextAction":"Json","Condition":{"Operator":"TextContains","Operands":["\"x\":\"12\""]}}],"Errors":[{"NextAction":"Done","ErrorType":"NoMatchingCondition"}]}`,
		end("Json"), end("Done"))
	s := sim.New(sim.WithFlow("main", d), sim.WithFakes(func(f *fake.Fakes) {
		f.ContactCenter.Answer("InvokeLambdaFunction", "", map[string]any{"x": "12"})
	}))
	run := runFlow(t, s, sim.Start{})
	assert.Equal(t, []string{"Fn", "Set", "Say", "Keep", "Json"}, path(run))
	assert.Equal(t, []string{`[spaced] [spaced] ${REGION} costs $5, balance is 12. Missing: <><>`}, said(run))
	assert.Equal(t, map[string]any{"x": "12"}, run.Execution.Widgets()["Keep"].(map[string]any)["Value"], "one reference keeps the object")
	assert.Equal(t, "Condition", run.Steps()[3].Name, "an object is compared as its JSON text")
}

// --- Hostile inputs -----------------------------------------------------

// A condition whose operator Connect does not document is a check
// warning, and never holds, not even on equal operands.
func TestAnUnknownOperatorIsNeverTrue(t *testing.T) {
	d := doc(t, "",
		`Check|Compare|{"ComparisonValue":"5"}|{"NextAction":"No","Conditions":[{"NextAction":"Yes","Condition":{"Operator":"NumberEqualTo","Operands":["5"]}},{"NextAction":"Yes","Condition":{"Operator":"equals","Operands":["5"]}}],"Errors":[{"NextAction":"No","ErrorType":"NoMatchingCondition"}]}`,
		end("Yes"), end("No"))
	s := sim.New(sim.WithFlow("main", d))
	ps := s.Engine.Check(d)
	assert.Empty(t, ps.Errors(), ps)
	ws := ps.WithCode(widgets.CodePropertyInvalid)
	require.Len(t, ws, 2, ps)
	assert.Equal(t, flow.SeverityWarning, ws[0].Severity)
	assert.Contains(t, ws[0].Message, `"NumberEqualTo"`)
	assert.Contains(t, ws[1].Message, `"equals"`, "operators are case-sensitive")
	run := runFlow(t, s, sim.Start{})
	assert.Equal(t, []string{"Check", "No"}, path(run))
	assert.Equal(t, "NoMatchingCondition", run.Steps()[0].Name)
}

// An input time limit that is not a number is a check problem of the
// state. Connect documents the limit as a whole number above zero and
// refuses such a flow itself; so does the engine: it is an error, and the
// flow takes no contact. (The same menu with a number runs.)
func TestAnInputTimeLimitThatIsNotANumber(t *testing.T) {
	menu := func(limit string) *flow.Definition {
		return doc(t, "",
			`Menu|GetParticipantInput|{"Text":"Press 1.","InputTimeLimitSeconds":`+limit+`}|{"NextAction":"No","Conditions":[{"NextAction":"One","Condition":{"Operator":"Equals","Operands":["1"]}}],"Errors":[{"NextAction":"No","ErrorType":"NoMatchingCondition"},{"NextAction":"Silent","ErrorType":"InputTimeLimitExceeded"}]}`,
			end("One"), end("No"), end("Silent"))
	}
	d := menu(`"abc"`)
	s := sim.New(sim.WithFlow("main", d))
	ps := s.Engine.Check(d)
	bad := ps.WithCode(widgets.CodePropertyInvalid)
	require.Len(t, bad, 1, ps)
	assert.Equal(t, "Menu", bad[0].State)
	assert.Equal(t, flow.SeverityError, bad[0].Severity)
	assert.Equal(t, "#/states/0/properties/InputTimeLimitSeconds", bad[0].Path)
	assert.Contains(t, bad[0].Message, `"abc"`)
	_, err := s.Run(context.Background(), sim.Start{}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "InputTimeLimitSeconds must be a whole number")

	good := menu(`7`) // a JSON number is read as well as a string
	s = sim.New(sim.WithFlow("main", good))
	assert.Empty(t, s.Engine.Check(good), "no problem")
	run := runFlow(t, s, sim.Start{}, sim.Timeout())
	assert.Equal(t, []string{"Menu", "Silent"}, path(run))
	assert.Equal(t, sim.DefaultNow.Add(7e9), run.Steps()[0].Time)
	gather := run.Transcript[0]
	require.Equal(t, "gather.say", gather.Op)
	assert.Equal(t, 7.0, gather.Detail["timeout"])
}

// An event the wait does not take is refused, by the simulator and by the
// engine, and the execution still waits at the menu.
func TestAnEventTheWaitDoesNotTakeIsRefused(t *testing.T) {
	d := doc(t, "",
		`Menu|GetParticipantInput|{"Text":"Press 1.","InputTimeLimitSeconds":"5"}|{"NextAction":"No","Conditions":[{"NextAction":"One","Condition":{"Operator":"Equals","Operands":["1"]}}],"Errors":[{"NextAction":"No","ErrorType":"NoMatchingCondition"},{"NextAction":"No","ErrorType":"InputTimeLimitExceeded"}]}`,
		end("One"), end("No"))
	s := sim.New(sim.WithFlow("main", d))
	ctx := context.Background()
	ss, err := s.Start(ctx, sim.Start{})
	require.NoError(t, err)

	err = ss.Do(ctx, sim.Event("bogus", nil))
	require.Error(t, err)
	assert.ErrorIs(t, err, sim.ErrNotAccepted)
	var ae *sim.ActionError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "Menu", ae.State)
	require.NotNil(t, ss.Waiting(), "the execution still waits")
	assert.Equal(t, "Menu", ss.Waiting().State)

	_, err = s.Engine.Resume(ctx, ss.Execution().ID, widgets.Event{Name: "bogus"})
	require.Error(t, err)
	assert.ErrorIs(t, err, runtime.ErrRefused)
	x, err := s.Engine.Get(ctx, ss.Execution().ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusActive, x.Status)
	require.NotNil(t, x.Wait)
	assert.Equal(t, "Menu", x.Wait.State)
	assert.Empty(t, x.Steps, "nothing moved")

	require.NoError(t, ss.Do(ctx, sim.Press("1")))
	assert.Equal(t, []string{"Menu", "One"}, path(ss.Run()))
	assert.Nil(t, ss.Waiting())
}

// --- Benchmark --------------------------------------------------------

// A DTMF menu conversation on one engine: the call comes in, the menu
// waits, the caller presses 1, the queue is set and the contact is
// transferred to it, which ends the flow.
func BenchmarkConnectMenuConversation(b *testing.B) {
	d := doc(b, fconnect.TypeContactFlow,
		`Menu|GetParticipantInput|{"Text":"Press 1 for sales, 2 for support.","StoreInput":"False","InputTimeLimitSeconds":"5"}|{"NextAction":"Bye","Conditions":[{"NextAction":"Sales","Condition":{"Operator":"Equals","Operands":["1"]}},{"NextAction":"Support","Condition":{"Operator":"Equals","Operands":["2"]}}],"Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingCondition"},{"NextAction":"Bye","ErrorType":"InputTimeLimitExceeded"},{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Sales|UpdateContactTargetQueue|{"QueueId":"arn:aws:connect:eu-west-1:1:instance/i/queue/sales"}|{"NextAction":"Transfer","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Support|UpdateContactTargetQueue|{"QueueId":"arn:aws:connect:eu-west-1:1:instance/i/queue/support"}|{"NextAction":"Transfer","Errors":[{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		`Transfer|TransferContactToQueue|{}|{"NextAction":"Bye","Errors":[{"NextAction":"Bye","ErrorType":"QueueAtCapacity"},{"NextAction":"Bye","ErrorType":"NoMatchingError"}]}`,
		bye)
	s := sim.New(sim.WithFlow("main", d))
	ctx := context.Background()
	st := sim.Start{Channel: "VOICE"}
	press := sim.Press("1")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ss, err := s.Start(ctx, st)
		if err != nil {
			b.Fatal(err)
		}
		if w := ss.Waiting(); w == nil || w.State != "Menu" {
			b.Fatalf("not waiting at the menu: %v", ss.Run())
		}
		if err := ss.Do(ctx, press); err != nil {
			b.Fatal(err)
		}
		if x := ss.Execution(); x.Status != runtime.StatusEnded || x.Reason != "transferred to queue sales" {
			b.Fatalf("the conversation did not end in the queue: %v", ss.Run())
		}
	}
}

// Fixes the review found: a task's prompt goes nowhere and takes the
// success branch; "$.50" is a price; the third-party timeout under the
// name AWS's reference gives; a deployment placeholder where a number
// belongs is a warning, not a refused flow.
func TestReviewedEdges(t *testing.T) {
	d := doc(t, "",
		`Say|MessageParticipant|{"Text":"Hello"}|{"NextAction":"Price","Errors":[{"NextAction":"Err","ErrorType":"NoMatchingError"}]}`,
		`Price|MessageParticipant|{"Text":"It costs $.50 today."}|{"NextAction":"Done"}`,
		end("Err"), end("Done"))
	run := runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{Channel: "TASK"})
	assert.Equal(t, []string{"Say", "Price", "Done"}, path(run), "a task takes the success branch with no effect")
	assert.Empty(t, said(run))

	run = runFlow(t, sim.New(sim.WithFlow("main", d)), sim.Start{})
	assert.Equal(t, []string{"Hello", "It costs $.50 today."}, said(run))

	dial := doc(t, "",
		`Dial|TransferParticipantToThirdParty|{"ThirdPartyPhoneNumber":"+442071230000","ThirdPartyConnectionTimeoutSeconds":"45"}|{"NextAction":"Done","Errors":[{"NextAction":"Err","ErrorType":"NoMatchingError"}]}`,
		end("Err"), end("Done"))
	run = runFlow(t, sim.New(sim.WithFlow("main", dial)), sim.Start{}, sim.Event("callCompleted", map[string]any{"DialCallStatus": "completed"}))
	var timeout any
	for _, e := range run.Transcript {
		if e.Op == "connect" {
			timeout = e.Detail["timeout"]
		}
	}
	assert.Equal(t, 45.0, timeout)

	placeholder := doc(t, "",
		`Ask|GetParticipantInput|{"Text":"Key?","StoreInput":"True","InputTimeLimitSeconds":"${TIMEOUT}"}|{"NextAction":"Done","Errors":[{"NextAction":"Err","ErrorType":"NoMatchingError"}]}`,
		end("Err"), end("Done"))
	s := sim.New(sim.WithFlow("main", placeholder))
	ps := s.Engine.Check(placeholder)
	assert.Empty(t, ps.Errors(), ps)
	require.Len(t, ps.WithCode(widgets.CodePropertyTemplate), 1, ps)
	ss, err := s.Start(context.Background(), sim.Start{})
	require.NoError(t, err)
	require.NotNil(t, ss.Waiting().Deadline)
	assert.Equal(t, sim.DefaultNow.Add(5e9), *ss.Waiting().Deadline, "the default applies")
}
