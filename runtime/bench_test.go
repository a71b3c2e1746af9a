package runtime

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// benchNow is the benchmarks' clock: fixed, like every clock in the tests.
var benchNow = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// nopVoice accepts every voice operation and keeps only the last thing
// said, so the benchmarks measure the engine, not a fake.
type nopVoice struct{ said *string }

func (v nopVoice) Say(_ context.Context, _ string, p widgets.Prompt) error {
	if v.said != nil {
		*v.said = p.Say
	}
	return nil
}
func (nopVoice) Gather(context.Context, string, widgets.Gather) error     { return nil }
func (nopVoice) Connect(context.Context, string, widgets.Dial) error      { return nil }
func (nopVoice) Record(context.Context, string, widgets.Recording) error  { return nil }
func (nopVoice) Enqueue(context.Context, string, widgets.Enqueue) error   { return nil }
func (nopVoice) Redirect(context.Context, string, widgets.Redirect) error { return nil }
func (nopVoice) Hangup(context.Context, string) error                     { return nil }
func (nopVoice) Call(context.Context, widgets.OutboundCall) (string, error) {
	return "CA1", nil
}

// pingPong is a flow whose two states hand over to each other forever.
func pingPong(typ, props string) *flow.Definition {
	d, err := flow.Parse([]byte(`{"description": "bench", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "a"}], "properties": {}},
	  {"name": "a", "type": "` + typ + `", "transitions": [{"event": "EVENT", "next": "b"}], "properties": ` + props + `},
	  {"name": "b", "type": "` + typ + `", "transitions": [{"event": "EVENT", "next": "a"}], "properties": ` + props + `}]}`))
	if err != nil {
		panic(err)
	}
	for i := range d.States[1:] {
		d.States[i+1].Transitions[0].Event = map[string]string{"set-variables": "next", "say-play": "audioComplete"}[typ]
	}
	return d
}

// benchRunSteps is how many steps each execution of benchSteps takes.
const benchRunSteps = 1000

// benchSteps runs b.N steps of def in executions of benchRunSteps steps
// each and reports the engine's cost per step. Setting each execution up
// is timed too, spread over its steps (a few nanoseconds each): measured
// side by side, stopping the timer around it read about 10% more per
// templated step, the stop of the world that reads the memory statistics
// disturbing the steps after it.
func benchSteps(b *testing.B, def *flow.Definition, said *string) {
	e := New(WithSource(Definitions{"FW": def}), WithServices(&widgets.Services{Voice: nopVoice{said}}),
		WithLimits(Limits{MaxSteps: benchRunSteps, MaxRepeats: 2}), WithClock(NewFixedClock(benchNow).Now))
	res, _ := e.source.Flow(context.Background(), "FW", "")
	p, err := e.program(res)
	if err != nil {
		b.Fatal(err)
	}
	req := StartRequest{FlowSid: "FW", Trigger: TriggerCall, CallSid: "CA1", Parameters: map[string]any{}}
	steps := make([]Step, 0, benchRunSteps)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	done := 0
	for done < b.N {
		x := e.newExecution(req, p, "", e.clock())
		x.Frames[0].Context["flow"].(map[string]any)["data"] = map[string]any{"first_name": "Ada"}
		x.Steps = steps[:0]
		r := e.newRun(ctx, x)
		r.progs = append(r.progs, p)
		r.loop(widgets.Result{}, false)
		done += len(x.Steps)
		// Every run must be a full one: benchRunSteps steps through the flow, not
		// an early failure.
		if x.FailureCode != FailureLimitSteps {
			b.Fatalf("the run ended early: %s", x.Reason)
		}
	}
}

// BenchmarkStepPlain: a transition through a widget with no template.
func BenchmarkStepPlain(b *testing.B) {
	benchSteps(b, pingPong("set-variables", `{}`), nil)
}

// BenchmarkStepTemplated: a say-play rendering Hello {{flow.data.first_name}}.
func BenchmarkStepTemplated(b *testing.B) {
	var said string
	benchSteps(b, pingPong("say-play", `{"say": "Hello {{flow.data.first_name}}"}`), &said)
	if said != "Hello Ada" {
		b.Fatalf("rendered %q", said)
	}
}

// BenchmarkStepCounter: Twilio's counter idiom, a set-variables step
// ({{flow.variables.count | plus: 1}}) and a split-based-on step
// (less_than) looping back to it; the figure is per step.
func BenchmarkStepCounter(b *testing.B) {
	d, err := flow.Parse([]byte(`{"description": "counter", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "count"}], "properties": {}},
	  {"name": "count", "type": "set-variables", "transitions": [{"event": "next", "next": "check"}],
	   "properties": {"variables": [{"key": "count", "value": "{{flow.variables.count | plus: 1}}"}]}},
	  {"name": "check", "type": "split-based-on", "transitions": [{"event": "noMatch"},
	    {"event": "match", "next": "count", "conditions": [{"friendly_name": "more", "arguments": ["{{flow.variables.count}}"], "type": "less_than", "value": "100000000"}]}],
	   "properties": {"input": "{{flow.variables.count}}"}}]}`))
	if err != nil {
		b.Fatal(err)
	}
	benchSteps(b, d, nil)
}

