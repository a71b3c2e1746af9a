package lint

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/deploy"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/module"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/standard"
)

// Problem codes. They are stable; the path each problem carries is given
// in brackets, where STRING is the JSON pointer of the string holding the
// reference (a property's flow.PropertyPath and the pointer inside it, or
// a condition's #/states/I/transitions/J/conditions/K/arguments/L).
//
// CodeWidgetUnknown, CodeWidgetNotBefore, CodeWidgetFieldUnknown and
// CodeTriggerUnwired name references that never resolve. Twilio renders
// them as empty text and publishes the flow, and real exports carry
// them (a widget renamed after a template named it, a block copied from
// another flow), so they are warnings; Strict makes them errors.
const (
	// CodeWidgetUnknown: a template reads widgets.X and no state
	// is called X [STRING].
	CodeWidgetUnknown = "lint.widget_unknown"
	// CodeWidgetNotBefore: a template reads widgets.X, and no path
	// from the initial state runs X before the state whose template it is
	// (X runs only after it, or on other branches) [STRING].
	CodeWidgetNotBefore = "lint.widget_not_before"
	// CodeWidgetFieldUnknown: a template reads widgets.X.F, and a
	// state of X's type never publishes F (see Published; for a
	// run-module, its module's contract) [STRING].
	CodeWidgetFieldUnknown = "lint.widget_field_unknown"
	// CodeVariableUnset (warning): a template reads flow.variables.V, and
	// no state that can run before it sets V (set-variables, a
	// begin-module argument, a run-module output binding) [STRING].
	CodeVariableUnset = "lint.variable_unset"
	// CodeTriggerUnwired: a template reads trigger.K (message,
	// call, conversation, request, parent) in a flow whose trigger does
	// not wire the event that fills it (incomingMessage, incomingCall,
	// incomingConversationMessage, incomingRequest, incomingParent): no
	// execution ever has it [STRING].
	CodeTriggerUnwired = "lint.trigger_unwired"
	// CodeAttributeUnset (warning, Connect): $.Attributes.X is read, and
	// no UpdateContactAttributes that can run before sets X; the contact
	// may bring it (a start's attributes, an earlier flow) [STRING].
	CodeAttributeUnset = "lint.attribute_unset"
	// CodeFlowAttributeUnset (warning, Connect): $.FlowAttributes.X is
	// read, and no UpdateFlowAttributes that can run before sets X
	// [STRING].
	CodeFlowAttributeUnset = "lint.flow_attribute_unset"
	// CodeExternalUnset (warning, Connect): $.External.X is read, and no
	// InvokeLambdaFunction can run before [STRING].
	CodeExternalUnset = "lint.external_unset"
	// CodeLosesContact (warning): a transition Twilio documents as
	// dropping a contact that is still there leads nowhere: the timeout
	// of a gather-input-on-call whose keypress or speech leads on (a
	// caller who says nothing is hung up on), and failedToEnqueue of
	// send-to-flex or enqueue-call (the contact never reaches an agent)
	// [#/states/I/transitions/J/next, or #/states/I/transitions when the
	// event has no transition].
	CodeLosesContact = "lint.transition_loses_contact"
	// CodeLoopNoExit (error): states that lead to each other in a cycle
	// where none waits for the contact (or enters a subflow or module)
	// and every event of every one of them leads back into the cycle: an
	// execution that enters never leaves, and fails at the step limit
	// [#/states/I of the cycle's first state].
	CodeLoopNoExit = "lint.loop_no_exit"
	// CodeModuleOutputUnread (warning): a run-module step binds a module
	// output to flow.variables.V and no template reads V (and V is not
	// exposed) [#/states/I/properties/outputs/K]; or, with WithModules,
	// the module returns an output the step neither binds nor reads as
	// widgets.NAME.OUTPUT [#/states/I].
	CodeModuleOutputUnread = "lint.module_output_unread"
	// CodePlaceholder (warning): a deployment placeholder (${NAME}, see
	// package deploy) is left in the flow [STRING].
	CodePlaceholder = "lint.placeholder"
)

// Option configures Check.
type Option func(*config)

type config struct {
	lookup   module.Lookup
	registry *widgets.Registry
	strict   bool
}

// Strict reports the references that never resolve (CodeWidgetUnknown,
// CodeWidgetNotBefore, CodeWidgetFieldUnknown, CodeTriggerUnwired) as
// errors instead of warnings.
func Strict() Option { return func(c *config) { c.strict = true } }

