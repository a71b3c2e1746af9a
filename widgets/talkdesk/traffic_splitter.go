package talkdesk

import (
	"errors"
	"slices"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// TrafficSplitter is Talkdesk's Traffic splitter: it sends each execution
// down one of its exits at random, in proportion to the exits' weights (an
// A/B test, a gradual roll-out).
//
//	{ "name": "ab_test", "type": "traffic-splitter",
//	  "transitions": [ {"event": "current", "next": "menu"},
//	                   {"event": "candidate", "next": "new_menu"} ],
//	  "properties": { "exits": [ {"name": "current", "weight": 90},
//	                             {"name": "candidate", "weight": 10} ] } }
//
// Properties: exits (required, at least one), each
//   - name (required, unique): the event the exit takes;
//   - weight: a whole number from 1 to 1,000,000 (a string holding one is
//     accepted), default 1.
//
// An exit is taken with probability weight / (sum of weights). The choice
// comes from the engine's injected randomness (StepContext.Intn, see
// runtime.WithSeed), so a seeded engine replays the same choices. Events:
// the exit names, in order; there is no noMatch.
func TrafficSplitter() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTalkdesk,
		Name:   "traffic-splitter",
		Compile: func(p *widgets.Props) widgets.Node {
			n := &tdSplitterNode{}
			seen := map[string]int{}
			for _, it := range tdItems(p, "exits", true) {
				name := it.name(seen)
				w := it.integer("weight", 1, 1, 1_000_000)
				if name != "" {
					n.exits = append(n.exits, tdWeighted{name: name, weight: w})
					n.events = append(n.events, name)
					n.total += w
				}
			}
			return n
		},
	}
}

type tdWeighted struct {
	name   string
	weight int
}

type tdSplitterNode struct {
	exits  []tdWeighted
	events []string
	total  int
}

var errTDNoExits = errors.New("traffic-splitter has no exits")

func (n *tdSplitterNode) Events() []string { return slices.Clone(n.events) }

func (n *tdSplitterNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	if n.total <= 0 {
		return widgets.Result{}, errTDNoExits
	}
	r := sc.Intn(n.total)
	for _, e := range n.exits {
		if r < e.weight {
			return widgets.Result{Event: e.name}, nil
		}
		r -= e.weight
	}
	// Intn returned n.total or more: a faulty source. Take the last exit.
	return widgets.Result{Event: n.exits[len(n.exits)-1].name}, nil
}
