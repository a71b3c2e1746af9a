package flowdiff

import (
	"encoding/json"
	"math"
	"slices"
	"sort"

	"github.com/studioflow/studioflow/flow"
)

// DefaultRenameThreshold is the similarity from which a removed state and
// an added state of the same type count as one renamed state (see Diff).
const DefaultRenameThreshold = 0.6

// Option tunes Diff.
type Option func(*options)

type options struct {
	threshold float64
	module    string
	users     map[string]*flow.Definition
}

// WithRenameThreshold sets the similarity (0 to 1) from which a removed
// and an added state count as renamed; the default is
// DefaultRenameThreshold. Above 1, only exact renames are found (the
// same content modulo renames has similarity 1 and always counts).
func WithRenameThreshold(t float64) Option {
	return func(o *options) { o.threshold = t }
}

// WithUsers gives the flows and modules that run the module being
// diffed, by name (the caller's label in Break.User), and the name by
// which their run-module steps call it: the breaking-change verdict is
// then module.Breaks against each of them, instead of against AnyCaller.
func WithUsers(module string, users map[string]*flow.Definition) Option {
	return func(o *options) { o.module, o.users = module, users }
}

// Diff compares two versions of a flow or module and returns what changed
// in meaning.
//
// States are paired by name. A state of the old version whose name is
// gone and a state of the new version whose name is new are then paired
// as one renamed state when they have the same type and are alike:
// similarity is the share of their features that agree, counting each
// property, each state key, each transition (its event, guard and target)
// and each incoming transition (its source state and event), targets and
// sources compared modulo the renames already found. Two states always
// pair when their similarity is 1. Otherwise they must be anchored in the
// graph (a transition to or from a state paired already, or to itself,
// agrees; or both are the initial state) and either their similarity must
// reach the threshold (DefaultRenameThreshold, or WithRenameThreshold) or,
// with a threshold of at most 1, their own content must be the same:
// every property and state key, and every transition with its event,
// guard and target modulo renames, only where they are reached from having
// changed (as when a state is put before the renamed one; two such states
// count as anchored when both are reached from some state). The most alike pairs are taken first,
// and pairing repeats while it finds more, as each pair may anchor
// others. A renamed state is reported as renamed, followed by its other
// changes.
//
// Not semantic, and never reported: the canvas offset of Twilio states,
// the canvas metadata and other bookkeeping package flow/connect keeps
// ($studioflow.* keys, Connect's top-level Metadata), JSON formatting,
// key order, property order, whether the flags object is written, and
// transitions or references that only follow a rename (a template's
// widgets.OLD, widgets['OLD'] or widgets["OLD"] now naming the new name).
//
// When either version is a module, its contract (module.ContractOf) is
// compared too, and any change comes with the verdict of module.Breaks:
// against the users given with WithUsers, or else against AnyCaller, a
// caller that gives every argument, maps every output and wires every
// exit of the old contract, and a caller that gives only the arguments it
// must.
//
// Neither definition is modified; either may be nil, standing for an
// empty definition.
func Diff(old, new *flow.Definition, opts ...Option) *Changes {
	o := options{threshold: DefaultRenameThreshold}
	for _, opt := range opts {
		opt(&o)
	}
	if old == nil {
		old = &flow.Definition{}
	}
	if new == nil {
		new = &flow.Definition{}
	}
	d := &differ{opt: o, old: newSide(old), new: newSide(new)}
	d.match()
	d.renamed = d.renames()
	c := &Changes{List: []Change{}}
	c.List = d.top(c.List)
	c.List = d.states(c.List)
	c.List, c.Contract = contractChanges(c.List, old, new, o)
	return c
}

// side is one version, indexed.
type side struct {
	def   *flow.Definition
	norm  []normState
	first map[string]int // name -> index of the first state of that name
	// incoming lists, per state index, the transitions that lead to it:
	// the source's index and the event.
	incoming [][]edge
}

type edge struct {
	from  int
	event string
}

// normState is a state with what is not semantic left out.
type normState struct {
	s     *flow.State
	props map[string]string
	keys  map[string]string
}

func newSide(d *flow.Definition) *side {
	sd := &side{def: d, first: map[string]int{}, norm: make([]normState, len(d.States)), incoming: make([][]edge, len(d.States))}
	skipProp, skipKey := stateSkip(d)
	for i := range d.States {
		s := &d.States[i]
		sd.norm[i] = normState{s: s, props: canonMap(s.Properties, skipProp), keys: canonMap(s.Extra, skipKey)}
		if _, dup := sd.first[s.Name]; !dup {
			sd.first[s.Name] = i
		}
	}
	for i := range d.States {
		for _, t := range d.States[i].Transitions {
			if j, ok := sd.first[t.Next]; ok && t.Next != "" {
				sd.incoming[j] = append(sd.incoming[j], edge{from: i, event: t.Event})
			}
		}
	}
	return sd
}