// refSeverity is the severity of a reference that never resolves.
func (l *linter) refSeverity() flow.Severity {
	if l.cfg.strict {
		return flow.SeverityError
	}
	return flow.SeverityWarning
}

// WithModules finds the modules run-module steps name, so that their
// contracts say which outputs a step may read (widgets.NAME.OUTPUT) and
// which outputs nobody reads.
func WithModules(lookup module.Lookup) Option { return func(c *config) { c.lookup = lookup } }

// WithRegistry sets the widget types used to tell which states wait and
// which events they emit (the loop check); default widgets/standard.New().
func WithRegistry(r *widgets.Registry) Option { return func(c *config) { c.registry = r } }

// Checker returns Check as a flow.Checker, for flow.Check(d,
// flow.WithCheckers(...)) beside the engine's checkers.
func Checker(opts ...Option) flow.Checker {
	return flow.CheckerFunc(func(d *flow.Definition) flow.Problems { return Check(d, opts...) })
}

// Check returns what only a linter finds in d, beyond the structural,
// widget, template, compatibility and module checks the engine runs
// (runtime.Engine.Check): references that cannot resolve, transitions
// that drop a live contact, loops that never end, module outputs nobody
// reads and deployment placeholders left. Every problem has a code of
// this package (the Code constants) and a JSON path into d's Flow JSON
// (for a Connect flow, flow/connect.DocumentPath turns it into the
// document's).
//
// Liquid references are checked in Twilio-style flows, Connect's
// references ($.Attributes ...) in Connect flows. A reference in a state
// no path reaches is not checked (flow.Check warns of the state). Check
// never modifies d and never panics on a broken structure: what it cannot
// follow (a dangling next, a missing initial state) it skips.
func Check(d *flow.Definition, opts ...Option) flow.Problems {
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.registry == nil {
		cfg.registry = standard.New()
	}
	l := &linter{d: d, g: newGraph(d), cfg: cfg, contracts: map[int]*module.Contract{}, seen: map[flow.Problem]bool{}}
	l.connect = cfg.registry.VendorOf(d) == flow.VendorConnect
	l.collect()
	l.bindings()
	if l.connect {
		l.checkConnectRefs()
	} else {
		l.checkLiquidRefs()
		l.checkLostContacts()
	}
	l.checkLoops()
	l.checkModuleOutputs()
	for _, p := range deploy.Placeholders(d) {
		l.add(p.Path, p.State, CodePlaceholder, flow.SeverityWarning,
			"deployment placeholder %s is left: fill it for the environment (flowrun env) before publishing", p.Text)
	}
	return l.ps
}

// linter holds one run of Check.
type linter struct {
	d         *flow.Definition
	g         *graph
	cfg       config
	connect   bool
	ps        flow.Problems
	seen      map[flow.Problem]bool
	reads     []read
	readPaths map[string]bool          // every path read and its prefixes, joined by "."
	contracts map[int]*module.Contract // run-module state -> its module's contract
	binds     []module.Binding
}

// read is one reference a state's value makes.
type read struct {
	path  string // the JSON pointer of the string
	index int    // the state
	ref   []string
}

// add reports a problem, once: the same message at the same path (the
// fields of one unknown widget, say) is reported once.
func (l *linter) add(path, state, code string, sev flow.Severity, format string, args ...any) {
	p := flow.Problem{Path: path, State: state, Code: code, Severity: sev, Message: fmt.Sprintf(format, args...)}
	if l.seen[p] {
		return
	}
	l.seen[p] = true
	l.ps = append(l.ps, p)
}

// collect finds the references of every state's properties and
// transitions, each once per string.
func (l *linter) collect() {
	l.readPaths = map[string]bool{}
	for _, s := range deploy.Strings(l.d) {
		if s.Index < 0 || !strings.Contains(s.Path, "/properties/") && !strings.Contains(s.Path, "/transitions/") {
			continue
		}
		var refs [][]string
		if l.connect {
			refs = connectRefs(s.Value)
		} else if strings.Contains(s.Value, "{{") || strings.Contains(s.Value, "{%") {
			refs = liquidRefs(s.Value)
		}
		seen := map[string]bool{}
		for _, r := range refs {
			key := strings.Join(r, ".")
			for k := 1; k <= len(r); k++ {
				l.readPaths[strings.Join(r[:k], ".")] = true
			}
			if !seen[key] {
				seen[key] = true
				l.reads = append(l.reads, read{path: s.Path, index: s.Index, ref: r})
			}
		}
	}
}

