package flowdiff

import (
	"encoding/json"
	"slices"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/module"
	"github.com/studioflow/studioflow/widgets/modules"
)

// AnyCaller is Break.User for the breaks Diff finds without WithUsers:
// those of a caller that uses the whole old contract or only what it must.
const AnyCaller = "any caller"

// syntheticModule is the name the synthetic callers run the module by.
const syntheticModule = "module"

// contractOf returns the contract of a module, nil for a flow.
func contractOf(d *flow.Definition) *module.Contract {
	if !d.IsModule() {
		return nil
	}
	c, _ := module.ContractOf(d)
	return c
}

// contractChanges appends the contract changes of two versions of which
// at least one is a module, and returns the verdict when there is any.
func contractChanges(out []Change, old, new *flow.Definition, o options) ([]Change, *Verdict) {
	if !old.IsModule() && !new.IsModule() {
		return out, nil
	}
	oc, nc := contractOf(old), contractOf(new)
	before := len(out)
	argsOf := func(c *module.Contract) (names []string, decl map[string]string) {
		decl = map[string]string{}
		if c == nil {
			return nil, decl
		}
		for _, a := range c.Arguments {
			names = append(names, a.Name)
			decl[a.Name] = string(encode(a))
		}
		return names, decl
	}
	on, od := argsOf(oc)
	nn, nd := argsOf(nc)
	out = items(out, "argument", on, nn, od, nd)
	for _, part := range []struct {
		key string
		of  func(*module.Contract) []string
	}{
		{"exit", func(c *module.Contract) []string { return c.Exits }},
		{"output", func(c *module.Contract) []string { return c.Outputs }},
		{"exposed", func(c *module.Contract) []string { return c.Exposed }},
	} {
		var a, b []string
		if oc != nil {
			a = part.of(oc)
		}
		if nc != nil {
			b = part.of(nc)
		}
		out = items(out, part.key, a, b, nil, nil)
	}
	if len(out) == before {
		return out, nil
	}
	if nc == nil {
		nc = &module.Contract{}
	}
	return out, verdict(oc, nc, o)
}

// items appends the contract changes of one part: the items added or
// changed in the new order, then those removed in the old order. decl
// holds an item's declaration when it has more than its name.
func items(out []Change, key string, old, new []string, oldDecl, newDecl map[string]string) []Change {
	value := func(name string, decl map[string]string) json.RawMessage {
		if v, ok := decl[name]; ok {
			return json.RawMessage(v)
		}
		return jsonString(name)
	}
	for _, n := range new {
		switch {
		case !slices.Contains(old, n):
			out = append(out, Change{Kind: KindContract, Key: key, Name: n, After: value(n, newDecl)})
		case oldDecl[n] != newDecl[n]:
			out = append(out, Change{Kind: KindContract, Key: key, Name: n, Before: value(n, oldDecl), After: value(n, newDecl)})
		}
	}
	for _, n := range old {
		if !slices.Contains(new, n) {
			out = append(out, Change{Kind: KindContract, Key: key, Name: n, Before: value(n, oldDecl)})
		}
	}
	return out
}

// verdict runs module.Breaks against the users given, or against the
// synthetic callers of the old contract.
func verdict(oc, nc *module.Contract, o options) *Verdict {
	v := &Verdict{}
	if o.users != nil {
		names := make([]string, 0, len(o.users))
		for n := range o.users {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			for _, b := range module.Breaks(o.module, oc, nc, o.users[n], n) {
				v.Breaks = append(v.Breaks, Break{User: b.User, State: b.State, Reason: b.Reason})
			}
		}
	} else if oc != nil {
		seen := map[string]bool{}
		for _, b := range module.Breaks(syntheticModule, oc, nc, callers(oc), AnyCaller) {
			if !seen[b.Reason] {
				seen[b.Reason] = true
				v.Breaks = append(v.Breaks, Break{User: AnyCaller, Reason: b.Reason})
			}
		}
	}
	v.Breaking = len(v.Breaks) > 0
	return v
}

// callers returns a flow with two run-module steps of the module whose
// contract is c: one that gives every argument, maps every output and
// wires every exit, and one that gives only the required arguments
// without a default.
func callers(c *module.Contract) *flow.Definition {
	step := func(name string, args []modules.Argument, outputs, exits []string) flow.State {
		s := flow.State{Name: name, Type: modules.TypeRunModule}
		var as, os []map[string]string
		for _, a := range args {
			as = append(as, map[string]string{"name": a.Name, "value": "{{flow.variables." + a.Name + "}}"})
		}
		for _, out := range outputs {
			os = append(os, map[string]string{"name": out, "variable": out})
		}
		for _, e := range exits {
			s.Transitions = append(s.Transitions, flow.Transition{Event: e})
		}
		_ = s.SetProperty("module", syntheticModule)
		_ = s.SetProperty("arguments", as)
		_ = s.SetProperty("outputs", os)
		return s
	}
	var required []modules.Argument
	for _, a := range c.Arguments {
		if a.IsRequired() && a.Default == nil {
			required = append(required, a)
		}
	}
	return &flow.Definition{States: []flow.State{
		step("uses_all", c.Arguments, c.Outputs, c.Exits),
		step("uses_required", required, nil, nil),
	}}
}
