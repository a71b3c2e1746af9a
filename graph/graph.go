// Package graph renders a flow or module definition (a Twilio Studio Flow
// JSON, a module, or an Amazon Connect flow read by package flow/connect)
// as a picture: a Mermaid flowchart, which GitHub and GitLab render in
// markdown, or a Graphviz DOT digraph.
//
//	fmt.Println(graph.Mermaid(d, graph.Options{}))
//	fmt.Println(graph.DOT(d, graph.Options{Path: run.Path()}))
//
// # What is drawn
//
//   - One node per state, in document order, with the ids n0, n1 ... (the
//     state's index in Definition.States), so that any state name (spaces,
//     quotes, brackets, unicode) is safe. A node is labelled with the state
//     name and its type. A Connect action, whose name is its Identifier
//     (usually a UUID), is labelled with its type and a short id, the
//     first 8 characters of a UUID (any other identifier in full); the full
//     identifier is a tooltip in DOT and a comment line in Mermaid.
//   - A node "start", with an edge to the initial state, marks where the
//     definition begins (none when the initial state names no state).
//   - One edge per transition with a next state, in document order,
//     labelled with its event. A Connect condition shows as
//     "Condition: Equals 1" (its Operator and Operands); a split-based-on
//     `match` shows as "match: NAME", the friendly names of its
//     conditions (or their type and value when they have none).
//     Transitions without a next state (the branch ends there), and
//     transitions to a state the definition lacks, are not drawn. With
//     duplicate state names a transition goes to the first state of the
//     name, as the engine resolves it.
//
// # Highlighting
//
// Options.Path highlights a finished run: the states it names and, for
// each two consecutive states, every transition of the first that leads
// to the second (a path holds no events, so when two events join the same
// states, both are highlighted); the start edge too when the path begins
// at the initial state. Options.Coverage styles every state and transition
// as reached (green) or missed (grey, dashed). A state or edge on the path
// takes the path's style over its coverage style.
//
// In Mermaid the styles are the classes path, reached and missed (classDef
// and class lines) and linkStyle lines for the edges; in DOT they are
// color, fillcolor, style and penwidth attributes.
//
// The output is deterministic (document order), one statement a line,
// without trailing spaces, and ends with a newline.
package graph

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime/sim"
)

// Options choose what Mermaid and DOT highlight. The zero value draws the
// plain graph.
type Options struct {
	// Path is the state names a finished run visited, in order, as
	// runtime/sim's Run.Path returns them. Entries of child frames
	// (prefixed "module:NAME/" or "subflow:SID/") are skipped; an entry
	// that names no state of the definition breaks the path there.
	Path []string
	// Coverage, when not nil, styles every state and transition as
	// reached or missed.
	Coverage *Coverage
}

// Coverage says which states and transitions of one definition were
// reached, for Options.Coverage. A state or transition it does not mention
// counts as missed.
type Coverage struct {
	// States maps a state name to whether an execution reached the state.
	States map[string]bool
	// Transitions maps a state name to whether executions took each of its
	// transitions, by transition index (0-based, as in State.Transitions).
	Transitions map[string][]bool
}

// CoverageFrom converts the coverage runtime/sim measured for one
// definition (sim.Coverage's Of or Definitions) into a Coverage: a state
// is reached when it has visits, a transition when it was taken. With
// duplicate state names, a state counts as reached when any of them was,
// and the transitions are those of the first.
func CoverageFrom(dc sim.DefinitionCoverage) *Coverage {
	c := &Coverage{States: map[string]bool{}, Transitions: map[string][]bool{}}
	for _, s := range dc.States {
		c.States[s.Name] = c.States[s.Name] || s.Visits > 0
	}
	seen := map[string]bool{}
	skip := false // transitions of a later state of the same name
	for _, t := range dc.Transitions {
		if t.Index == 1 {
			skip = seen[t.State]
			seen[t.State] = true
		}
		if !skip {
			c.Transitions[t.State] = append(c.Transitions[t.State], t.Taken > 0)
		}
	}
	return c
}

func (c *Coverage) state(name string) bool { return c.States[name] }

func (c *Coverage) transition(name string, j int) bool {
	ts := c.Transitions[name]
	return j < len(ts) && ts[j]
}

// style is how a node or an edge is drawn.
type style int

const (
	plain style = iota
	onPath
	reached
	missed
)

// model is what both formats draw.
type model struct {
	title string
	nodes []node
	edges []edge
	// start is the index of the initial state's node, or -1; startStyle
	// the style of the start edge.
	start      int
	startStyle style
}

type node struct {
	id    string
	lines []string // the label's lines, raw
	full  string   // a Connect action's full identifier
	style style
}

type edge struct {
	from, to int
	label    string // raw
	style    style
}