// bindings reads the run-module steps and, with WithModules, the
// contracts of the modules they run.
func (l *linter) bindings() {
	l.binds = module.Bindings(l.d)
	if l.cfg.lookup == nil {
		return
	}
	for _, b := range l.binds {
		if def, ok := l.cfg.lookup(b.Module); ok && def != nil {
			if c, _ := module.ContractOf(def); c != nil {
				l.contracts[b.Index] = c
			}
		}
	}
}

// setBefore reports whether one of the states of setters can run before
// state i (or is i, when self counts).
func (l *linter) setBefore(setters []int, i int, self bool) bool {
	for _, t := range setters {
		if (self && t == i) || l.g.runsBefore(t, i) {
			return true
		}
	}
	return false
}

// triggerEvents maps trigger.K to the event that fills it.
var triggerEvents = map[string]string{
	"message":      flow.EventIncomingMessage,
	"call":         flow.EventIncomingCall,
	"conversation": flow.EventIncomingConversationMessage,
	"request":      flow.EventIncomingRequest,
	"parent":       flow.EventIncomingParent,
}

// checkLiquidRefs checks the widgets., flow.variables. and trigger.
// references of templates.
func (l *linter) checkLiquidRefs() {
	setters := l.variableSetters()
	wired := l.d.WiredTriggerEvents()
	for _, r := range l.reads {
		if !l.g.reached[r.index] {
			continue
		}
		state := l.d.States[r.index].Name
		switch {
		case r.ref[0] == "widgets" && len(r.ref) >= 2:
			l.checkWidgetRef(r, state)
		case r.ref[0] == "flow" && len(r.ref) >= 3 && r.ref[1] == "variables":
			v := r.ref[2]
			if !l.setBefore(setters[v], r.index, true) {
				l.add(r.path, state, CodeVariableUnset, flow.SeverityWarning,
					"reads flow.variables.%s, which no state that can run before sets (set-variables, a module argument or output): it may be empty", v)
			}
		case r.ref[0] == "trigger" && len(r.ref) >= 2:
			ev, known := triggerEvents[r.ref[1]]
			if known && !l.studioDefault(r) && len(wired) > 0 && !slices.Contains(wired, ev) {
				l.add(r.path, state, CodeTriggerUnwired, l.refSeverity(),
					"reads trigger.%s, but the trigger wires only %s: no execution of this flow has it", r.ref[1], strings.Join(wired, ", "))
			}
		}
	}
}

// studioDefaults are the values Twilio Studio writes into the service and
// channel properties of every messaging widget it exports; they are empty
// outside a message execution, and the widget then uses the flow's own.
var studioDefaults = map[string]string{
	"service": "{{trigger.message.InstanceSid}}",
	"channel": "{{trigger.message.ChannelSid}}",
}

// studioDefault reports whether r is the read of one of studioDefaults.
func (l *linter) studioDefault(r read) bool {
	s := &l.d.States[r.index]
	for prop, v := range studioDefaults {
		if r.path == flow.PropertyPath(r.index, prop) && string(s.Properties[prop]) == strconv.Quote(v) {
			return true
		}
	}
	return false
}

// checkWidgetRef checks one widgets.X[.F] reference.
func (l *linter) checkWidgetRef(r read, state string) {
	name := r.ref[1]
	x, ok := l.g.index[name]
	if !ok {
		l.add(r.path, state, CodeWidgetUnknown, l.refSeverity(),
			"reads widgets.%s, but no state is called %q", name, name)
		return
	}
	if !l.g.runsBefore(x, r.index) {
		l.add(r.path, state, CodeWidgetNotBefore, l.refSeverity(),
			"reads widgets.%s, but no path runs %q before this state: it is always empty here", name, name)
		return
	}
	if len(r.ref) < 3 {
		return
	}
	fields, known := l.fieldsOf(x)
	if known && !slices.Contains(fields, r.ref[2]) {
		l.add(r.path, state, CodeWidgetFieldUnknown, l.refSeverity(),
			"reads widgets.%s.%s, but a %s never publishes %q (it publishes %s)",
			name, r.ref[2], l.d.States[x].Type, r.ref[2], list(fields))
	}
}

// fieldsOf returns what state x publishes, when that is known.
func (l *linter) fieldsOf(x int) ([]string, bool) {
	if c, ok := l.contracts[x]; ok {
		return append(slices.Clone(c.Outputs), "exit", "error"), true
	}
	f, ok := published[l.d.States[x].Type]
	return f, ok
}