// differ pairs the states of two versions.
type differ struct {
	opt      options
	old, new *side
	// toNew and toOld pair state indexes; -1 for none.
	toNew, toOld []int
	// similarity of each renamed pair, by old index.
	similarity map[int]float64
	// renamed maps the old name of each renamed state to its new one,
	// once states are paired.
	renamed map[string]string
}

// match pairs states by name, then renamed states by content.
func (d *differ) match() {
	d.toNew = filled(len(d.old.norm))
	d.toOld = filled(len(d.new.norm))
	d.similarity = map[int]float64{}
	for j, n := range d.new.norm {
		if i, ok := d.old.first[n.s.Name]; ok && d.toNew[i] < 0 && d.new.first[n.s.Name] == j {
			d.pair(i, j)
		}
	}
	for {
		type cand struct {
			i, j  int
			score float64
		}
		var cands []cand
		for i, on := range d.old.norm {
			if d.toNew[i] >= 0 {
				continue
			}
			for j, nn := range d.new.norm {
				if d.toOld[j] >= 0 || on.s.Type != nn.s.Type {
					continue
				}
				s, anchored, own := d.score(i, j)
				if s >= 1 || (anchored && (s >= d.opt.threshold || own && d.opt.threshold <= 1)) {
					cands = append(cands, cand{i, j, s})
				}
			}
		}
		if len(cands) == 0 {
			return
		}
		sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
		for _, c := range cands {
			if d.toNew[c.i] < 0 && d.toOld[c.j] < 0 {
				d.pair(c.i, c.j)
				d.similarity[c.i] = math.Round(c.score*100) / 100
			}
		}
	}
}

func filled(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	return out
}

func (d *differ) pair(i, j int) { d.toNew[i], d.toOld[j] = j, i }

// sameTarget reports whether a transition of old state i leading to
// oldNext and one of new state j leading to newNext lead to the same
// state, modulo renames. While states are being paired (loose), two
// targets neither of which is paired yet count as the same, as may be
// renamed together.
func (d *differ) sameTarget(oldNext, newNext string, i, j int, loose bool) bool {
	if oldNext == "" || newNext == "" {
		return oldNext == newNext
	}
	oi, oldKnown := d.old.first[oldNext]
	nj, newKnown := d.new.first[newNext]
	switch {
	case !oldKnown || !newKnown:
		return oldNext == newNext && oldKnown == newKnown // dangling alike
	case d.toNew[oi] >= 0:
		return d.toNew[oi] == nj
	case oi == i:
		return nj == j
	}
	return loose && d.toOld[nj] < 0
}

// score is the similarity of old state i and new state j; whether they
// are anchored in the graph: a transition to a paired state (or itself)
// or from one agrees, both are the initial state, or (their own content
// being the same) both are still reached from some state; and whether
// their own content is the same: every property and state key, and at
// least one of them or a transition, with every transition leading to the
// same state modulo the renames found so far.
func (d *differ) score(i, j int) (score float64, anchored, own bool) {
	on, nn := d.old.norm[i], d.new.norm[j]
	same, total := agree(on.props, nn.props)
	s2, t2 := agree(on.keys, nn.keys)
	same, total = same+s2, total+t2
	pairs, oldLeft, newLeft := pairTransitions(on.s, nn.s)
	own = same == total && len(oldLeft) == 0 && len(newLeft) == 0 && total+len(pairs) > 0
	total += len(pairs) + len(oldLeft) + len(newLeft)
	for _, p := range pairs {
		ot, nt := &on.s.Transitions[p[0]], &nn.s.Transitions[p[1]]
		agrees := guard(ot) == guard(nt)
		if agrees && d.sameTarget(ot.Next, nt.Next, i, j, true) {
			same++
			anchored = anchored || (ot.Next != "" && d.sameTarget(ot.Next, nt.Next, i, j, false))
		}
		own = own && agrees && d.sameTarget(ot.Next, nt.Next, i, j, false)
	}
	in := map[string]int{}
	for _, e := range d.old.incoming[i] {
		in[d.sourceKey(e, i, j)]++
	}
	total += len(d.old.incoming[i])
	for _, e := range d.new.incoming[j] {
		k := newSourceKey(d, e, j)
		if in[k] > 0 {
			in[k]--
			same++
			anchored = anchored || k[0] != '?'
		} else {
			total++
		}
	}
	anchored = anchored || (on.s.Name == d.old.def.InitialState && nn.s.Name == d.new.def.InitialState) ||
		(own && len(d.old.incoming[i]) > 0 && len(d.new.incoming[j]) > 0)
	if total == 0 {
		return 1, anchored, own
	}
	return float64(same) / float64(total), anchored, own
}

