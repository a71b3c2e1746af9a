package version

import (
	"context"
	"errors"
	"fmt"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/module"
	"github.com/studioflow/studioflow/template"
	"github.com/studioflow/studioflow/widgets"
)

// WithStandardChecks makes the catalog run the full check call on every
// save (structure, widgets from reg, compat paths and flow types, module
// contracts, all against the modules published in this catalog) and
// protect module changes: publishing a module version is refused with a
// *module.BreakingChangeError when it would break a published or draft
// version that uses the module, or when it fits no flow type.
func WithStandardChecks(reg *widgets.Registry) Option {
	reg = reg.Clone() // the catalog's own: later registrations do not reach it
	return func(c *Catalog) {
		c.check = func(ctx context.Context, _ Kind, def *flow.Definition) flow.Problems {
			return StandardCheck(reg, c.moduleLookup(ctx, "", nil))(def)
		}
		c.guard = func(ctx context.Context, it Item, candidate *flow.Definition) error {
			if it.Kind != KindModule {
				return nil
			}
			return c.moduleGuard(ctx, reg, it, candidate)
		}
	}
}

// StandardCheck returns the full check call over reg and a module lookup:
// flow structure, widget properties and events, compat path analysis, and
// module contracts, cycles and depth. Unknown modules are left to the
// catalog's own reference problems.
func StandardCheck(reg *widgets.Registry, lookup module.Lookup) func(*flow.Definition) flow.Problems {
	return func(def *flow.Definition) flow.Problems {
		return flow.Check(def, flow.WithCheckers(
			reg.Checker(),
			compat.Checker(reg, compat.WithModules(lookup)),
			template.Checker(),
			module.Checker(lookup, module.SkipMissing()),
		))
	}
}

// moduleLookup resolves published modules of this catalog, except that
// the module called override resolves to def.
func (c *Catalog) moduleLookup(ctx context.Context, override string, def *flow.Definition) module.Lookup {
	return func(name string) (*flow.Definition, bool) {
		if name == override && def != nil {
			return def, true
		}
		r, err := c.Shared().ResolveModule(ctx, name)
		if err != nil {
			return nil, false
		}
		return r.Definition, true
	}
}

// moduleGuard refuses a module version that would break its users.
func (c *Catalog) moduleGuard(ctx context.Context, reg *widgets.Registry, it Item, candidate *flow.Definition) error {
	cand, ps := module.ContractOf(candidate)
	if ps.HasErrors() {
		return ps.Err()
	}
	var breaks []module.Break
	withCandidate := c.moduleLookup(ctx, it.Name, candidate)

	types, _ := compat.ModuleTypes(reg, candidate, compat.WithModules(withCandidate))
	if len(types) == 0 {
		breaks = append(breaks, module.Break{User: "module " + it.Name, Reason: "the module fits no flow type"})
	}
	for _, p := range module.Checker(withCandidate, module.WithSelf(it.Name), module.SkipMissing()).Check(candidate) {
		if p.Code == module.CodeCycle || p.Code == module.CodeTooDeep {
			breaks = append(breaks, module.Break{User: "module " + it.Name, State: p.State, Reason: p.Message})
		}
	}

	var old *module.Contract
	current := c.moduleLookup(ctx, "", nil)
	if def, ok := current(it.Name); ok {
		old, _ = module.ContractOf(def)
	}
	refs, err := c.References(ctx, it.Name)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if ref.ItemID == it.ID {
			continue
		}
		r, err := c.Shared().Resolve(ctx, ref.ItemID, Revision(ref.Revision))
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return err
		}
		user := fmt.Sprintf("%s %q r%d (%s)", ref.Kind, ref.Name, ref.Revision, ref.Status)
		breaks = append(breaks, module.Breaks(it.Name, old, cand, r.Definition, user)...)
		breaks = append(breaks, narrowed(reg, r.Definition, current, withCandidate, user)...)
	}
	if len(breaks) > 0 {
		return &module.BreakingChangeError{Module: it.Name, Breaks: breaks}
	}
	return nil
}

// narrowed reports the compat problems a user gets with the candidate
// module that it does not have with the current one: the module no longer
// fits where a run-module step stands.
func narrowed(reg *widgets.Registry, user *flow.Definition, current, candidate module.Lookup, label string) []module.Break {
	key := func(p flow.Problem) string { return p.Code + "@" + p.Path }
	before := map[string]bool{}
	for _, p := range compat.Checker(reg, compat.WithModules(current)).Check(user) {
		before[key(p)] = true
	}
	var out []module.Break
	for _, p := range compat.Checker(reg, compat.WithModules(candidate)).Check(user) {
		if p.Severity == flow.SeverityError && !before[key(p)] {
			out = append(out, module.Break{User: label, State: p.State, Reason: p.Message})
		}
	}
	return out
}
