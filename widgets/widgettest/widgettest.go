// Package widgettest is a test kit for widgets: a StepContext to run one
// node against, and helpers that compile a state and run or resume its
// node. Use it to test a custom widget without an engine, the way this
// repository tests its own:
//
//	n := widgettest.MustCompile(t, reg, "crm-lookup", map[string]any{"phone": "{{contact.channel.address}}"})
//	res := widgettest.Run(t, n, widgettest.NewStep(services))
//	// res.Event == "found"
//
// The Step's renderer resolves lone {{ a.b.c }} paths from its context,
// which is what widget tests need; a template beyond that is an error
// (test full Liquid through the runtime's engine).
package widgettest

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/template"
	"github.com/studioflow/studioflow/widgets"
)

// Step is a widgets.StepContext for running one node directly: a live call
// from +15550001111 to +15550009999 (CallSid CA100), at 2026-03-04 10:00
// UTC, in state "w". Change it with its methods before running.
type Step struct {
	ctx              context.Context
	state            string
	now              time.Time
	services         *widgets.Services
	root             map[string]any
	call             widgets.Call
	trigger          string
	contact, address string
	ids              int
	intn             int
	shared           map[string]any
}

// NewStep returns a Step on a live call, with services s.
func NewStep(s *widgets.Services) *Step {
	return &Step{
		ctx: context.Background(), state: "w", now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), services: s,
		root: map[string]any{
			"flow":    map[string]any{"variables": map[string]any{}, "channel": map[string]any{"address": "+15550009999"}},
			"trigger": map[string]any{"call": map[string]any{"CallSid": "CA100", "From": "+15550001111"}},
			"widgets": map[string]any{},
			"contact": map[string]any{"channel": map[string]any{"address": "+15550001111"}},
		},
		call: widgets.Call{Sid: "CA100", Live: true}, trigger: "incomingCall",
		contact: "+15550001111", address: "+15550009999",
	}
}

// Set writes value at a dotted path of the template context
// ("flow.variables.x", "widgets.menu.Digits").
func (s *Step) Set(path string, value any) *Step {
	keys := strings.Split(path, ".")
	m := s.root
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
	return s
}

// Messaging turns the step into a messaging execution with no call,
// started by the message "hi there".
func (s *Step) Messaging() *Step {
	s.call, s.trigger = widgets.Call{}, "incomingMessage"
	s.root["trigger"] = map[string]any{"message": map[string]any{"Body": "hi there", "From": s.contact}}
	return s
}

// WithContext sets the step's context.
func (s *Step) WithContext(ctx context.Context) *Step { s.ctx = ctx; return s }

// WithNow sets the step's clock.
func (s *Step) WithNow(t time.Time) *Step { s.now = t; return s }

// WithCall sets the step's call.
func (s *Step) WithCall(c widgets.Call) *Step { s.call = c; return s }

// WithTrigger sets the trigger event the step's flow started with.
func (s *Step) WithTrigger(event string) *Step { s.trigger = event; return s }

// WithState sets the name of the state the step runs.
func (s *Step) WithState(name string) *Step { s.state = name; return s }

// WithIntn sets what Intn returns (clamped to its range): the step's
// randomness.
func (s *Step) WithIntn(n int) *Step { s.intn = n; return s }

// Context implements widgets.StepContext.
func (s *Step) Context() context.Context { return s.ctx }

// StateName implements widgets.StepContext.
func (s *Step) StateName() string { return s.state }

// Now implements widgets.StepContext.
func (s *Step) Now() time.Time { return s.now }

// Intn implements widgets.StepContext: the value WithIntn set, below n.
func (s *Step) Intn(n int) int {
	if n <= 0 {
		return 0
	}
	return min(max(s.intn, 0), n-1)
}

// Services implements widgets.StepContext.
func (s *Step) Services() *widgets.Services { return s.services }

// SetVariable implements widgets.StepContext: it sets flow.variables.key.
func (s *Step) SetVariable(key string, v any) { s.Set("flow.variables."+key, v) }

// Shared implements widgets.StepContext: the value SetShared wrote.
func (s *Step) Shared(key string) (any, bool) { v, ok := s.shared[key]; return v, ok }