func list(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}

// variableSetters maps each flow variable to the states that set it:
// set-variables keys, begin-module argument variables and run-module
// output bindings.
func (l *linter) variableSetters() map[string][]int {
	out := map[string][]int{}
	addKeys := func(i int, prop, field string, fallback string) {
		var items []map[string]any
		if ok, err := l.d.States[i].Property(prop, &items); !ok || err != nil {
			return
		}
		for _, it := range items {
			k, _ := it[field].(string)
			if k == "" && fallback != "" {
				k, _ = it[fallback].(string)
			}
			if k != "" {
				out[k] = append(out[k], i)
			}
		}
	}
	for i, s := range l.d.States {
		switch s.Type {
		case "set-variables":
			addKeys(i, "variables", "key", "")
		case flow.TypeBeginModule:
			addKeys(i, "arguments", "variable", "name")
		}
	}
	for _, b := range l.binds {
		for _, o := range b.Outputs {
			if o.Variable != "" {
				out[o.Variable] = append(out[o.Variable], b.Index)
			}
		}
	}
	return out
}

// checkConnectRefs checks $.Attributes, $.FlowAttributes and $.External
// references.
func (l *linter) checkConnectRefs() {
	attrs := l.connectSetters("UpdateContactAttributes", "Attributes")
	flowAttrs := l.connectSetters("UpdateFlowAttributes", "FlowAttributes")
	var lambdas []int
	for i, s := range l.d.States {
		if s.Type == "InvokeLambdaFunction" {
			lambdas = append(lambdas, i)
		}
	}
	for _, r := range l.reads {
		if !l.g.reached[r.index] || len(r.ref) < 2 {
			continue
		}
		state := l.d.States[r.index].Name
		switch r.ref[0] {
		case "Attributes":
			if !l.setBefore(attrs[r.ref[1]], r.index, false) {
				l.add(r.path, state, CodeAttributeUnset, flow.SeverityWarning,
					"reads $.Attributes.%s, which no UpdateContactAttributes that can run before sets: it is empty unless the contact brings it", r.ref[1])
			}
		case "FlowAttributes":
			if !l.setBefore(flowAttrs[r.ref[1]], r.index, false) {
				l.add(r.path, state, CodeFlowAttributeUnset, flow.SeverityWarning,
					"reads $.FlowAttributes.%s, which no UpdateFlowAttributes that can run before sets: it is empty", r.ref[1])
			}
		case "External":
			if !l.setBefore(lambdas, r.index, false) {
				l.add(r.path, state, CodeExternalUnset, flow.SeverityWarning,
					"reads $.External.%s, but no InvokeLambdaFunction can run before: it is empty", r.ref[1])
			}
		}
	}
}

// connectSetters maps each key of the prop object of the states of type
// typ to those states.
func (l *linter) connectSetters(typ, prop string) map[string][]int {
	out := map[string][]int{}
	for i, s := range l.d.States {
		var m map[string]any
		if s.Type != typ {
			continue
		}
		if ok, err := s.Property(prop, &m); !ok || err != nil {
			continue
		}
		for k := range m {
			out[k] = append(out[k], i)
		}
	}
	return out
}

// lostOn lists, by widget type, the events whose missing next drops a
// contact that is still there, and the events that must lead on for it
// to count (none: always).
var lostOn = map[string]struct{ event, unless []string }{
	"gather-input-on-call": {event: []string{"timeout"}, unless: []string{"keypress", "speech"}},
	"send-to-flex":         {event: []string{"failedToEnqueue"}},
	"enqueue-call":         {event: []string{"failedToEnqueue"}},
}

// checkLostContacts reports the transitions of lostOn that lead nowhere.
func (l *linter) checkLostContacts() {
	for i, s := range l.d.States {
		rule, ok := lostOn[s.Type]
		if !ok || !l.g.reached[i] {
			continue
		}
		if len(rule.unless) > 0 && !slices.ContainsFunc(rule.unless, func(ev string) bool { return leadsOn(&s, ev) }) {
			continue
		}
		for _, ev := range rule.event {
			if leadsOn(&s, ev) {
				continue
			}
			path := flow.StatePath(i) + "/transitions"
			for j, t := range s.Transitions {
				if t.Event == ev {
					path = flow.TransitionPath(i, j) + "/next"
				}
			}
			l.add(path, s.Name, CodeLosesContact, flow.SeverityWarning,
				"%s leads nowhere: the execution ends there and drops the contact (wire it to a message, a retry or a fallback)", ev)
		}
	}
}

