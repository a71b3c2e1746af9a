package compat

import (
	"fmt"
	"sort"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/modules"
)

// State types the analysis special-cases by name, whether or not a registry
// holds them.
const (
	typeRunModule    = modules.TypeRunModule
	typeReturnToFlow = modules.TypeReturnToFlow
	// eventFailed is the run-module event taken when the module could not
	// run: the caller's call is as it was.
	eventFailed = "failed"
)

// maxPathShown bounds the states a message names, so that a message stays
// short and building it stays constant-time on long paths: the entry, an
// ellipsis, and the last maxPathShown states.
const maxPathShown = 12

type kind uint8

const (
	kindPlain     kind = iota
	kindEntry          // trigger or begin-module
	kindRunModule      // needs what its module needs
	kindReturn         // return-to-flow: a module exit, no successor
)

// edge is a transition that leads to a state.
type edge struct {
	event    string
	next     int32
	ends     bool // the event is in the widget's EndsCallOn
	provides bool // the event is in the widget's ProvidesCallOn
}

// sinfo is what the analysis knows of one state, gathered once.
type sinfo struct {
	kind  kind
	needs need
	edges []edge
	// arg is the module name of a run-module, the exit of a
	// return-to-flow.
	arg string
}

// ctx packs the analysis context of a (state, context) node: bits 0-2 the
// index of the entry's flow type, bits 3-4 the call state, bit 5 the
// placed-outbound-call bit. The concurrent-calls bit follows from the type
// and the definition's flag. 64 values: one uint64 per state marks those
// seen, so each state is visited at most 64 times (in practice a handful).
type ctx uint8

func pack(p Place) ctx {
	c := ctx(p.Type.index()) | ctx(p.Call)<<3
	if p.Placed {
		c |= 1 << 5
	}
	return c
}

func (c ctx) place(concurrentFlag bool) Place {
	t := flowTypes[c&7]
	return Place{
		Type:            t,
		Call:            CallState(c >> 3 & 3),
		Placed:          c&(1<<5) != 0,
		ConcurrentCalls: concurrentFlag && t == IncomingCall,
	}
}

// node is one visited (state, context); parent points at the node it was
// reached from (-1 for an entry), so the path can be rebuilt.
type node struct {
	state  int32
	c      ctx
	parent int32
	depth  int32
}

type found struct {
	state int
	p     flow.Problem
}

type reportKey struct {
	state int32
	code  string
}

// analysis is one worklist pass over a definition.
type analysis struct {
	def        *flow.Definition
	info       []sinfo
	seen       []uint64
	nodes      []node
	concurrent bool
	mods       *moduleSet
	rules      Rules // the severities for the definition's vendor

	found    []found
	reported map[reportKey]bool

	// Module and subflow entries: what depends on the caller.
	req   Requirements
	exits map[string][]ExitCall

	// uses collects the places of run-module steps, when wanted.
	uses    map[int32]*ModuleUse
	useList []int32
}

