// Package module reads the contract of a module (its typed arguments,
// outputs and exits) from its definition, checks that run-module steps
// match the contracts of the modules they run, finds module cycles, and
// compares two versions of a contract for changes that would break the
// flows that use the module.
//
// A module is a definition whose initial state is a begin-module. Its
// contract is:
//
//   - arguments: the begin-module's arguments, each String, Boolean or
//     Number, required unless marked otherwise or given a default;
//   - exits: the exit names of its return-to-flow states;
//   - outputs: the output names its return-to-flow states hand back.
//
// A run-module step binds a module by name: argument values (templates),
// outputs mapped to the caller's variables, and one transition per module
// exit it handles (plus failed).
package module

import (
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/modules"
	"github.com/studioflow/studioflow/widgets/talkdesk"
)

// Contract is what a module promises its callers.
type Contract struct {
	// Arguments are the module's typed inputs, as its begin-module
	// declares them.
	Arguments []modules.Argument
	// Exits are the module's exit names, in document order.
	Exits []string
	// Outputs are the names any exit hands back, in document order.
	Outputs []string
	// Exposed lists the module variables hosts may read.
	Exposed []string
}

// Argument returns the argument called name, or nil.
func (c *Contract) Argument(name string) *modules.Argument {
	for i := range c.Arguments {
		if c.Arguments[i].Name == name {
			return &c.Arguments[i]
		}
	}
	return nil
}

// Problem codes of this package.
const (
	// CodeNotModule: the definition checked as a module does not start
	// with a begin-module.
	CodeNotModule = "module.not_a_module"
	// CodeNoExit: the module has neither a return-to-flow nor an end-flow,
	// so it can never hand back to its caller.
	CodeNoExit = "module.no_exit"
	// CodeNotFound: a run-module step names a module that is not
	// published (not reported under SkipMissing).
	CodeNotFound = "module.not_found"
	// CodeArgumentMissing: a run-module step does not give a required
	// argument that has no default.
	CodeArgumentMissing = "module.argument_missing"
	// CodeArgumentUnknown: a run-module step gives an argument the module
	// does not declare.
	CodeArgumentUnknown = "module.argument_unknown"
	// CodeArgumentType: a static argument value does not convert to the
	// argument's type (String, Boolean or Number).
	CodeArgumentType = "module.argument_type"
	// CodeOutputUnknown: a run-module step maps an output the module does
	// not return.
	CodeOutputUnknown = "module.output_unknown"
	// CodeExitUnknown: a run-module step wires a transition for an exit
	// the module does not have.
	CodeExitUnknown = "module.exit_unknown"
	// CodeExitUnwired (a warning): a module exit has no transition on the
	// run-module step, so an execution leaving by it ends there.
	CodeExitUnwired = "module.exit_unwired"
	// CodeCycle: modules run each other in a cycle (A runs B runs A).
	CodeCycle = "module.cycle"
	// CodeTooDeep: modules nest deeper than the limit (WithMaxDepth,
	// default 3).
	CodeTooDeep = "module.too_deep"
	// CodeNesting: a module runs another module, and ForbidNesting is set.
	CodeNesting = "module.nesting_forbidden"
)

// ContractOf reads the contract of a module definition. Problems report a
// definition that is not a module, argument declarations that are wrong,
// and a module with no way out (neither return-to-flow nor end-flow).
func ContractOf(def *flow.Definition) (*Contract, flow.Problems) {
	c := &Contract{Exposed: def.ExposedVariables}
	var ps flow.Problems
	entry := def.StateIndex(def.InitialState)
	if entry < 0 || def.States[entry].Type != modules.TypeBeginModule {
		ps = append(ps, flow.Problem{Path: "#/initial_state", State: def.InitialState, Code: CodeNotModule, Severity: flow.SeverityError,
			Message: "a module's initial state must be a begin-module"})
	} else {
		p := widgets.NewProps(&def.States[entry], entry)
		c.Arguments = modules.ModuleArguments(p)
		ps = append(ps, p.Problems()...)
	}
	endsSomehow := false
	for i := range def.States {
		s := &def.States[i]
		switch s.Type {
		case modules.TypeReturnToFlow:
			endsSomehow = true
			p := widgets.NewProps(s, i)
			if exit := p.String("exit", ""); exit != "" && !slices.Contains(c.Exits, exit) {
				c.Exits = append(c.Exits, exit)
			}
			for _, kv := range p.KeyValuesNamed("outputs", "name", "value") {
				if !slices.Contains(c.Outputs, kv.Key) {
					c.Outputs = append(c.Outputs, kv.Key)
				}
			}
		case talkdesk.EndFlow().Name:
			endsSomehow = true
		}
	}
	if !endsSomehow && entry >= 0 {
		ps = append(ps, flow.Problem{Path: "#/states", Code: CodeNoExit, Severity: flow.SeverityError,
			Message: "the module has neither a return-to-flow nor an end-flow: it can never hand back to its caller"})
	}
	return c, ps
}

