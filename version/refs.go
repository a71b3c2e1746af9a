package version

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/module"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/modules"
)

// State types and properties through which a definition references other
// items.
const (
	// TypeRunModule is the state type that runs a module, named by its
	// PropModule property.
	TypeRunModule = modules.TypeRunModule
	// TypeRunSubflow is the state type that runs another flow, named by its
	// PropFlowSID property.
	TypeRunSubflow = "run-subflow"
	// PropModule is the run-module property holding the module's name.
	PropModule = "module"
	// PropFlowSID is the run-subflow property holding the subflow's ID.
	PropFlowSID = "flow_sid"
)

// Problem codes the catalog adds to those of the injected check.
const (
	// CodeModuleUnresolved: a run-module state names a module the catalog
	// does not have.
	CodeModuleUnresolved = "version.module_unresolved"
	// CodeModuleUnpublished: a run-module state names a module without a
	// published version.
	CodeModuleUnpublished = "version.module_unpublished"
	// CodeSubflowUnresolved: a run-subflow state names a flow the catalog
	// does not have.
	CodeSubflowUnresolved = "version.subflow_unresolved"
	// CodeKindMismatch: a module whose initial state is not a begin-module,
	// or a flow whose initial state is one.
	CodeKindMismatch = "version.kind_mismatch"
)

// ref is one reference of a definition: the state at index, the property
// and its value.
type ref struct {
	index int
	state string
	prop  string
	value string
}

// moduleRefs returns the modules def's run-module states name, exactly as
// the runtime reads them (a module name is never rendered, so a name with
// stray spaces or a template is a reference that cannot resolve).
func moduleRefs(def *flow.Definition) []ref {
	var out []ref
	for _, b := range module.Bindings(def) {
		if b.Module != "" {
			out = append(out, ref{index: b.Index, state: b.State, prop: PropModule, value: b.Module})
		}
	}
	return out
}

// refs returns the references of def held by states of type typ in
// property prop. Values that are not plain strings, or are Liquid
// templates (run-subflow renders its flow_sid), are not references the
// catalog can resolve and are skipped.
func refs(def *flow.Definition, typ, prop string) []ref {
	var out []ref
	for i := range def.States {
		s := &def.States[i]
		if s.Type != typ {
			continue
		}
		var v string
		if ok, err := s.Property(prop, &v); !ok || err != nil {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || widgets.IsTemplate(v) {
			continue
		}
		out = append(out, ref{index: i, state: s.Name, prop: prop, value: v})
	}
	return out
}

// moduleNames returns the sorted, distinct module names def's run-module
// states use.
func moduleNames(def *flow.Definition) []string {
	var names []string
	for _, r := range moduleRefs(def) {
		names = append(names, r.value)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// isRefCode reports whether code is one of the reference codes, which are
// recomputed at publish time.
func isRefCode(code string) bool {
	return code == CodeModuleUnresolved || code == CodeModuleUnpublished || code == CodeSubflowUnresolved
}

// kindProblems reports a definition whose entry does not fit its kind.
func kindProblems(kind Kind, def *flow.Definition) flow.Problems {
	s := def.State(def.InitialState)
	if s == nil {
		return nil // flow.Check reports a missing initial state.
	}
	isModule := s.Type == flow.TypeBeginModule
	if isModule == (kind == KindModule) {
		return nil
	}
	want := flow.TypeTrigger
	if kind == KindModule {
		want = flow.TypeBeginModule
	}
	return flow.Problems{{
		Path: "#/initial_state", State: s.Name, Code: CodeKindMismatch, Severity: flow.SeverityError,
		Message: fmt.Sprintf("a %s starts from a %q state; initial_state %q is a %q", kind, want, s.Name, s.Type),
	}}
}

// refProblems resolves def's run-module and run-subflow references against
// the store.
func (c *Catalog) refProblems(ctx context.Context, def *flow.Definition) (flow.Problems, error) {
	var ps flow.Problems
	for _, r := range moduleRefs(def) {
		it, err := c.store.GetByName(ctx, KindModule, r.value)
		switch {
		case errors.Is(err, ErrNotFound) && widgets.IsTemplate(r.value):
			ps = append(ps, r.problem(CodeModuleUnresolved, fmt.Sprintf("module %q is a template, but a run-module step names its module as written, never rendered", r.value)))
		case errors.Is(err, ErrNotFound):
			ps = append(ps, r.problem(CodeModuleUnresolved, fmt.Sprintf("module %q is not in the catalog", r.value)))
		case err != nil:
			return nil, err
		case it.Published() == nil:
			ps = append(ps, r.problem(CodeModuleUnpublished, fmt.Sprintf("module %q has no published version; only published modules can be used", r.value)))
		}
	}
	for _, r := range refs(def, TypeRunSubflow, PropFlowSID) {
		ok, err := c.flowExists(ctx, r.value)
		if err != nil {
			return nil, err
		}
		if !ok {
			ps = append(ps, r.problem(CodeSubflowUnresolved, fmt.Sprintf("subflow %q is not a flow ID or name in the catalog", r.value)))
		}
	}
	return ps, nil
}

func (c *Catalog) flowExists(ctx context.Context, idOrName string) (bool, error) {
	it, err := c.store.Get(ctx, idOrName)
	if err == nil && it.Kind == KindFlow {
		return true, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	_, err = c.store.GetByName(ctx, KindFlow, idOrName)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (r ref) problem(code, msg string) flow.Problem {
	return flow.Problem{
		Path: flow.PropertyPath(r.index, r.prop), State: r.state, Code: code,
		Message: msg, Severity: flow.SeverityError,
	}
}