// SetShared implements widgets.StepContext; nil removes the value. It
// keeps a copy of v and refuses nothing.
func (s *Step) SetShared(key string, v any) error {
	if v == nil {
		delete(s.shared, key)
		return nil
	}
	if s.shared == nil {
		s.shared = map[string]any{}
	}
	s.shared[key] = copyValue(v)
	return nil
}

// copyValue copies maps and slices of a JSON-like value.
func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return widgets.CopyData(v)
	case []any:
		return widgets.CopyData(map[string]any{"": v})[""]
	}
	return v
}

// TriggerEvent implements widgets.StepContext.
func (s *Step) TriggerEvent() string { return s.trigger }

// ContactAddress implements widgets.StepContext.
func (s *Step) ContactAddress() string { return s.contact }

// FlowAddress implements widgets.StepContext.
func (s *Step) FlowAddress() string { return s.address }

// Call implements widgets.StepContext.
func (s *Step) Call() widgets.Call { return s.call }

// NewID implements widgets.StepContext: PREFIX00000001, PREFIX00000002...
func (s *Step) NewID(prefix string) string { s.ids++; return fmt.Sprintf("%s%08d", prefix, s.ids) }

// Lookup implements widgets.StepContext.
func (s *Step) Lookup(path string) (any, bool) {
	var cur any = s.root
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// Render implements widgets.StepContext with the engine's own Liquid
// (package template), against the step's context and clock, "now" shown
// in the engine's default zone (template.PacificTime): the template the
// Text holds when its widget compiled it, or its source parsed now.
func (s *Step) Render(t widgets.Text) (string, error) {
	if !t.Dynamic {
		return t.Src, nil
	}
	tpl := t.Template
	if tpl == nil || tpl.Source() != t.Src {
		tpl, _ = template.Parse(t.Src)
	}
	r := template.NewRenderer(template.Options{Clock: func() time.Time { return s.now }, Zone: template.PacificTime()})
	return r.Render(s.ctx, tpl, s.root)
}

// Compile compiles one state of type typ with props on reg, returning its
// node and every problem. It fails the test when the type compiles to no
// node.
func Compile(t testing.TB, reg *widgets.Registry, typ string, props map[string]any) (widgets.Node, flow.Problems) {
	t.Helper()
	return CompileWired(t, reg, typ, props)
}

// CompileWired is Compile for a state whose transitions for events lead
// to a state named "next": for a type whose behaviour depends on what is
// wired (a gather listens for speech only when its speech transition
// leads somewhere).
func CompileWired(t testing.TB, reg *widgets.Registry, typ string, props map[string]any, events ...string) (widgets.Node, flow.Problems) {
	t.Helper()
	st := flow.State{Name: "w", Type: typ, Transitions: []flow.Transition{}, Properties: map[string]json.RawMessage{}}
	for _, ev := range events {
		st.Transitions = append(st.Transitions, flow.Transition{Event: ev, Next: "next"})
	}
	for k, v := range props {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("property %s: %v", k, err)
		}
		st.Properties[k] = b
	}
	c, ps := reg.Compile(&flow.Definition{States: []flow.State{st}})
	if c.Nodes[0] == nil {
		t.Fatalf("type %s did not compile: %s", typ, ps)
	}
	return c.Nodes[0], ps
}

// MustCompile is Compile for a state that must have no errors.
func MustCompile(t testing.TB, reg *widgets.Registry, typ string, props map[string]any) widgets.Node {
	t.Helper()
	n, ps := Compile(t, reg, typ, props)
	if len(ps.Errors()) > 0 {
		t.Fatalf("unexpected problems: %s", ps)
	}
	return n
}