// Binding is one run-module step: which module it runs and how.
type Binding struct {
	// Index and State locate the step in its definition.
	Index int
	// State is the step's state name.
	State string
	// Module is the module's name.
	Module string
	// Arguments are the values given, by argument name (templates).
	Arguments []widgets.KeyValue
	// Outputs map module outputs to caller variables.
	Outputs []modules.OutputBinding
	// Exits are the wired transition events other than failed, with the
	// index of their transition.
	Exits map[string]int
}

// Bindings lists the run-module steps of def.
func Bindings(def *flow.Definition) []Binding {
	var out []Binding
	for i := range def.States {
		s := &def.States[i]
		if s.Type != modules.TypeRunModule {
			continue
		}
		p := widgets.NewProps(s, i)
		b := Binding{Index: i, State: s.Name, Module: p.String("module", ""), Exits: map[string]int{}}
		b.Arguments = p.KeyValuesNamed("arguments", "name", "value")
		for _, kv := range p.KeyValuesNamed("outputs", "name", "variable") {
			b.Outputs = append(b.Outputs, modules.OutputBinding{Name: kv.Key, Variable: kv.Value.Src})
		}
		for j, t := range s.Transitions {
			if t.Event != "failed" && t.Event != "" {
				b.Exits[t.Event] = j
			}
		}
		out = append(out, b)
	}
	return out
}

// given returns the value given for argument name.
func (b *Binding) given(name string) (widgets.Text, bool) {
	for _, a := range b.Arguments {
		if a.Key == name {
			return a.Value, true
		}
	}
	return widgets.Text{}, false
}

// CheckBinding checks a run-module step against the contract of the module
// it runs: every required argument given, no unknown argument, fixed values
// that convert to their argument's type, outputs and exits that exist.
// Module exits the step does not wire are warnings (the execution would end
// there).
func CheckBinding(b Binding, c *Contract) flow.Problems {
	var ps flow.Problems
	add := func(path, code string, sev flow.Severity, format string, args ...any) {
		ps = append(ps, flow.Problem{Path: path, State: b.State, Code: code, Severity: sev, Message: fmt.Sprintf(format, args...)})
	}
	argsPath := flow.PropertyPath(b.Index, "arguments")
	for _, a := range c.Arguments {
		v, ok := b.given(a.Name)
		if !ok {
			if a.IsRequired() && a.Default == nil {
				add(argsPath, CodeArgumentMissing, flow.SeverityError, "module %q requires argument %q (%s), which is not given", b.Module, a.Name, a.Type)
			}
			continue
		}
		if !v.Dynamic {
			if _, err := modules.ConvertArgument(a.Type, v.Src); err != nil {
				add(argsPath, CodeArgumentType, flow.SeverityError, "argument %q of module %q: %v", a.Name, b.Module, err)
			}
		}
	}
	for _, a := range b.Arguments {
		if c.Argument(a.Key) == nil {
			add(argsPath, CodeArgumentUnknown, flow.SeverityError, "module %q has no argument %q", b.Module, a.Key)
		}
	}
	for _, o := range b.Outputs {
		if !slices.Contains(c.Outputs, o.Name) {
			add(flow.PropertyPath(b.Index, "outputs"), CodeOutputUnknown, flow.SeverityError, "module %q has no output %q", b.Module, o.Name)
		}
	}
	for exit, j := range sortedExits(b.Exits) {
		if !slices.Contains(c.Exits, exit) {
			add(flow.TransitionPath(b.Index, j)+"/event", CodeExitUnknown, flow.SeverityError, "module %q has no exit %q; its exits are %s", b.Module, exit, strings.Join(c.Exits, ", "))
		}
	}
	for _, exit := range c.Exits {
		if _, ok := b.Exits[exit]; !ok {
			add(flow.StatePath(b.Index)+"/transitions", CodeExitUnwired, flow.SeverityWarning, "module %q exit %q is not wired: an execution leaving by it ends here", b.Module, exit)
		}
	}
	return ps
}

// sortedExits iterates exits in transition order.
func sortedExits(exits map[string]int) func(yield func(string, int) bool) {
	return func(yield func(string, int) bool) {
		names := make([]string, 0, len(exits))
		for n := range exits {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b string) int { return exits[a] - exits[b] })
		for _, n := range names {
			if !yield(n, exits[n]) {
				return
			}
		}
	}
}
