package compat

import (
	"fmt"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// Problem codes reported by this package. They are stable: callers may
// branch on them. Each is reported at the state concerned (#/states/I),
// as an error or, for the call-path rules of a Twilio flow, a warning
// (RulesFor), and its message names the rule and the path that breaks it.
const (
	// CodeNeedsCall: a step that needs a live call (a widget with
	// NeedsCall) is reachable where no call exists, such as after
	// incomingMessage, or after incomingRequest before an outbound call is
	// answered.
	CodeNeedsCall = "compat.needs_call"
	// CodeAfterCallEnded: a step that needs a live call is reachable after
	// the call ended (an event in a widget's EndsCallOn, such as hangup).
	CodeAfterCallEnded = "compat.after_call_ended"
	// CodeSecondOutboundCall: a widget that places an outbound call
	// (PlacesCall) is reachable where a call was already placed, or is
	// live, on the same path.
	CodeSecondOutboundCall = "compat.second_outbound_call"
	// CodeReplyWaitConcurrentCalls: a widget that waits for a message reply
	// (NeedsMessaging) is reachable from incomingCall in a flow whose
	// flags.allow_concurrent_calls is set.
	CodeReplyWaitConcurrentCalls = "compat.reply_wait_concurrent_calls"
	// CodeOutboundOnCallPath: a widget that places an outbound call is
	// reachable on an incoming-call path, which has its call already.
	CodeOutboundOnCallPath = "compat.outbound_on_call_path"
	// CodeNotAllowedInType: a state is reachable where its type is not
	// allowed: a return-to-flow in a flow (not a module), or a trigger or
	// begin-module reached by a transition.
	CodeNotAllowedInType = "compat.not_allowed_in_type"
	// CodeModuleNoTypes: a module fits no flow type (TypesFor is empty);
	// reported at its begin-module.
	CodeModuleNoTypes = "compat.module_no_types"
	// CodeModuleIncompatible: a run-module step runs a module that does not
	// fit where the step stands (Fits is false for the path's place).
	CodeModuleIncompatible = "compat.module_incompatible"
	// CodeNotAModule: ModuleRequirements or ModuleTypes was given a
	// definition whose initial state is not a begin-module
	// [#/initial_state].
	CodeNotAModule = "compat.not_a_module"
)

// ModuleLookup finds the definition of the module a run-module step names
// (its "module" property). It reports false when there is no such module.
// Package module supplies one backed by the catalog (the published
// version of each module).
type ModuleLookup func(name string) (*flow.Definition, bool)

// Option configures Checker, ModuleRequirements, ModuleTypes and
// ModuleUses.
type Option func(*config)

type config struct {
	lookup ModuleLookup
	strict bool
}

// WithModules resolves the modules run-module steps name. Without it, a
// run-module step needs nothing and leaves the call as it was.
func WithModules(lookup ModuleLookup) Option { return func(c *config) { c.lookup = lookup } }

// WithStrictRules makes every call-path rule an error whatever the
// definition's vendor (StrictRules), for a host that wants Twilio flows
// held to the rules Talkdesk enforces.
func WithStrictRules() Option { return func(c *config) { c.strict = true } }

func configure(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// Checker returns a flow.Checker that runs the path analysis with the
// widget types of reg, for flow.Check:
//
//	problems := flow.Check(def, flow.WithCheckers(reg.Checker(), compat.Checker(reg)))
//
// For a flow it walks every path from each wired trigger event, loops
// included, and reports CodeNeedsCall, CodeAfterCallEnded,
// CodeSecondOutboundCall, CodeReplyWaitConcurrentCalls,
// CodeOutboundOnCallPath, CodeNotAllowedInType and (with WithModules) CodeModuleIncompatible. For a
// module it reports the same rules for what the module breaks whatever its
// caller, and CodeModuleNoTypes when it fits no flow type. See the package
// documentation for the rules.
func Checker(reg *widgets.Registry, opts ...Option) flow.Checker {
	cfg := configure(opts)
	if reg != nil {
		reg = reg.Clone() // the checker's own: later registrations do not reach it
	}
	return flow.CheckerFunc(func(d *flow.Definition) flow.Problems {
		_, ps := analyze(reg, d, cfg)
		return ps
	})
}

// analyze runs the analysis of d and, for a module, adds CodeModuleNoTypes.
func analyze(reg *widgets.Registry, d *flow.Definition, cfg config) (*analysis, flow.Problems) {
	a := newAnalysis(reg, d, newModules(reg, cfg.lookup))
	if cfg.strict {
		a.rules = StrictRules()
	}
	a.run()
	ps := a.problems()
	if d.IsModule() {
		req := a.requirements()
		if len(TypesFor(req)) == 0 {
			i := d.StateIndex(d.InitialState)
			ps = append(flow.Problems{{
				Path: flow.StatePath(i), State: d.InitialState, Code: CodeModuleNoTypes, Severity: flow.SeverityError,
				Message: fmt.Sprintf("the module fits no flow type: it %s; where a call is live no outbound call may be placed, so no flow type has a place for it",
					req),
			}}, ps...)
		}
	}
	return a, ps
}

// ModuleRequirements returns what module def needs of the place where a
// run-module step runs it, with the problems of def as Checker reports
// them. Run-module steps inside def count through lookup (WithModules).
func ModuleRequirements(reg *widgets.Registry, def *flow.Definition, opts ...Option) (Requirements, flow.Problems) {
	if !def.IsModule() {
		return Requirements{}, flow.Problems{{
			Path: "#/initial_state", State: def.InitialState, Code: CodeNotAModule, Severity: flow.SeverityError,
			Message: fmt.Sprintf("the definition is not a module: its initial state %q is not a %s", def.InitialState, flow.TypeBeginModule),
		}}
	}
	a, ps := analyze(reg, def, configure(opts))
	return a.requirements(), ps
}

// ModuleTypes returns the flow types module def can run in (TypesFor of
// its requirements), with the problems of def as Checker reports them; an
// empty set comes with CodeModuleNoTypes.
func ModuleTypes(reg *widgets.Registry, def *flow.Definition, opts ...Option) (Types, flow.Problems) {
	req, ps := ModuleRequirements(reg, def, opts...)
	if ps.WithCode(CodeNotAModule) != nil {
		return nil, ps
	}
	return TypesFor(req), ps
}

// ModuleUse is a run-module step of a definition and every place it stands
// on some path.
type ModuleUse struct {
	// State is the step's index in Definition.States; Name its name.
	State int
	// Name is the step's state name.
	Name string
	// Module is the module the step names.
	Module string
	// Places lists the distinct places where the step stands, in the
	// order found. Fits(requirements, place) must hold for each.
	Places []Place
}

// ModuleUses lists the reachable run-module steps of def with their places,
// in the order found. Package module uses it to tell whether a new version
// of a module still fits the flows that run it.
func ModuleUses(reg *widgets.Registry, def *flow.Definition, opts ...Option) []ModuleUse {
	cfg := configure(opts)
	a := newAnalysis(reg, def, newModules(reg, cfg.lookup))
	a.uses = map[int32]*ModuleUse{}
	a.run()
	out := make([]ModuleUse, len(a.useList))
	for k, st := range a.useList {
		out[k] = *a.uses[st]
	}
	return out
}
