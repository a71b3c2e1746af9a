package sim

import (
	"fmt"
	"strings"
	"sync"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
)

// Coverage accumulates, over many executions, which states and which
// transitions of each flow and module they went through, so a test suite
// can report what its simulations never exercise. It is safe for
// concurrent use.
//
// Definitions are keyed by flow sid, or "module:NAME" for modules; steps
// are attributed through their frame (runtime.Step.Frame), so a subflow's
// or module's states count for that subflow or module. Only definitions
// added with AddFlow or AddModule are measured (a Sim built WithCoverage
// adds its own).
//
// A step is matched to the transition it records (runtime.Step.Transition,
// set for a split's `match` branches), else to the transition of its state
// with the same event and target.
//
// A trigger's events wired to nothing (a transition of the trigger state
// with no next, such as incomingMessage in a flow only calls start) are
// not measured: no execution can take them, so they are never missed.
// DefinitionCoverage.Transitions still lists them, marked Unwired, so that
// it keeps every transition of the definition in document order.
//
// Percent, Below and AssertMin give a test suite a threshold:
//
//	cov := sim.NewCoverage()
//	// ... every simulator built with sim.WithCoverage(cov) runs its scripts ...
//	cov.AssertMin(t, 80) // every flow and module at least 80%
type Coverage struct {
	mu    sync.Mutex
	defs  map[string]*defCoverage
	order []string
	runs  int
}

type defCoverage struct {
	def    *flow.Definition
	index  map[string]int // state name -> index
	states []int          // visits, by state index
	trans  [][]int        // taken, by state index then transition index
}

// NewCoverage returns an empty coverage.
func NewCoverage() *Coverage { return &Coverage{defs: map[string]*defCoverage{}} }

// AddFlow measures the flow with sid (as a root flow or a subflow).
// Adding a key again keeps its counts when the definition has the same
// states and transitions (many simulators may share one Coverage), and
// starts it afresh otherwise.
func (c *Coverage) AddFlow(sid string, def *flow.Definition) { c.add(sid, def) }

// AddModule measures the module called name, under key "module:NAME", as
// AddFlow does.
func (c *Coverage) AddModule(name string, def *flow.Definition) { c.add("module:"+name, def) }

func (c *Coverage) add(key string, def *flow.Definition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.defs == nil {
		c.defs = map[string]*defCoverage{}
	}
	old, ok := c.defs[key]
	if !ok {
		c.order = append(c.order, key)
	} else if sameGraph(old.def, def) {
		return
	}
	d := &defCoverage{def: def, index: make(map[string]int, len(def.States)),
		states: make([]int, len(def.States)), trans: make([][]int, len(def.States))}
	for i, s := range def.States {
		d.trans[i] = make([]int, len(s.Transitions))
		if _, dup := d.index[s.Name]; !dup {
			d.index[s.Name] = i
		}
	}
	c.defs[key] = d
}

// sameGraph reports whether two definitions have the same states (names
// and types) and transitions (events and targets), in the same order.
func sameGraph(a, b *flow.Definition) bool {
	if a == b {
		return true
	}
	if len(a.States) != len(b.States) {
		return false
	}
	for i := range a.States {
		sa, sb := &a.States[i], &b.States[i]
		if sa.Name != sb.Name || sa.Type != sb.Type || len(sa.Transitions) != len(sb.Transitions) {
			return false
		}
		for j := range sa.Transitions {
			if sa.Transitions[j].Event != sb.Transitions[j].Event || sa.Transitions[j].Next != sb.Transitions[j].Next {
				return false
			}
		}
	}
	return true
}

// frameKey maps a step's frame label to a coverage key.
func frameKey(root, label string) string {
	switch {
	case label == "":
		return root
	case strings.HasPrefix(label, "subflow:"):
		return strings.TrimPrefix(label, "subflow:")
	}
	return label
}

// Record counts the states and transitions of one execution: every step,
// the state each step leads to, and the state it waits in, if any. A
// state's visits count the steps that left it; a state executions only
// arrived at (waiting there, or ending or failing on arrival) counts 1.
func (c *Coverage) Record(x *runtime.Execution) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runs++
	type at struct {
		d *defCoverage
		i int
	}
	arrived := map[at]bool{}
	for _, s := range x.Steps {
		d := c.defs[frameKey(x.FlowSid, s.Frame)]
		if d == nil {
			continue
		}
		i, ok := d.index[s.From]
		if !ok {
			continue
		}
		d.states[i]++
		if j := transitionOf(&d.def.States[i], s); j >= 0 {
			d.trans[i][j]++
		}
		if s.To != runtime.StepEnded {
			if k, ok := d.index[s.To]; ok {
				arrived[at{d, k}] = true
			}
		}
	}
	if !x.Done() && x.Wait != nil && len(x.Frames) > 0 {
		top := x.Frames[len(x.Frames)-1]
		if d := c.defs[frameKey(x.FlowSid, top.Label())]; d != nil {
			if i, ok := d.index[x.Wait.State]; ok {
				arrived[at{d, i}] = true
			}
		}
	}
	for a := range arrived {
		if a.d.states[a.i] == 0 {
			a.d.states[a.i] = 1
		}
	}
}

