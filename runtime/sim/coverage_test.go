package sim_test

import (
	"errors"
	"strings"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime/sim"
)

const hoursModule = `{"description": "hours", "initial_state": "Begin", "states": [
  {"name": "Begin", "type": "begin-module", "transitions": [{"event": "next", "next": "check"}],
   "properties": {"arguments": [{"name": "vip", "type": "Boolean", "variable": "vip"}]}},
  {"name": "check", "type": "split-based-on", "transitions": [
     {"event": "noMatch", "next": "open"},
     {"event": "match", "next": "open", "conditions": [{"friendly_name": "vip", "arguments": ["{{flow.variables.vip}}"], "type": "equal_to", "value": "true"}]},
     {"event": "match", "next": "closed", "conditions": [{"friendly_name": "never", "arguments": ["{{flow.variables.vip}}"], "type": "equal_to", "value": "never"}]}],
   "properties": {"input": "{{flow.variables.vip}}"}},
  {"name": "open", "type": "return-to-flow", "transitions": [], "properties": {"exit": "open"}},
  {"name": "closed", "type": "end-flow", "transitions": [], "properties": {}}
]}`

const child = `{"description": "child", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingParent", "next": "note"}], "properties": {}},
  {"name": "note", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": [{"key": "seen", "value": "yes"}]}},
  {"name": "spare", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {"variables": []}}
]}`

const parent = `{"description": "parent", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "hours"}], "properties": {}},
  {"name": "hours", "type": "run-module", "transitions": [{"event": "open", "next": "sub"}, {"event": "failed"}],
   "properties": {"module": "hours", "arguments": [{"name": "vip", "value": "{{trigger.call.vip}}"}]}},
  {"name": "sub", "type": "run-subflow", "transitions": [{"event": "completed", "next": "menu"}, {"event": "failed"}],
   "properties": {"flow_sid": "FWchild"}},
  {"name": "menu", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "bye"}, {"event": "speech", "next": "bye"}, {"event": "timeout"}],
   "properties": {"say": "Press a key"}},
  {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Bye"}}
]}`

func TestCoverageAcrossFlowsModulesAndSubflows(t *testing.T) {
	cov := sim.NewCoverage()
	s := sim.New(sim.WithFlow("FWparent", parse(t, parent)), sim.WithFlow("FWchild", parse(t, child)),
		sim.WithModule("hours", parse(t, hoursModule)), sim.WithCoverage(cov))

	run, err := s.Run(ctx, sim.Start{Payload: map[string]any{"vip": "false"}}, sim.Script{sim.Press("1")})
	require.NoError(t, err)
	sim.AssertPath(t, run, []string{"Trigger", "module:hours/Begin", "module:hours/check", "module:hours/open", "hours",
		"subflow:FWchild/Trigger", "subflow:FWchild/note", "sub", "menu", "bye"})
	assert.Equal(t, 1, cov.Runs())

	report := cov.Report()
	assert.Equal(t, `coverage of 1 execution
FWparent "parent": states 5/5 (100%), transitions 5/9 (55%)
  untaken transitions:
    hours -failed-> Ended
    sub -failed-> Ended
    menu -speech-> bye
    menu -timeout-> Ended
FWchild "child": states 2/3 (66%), transitions 2/3 (66%)
  unreached states: spare
  untaken transitions:
    spare -next-> Ended
module:hours "hours": states 3/4 (75%), transitions 2/4 (50%)
  unreached states: closed
  untaken transitions:
    check -match#2-> open
    check -match#3-> closed
`, report)

	// A VIP takes the first match; a second run adds up.
	_, err = s.Run(ctx, sim.Start{Payload: map[string]any{"vip": "true"}}, nil)
	require.NoError(t, err)
	mod, ok := cov.Of("module:hours")
	require.True(t, ok)
	assert.Equal(t, []string{"closed"}, mod.Unreached())
	require.Len(t, mod.Untaken(), 1)
	assert.Equal(t, sim.TransitionCoverage{State: "check", Index: 3, Event: "match", Next: "closed", Repeated: true}, mod.Untaken()[0])
	assert.Equal(t, 2, mod.States[0].Visits)
	assert.False(t, mod.Complete())

	parentCov, _ := cov.Of("FWparent")
	assert.Equal(t, 5, parentCov.Reached())
	assert.Equal(t, 6, parentCov.Taken())
	assert.Len(t, cov.Definitions(), 3)
	_, ok = cov.Of("FWnone")
	assert.False(t, ok)
}

