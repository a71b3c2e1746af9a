package compat_test

import (
	"encoding/json"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// stubNode is the node of a stand-in widget type: it only lists events.
type stubNode struct{ events []string }

func (n stubNode) Events() []string                                { return n.events }
func (n stubNode) Run(widgets.StepContext) (widgets.Result, error) { return widgets.Result{}, nil }

func stub(events ...string) func(*widgets.Props) widgets.Node {
	return func(*widgets.Props) widgets.Node { return stubNode{events} }
}

// ensure registers t unless reg already knows a type of that name: tests
// use the real widget types once they have landed, and stand-ins until
// then.
func ensure(reg *widgets.Registry, t widgets.Type) {
	if _, ok := reg.Lookup(t.Name); ok {
		return
	}
	if err := reg.Register(t); err != nil {
		panic(err)
	}
}

// registry returns the standard registry plus stand-ins for the voice and
// Talkdesk types the tests use, where the real ones are not registered.
func registry() *widgets.Registry {
	reg := widgets.Standard()
	for _, t := range []widgets.Type{
		{Name: "make-outbound-call", ProvidesCallOn: []string{"answered"}, PlacesCall: true,
			Compile: stub("answered", "busy", "noAnswer", "invalidNumber")},
		{Name: "forward-to-external-number", NeedsCall: true, EndsCallOn: []string{"completed"},
			Compile: stub("completed", "noAnswer", "invalidNumber")},
		{Name: "end-flow", Compile: stub()},
		{Name: "make-outgoing-call-v2", ProvidesCallOn: []string{"answered"}, PlacesCall: true,
			Compile: stub("answered", "busy", "noAnswer", "failed")},
		{Name: "connect-call-to", NeedsCall: true, EndsCallOn: []string{"callCompleted", "hangup"},
			Compile: stub("callCompleted", "hangup")},
		{Name: "record-voicemail", NeedsCall: true, EndsCallOn: []string{"hangup"},
			Compile: stub("recordingComplete", "noAudio", "hangup")},
		{Name: "enqueue-call", NeedsCall: true, EndsCallOn: []string{"callComplete"},
			Compile: stub("callComplete", "failedToEnqueue", "callFailure")},
		// send-to-flex hands over calls and messages alike (Twilio
		// exports 04, 08 and 32 use it after incomingMessage).
		{Name: "send-to-flex", EndsCallOn: []string{"callComplete"},
			Compile: stub("callComplete", "failedToEnqueue", "callFailure")},
		{Name: "add-twiml-redirect", NeedsCall: true, Compile: stub("return", "timeout", "fail")},
		{Name: "capture-payments", NeedsCall: true, EndsCallOn: []string{"hangup"},
			Compile: stub("success", "maxFailedAttempts", "providerError", "payInterrupted", "hangup", "validationError")},
		{Name: "record-call", NeedsCall: true, Compile: stub("success", "failed")},
	} {
		ensure(reg, t)
	}
	return reg
}

// build makes a definition from one line per state:
//
//	"name type event>next event key=value"
//
// The first state is the initial one. "event>next" is a transition,
// a bare "event" one that ends the branch, and "key=value" a string
// property.
func build(concurrent bool, lines ...string) *flow.Definition {
	d := &flow.Definition{Flags: flow.Flags{AllowConcurrentCalls: concurrent, Present: true}}
	for _, line := range lines {
		f := strings.Fields(line)
		s := flow.State{Name: f[0], Type: f[1], Transitions: []flow.Transition{}, Properties: map[string]json.RawMessage{}}
		for _, tok := range f[2:] {
			if k, v, ok := strings.Cut(tok, "="); ok {
				raw, _ := json.Marshal(v)
				s.Properties[k] = raw
				continue
			}
			ev, next, _ := strings.Cut(tok, ">")
			s.Transitions = append(s.Transitions, flow.Transition{Event: ev, Next: next})
		}
		d.States = append(d.States, s)
	}
	if len(d.States) > 0 {
		d.InitialState = d.States[0].Name
	}
	return d
}

// codes lists "state code" for each problem.
func codes(ps flow.Problems) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.State+" "+p.Code)
	}
	return out
}