func newAnalysis(reg *widgets.Registry, def *flow.Definition, mods *moduleSet) *analysis {
	a := &analysis{
		def:        def,
		info:       make([]sinfo, len(def.States)),
		seen:       make([]uint64, len(def.States)),
		concurrent: def.Flags.AllowConcurrentCalls,
		mods:       mods,
		rules:      RulesFor(Classify(reg, def).Vendor),
	}
	index := make(map[string]int32, len(def.States))
	for i := range def.States {
		if _, dup := index[def.States[i].Name]; !dup {
			index[def.States[i].Name] = int32(i)
		}
	}
	total := 0
	for i := range def.States {
		total += len(def.States[i].Transitions)
	}
	// One backing array for every state's edges.
	edges := make([]edge, 0, total)
	for i := range def.States {
		s := &def.States[i]
		in := &a.info[i]
		var t *widgets.Type
		switch s.Type {
		case flow.TypeTrigger, flow.TypeBeginModule:
			in.kind = kindEntry
		case typeRunModule:
			in.kind = kindRunModule
			in.arg = stringProperty(s, "module")
		case typeReturnToFlow:
			in.kind = kindReturn
			in.arg = stringProperty(s, "exit")
		default:
			// An unknown type needs nothing: the widgets checker reports it.
			if reg != nil {
				t, _ = reg.Lookup(s.Type)
			}
		}
		if t != nil {
			if t.NeedsCall {
				in.needs |= needCall
			}
			if t.NeedsMessaging {
				in.needs |= needMessaging
			}
			if t.PlacesCall {
				in.needs |= needPlaces
			}
		}
		start := len(edges)
		for _, tr := range s.Transitions {
			if tr.Next == "" {
				continue
			}
			next, ok := index[tr.Next]
			if !ok {
				continue // flow reports the dangling next
			}
			e := edge{event: tr.Event, next: next}
			if t != nil {
				e.ends = contains(t.EndsCallOn, tr.Event)
				e.provides = contains(t.ProvidesCallOn, tr.Event)
			}
			edges = append(edges, e)
		}
		in.edges = edges[start:len(edges):len(edges)]
	}
	return a
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func stringProperty(s *flow.State, key string) string {
	var v string
	if ok, err := s.Property(key, &v); !ok || err != nil {
		return ""
	}
	return v
}

// run visits every (state, context) reachable from the entry, breadth
// first, so each problem is reported with a shortest path.
func (a *analysis) run() {
	entry := a.def.StateIndex(a.def.InitialState)
	if a.def.InitialState == "" || entry < 0 {
		return
	}
	switch a.def.States[entry].Type {
	case flow.TypeTrigger:
		for _, e := range a.info[entry].edges {
			t, ok := TypeOfTrigger(e.event)
			if !ok {
				continue
			}
			call := NoCall
			switch t {
			case IncomingCall:
				call = CallLive
			case Subflow:
				call = CallInherited
			}
			a.push(int32(entry), pack(Place{Type: t, Call: call}), -1)
		}
	case flow.TypeBeginModule:
		a.push(int32(entry), pack(Place{Type: Module, Call: CallInherited}), -1)
	}
	for i := 0; i < len(a.nodes); i++ {
		a.visit(int32(i))
	}
}

// follow takes a transition from node i to state to, with context c. A
// trigger or begin-module only starts a definition: a transition to one is
// reported, not followed.
func (a *analysis) follow(i, to int32, c ctx) {
	if a.info[to].kind == kindEntry {
		s := &a.def.States[to]
		a.report(to, CodeNotAllowedInType, fmt.Sprintf(
			"%s %q can only start a definition, and the path %s → %s leads back to it",
			s.Type, s.Name, a.path(i), s.Name))
		return
	}
	a.push(to, c, i)
}

func (a *analysis) push(state int32, c ctx, parent int32) {
	bit := uint64(1) << c
	if a.seen[state]&bit != 0 {
		return
	}
	a.seen[state] |= bit
	depth := int32(0)
	if parent >= 0 {
		depth = a.nodes[parent].depth + 1
	}
	a.nodes = append(a.nodes, node{state: state, c: c, parent: parent, depth: depth})
}

func (a *analysis) visit(i int32) {
	n := a.nodes[i]
	in := &a.info[n.state]
	p := n.c.place(a.concurrent)
	s := &a.def.States[n.state]
	switch in.kind {
	case kindEntry:
		// Only roots are pushed: follow reports a transition to an entry.
		for _, e := range in.edges {
			if s.Type == flow.TypeTrigger {
				if t, _ := TypeOfTrigger(e.event); t != p.Type {
					continue
				}
			}
			a.follow(i, e.next, n.c)
		}
		return
	case kindReturn:
		if p.Type != Module {
			a.report(n.state, CodeNotAllowedInType, fmt.Sprintf(
				"return-to-flow %q ends a module, and this definition is a flow (path %s, %s): end the branch or use end-flow",
				s.Name, a.path(i), p.Type.Label()))
			return
		}
		if a.exits == nil {
			a.exits = make(map[string][]ExitCall)
		}
		ec := ExitCall{Call: p.Call, Placed: p.Placed}
		if !containsExit(a.exits[in.arg], ec) {
			a.exits[in.arg] = append(a.exits[in.arg], ec)
		}
		return
	case kindRunModule:
		a.runModule(i, n, in, p)
		return
	}

	if in.needs != 0 {
		vs, inherit := judge(in.needs, p)
		a.inherit(inherit, s.Name)
		stop := false
		for _, v := range vs {
			a.report(n.state, v.code, a.widgetMessage(i, s, v, p))
			// The runtime fails a voice step without a live call: no path
			// goes on from there.
			stop = stop || v.need == needCall
		}
		if stop {
			return
		}
	}
	placed := p.Placed || in.needs&needPlaces != 0
	for _, e := range in.edges {
		q := p
		q.Placed = placed
		if e.ends && q.Call != NoCall {
			q.Call = CallEnded
		}
		if e.provides {
			q.Call = CallLive
		}
		a.follow(i, e.next, pack(q))
	}
}

func containsExit(list []ExitCall, ec ExitCall) bool {
	for _, x := range list {
		if x == ec {
			return true
		}
	}
	return false
}

func (a *analysis) runModule(i int32, n node, in *sinfo, p Place) {
	s := &a.def.States[n.state]
	if a.uses != nil {
		u := a.uses[n.state]
		if u == nil {
			u = &ModuleUse{State: int(n.state), Name: s.Name, Module: in.arg}
			a.uses[n.state] = u
			a.useList = append(a.useList, n.state)
		}
		if !containsPlace(u.Places, p) {
			u.Places = append(u.Places, p)
		}
	}
	req, ok := a.mods.get(in.arg)
	if ok {
		vs, inherit := judge(req.needs(), p)
		a.inherit(inherit, s.Name)
		if len(vs) > 0 {
			a.report(n.state, CodeModuleIncompatible, fmt.Sprintf(
				"run-module %q runs module %q, which does not fit the path %s (%s): %s",
				s.Name, in.arg, a.path(i), p.Type.Label(), describe(*req, vs)))
		}
	}
	for _, e := range in.edges {
		exit := false
		if ok {
			if ecs, has := req.Exits[e.event]; has {
				exit = true
				for _, ec := range ecs {
					a.follow(i, e.next, pack(ec.After(p)))
				}
			}
		}
		// failed (the module did not run; a module exit of that name is
		// followed too), an exit the module lacks (package module reports
		// it), or a module not resolved: the call is as it was.
		if !exit || e.event == eventFailed {
			a.follow(i, e.next, n.c)
		}
	}
}

func containsPlace(list []Place, p Place) bool {
	for _, x := range list {
		if x == p {
			return true
		}
	}
	return false
}

// inherit records needs that depend on the caller (module and subflow
// entries), naming the state that has them.
func (a *analysis) inherit(n need, at string) {
	if n&needCall != 0 && !a.req.NeedsCall {
		a.req.NeedsCall, a.req.NeedsCallAt = true, at
	}
	if n&needMessaging != 0 && !a.req.NeedsMessaging {
		a.req.NeedsMessaging, a.req.NeedsMessagingAt = true, at
	}
	if n&needPlaces != 0 && !a.req.PlacesCall {
		a.req.PlacesCall, a.req.PlacesCallAt = true, at
	}
}

// requirements returns what the definition, entered as a module, needs of
// its caller.
func (a *analysis) requirements() Requirements {
	r := a.req
	r.Exits = a.exits
	return r
}

func (a *analysis) widgetMessage(i int32, s *flow.State, v violation, p Place) string {
	what := fmt.Sprintf("%s %q", s.Type, s.Name)
	path := fmt.Sprintf("%s (%s)", a.path(i), p.Type.Label())
	switch v.code {
	case CodeNeedsCall:
		return what + " needs a live call, and no call exists on the path " + path +
			": a call exists only after an incoming call or the answered exit of an outbound call"
	case CodeAfterCallEnded:
		return what + " needs a live call, and the call has ended on the path " + path +
			": after the call ends only non-voice steps may follow (a message, a record update, a module without voice steps)"
	case CodeReplyWaitConcurrentCalls:
		return what + " waits for a message reply downstream of the incoming call on the path " + path +
			", and the flow allows concurrent calls: replies from a caller id shared by several calls cannot be told apart;" +
			" turn off flags.allow_concurrent_calls or send without waiting"
	case CodeSecondOutboundCall:
		if p.Placed {
			return what + " places an outbound call, and one was already placed on the path " + path +
				": at most one outbound call may stand on one call path"
		}
		return what + " places an outbound call, and a call is already live on the path " + path +
			": at most one call may stand on one call path"
	case CodeOutboundOnCallPath:
		return what + " places an outbound call on the path " + path +
			", and an incoming-call flow may not: its call path already has the incoming call"
	}
	return what + " " + v.reason + " (path " + path + ")"
}

// path names the states from the entry to node i, joined by " → ". Long
// paths keep the entry and the last maxPathShown states.
func (a *analysis) path(i int32) string {
	names := make([]string, 0, maxPathShown+2)
	j := i
	for j >= 0 && len(names) < maxPathShown {
		names = append(names, a.def.States[a.nodes[j].state].Name)
		j = a.nodes[j].parent
	}
	if j >= 0 {
		// Walking on to the entry would cost the path's length: name the
		// entry (the root, depth 0) directly and count the states between.
		if skipped := a.nodes[j].depth; skipped > 0 {
			names = append(names, fmt.Sprintf("… (%d more)", skipped))
		}
		names = append(names, a.def.InitialState)
	}
	for l, r := 0, len(names)-1; l < r; l, r = l+1, r-1 {
		names[l], names[r] = names[r], names[l]
	}
	return strings.Join(names, " → ")
}

// report adds a problem at state st, once per state and code: the first
// found, which breadth-first order makes one with a shortest path.
func (a *analysis) report(st int32, code, msg string) {
	k := reportKey{st, code}
	if a.reported[k] {
		return
	}
	if a.reported == nil {
		a.reported = make(map[reportKey]bool)
	}
	a.reported[k] = true
	a.found = append(a.found, found{state: int(st), p: flow.Problem{
		Path: flow.StatePath(int(st)), State: a.def.States[st].Name, Code: code, Message: msg, Severity: a.rules.severity(code),
	}})
}

// problems returns the problems found, ordered by state and then as found.
func (a *analysis) problems() flow.Problems {
	sort.SliceStable(a.found, func(x, y int) bool { return a.found[x].state < a.found[y].state })
	if len(a.found) == 0 {
		return nil
	}
	ps := make(flow.Problems, len(a.found))
	for k, f := range a.found {
		ps[k] = f.p
	}
	return ps
}

// moduleSet resolves and summarises the modules run-module steps name, each
// once per check.
type moduleSet struct {
	reg    *widgets.Registry
	lookup ModuleLookup
	memo   map[string]*Requirements
	busy   map[string]bool
}

func newModules(reg *widgets.Registry, lookup ModuleLookup) *moduleSet {
	return &moduleSet{reg: reg, lookup: lookup, memo: map[string]*Requirements{}, busy: map[string]bool{}}
}

// get returns the requirements of the module called name. It reports false
// when there is no lookup, the module is not found or is not a module, or
// name is being summarised already (a cycle, which package module
// reports): such a step is taken to need nothing.
func (m *moduleSet) get(name string) (*Requirements, bool) {
	if m == nil || m.lookup == nil || name == "" {
		return nil, false
	}
	if r, ok := m.memo[name]; ok {
		return r, r != nil
	}
	if m.busy[name] {
		return nil, false
	}
	def, ok := m.lookup(name)
	if !ok || def == nil || !def.IsModule() {
		m.memo[name] = nil
		return nil, false
	}
	m.busy[name] = true
	a := newAnalysis(m.reg, def, m)
	a.run()
	delete(m.busy, name)
	r := a.requirements()
	m.memo[name] = &r
	return &r, true
}