func TestCoverageCountsTheWaitingStateAndIgnoresUnknownDefinitions(t *testing.T) {
	cov := sim.NewCoverage()
	cov.AddFlow("FWacme", menu(t))
	s := sim.New(sim.WithFlow("FWacme", menu(t)), sim.WithFlow("FWother", parse(t, child)))
	ss, err := s.Start(ctx, sim.Start{})
	require.NoError(t, err)
	cov.Record(ss.Execution())
	d, _ := cov.Of("FWacme")
	assert.Equal(t, []string{"route", "sales", "support_sms", "support_bye", "invalid", "goodbye"}, d.Unreached())
	assert.Equal(t, 1, d.States[2].Visits, "menu, where the execution waits")

	// An execution of a flow the coverage does not measure changes nothing.
	run, err := s.Run(ctx, sim.Start{Flow: "FWother", Trigger: "parent"}, nil)
	require.NoError(t, err)
	cov.Record(run.Execution)
	assert.Equal(t, 2, cov.Runs())
	assert.Len(t, cov.Definitions(), 1)
}

func TestTransitionCoverageString(t *testing.T) {
	assert.Equal(t, "a -next-> Ended", sim.TransitionCoverage{State: "a", Index: 1, Event: "next"}.String())
	assert.Equal(t, "s -match#2-> b", sim.TransitionCoverage{State: "s", Index: 2, Event: "match", Next: "b", Repeated: true}.String())
}

func TestCoverageSharedBySimulators(t *testing.T) {
	// Each test may build its own simulator over one shared Coverage: the
	// counts add up, even with the definition parsed again.
	cov := sim.NewCoverage()
	for _, digits := range []string{"1", "2"} {
		s := sim.New(sim.WithFlow("FWacme", menu(t)), sim.WithCoverage(cov))
		_, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Press(digits)})
		require.NoError(t, err)
	}
	d, _ := cov.Of("FWacme")
	assert.Equal(t, []string{"invalid", "goodbye"}, d.Unreached())
	assert.Equal(t, 2, cov.Runs())

	// A changed definition under the same key starts afresh.
	changed := menu(t)
	changed.States = changed.States[:len(changed.States)-1]
	cov.AddFlow("FWacme", changed)
	d, _ = cov.Of("FWacme")
	assert.Equal(t, 0, d.Reached())
}

func TestCoverageTellsSplitBranchesToOneStateApart(t *testing.T) {
	src := `{"description": "branches", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "split"}], "properties": {}},
	  {"name": "split", "type": "split-based-on", "transitions": [
	     {"event": "noMatch"},
	     {"event": "match", "next": "same", "conditions": [{"friendly_name": "a", "arguments": ["{{flow.data.v}}"], "type": "equal_to", "value": "a"}]},
	     {"event": "match", "next": "same", "conditions": [{"friendly_name": "b", "arguments": ["{{flow.data.v}}"], "type": "equal_to", "value": "b"}]}],
	   "properties": {"input": "{{flow.data.v}}"}},
	  {"name": "same", "type": "set-variables", "transitions": [{"event": "next"}], "properties": {}}]}`
	cov := sim.NewCoverage()
	s := sim.New(sim.WithFlow("FW", parse(t, src)), sim.WithCoverage(cov))
	_, err := s.Run(ctx, sim.Start{Trigger: "request", Params: map[string]any{"v": "b"}}, nil)
	require.NoError(t, err)
	c, ok := cov.Of("FW")
	require.True(t, ok)
	var untaken []string
	for _, tr := range c.Untaken() {
		untaken = append(untaken, tr.String())
	}
	// The second match branch ran, so the first is the untaken one.
	assert.Equal(t, []string{"split -noMatch-> Ended", "split -match#2-> same"}, untaken)
}