// leadsOn reports whether s's event ev has a next.
func leadsOn(s *flow.State, ev string) bool {
	t := s.Transition(ev)
	return t != nil && t.Next != ""
}

// checkLoops reports cycles no execution can leave.
func (l *linter) checkLoops() {
	cycles := l.g.cycles()
	if len(cycles) == 0 {
		return
	}
	compiled, _ := l.cfg.registry.Compile(l.d)
	for _, comp := range cycles {
		if !slices.ContainsFunc(comp, func(i int) bool { return l.g.reached[i] }) {
			continue
		}
		if slices.ContainsFunc(comp, func(i int) bool { return l.mayWait(compiled, i) || l.leaves(compiled, comp, i) }) {
			continue
		}
		names := make([]string, len(comp))
		for k, i := range comp {
			names[k] = strconv.Quote(l.d.States[i].Name)
		}
		first := comp[0]
		l.add(flow.StatePath(first), l.d.States[first].Name, CodeLoopNoExit, flow.SeverityError,
			"the states %s lead to each other with no wait and no way out: an execution that enters never leaves", strings.Join(names, ", "))
	}
}

// connectNoWait are the Connect action types that never wait for the
// contact nor run another flow: they decide, record or ask a service and
// go on at once. Every other Connect action may wait.
var connectNoWait = []string{"UpdateContactAttributes", "UpdateFlowAttributes", "UpdateFlowLoggingBehavior",
	"Compare", "DistributeByPercentage", "CheckHoursOfOperation", "CheckMetricData", "GetMetricData",
	"InvokeLambdaFunction", "MessageParticipant"}

// mayWait reports whether state i may wait for the contact or a child
// frame: its type needs a call or messaging, places a call, resumes on an
// event or returns from a subflow or module; for Connect, it is not
// among connectNoWait nor an UpdateContact* action. A state of an
// unknown type may.
func (l *linter) mayWait(c *widgets.Compiled, i int) bool {
	if l.connect {
		typ := l.d.States[i].Type
		return !slices.Contains(connectNoWait, typ) && !strings.HasPrefix(typ, "UpdateContact")
	}
	n, t := c.Nodes[i], c.Types[i]
	if n == nil || t == nil {
		return true
	}
	if t.NeedsCall || t.NeedsMessaging || t.PlacesCall {
		return true
	}
	_, resumes := n.(widgets.Resumer)
	_, returns := n.(widgets.Returner)
	return resumes || returns
}

// leaves reports whether an event of state i may lead out of comp: an
// event it emits with no transition or no next, or a next outside.
func (l *linter) leaves(c *widgets.Compiled, comp []int, i int) bool {
	s := &l.d.States[i]
	for _, t := range s.Transitions {
		j, ok := l.g.index[t.Next]
		if t.Next == "" || !ok || !slices.Contains(comp, j) {
			return true
		}
	}
	n := c.Nodes[i]
	if n == nil {
		return true
	}
	events := n.Events()
	if len(events) == 0 {
		return true
	}
	return slices.ContainsFunc(events, func(ev string) bool { return s.Transition(ev) == nil })
}

// checkModuleOutputs reports module outputs nobody reads.
func (l *linter) checkModuleOutputs() {
	for _, b := range l.binds {
		if !l.g.reached[b.Index] {
			continue
		}
		bound := map[string]bool{}
		for k, o := range b.Outputs {
			bound[o.Name] = true
			if o.Variable == "" || l.readPaths["flow.variables."+o.Variable] || slices.Contains(l.d.ExposedVariables, o.Variable) {
				continue
			}
			l.add(flow.PropertyPath(b.Index, "outputs")+"/"+strconv.Itoa(k), b.State, CodeModuleOutputUnread, flow.SeverityWarning,
				"output %q of module %q goes to flow.variables.%s, which nothing reads", o.Name, b.Module, o.Variable)
		}
		c, ok := l.contracts[b.Index]
		if !ok {
			continue
		}
		for _, out := range c.Outputs {
			if !bound[out] && !l.readPaths["widgets."+b.State+"."+out] {
				l.add(flow.StatePath(b.Index), b.State, CodeModuleOutputUnread, flow.SeverityWarning,
					"module %q returns output %q, which this step neither binds nor reads as widgets.%s.%s", b.Module, out, b.State, out)
			}
		}
	}
}