// fixtureStore serves one serialized execution for every load and
// serializes every save, without keeping it: each iteration of
// BenchmarkResume starts from the same JSON.
type fixtureStore struct {
	Store
	data  []byte
	saved int
}

func (s *fixtureStore) Load(context.Context, string) (*Execution, error) {
	return UnmarshalExecution(s.data)
}

func (s *fixtureStore) Save(_ context.Context, x *Execution) error {
	data, err := MarshalExecution(x)
	s.saved = len(data)
	return err
}

// BenchmarkResume: load a waiting execution of the README's IVR menu from
// JSON, apply a keypress (9: hear the menu again), run to the next wait and
// save as JSON.
func BenchmarkResume(b *testing.B) {
	src, err := os.ReadFile("../examples/ivr/menu.json")
	if err != nil {
		b.Fatal(err)
	}
	def, err := flow.Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	e := New(WithSource(Definitions{"FWacme": def}), WithServices(&widgets.Services{Voice: nopVoice{}}), WithClock(NewFixedClock(benchNow).Now))
	x, err := e.Start(ctx, StartRequest{FlowSid: "FWacme", Trigger: TriggerCall, Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA0001"})
	if err != nil || x.Wait == nil {
		b.Fatalf("start: %v %+v", err, x)
	}
	data, err := MarshalExecution(x)
	if err != nil {
		b.Fatal(err)
	}
	fs := &fixtureStore{Store: e.store, data: data}
	e.store = fs
	ev := widgets.Event{Name: "keypress", Data: map[string]any{"Digits": "9"}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		y, err := e.Resume(ctx, x.ID, ev)
		if err != nil || y.Wait == nil || y.Wait.State != "menu" {
			b.Fatalf("resume did not go back to the menu: %v", err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(data)), "bytes-waiting")
	b.ReportMetric(float64(fs.saved), "bytes-saved")
}

// nopMessaging accepts every message and keeps only the last body, so
// that the benchmarks measure the engine, not a fake.
type nopMessaging struct{ last *string }

func (m nopMessaging) Send(_ context.Context, msg widgets.Message) (widgets.Sent, error) {
	*m.last = msg.Body
	return widgets.Sent{Sid: "SM1", Status: "queued"}, nil
}

// surveyFlow is a two-question SMS conversation: ask a name, ask a
// rating, thank the contact by name.
const surveyFlow = `{"description": "survey", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage", "next": "ask_name"}], "properties": {}},
  {"name": "ask_name", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "keep_name"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"from": "{{flow.channel.address}}", "body": "Hi! What is your name?", "timeout": "3600"}},
  {"name": "keep_name", "type": "set-variables", "transitions": [{"event": "next", "next": "ask_rating"}],
   "properties": {"variables": [{"key": "name", "value": "{{widgets.ask_name.inbound.Body}}"}]}},
  {"name": "ask_rating", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"from": "{{flow.channel.address}}", "body": "Thanks {{flow.variables.name}}. How did we do, from 1 to 5?", "timeout": "3600"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}],
   "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}", "body": "Thanks, {{flow.variables.name}}: you gave us {{widgets.ask_rating.inbound.Body}}."}}]}`

// BenchmarkConversation: a two-question SMS conversation through the
// in-memory store, which keeps each execution as JSON, so that every
// message after the first loads its execution from JSON and every message
// saves it as JSON: the first message starts it and is asked a name, the
// name is answered and a rating asked, the rating is answered and thanked.
// The figure is per conversation, all three messages. The ended
// conversations stay in the store, as they would in a host's until its
// retention removes them.
func BenchmarkConversation(b *testing.B) {
	def, err := flow.Parse([]byte(surveyFlow))
	if err != nil {
		b.Fatal(err)
	}
	var last string
	e := New(WithSource(Definitions{"FWsurvey": def}), WithServices(&widgets.Services{Messaging: nopMessaging{&last}}),
		WithClock(NewFixedClock(benchNow).Now), WithIDs(SequentialIDs()))
	ctx := context.Background()
	req := StartRequest{FlowSid: "FWsurvey", Trigger: TriggerMessage, Contact: "+15551230000", FlowAddress: "+15559870000",
		Payload: map[string]any{"Body": "hi"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req.Contact = "+1555" + strconv.Itoa(1000000+i)
		x, err := e.Start(ctx, req)
		if err != nil || x.Wait == nil {
			b.Fatalf("start: %v (waiting: %v)", err, x != nil && x.Wait != nil)
		}
		if x, err = e.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Data: map[string]any{"Body": "Ada"}}); err != nil || x.Wait == nil {
			b.Fatalf("name: %v (waiting: %v)", err, x != nil && x.Wait != nil)
		}
		if x, err = e.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Data: map[string]any{"Body": "5"}}); err != nil || x.Status != StatusEnded {
			b.Fatalf("rating: %v %+v", err, x)
		}
	}
	b.StopTimer()
	if last != "Thanks, Ada: you gave us 5." {
		b.Fatalf("the last message was %q", last)
	}
}
