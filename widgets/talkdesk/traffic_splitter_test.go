package talkdesk_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

func TestTrafficSplitterProperties(t *testing.T) {
	tests := []struct {
		name     string
		props    string
		problems []string
		events   []string
		total    int // the n the splitter asks Intn for
	}{
		{name: "weights", props: `{"exits": [{"name": "a", "weight": 90}, {"name": "b", "weight": 10}]}`, events: []string{"a", "b"}, total: 100},
		{name: "weight defaults to 1", props: `{"exits": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}`, events: []string{"a", "b", "c"}, total: 3},
		{name: "weight 1 and 1,000,000", props: `{"exits": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1000000}]}`, events: []string{"a", "b"}, total: 1000001},
		{name: "weight as string", props: `{"exits": [{"name": "a", "weight": "25"}, {"name": "b", "weight": "75"}]}`, events: []string{"a", "b"}, total: 100},
		{name: "one exit", props: `{"exits": [{"name": "all"}]}`, events: []string{"all"}, total: 1},
		{name: "noMatch is an ordinary name here", props: `{"exits": [{"name": "noMatch"}]}`, events: []string{"noMatch"}, total: 1},
		{name: "weight 0", props: `{"exits": [{"name": "a", "weight": 0}]}`, problems: []string{tdProp("exits/0/weight") + " property.out_of_range"}},
		{name: "weight 1,000,001", props: `{"exits": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1000001}]}`, problems: []string{tdProp("exits/1/weight") + " property.out_of_range"}},
		{name: "weight negative as string", props: `{"exits": [{"name": "a", "weight": "-5"}]}`, problems: []string{tdProp("exits/0/weight") + " property.out_of_range"}},
		{name: "weight not whole", props: `{"exits": [{"name": "a", "weight": 2.5}]}`, problems: []string{tdProp("exits/0/weight") + " property.invalid"}},
		{name: "weight not a number", props: `{"exits": [{"name": "a", "weight": "heavy"}]}`, problems: []string{tdProp("exits/0/weight") + " property.invalid"}},
		{name: "weight a list", props: `{"exits": [{"name": "a", "weight": [1]}]}`, problems: []string{tdProp("exits/0/weight") + " property.invalid"}},
		{name: "exits missing", props: `{}`, problems: []string{tdProp("exits") + " property.missing"}},
		{name: "exits empty", props: `{"exits": []}`, problems: []string{tdProp("exits") + " property.missing"}},
		{name: "exits not a list", props: `{"exits": "a,b"}`, problems: []string{tdProp("exits") + " property.invalid"}},
		{name: "name missing", props: `{"exits": [{"weight": 1}]}`, problems: []string{tdProp("exits/0/name") + " property.missing"}},
		{name: "duplicate names", props: `{"exits": [{"name": "a"}, {"name": "b"}, {"name": "a"}]}`, problems: []string{tdProp("exits/2/name") + " property.invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ps := tdCompile(t, "traffic-splitter", tt.props)
			assert.Equal(t, tt.problems, tdNilIfEmpty(tdProblems(ps)))
			if tt.problems != nil {
				return
			}
			assert.Equal(t, tt.events, n.Events())
			sc := tdNewStep()
			asked := 0
			sc.intn = func(n int) int { asked = n; return 0 }
			res, err := n.Run(sc)
			require.NoError(t, err)
			assert.Equal(t, tt.total, asked)
			assert.Equal(t, tt.events[0], res.Event)
		})
	}
}

func TestTrafficSplitterChoice(t *testing.T) {
	tests := []struct {
		props string
		draw  int // what Intn returns
		event string
	}{
		{`{"exits": [{"name": "a", "weight": 3}, {"name": "b", "weight": 1}]}`, 0, "a"},
		{`{"exits": [{"name": "a", "weight": 3}, {"name": "b", "weight": 1}]}`, 2, "a"},
		{`{"exits": [{"name": "a", "weight": 3}, {"name": "b", "weight": 1}]}`, 3, "b"},
		{`{"exits": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1000000}]}`, 0, "a"},
		{`{"exits": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1000000}]}`, 1, "b"},
		{`{"exits": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1000000}]}`, 1000000, "b"},
		{`{"exits": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}`, 1, "b"},
		{`{"exits": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}`, 2, "c"},
		// A faulty source outside [0, n) still picks an exit.
		{`{"exits": [{"name": "a"}, {"name": "b"}]}`, 7, "b"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.props, tt.draw), func(t *testing.T) {
			n := tdMustCompile(t, "traffic-splitter", tt.props)
			sc := tdNewStep()
			sc.intn = func(int) int { return tt.draw }
			res, err := n.Run(sc)
			require.NoError(t, err)
			assert.Equal(t, tt.event, res.Event)
			assert.Nil(t, res.Outputs)
		})
	}
}

// TestTrafficSplitterDistribution runs a 70/20/10 split many times on a
// seeded engine: the shares are close to the weights, and the same seed
// replays the same choices.
func TestTrafficSplitterDistribution(t *testing.T) {
	const def = `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "split"}], "properties": {}},
	  {"name": "split", "type": "traffic-splitter",
	   "transitions": [{"event": "current"}, {"event": "candidate"}, {"event": "control"}],
	   "properties": {"exits": [{"name": "current", "weight": 70}, {"name": "candidate", "weight": "20"}, {"name": "control", "weight": 10}]}}]}`
	const runs = 3000
	choices := func(seed uint64) []string {
		e, _ := tdEngine(t, def, nil, tdNewStep().now, runtime.WithSeed(seed))
		out := make([]string, runs)
		for i := range out {
			x, err := e.Start(context.Background(), runtime.StartRequest{
				FlowSid: "FW", Trigger: runtime.TriggerRequest, Contact: fmt.Sprintf("+1555%07d", i), FlowAddress: "+15559990000"})
			require.NoError(t, err)
			require.Equal(t, runtime.StatusEnded, x.Status, x.Reason)
			out[i] = x.Steps[1].Name
		}
		return out
	}
	a := choices(42)
	count := map[string]int{}
	for _, c := range a {
		count[c]++
	}
	assert.InDelta(t, 0.70*runs, count["current"], 0.05*runs, "current: %v", count)
	assert.InDelta(t, 0.20*runs, count["candidate"], 0.05*runs, "candidate: %v", count)
	assert.InDelta(t, 0.10*runs, count["control"], 0.05*runs, "control: %v", count)
	assert.Equal(t, a, choices(42), "the same seed replays the same choices")
	assert.NotEqual(t, a, choices(43), "another seed makes other choices")
}
