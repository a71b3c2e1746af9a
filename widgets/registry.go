package widgets

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/studioflow/studioflow/flow"
)

// Registry maps state type names to widget Types. It is safe for concurrent
// use.
type Registry struct {
	mu    sync.RWMutex
	types map[string]*Type
}

// NewRegistry returns a registry holding the given types.
func NewRegistry(types ...Type) *Registry {
	r := &Registry{types: make(map[string]*Type, len(types))}
	for _, t := range types {
		if err := r.Register(t); err != nil {
			panic(err)
		}
	}
	return r
}

// Standard returns a new registry holding every built-in widget type. Each
// call returns a fresh registry, so types registered on one do not leak into
// another.
func Standard() *Registry { return NewRegistry(standardTypes()...) }

// Register adds t, replacing a type of the same name (so a host may
// override a built-in). It refuses a type without a name or Compile.
func (r *Registry) Register(t Type) error {
	if t.Name == "" || t.Compile == nil {
		return fmt.Errorf("widgets: register %q: a type needs a name and a Compile function", t.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	tt := t
	r.types[t.Name] = &tt
	return nil
}

// Lookup returns the type called name.
func (r *Registry) Lookup(name string) (*Type, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.types[name]
	return t, ok
}

// Names lists the registered type names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.types))
	for n := range r.types {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Compiled is a definition whose states have been compiled by a registry:
// Nodes[i] and Types[i] belong to d.States[i] (nil for an unknown type).
type Compiled struct {
	// Definition is the definition compiled.
	Definition *flow.Definition
	// Nodes[i] is the compiled node of Definition.States[i]; nil for an
	// unknown type or a Compile that returned nil.
	Nodes []Node
	// Types[i] is the widget type of Definition.States[i]; nil where
	// Nodes[i] is nil.
	Types []*Type
}

// Compile compiles every state of d and returns the nodes with every problem
// found: unknown types, property problems, and transitions on events the
// widget does not emit.
func (r *Registry) Compile(d *flow.Definition) (*Compiled, flow.Problems) {
	c := &Compiled{Definition: d, Nodes: make([]Node, len(d.States)), Types: make([]*Type, len(d.States))}
	var ps flow.Problems
	for i := range d.States {
		s := &d.States[i]
		t, ok := r.Lookup(s.Type)
		if !ok {
			if s.Type != "" {
				ps = append(ps, flow.Problem{
					Path: flow.StatePath(i) + "/type", State: s.Name, Code: CodeTypeUnknown, Severity: flow.SeverityError,
					Message: fmt.Sprintf("widget type %q is not known", s.Type),
				})
			}
			continue
		}
		p := NewProps(s, i)
		node := t.Compile(p)
		ps = append(ps, p.Problems()...)
		if node == nil {
			continue
		}
		c.Nodes[i], c.Types[i] = node, t
		events := node.Events()
		for j, tr := range s.Transitions {
			if tr.Event != "" && !slices.Contains(events, tr.Event) {
				ps = append(ps, flow.Problem{
					Path: flow.TransitionPath(i, j) + "/event", State: s.Name, Code: CodeEventNotEmitted, Severity: flow.SeverityError,
					Message: fmt.Sprintf("a %s widget does not emit event %q; it emits %v", s.Type, tr.Event, events),
				})
			}
		}
	}
	return c, ps
}