func build(d *flow.Definition, o Options) *model {
	m := &model{title: d.Description, start: d.StateIndex(d.InitialState)}
	on := pathOf(d, o.Path)
	for i := range d.States {
		s := &d.States[i]
		n := node{id: "n" + strconv.Itoa(i), lines: []string{s.Name, s.Type}}
		if d.Vendor == flow.VendorConnect {
			n.lines = []string{s.Type, shortID(s.Name)}
			n.full = s.Name
		}
		n.style = pick(on.states[i], o.Coverage != nil, o.Coverage != nil && o.Coverage.state(s.Name))
		m.nodes = append(m.nodes, n)
		for j, t := range s.Transitions {
			to := d.StateIndex(t.Next)
			if t.Next == "" || to < 0 {
				continue
			}
			taken := o.Coverage != nil && o.Coverage.transition(s.Name, j)
			m.edges = append(m.edges, edge{from: i, to: to, label: transitionLabel(t),
				style: pick(on.edges[[2]int{i, to}], o.Coverage != nil, taken)})
		}
	}
	if m.start >= 0 {
		m.startStyle = pick(on.first == m.start, o.Coverage != nil, o.Coverage != nil && o.Coverage.state(d.InitialState))
	}
	return m
}

func pick(path, measured, hit bool) style {
	switch {
	case path:
		return onPath
	case !measured:
		return plain
	case hit:
		return reached
	}
	return missed
}

// onPathSet is what a path highlights: states by index, and the pairs of
// states (from, to) it went between.
type onPathSet struct {
	states map[int]bool
	edges  map[[2]int]bool
	first  int
}

func pathOf(d *flow.Definition, path []string) onPathSet {
	p := onPathSet{states: map[int]bool{}, edges: map[[2]int]bool{}, first: -1}
	prev := -1
	for _, name := range path {
		i := d.StateIndex(name)
		if i < 0 && (strings.HasPrefix(name, "module:") || strings.HasPrefix(name, "subflow:")) {
			continue // a state of a child frame
		}
		if i >= 0 {
			if len(p.states) == 0 {
				p.first = i
			}
			p.states[i] = true
			if prev >= 0 {
				p.edges[[2]int{prev, i}] = true
			}
		}
		prev = i
	}
	return p
}

// transitionLabel is the text on a transition's edge.
func transitionLabel(t flow.Transition) string {
	if raw, ok := t.Extra["Condition"]; ok && t.Event == flow.EventConnectCondition {
		var c struct {
			Operator string
			Operands []json.RawMessage
		}
		if json.Unmarshal(raw, &c) != nil {
			return t.Event
		}
		parts := []string{c.Operator}
		for _, op := range c.Operands {
			var s string
			if json.Unmarshal(op, &s) != nil {
				s = string(op)
			}
			parts = append(parts, s)
		}
		return t.Event + ": " + strings.TrimSpace(strings.Join(parts, " "))
	}
	if len(t.Conditions) == 0 {
		return t.Event
	}
	names := make([]string, 0, len(t.Conditions))
	for _, c := range t.Conditions {
		name := c.FriendlyName
		if name == "" {
			name = strings.TrimSpace(c.Type + " " + c.Value)
		}
		names = append(names, name)
	}
	return t.Event + ": " + strings.Join(names, " and ")
}

// shortID shortens a UUID to its first 8 characters; any other name is
// kept.
func shortID(name string) string {
	if len(name) != 36 {
		return name
	}
	for i, r := range name {
		dash := i == 8 || i == 13 || i == 18 || i == 23
		if dash != (r == '-') || (!dash && !strings.ContainsRune("0123456789abcdefABCDEF", r)) {
			return name
		}
	}
	return name[:8]
}

// clean makes text one line of valid UTF-8: every control character and
// line or paragraph separator becomes a space, an invalid byte U+FFFD.
func clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writer collects lines, indented after the first.
type writer struct{ b strings.Builder }

func (w *writer) line(parts ...string) {
	if w.b.Len() > 0 {
		w.b.WriteString("    ")
	}
	for _, p := range parts {
		w.b.WriteString(p)
	}
	w.b.WriteByte('\n')
}

func (w *writer) close(last string) string {
	if last != "" {
		w.b.WriteString(last + "\n")
	}
	return w.b.String()
}

// look is the palette of a style, shared by both formats.
type look struct {
	name   string // the Mermaid class
	fill   string // node background; empty: none
	stroke string
	width  int // pixels
	dashed bool
	text   string // text color; empty: the default
}

// styled lists the styles drawn differently, in the order their Mermaid
// classes are written.
var styled = []style{onPath, reached, missed}

var looks = map[style]look{
	onPath:  {name: "path", fill: "#fff3b0", stroke: "#d97706", width: 3},
	reached: {name: "reached", fill: "#dcfce7", stroke: "#16a34a", width: 1},
	missed:  {name: "missed", stroke: "#9ca3af", width: 1, dashed: true, text: "#6b7280"},
}