// sourceKey names the source of an old incoming transition in new terms:
// its paired state's index, itself for a loop, or unknown.
func (d *differ) sourceKey(e edge, i, j int) string {
	switch {
	case d.toNew[e.from] >= 0:
		return itoa(d.toNew[e.from]) + "\x00" + e.event
	case e.from == i:
		return itoa(j) + "\x00" + e.event
	}
	return "?\x00" + e.event
}

// newSourceKey names the source of a new incoming transition likewise.
func newSourceKey(d *differ, e edge, j int) string {
	if d.toOld[e.from] >= 0 || e.from == j {
		return itoa(e.from) + "\x00" + e.event
	}
	return "?\x00" + e.event
}

func itoa(i int) string { return string(encode(i)) }

// agree counts the keys of a and b whose values are equal, and the keys
// in all.
func agree(a, b map[string]string) (same, total int) {
	total = len(a)
	for k, v := range b {
		w, ok := a[k]
		switch {
		case !ok:
			total++
		case v == w:
			same++
		}
	}
	return same, total
}

// pairTransitions pairs the transitions of two versions of a state: first
// those with the same event and guard, then those with the same event, in
// order. It returns the pairs (old index, new index) in the new state's
// order, and the indexes left unpaired on each side, in order.
func pairTransitions(o, n *flow.State) (pairs [][2]int, oldLeft, newLeft []int) {
	toOld := filled(len(n.Transitions))
	used := make([]bool, len(o.Transitions))
	for _, sameGuard := range []bool{true, false} {
		for j := range n.Transitions {
			if toOld[j] >= 0 {
				continue
			}
			nt := &n.Transitions[j]
			for i := range o.Transitions {
				ot := &o.Transitions[i]
				if !used[i] && ot.Event == nt.Event && (!sameGuard || guard(ot) == guard(nt)) {
					toOld[j], used[i] = i, true
					break
				}
			}
		}
	}
	for j, i := range toOld {
		if i >= 0 {
			pairs = append(pairs, [2]int{i, j})
		} else {
			newLeft = append(newLeft, j)
		}
	}
	for i, u := range used {
		if !u {
			oldLeft = append(oldLeft, i)
		}
	}
	return pairs, oldLeft, newLeft
}

// top lists the changes of the definition itself.
func (d *differ) top(out []Change) []Change {
	od, nd := d.old.def, d.new.def
	if od.Description != nd.Description {
		out = append(out, Change{Kind: KindDescription, Before: jsonString(od.Description), After: jsonString(nd.Description)})
	}
	if !d.sameTarget(od.InitialState, nd.InitialState, -1, -1, false) {
		out = append(out, Change{Kind: KindInitialState, Before: jsonString(od.InitialState), After: jsonString(nd.InitialState)})
	}
	flags := func(f flow.Flags) map[string]string {
		m := canonMap(f.Extra, func(string) bool { return false })
		m["allow_concurrent_calls"] = string(encode(f.AllowConcurrentCalls))
		return m
	}
	out = diffMaps(out, flags(od.Flags), flags(nd.Flags), func(k string, b, a json.RawMessage) Change {
		return Change{Kind: KindFlag, Key: k, Before: b, After: a}
	})
	defs := func(def *flow.Definition) map[string]string {
		m := canonMap(def.Extra, topSkip(def))
		if def.Vendor != "" {
			m["vendor"] = string(jsonString(string(def.Vendor)))
		}
		if len(def.ExposedVariables) > 0 && !od.IsModule() && !nd.IsModule() {
			m["exposed_variables"] = string(encode(slices.Sorted(slices.Values(def.ExposedVariables))))
		}
		return m
	}
	return diffMaps(out, defs(od), defs(nd), func(k string, b, a json.RawMessage) Change {
		return Change{Kind: KindDefinition, Key: k, Before: b, After: a}
	})
}

// states lists the changes of the states: by new state in order, then the
// removed ones.
func (d *differ) states(out []Change) []Change {
	for j, nn := range d.new.norm {
		i := d.toOld[j]
		if i < 0 {
			out = append(out, Change{Kind: KindStateAdded, State: nn.s.Name, Type: nn.s.Type})
			continue
		}
		out = d.state(out, i, j)
	}
	for i, on := range d.old.norm {
		if d.toNew[i] < 0 {
			out = append(out, Change{Kind: KindStateRemoved, State: on.s.Name, Type: on.s.Type})
		}
	}
	return out
}

