package widgets

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/studioflow/studioflow/flow"
)

// Registry maps state type names to widget Types. It is safe for concurrent
// use. An engine takes a copy of the registry it is given (Clone), so
// registering on a registry afterwards never changes an engine built with
// it.
type Registry struct {
	mu      sync.RWMutex
	types   map[string]*Type
	vendors map[flow.Vendor]*VendorRules
}

// VendorRules are what a vendor's widget set adds to a registry for the
// definitions of that vendor (flow.Definition's Vendor), beside its types.
type VendorRules struct {
	// Fallback, when set, compiles a state whose type the registry does
	// not know, instead of the unknown type being an error: Amazon
	// Connect's flows load with an action type the library lacks (its
	// Compile reports a warning) and fail that step when it runs.
	Fallback func(p *Props) Node
	// Check, when set, reports what the vendor forbids in a whole
	// definition (which flow types may hold which states, say).
	Check func(d *flow.Definition) flow.Problems
}

// SetVendorRules sets the rules of vendor's definitions, replacing any set
// before.
func (r *Registry) SetVendorRules(vendor flow.Vendor, rules VendorRules) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.vendors == nil {
		r.vendors = map[flow.Vendor]*VendorRules{}
	}
	r.vendors[vendor] = &rules
}

// VendorOf is whose rules d follows: d.Vendor when the host set it;
// otherwise the vendor of the first state whose registered type belongs
// to Talkdesk or Amazon Connect (types that cannot stand in a Twilio
// flow); otherwise Twilio's.
func (r *Registry) VendorOf(d *flow.Definition) flow.Vendor {
	if d.Vendor != "" {
		return d.Vendor
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for i := range d.States {
		if t, ok := r.types[d.States[i].Type]; ok && (t.Vendor == flow.VendorTalkdesk || t.Vendor == flow.VendorConnect) {
			return t.Vendor
		}
	}
	return flow.VendorTwilio
}

func (r *Registry) vendorRules(v flow.Vendor) *VendorRules {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.vendors[v]
}

// NewRegistry returns a registry holding the given types. A type without a
// name or Compile, or two types of one name, panic: build registries of
// types known at compile time with it, and use Register for the others.
func NewRegistry(types ...Type) *Registry {
	r := &Registry{types: make(map[string]*Type, len(types))}
	for _, t := range types {
		if err := r.Register(t); err != nil {
			panic(err)
		}
	}
	return r
}

// Register adds t. It refuses a type without a name or Compile, and a name
// the registry holds already (use Replace to override a type on purpose).
func (r *Registry) Register(t Type) error {
	return r.add(t, false)
}

// RegisterAll adds every type of ts, or none of them: it refuses them all
// when one is refused (as Register would), or two share a name.
func (r *Registry) RegisterAll(ts ...Type) error {
	trial := r.Clone()
	for _, t := range ts {
		if err := trial.Register(t); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range ts {
		if _, ok := r.types[t.Name]; ok {
			return fmt.Errorf("widgets: register %q: the registry holds a type of that name already (Replace overrides it)", t.Name)
		}
	}
	for _, t := range ts {
		r.types[t.Name] = t.clone()
	}
	return nil
}

// Replace adds t, replacing the type of the same name if there is one: a
// host's own version of a built-in widget.
func (r *Registry) Replace(t Type) error {
	return r.add(t, true)
}

func (r *Registry) add(t Type, replace bool) error {
	if t.Name == "" || t.Compile == nil {
		return fmt.Errorf("widgets: register %q: a type needs a name and a Compile function", t.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.types[t.Name]; ok && !replace {
		return fmt.Errorf("widgets: register %q: the registry holds a type of that name already (Replace overrides it)", t.Name)
	}
	r.types[t.Name] = t.clone()
	return nil
}

// Clone returns a registry holding the same types, independent of r.
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := &Registry{types: make(map[string]*Type, len(r.types))}
	for name, t := range r.types {
		c.types[name] = t
	}
	if r.vendors != nil {
		c.vendors = make(map[flow.Vendor]*VendorRules, len(r.vendors))
		for v, rules := range r.vendors {
			c.vendors[v] = rules
		}
	}
	return c
}

// Lookup returns a copy of the type called name.
func (r *Registry) Lookup(name string) (*Type, bool) {
	r.mu.RLock()
	t, ok := r.types[name]
	r.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return t.clone(), true
}

// lookup returns the registry's own type called name, which nobody else
// holds: Compile hands it to the nodes' users (the engine) read-only.
func (r *Registry) lookup(name string) (*Type, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.types[name]
	return t, ok
}

// clone returns a copy of t whose slices are its own.
func (t Type) clone() *Type {
	t.ProvidesCallOn = slices.Clone(t.ProvidesCallOn)
	t.EndsCallOn = slices.Clone(t.EndsCallOn)
	return &t
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
// found: unknown types, property problems, transitions on events the
// widget does not emit, and what the rules of d's vendor forbid
// (SetVendorRules).
func (r *Registry) Compile(d *flow.Definition) (*Compiled, flow.Problems) {
	c := &Compiled{Definition: d, Nodes: make([]Node, len(d.States)), Types: make([]*Type, len(d.States))}
	var ps flow.Problems
	vendorName := r.VendorOf(d)
	vendor := r.vendorRules(vendorName)
	if vendor != nil && vendor.Check != nil {
		ps = append(ps, vendor.Check(d)...)
	}
	for i := range d.States {
		s := &d.States[i]
		t, ok := r.lookup(s.Type)
		if !ok && s.Type != "" && vendor != nil && vendor.Fallback != nil {
			t, ok = &Type{Name: s.Type, Compile: vendor.Fallback, Vendor: vendorName}, true
		}
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
		c.Nodes[i], c.Types[i] = node, t.clone()
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