func TestCoverageLeavesOutTriggerEventsWiredToNothing(t *testing.T) {
	cov := sim.NewCoverage()
	s := sim.New(sim.WithFlow("FWacme", menu(t)), sim.WithCoverage(cov))
	for _, digits := range []string{"1", "2", "7"} {
		_, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Press(digits)})
		require.NoError(t, err)
	}
	d, ok := cov.Of("FWacme")
	require.True(t, ok)
	// Trigger has five events; only incomingCall leads anywhere.
	var unwired []string
	for _, tr := range d.Transitions {
		if tr.Unwired {
			unwired = append(unwired, tr.String())
		}
	}
	assert.Equal(t, []string{"Trigger -incomingMessage-> Ended", "Trigger -incomingConversationMessage-> Ended",
		"Trigger -incomingRequest-> Ended", "Trigger -incomingParent-> Ended"}, unwired)
	assert.Len(t, d.Transitions, 19, "every transition is listed, in document order")
	assert.Equal(t, 15, d.Measured())
	assert.Equal(t, []string{"menu -speech-> route", "route -match#4-> menu", "support_sms -failed-> support_bye"}, untakenStrings(d))
	assert.Equal(t, 12, d.Taken())
	assert.Equal(t, `coverage of 3 executions
FWacme "Acme main IVR": states 9/9 (100%), transitions 12/15 (80%)
  untaken transitions:
    menu -speech-> route
    route -match#4-> menu
    support_sms -failed-> support_bye
`, cov.Report())

	_, err := s.Run(ctx, sim.Start{}, sim.Script{sim.Speak("nine"), sim.Press("9")})
	require.NoError(t, err)
	d, _ = cov.Of("FWacme")
	assert.Equal(t, []string{"support_sms -failed-> support_bye"}, untakenStrings(d))
	assert.False(t, d.Complete())

	// The second message sent fails: every measured transition is taken,
	// so the coverage is complete, unwired trigger events aside.
	require.NoError(t, s.Fakes.FailNth("messaging", 2, errors.New("carrier down")))
	_, err = s.Run(ctx, sim.Start{}, sim.Script{sim.Press("2")})
	require.NoError(t, err)
	d, _ = cov.Of("FWacme")
	assert.Empty(t, d.Untaken())
	assert.True(t, d.Complete())
	assert.Equal(t, 100.0, d.Percent())
}

func untakenStrings(d sim.DefinitionCoverage) []string {
	var out []string
	for _, tr := range d.Untaken() {
		out = append(out, tr.String())
	}
	return out
}

func TestCoverageThreshold(t *testing.T) {
	cov := sim.NewCoverage()
	rec := &recorder{}
	assert.False(t, cov.AssertMin(rec, 0), "nothing measured")
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "coverage: nothing measured")
	assert.Equal(t, 100.0, cov.Percent())

	s := sim.New(sim.WithFlow("FWparent", parse(t, parent)), sim.WithFlow("FWchild", parse(t, child)),
		sim.WithModule("hours", parse(t, hoursModule)), sim.WithCoverage(cov))
	_, err := s.Run(ctx, sim.Start{Payload: map[string]any{"vip": "false"}}, sim.Script{sim.Press("1")})
	require.NoError(t, err)
	// FWparent 10/14, FWchild 4/6, module:hours 5/8 (see the report above).
	byKey := map[string]float64{}
	for _, d := range cov.Definitions() {
		byKey[d.Key] = d.Percent()
	}
	assert.InDelta(t, 1000.0/14, byKey["FWparent"], 1e-9)
	assert.InDelta(t, 400.0/6, byKey["FWchild"], 1e-9)
	assert.InDelta(t, 62.5, byKey["module:hours"], 1e-9)
	assert.InDelta(t, 1900.0/28, cov.Percent(), 1e-9)

	assert.True(t, cov.AssertMin(rec, 62.5), "the lowest is exactly 62.5%")
	assert.Len(t, rec.errors, 1)
	var below []string
	for _, d := range cov.Below(70) {
		below = append(below, d.Key)
	}
	assert.Equal(t, []string{"FWchild", "module:hours"}, below)
	assert.False(t, cov.AssertMin(rec, 70))
	require.Len(t, rec.errors, 2)
	assert.True(t, strings.HasPrefix(rec.errors[1], "coverage below 70%:\n  FWchild: 66.7%\n  module:hours: 62.5%\ncoverage of 1 execution\n"), rec.errors[1])
	assert.Equal(t, 100.0, sim.DefinitionCoverage{}.Percent())
}