// transitionOf returns the index of the transition of st that step s took,
// or -1 (an event the flow does not wire, or a step with no transition:
// end-flow, return-to-flow).
func transitionOf(st *flow.State, s runtime.Step) int {
	if s.Transition > 0 && s.Transition <= len(st.Transitions) {
		return s.Transition - 1
	}
	for j, t := range st.Transitions {
		if t.Event != s.Name {
			continue
		}
		if t.Next == s.To || (t.Next == "" && s.To == runtime.StepEnded) {
			return j
		}
	}
	return -1
}

// Runs is how many executions were recorded.
func (c *Coverage) Runs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs
}

// StateCoverage is one state and how often executions went through it:
// Visits counts the steps that left it, and is at least 1 once any
// execution reached it.
type StateCoverage struct {
	// Name is the state's name.
	Name string `json:"name"`
	// Type is the state's widget type, such as "say-play".
	Type string `json:"type"`
	// Visits counts the steps that left the state: at least 1 once any
	// execution reached it, 0 if none did.
	Visits int `json:"visits"`
}

// TransitionCoverage is one transition and how often executions took it.
type TransitionCoverage struct {
	// State is the state the transition leaves; Index its 1-based position
	// among the state's transitions (a split's `match` transitions share
	// one event name).
	State string `json:"state"`
	// Index is the transition's 1-based position among the state's
	// transitions.
	Index int `json:"index"`
	// Event is the event that takes the transition.
	Event string `json:"event"`
	// Next is the target state; empty when the branch ends there.
	Next string `json:"next,omitempty"`
	// Taken is how many times executions took the transition.
	Taken int `json:"taken"`
	// Repeated is true when the state has another transition on the same
	// event, so Index tells them apart.
	Repeated bool `json:"repeated,omitempty"`
	// Unwired is true for a trigger event wired to nothing (a transition
	// of the trigger state with no next): no execution can take it, so it
	// is not measured (see DefinitionCoverage.Measured).
	Unwired bool `json:"unwired,omitempty"`
}

// String formats the transition as "STATE -EVENT-> NEXT", with "#INDEX"
// after the event when the state has several transitions on it, and
// "Ended" for a branch that ends.
func (t TransitionCoverage) String() string {
	ev := t.Event
	if t.Repeated {
		ev = fmt.Sprintf("%s#%d", ev, t.Index)
	}
	next := t.Next
	if next == "" {
		next = runtime.StepEnded
	}
	return t.State + " -" + ev + "-> " + next
}

// DefinitionCoverage is the coverage of one flow or module.
type DefinitionCoverage struct {
	// Key is the flow sid, or "module:NAME".
	Key string `json:"key"`
	// Description is the definition's description, if any.
	Description string `json:"description,omitempty"`
	// States lists every state in document order.
	States []StateCoverage `json:"states"`
	// Transitions lists every transition, state by state, each state's in
	// document order; those marked Unwired are not measured.
	Transitions []TransitionCoverage `json:"transitions"`
}

// Unreached lists the states no execution reached, in document order.
func (d DefinitionCoverage) Unreached() []string {
	var out []string
	for _, s := range d.States {
		if s.Visits == 0 {
			out = append(out, s.Name)
		}
	}
	return out
}

// Untaken lists the measured transitions no execution took, in document
// order: a trigger event wired to nothing is never untaken.
func (d DefinitionCoverage) Untaken() []TransitionCoverage {
	var out []TransitionCoverage
	for _, t := range d.Transitions {
		if t.Taken == 0 && !t.Unwired {
			out = append(out, t)
		}
	}
	return out
}

// Reached counts the states reached, of len(States).
func (d DefinitionCoverage) Reached() int { return len(d.States) - len(d.Unreached()) }

// Measured counts the transitions measured: those of Transitions not
// marked Unwired.
func (d DefinitionCoverage) Measured() int {
	n := 0
	for _, t := range d.Transitions {
		if !t.Unwired {
			n++
		}
	}
	return n
}

// Taken counts the transitions taken, of Measured.
func (d DefinitionCoverage) Taken() int { return d.Measured() - len(d.Untaken()) }

// Complete reports whether every state was reached and every measured
// transition taken.
func (d DefinitionCoverage) Complete() bool {
	return d.Reached() == len(d.States) && len(d.Untaken()) == 0
}