// state lists the changes of old state i, paired with new state j.
func (d *differ) state(out []Change, i, j int) []Change {
	on, nn := d.old.norm[i], d.new.norm[j]
	name := nn.s.Name
	if on.s.Name != name {
		out = append(out, Change{Kind: KindStateRenamed, State: name, OldName: on.s.Name, Similarity: d.similarity[i]})
	}
	if on.s.Type != nn.s.Type {
		out = append(out, Change{Kind: KindType, State: name, Before: jsonString(on.s.Type), After: jsonString(nn.s.Type)})
	}
	out = diffMaps(out, followed(on.props, nn.props, d.renamed), nn.props, func(k string, b, a json.RawMessage) Change {
		return Change{Kind: KindProperty, State: name, Key: k, Before: b, After: a}
	})
	out = diffMaps(out, followed(on.keys, nn.keys, d.renamed), nn.keys, func(k string, b, a json.RawMessage) Change {
		return Change{Kind: KindStateKey, State: name, Key: k, Before: b, After: a}
	})
	repeated := repeatedEvents(on.s, nn.s)
	tr := func(kind Kind, t *flow.Transition) Change {
		c := Change{Kind: kind, State: name, Event: t.Event}
		if repeated[t.Event] {
			c.Label = label(t)
		}
		return c
	}
	pairs, oldLeft, newLeft := pairTransitions(on.s, nn.s)
	added := map[int]bool{}
	for _, k := range newLeft {
		added[k] = true
	}
	for k := range nn.s.Transitions {
		nt := &nn.s.Transitions[k]
		if added[k] {
			c := tr(KindTransitionAdded, nt)
			c.After = jsonString(nt.Next)
			out = append(out, c)
			continue
		}
		p := pairs[slices.IndexFunc(pairs, func(p [2]int) bool { return p[1] == k })]
		ot := &on.s.Transitions[p[0]]
		if !d.sameTarget(ot.Next, nt.Next, i, j, false) {
			c := tr(KindTransitionRewired, nt)
			c.Before, c.After = jsonString(ot.Next), jsonString(nt.Next)
			out = append(out, c)
		}
		if g, h := guard(ot), guard(nt); g != h && follow(g, d.renamed) != h {
			c := tr(KindTransitionChanged, nt)
			c.Before, c.After = guardJSON(g), guardJSON(h)
			out = append(out, c)
		}
	}
	for _, k := range oldLeft {
		ot := &on.s.Transitions[k]
		c := tr(KindTransitionRemoved, ot)
		c.Before = jsonString(ot.Next)
		out = append(out, c)
	}
	return append(out, d.order(on.s, nn.s, pairs, repeated)...)
}

// order reports, for each event a state wires more than once, whether
// the transitions kept in both versions are tried in another order: the
// first that holds is taken, so the order is meaning. pairs are in the
// new state's order.
func (d *differ) order(o, n *flow.State, pairs [][2]int, repeated map[string]bool) []Change {
	var out []Change
	done := map[string]bool{}
	for _, p := range pairs {
		ev := n.Transitions[p[1]].Event
		if !repeated[ev] || done[ev] {
			continue
		}
		done[ev] = true
		var kept [][2]int
		for _, q := range pairs {
			if n.Transitions[q[1]].Event == ev {
				kept = append(kept, q)
			}
		}
		if slices.IsSortedFunc(kept, func(a, b [2]int) int { return a[0] - b[0] }) {
			continue
		}
		after := make([]string, len(kept))
		for i, q := range kept {
			after[i] = label(&n.Transitions[q[1]])
		}
		slices.SortFunc(kept, func(a, b [2]int) int { return a[0] - b[0] })
		before := make([]string, len(kept))
		for i, q := range kept {
			before[i] = label(&o.Transitions[q[0]])
		}
		out = append(out, Change{Kind: KindTransitionOrder, State: n.Name, Event: ev, Before: encode(before), After: encode(after)})
	}
	return out
}

// guardJSON returns a guard as JSON, nil when there is none.
func guardJSON(g string) json.RawMessage {
	if g == "" {
		return nil
	}
	return json.RawMessage(g)
}

// repeatedEvents reports the events either version of a state wires more
// than once.
func repeatedEvents(states ...*flow.State) map[string]bool {
	out := map[string]bool{}
	for _, s := range states {
		seen := map[string]bool{}
		for _, t := range s.Transitions {
			if seen[t.Event] {
				out[t.Event] = true
			}
			seen[t.Event] = true
		}
	}
	return out
}
