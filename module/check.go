package module

import (
	"fmt"
	"strings"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
)

// Lookup finds the current published definition of the module called name.
// It is compat's lookup type, so one function serves both checks.
type Lookup = compat.ModuleLookup

// Option configures Checker.
type Option func(*checker)

// WithSelf names the definition being checked when it is itself a module,
// so that a cycle back to it is found.
func WithSelf(name string) Option { return func(c *checker) { c.self = name } }

// WithMaxDepth bounds how deep modules may nest (default 3, as the
// runtime's default Limits.MaxDepth).
func WithMaxDepth(n int) Option { return func(c *checker) { c.maxDepth = n } }

// ForbidNesting reports any run-module inside a module, as Amazon Connect
// forbids.
func ForbidNesting() Option { return func(c *checker) { c.forbidNesting = true } }

// SkipMissing leaves unknown modules to another check (the version
// catalog reports unresolved references itself).
func SkipMissing() Option { return func(c *checker) { c.skipMissing = true } }

type checker struct {
	lookup        Lookup
	self          string
	maxDepth      int
	forbidNesting bool
	skipMissing   bool
}

// Checker returns a flow.Checker for the check call: for a module
// definition, its contract; for every run-module step, that the module
// exists and that the step matches its contract; module cycles (A runs B
// runs A) and nesting deeper than the limit.
func Checker(lookup Lookup, opts ...Option) flow.Checker {
	c := &checker{lookup: lookup, maxDepth: 3}
	for _, o := range opts {
		o(c)
	}
	return flow.CheckerFunc(c.check)
}

func (c *checker) check(def *flow.Definition) flow.Problems {
	// One lookup and one contract per module name for the whole check,
	// however many steps run it.
	type found struct {
		def      *flow.Definition
		ok       bool
		contract *Contract
	}
	memo := map[string]*found{}
	lookup := func(name string) *found {
		f, ok := memo[name]
		if !ok {
			f = &found{}
			f.def, f.ok = c.lookup(name)
			memo[name] = f
		}
		return f
	}
	var ps flow.Problems
	isModule := def.IsModule()
	if isModule {
		_, cps := ContractOf(def)
		ps = append(ps, cps...)
	}
	for _, b := range Bindings(def) {
		if b.Module == "" {
			continue // the widget check reports the missing property
		}
		if isModule && c.forbidNesting {
			ps = append(ps, flow.Problem{Path: flow.PropertyPath(b.Index, "module"), State: b.State, Code: CodeNesting, Severity: flow.SeverityError,
				Message: fmt.Sprintf("module %q is run from inside a module, and nesting modules is forbidden", b.Module)})
			continue
		}
		m := lookup(b.Module)
		if !m.ok {
			if !c.skipMissing {
				ps = append(ps, flow.Problem{Path: flow.PropertyPath(b.Index, "module"), State: b.State, Code: CodeNotFound, Severity: flow.SeverityError,
					Message: fmt.Sprintf("module %q is not published here", b.Module)})
			}
			continue
		}
		if m.contract == nil {
			m.contract, _ = ContractOf(m.def)
		}
		ps = append(ps, CheckBinding(b, m.contract)...)
		start := []string{}
		if c.self != "" {
			start = append(start, c.self)
		}
		walkLookup := func(name string) (*flow.Definition, bool) { f := lookup(name); return f.def, f.ok }
		if p := c.walk(b, append(start, b.Module), m.def, walkLookup); p != nil {
			ps = append(ps, *p)
		}
	}
	return ps
}

// walk follows the modules a module runs, depth first, and reports the
// first cycle or over-deep chain through binding b.
func (c *checker) walk(b Binding, chain []string, def *flow.Definition, lookup Lookup) *flow.Problem {
	depth := len(chain)
	if c.self != "" {
		depth-- // the module itself is not nested
	}
	if depth > c.maxDepth {
		return &flow.Problem{Path: flow.PropertyPath(b.Index, "module"), State: b.State, Code: CodeTooDeep, Severity: flow.SeverityError,
			Message: fmt.Sprintf("modules nest %d deep (%s); at most %d are allowed", depth, strings.Join(chain, " → "), c.maxDepth)}
	}
	for _, inner := range Bindings(def) {
		for _, seen := range chain {
			if seen == inner.Module {
				return &flow.Problem{Path: flow.PropertyPath(b.Index, "module"), State: b.State, Code: CodeCycle, Severity: flow.SeverityError,
					Message: fmt.Sprintf("modules run each other in a cycle: %s", strings.Join(append(chain, inner.Module), " → "))}
			}
		}
		next, ok := lookup(inner.Module)
		if !ok {
			continue
		}
		if p := c.walk(b, append(chain[:len(chain):len(chain)], inner.Module), next, lookup); p != nil {
			return p
		}
	}
	return nil
}