// Run runs n on sc, failing the test on an error or on a result the
// engine would refuse (widgets.Result.Validate).
func Run(t testing.TB, n widgets.Node, sc widgets.StepContext) widgets.Result {
	t.Helper()
	res, err := n.Run(sc)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if err := res.Validate(); err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// Resume resumes a waiting node with ev as the engine does: through its
// Resume when it is a widgets.Resumer, else taking ev with its data as
// outputs. It fails the test on an error or on a result the engine would
// refuse.
func Resume(t testing.TB, n widgets.Node, sc widgets.StepContext, ev widgets.Event) widgets.Result {
	t.Helper()
	r, ok := n.(widgets.Resumer)
	if !ok {
		return widgets.Take(ev.Name, widgets.CopyData(ev.Data))
	}
	res, err := r.Resume(sc, ev)
	if err != nil {
		t.Fatalf("resume with %s: %v", ev.Name, err)
	}
	if err := res.Validate(); err != nil {
		t.Fatalf("resume with %s: %v", ev.Name, err)
	}
	return res
}

// Check is one property-check case for RunChecks: props compile with an
// error (or, when Warn is set, a warning) of Code on property Key, or with
// no error at all when Key is empty.
type Check struct {
	// Name names the subtest.
	Name string
	// Props are the state's properties.
	Props map[string]any
	// Key is the property the problem is at; empty expects no error.
	Key string
	// Code is the problem's code.
	Code string
	// Warn expects a warning (and no error) instead of an error.
	Warn bool
}

// RunChecks runs each case as a subtest of t, compiling type typ on reg.
func RunChecks(t *testing.T, reg *widgets.Registry, typ string, cases []Check) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			_, ps := Compile(t, reg, typ, c.Props)
			if c.Key == "" {
				if len(ps.Errors()) > 0 {
					t.Errorf("unexpected errors: %s", ps)
				}
				return
			}
			want := ps.Errors()
			if c.Warn {
				want = ps.Warnings()
				if len(ps.Errors()) > 0 {
					t.Errorf("unexpected errors: %s", ps)
				}
			}
			path := flow.PropertyPath(0, c.Key)
			for _, p := range want {
				if p.Path == path && p.Code == c.Code {
					return
				}
			}
			t.Errorf("want %s at %s; got %s", c.Code, path, ps)
		})
	}
}

// Props merges property maps, later ones winning.
func Props(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// DocExamples checks the JSON examples in the godoc of a widget package
// (the package in dir, usually "." in a test). types maps each function
// that returns a widget type to the function itself: its doc comment must
// show a state of that very type, indented, and the state must compile on
// reg with no problem; and every exported function returning a
// widgets.Type must be in types. So the documented format and the code
// cannot drift apart.
func DocExamples(t *testing.T, dir string, reg *widgets.Registry, types map[string]func() widgets.Type) {
	t.Helper()
	seen := map[string]bool{}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatalf("parse %s: %v", dir, err)
	}
	for _, pkg := range pkgs {
		for _, file := range pkg.Files {
			for _, decl := range file.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Doc == nil || !returnsType(fn) {
					continue
				}
				src := docExample(fn.Doc.Text())
				if src == "" {
					t.Errorf("the godoc of %s shows no JSON example", fn.Name.Name)
					continue
				}
				d, err := flow.Parse([]byte(`{"initial_state": "x", "states": [` + src + `]}`))
				if err != nil || len(d.States) != 1 {
					t.Errorf("the example of %s is not one state: %v\n%s", fn.Name.Name, err, src)
					continue
				}
				seen[fn.Name.Name] = true
				typ, ok := types[fn.Name.Name]
				if !ok {
					t.Errorf("%s returns a widget type but is not in the types checked", fn.Name.Name)
				} else if want := typ().Name; d.States[0].Type != want {
					t.Errorf("the example of %s is a %s state; %s makes %s", fn.Name.Name, d.States[0].Type, fn.Name.Name, want)
				}
				if _, ps := reg.Compile(d); len(ps) > 0 {
					t.Errorf("the example of %s has problems: %s", fn.Name.Name, ps)
				}
			}
		}
	}
	for name := range types {
		if !seen[name] {
			t.Errorf("%s: no godoc example found", name)
		}
	}
}

// returnsType reports whether fn returns exactly a widgets.Type.
func returnsType(fn *ast.FuncDecl) bool {
	res := fn.Type.Results
	if res == nil || len(res.List) != 1 {
		return false
	}
	sel, ok := res.List[0].Type.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Type"
}

// docExample returns the first indented block of a doc comment.
func docExample(doc string) string {
	var lines []string
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "\t") {
			lines = append(lines, line)
		} else if len(lines) > 0 && strings.TrimSpace(line) != "" {
			break
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