// Percent is the share, from 0 to 100, of the states reached and the
// measured transitions taken: (Reached+Taken)*100 / (len(States)+Measured),
// 100 for a definition with neither.
func (d DefinitionCoverage) Percent() float64 {
	return share(d.Reached()+d.Taken(), len(d.States)+d.Measured())
}

func share(n, of int) float64 {
	if of == 0 {
		return 100
	}
	return float64(n) * 100 / float64(of)
}

// Percent is the share, from 0 to 100, of the states reached and the
// transitions taken over every measured definition together; 100 when
// nothing is measured.
func (c *Coverage) Percent() float64 {
	n, of := 0, 0
	for _, d := range c.Definitions() {
		n += d.Reached() + d.Taken()
		of += len(d.States) + d.Measured()
	}
	return share(n, of)
}

// Below lists the measured definitions whose Percent is under min, in the
// order they were added.
func (c *Coverage) Below(min float64) []DefinitionCoverage {
	var out []DefinitionCoverage
	for _, d := range c.Definitions() {
		if d.Percent() < min {
			out = append(out, d)
		}
	}
	return out
}

// AssertMin fails t unless every measured definition has a Percent of at
// least min, or when nothing is measured (a Coverage no simulator was
// given). The failure names each definition below min and adds the
// Report. It reports whether it passed.
//
//	cov.AssertMin(t, 80)
func (c *Coverage) AssertMin(t T, min float64) bool {
	t.Helper()
	if len(c.Definitions()) == 0 {
		t.Errorf("coverage: nothing measured (give the Coverage to a simulator with WithCoverage, or AddFlow)")
		return false
	}
	below := c.Below(min)
	if len(below) == 0 {
		return true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "coverage below %g%%:\n", min)
	for _, d := range below {
		fmt.Fprintf(&b, "  %s: %.1f%%\n", d.Key, d.Percent())
	}
	b.WriteString(c.Report())
	t.Errorf("%s", b.String())
	return false
}

// Definitions returns the coverage of every measured definition, in the
// order they were added.
func (c *Coverage) Definitions() []DefinitionCoverage {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]DefinitionCoverage, 0, len(c.order))
	for _, k := range c.order {
		out = append(out, c.of(k))
	}
	return out
}

// Of returns the coverage of one definition: a flow sid or "module:NAME".
func (c *Coverage) Of(key string) (DefinitionCoverage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.defs[key]; !ok {
		return DefinitionCoverage{}, false
	}
	return c.of(key), true
}

func (c *Coverage) of(key string) DefinitionCoverage {
	d := c.defs[key]
	out := DefinitionCoverage{Key: key, Description: d.def.Description}
	for i, s := range d.def.States {
		out.States = append(out.States, StateCoverage{Name: s.Name, Type: s.Type, Visits: d.states[i]})
		events := map[string]int{}
		for _, t := range s.Transitions {
			events[t.Event]++
		}
		for j, t := range s.Transitions {
			out.Transitions = append(out.Transitions, TransitionCoverage{
				State: s.Name, Index: j + 1, Event: t.Event, Next: t.Next, Taken: d.trans[i][j],
				Repeated: events[t.Event] > 1, Unwired: t.Next == "" && s.Type == flow.TypeTrigger,
			})
		}
	}
	return out
}

// Report describes the coverage for people: per definition, how many
// states and transitions were exercised, then every state not reached and
// every transition not taken.
//
//	coverage of 3 executions
//	FWacme "Acme main IVR": states 8/9 (88%), transitions 10/14 (71%)
//	  unreached states: goodbye
//	  untaken transitions:
//	    menu -timeout-> goodbye
func (c *Coverage) Report() string {
	var b strings.Builder
	runs := c.Runs()
	fmt.Fprintf(&b, "coverage of %d execution%s\n", runs, plural(runs))
	for _, d := range c.Definitions() {
		fmt.Fprintf(&b, "%s", d.Key)
		if d.Description != "" {
			fmt.Fprintf(&b, " %q", d.Description)
		}
		fmt.Fprintf(&b, ": states %d/%d (%s), transitions %d/%d (%s)\n",
			d.Reached(), len(d.States), percent(d.Reached(), len(d.States)),
			d.Taken(), d.Measured(), percent(d.Taken(), d.Measured()))
		if un := d.Unreached(); len(un) > 0 {
			fmt.Fprintf(&b, "  unreached states: %s\n", strings.Join(un, ", "))
		}
		if ut := d.Untaken(); len(ut) > 0 {
			b.WriteString("  untaken transitions:\n")
			for _, t := range ut {
				fmt.Fprintf(&b, "    %s\n", t)
			}
		}
	}
	return b.String()
}

func percent(n, of int) string { return fmt.Sprintf("%d%%", int(share(n, of))) }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
