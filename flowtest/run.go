package flowtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/studioflow/studioflow/flow"
	rt "github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
)

// Options tune Run.
type Options struct {
	// Parallel is how many cases run at once; GOMAXPROCS when 0.
	Parallel int
	// Clock times each case for the reports; time.Now when nil.
	Clock func() time.Time
	// MaxSteps bounds each execution; runtime.DefaultMaxSteps when 0.
	MaxSteps int
}

// Result is the outcome of one case.
type Result struct {
	// File is the test file; Name the case.
	File string `json:"file"`
	Name string `json:"name"`
	// Failures say what did not hold; none when the case passed.
	Failures []string `json:"failures,omitempty"`
	// Error is set when the case could not run (a flow that does not
	// load or check, a script the wait refuses): it failed too.
	Error string `json:"error,omitempty"`
	// Path and Status are what the execution did.
	Path   []string `json:"path,omitempty"`
	Status string   `json:"status,omitempty"`
	// Duration is how long the case took.
	Duration time.Duration `json:"duration_ns"`
}

// Passed reports whether the case passed.
func (r Result) Passed() bool { return r.Error == "" && len(r.Failures) == 0 }

// Report is the outcome of a run.
type Report struct {
	// Results are the cases, in file order then case order.
	Results []Result `json:"results"`
	// Coverage is the states and transitions reached, per flow (keyed
	// by the flow file's path) and module.
	Coverage *sim.Coverage `json:"-"`
	// Sources maps each key of Coverage to the file its definition was
	// read from (the first, when test files read one key from several).
	Sources map[string]string `json:"-"`
	// Duration is how long the run took.
	Duration time.Duration `json:"duration_ns"`
}

// Failed counts the cases that did not pass.
func (r *Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Passed() {
			n++
		}
	}
	return n
}

// Run runs the cases of the test files at paths (see Discover), in
// parallel, and reports each. A file that does not load fails all it
// would have held, as one result; Run returns an error only when there is
// nothing to run.
func Run(ctx context.Context, paths []string, o Options) (*Report, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	start := o.Clock()
	files, err := Discover(paths...)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("flowtest: no test files (*%s) in %s", Suffix, strings.Join(paths, ", "))
	}
	rep := &Report{Coverage: sim.NewCoverage(), Sources: map[string]string{}}
	type job struct {
		suite *suite
		c     int
		slot  int
	}
	var jobs []job
	for _, path := range files {
		s, err := loadSuite(path, rep.Coverage)
		if err != nil {
			rep.Results = append(rep.Results, Result{File: path, Name: "(load)", Error: err.Error()})
			continue
		}
		s.sources(rep.Sources)
		for i := range s.file.Tests {
			jobs = append(jobs, job{s, i, len(rep.Results)})
			rep.Results = append(rep.Results, Result{File: path, Name: s.file.Tests[i].Name})
		}
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range min(o.Parallel, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				began := o.Clock()
				res := j.suite.run(ctx, j.c, o)
				res.Duration = o.Clock().Sub(began)
				rep.Results[j.slot] = res
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	rep.Duration = o.Clock().Sub(start)
	return rep, nil
}

// suite is a loaded test file: its definitions parsed once for all its
// cases.
type suite struct {
	file    *File
	main    *flow.Definition
	flows   map[string]*flow.Definition
	modules map[string]*flow.Definition
	now     time.Time
	cov     *sim.Coverage // the run's, which every case adds to
}

func loadSuite(path string, cov *sim.Coverage) (*suite, error) {
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	s := &suite{file: f, flows: map[string]*flow.Definition{}, modules: map[string]*flow.Definition{}, cov: cov}
	if s.main, err = LoadDefinition(f.rel(f.Flow), f.Format); err != nil {
		return nil, err
	}
	for sid, p := range f.Flows {
		if s.flows[sid], err = LoadDefinition(f.rel(p), f.Format); err != nil {
			return nil, err
		}
	}
	for name, p := range f.Modules {
		if s.modules[name], err = LoadDefinition(f.rel(p), f.Format); err != nil {
			return nil, err
		}
	}
	s.now, _ = f.now()
	return s, nil
}

// sources adds the file of each definition the suite measures, by its
// coverage key, to m.
func (s *suite) sources(m map[string]string) {
	add := func(key, path string) {
		if _, ok := m[key]; !ok {
			m[key] = s.file.rel(path)
		}
	}
	add(s.file.rel(s.file.Flow), s.file.Flow)
	for sid, p := range s.file.Flows {
		add(sid, p)
	}
	for name, p := range s.file.Modules {
		add("module:"+name, p)
	}
}

// CoverageOf returns the coverage of the flow or module read from the
// file at path, however the path is written (relative or absolute). When
// test files measured it under several keys (as a flow of its own, as a
// module or as a subflow), their counts are added up, under the first key
// in sorted order.
func (r *Report) CoverageOf(path string) (sim.DefinitionCoverage, bool) {
	want, err := filepath.Abs(path)
	if err != nil || r.Coverage == nil {
		return sim.DefinitionCoverage{}, false
	}
	var out sim.DefinitionCoverage
	found := false
	for _, key := range slices.Sorted(maps.Keys(r.Sources)) {
		got, err := filepath.Abs(r.Sources[key])
		if err != nil || got != want {
			continue
		}
		dc, ok := r.Coverage.Of(key)
		switch {
		case !ok:
		case !found:
			out, found = dc, true
			out.States = slices.Clone(dc.States)
			out.Transitions = slices.Clone(dc.Transitions)
		case len(dc.States) == len(out.States) && len(dc.Transitions) == len(out.Transitions):
			for i := range dc.States {
				out.States[i].Visits += dc.States[i].Visits
			}
			for i := range dc.Transitions {
				out.Transitions[i].Taken += dc.Transitions[i].Taken
			}
		}
	}
	return out, found
}

// run runs case i.
func (s *suite) run(ctx context.Context, i int, o Options) Result {
	c := s.file.Tests[i]
	res := Result{File: s.file.Path, Name: c.Name}
	sid := s.file.rel(s.file.Flow)
	opts := []sim.Option{sim.WithFlow(sid, s.main), sim.WithLimits(rt.Limits{MaxSteps: o.MaxSteps}), sim.WithCoverage(s.cov)}
	for k, d := range s.flows {
		opts = append(opts, sim.WithFlow(k, d))
	}
	for k, d := range s.modules {
		opts = append(opts, sim.WithModule(k, d))
	}
	now := s.now
	if t, _ := parseNow(c.Now); !t.IsZero() {
		now = t
	}
	if !now.IsZero() {
		opts = append(opts, sim.WithNow(now))
	}
	if s.file.Seed != 0 {
		opts = append(opts, sim.WithSeed(s.file.Seed))
	}
	opts = append(opts, s.file.Mocks.Merge(c.Mocks).Options()...)
	sm := sim.New(opts...)
	if ps := sm.Engine.Check(s.main); ps.HasErrors() {
		res.Error = "the flow does not check: " + ps.Err().Error()
		return res
	}
	script, err := sim.ParseScript(strings.NewReader(strings.Join(c.Script, "\n")))
	if err != nil {
		res.Error = "script: " + err.Error()
		return res
	}
	st, err := c.Start.simStart(sid)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	run, err := sm.Run(ctx, st, script)
	if run != nil {
		res.Path, res.Status = run.Path(), string(run.Status())
	}
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Failures = c.Expect.check(run)
	return res
}

// simStart is the start as runtime/sim takes it.
func (st Start) simStart(sid string) (sim.Start, error) {
	out := sim.Start{Flow: sid, Body: st.Body, Channel: st.Channel, Params: st.Params, Payload: st.Payload}
	if st.Trigger != "" {
		k, ok := rt.TriggerKindOf(rt.TriggerKind(st.Trigger).Event())
		if !ok {
			return out, fmt.Errorf("start: trigger %q: want call, message, conversation, request or parent", st.Trigger)
		}
		out.Trigger = k
	}
	kind := out.Trigger
	if kind == "" && st.Channel == "" {
		kind = rt.TriggerCall // addresses as for a call; the simulator picks the trigger
	}
	out.Contact, out.FlowAddress = rt.TwilioAddresses(kind, st.From, st.To)
	return out, nil
}

// check lists what of e the run breaks.
func (e Expect) check(run *sim.Run) []string {
	var out []string
	x := run.Execution
	if e.Status != "" && string(x.Status) != e.Status {
		got := string(x.Status)
		if x.Reason != "" {
			got += " (" + x.Reason + ")"
		}
		out = append(out, fmt.Sprintf("status: want %s, got %s", e.Status, got))
	}
	if e.FailureCode != "" && string(x.FailureCode) != e.FailureCode {
		out = append(out, fmt.Sprintf("failure_code: want %s, got %q", e.FailureCode, x.FailureCode))
	}
	path := run.Path()
	if e.Path != nil && !slices.Equal(path, e.Path) {
		out = append(out, fmt.Sprintf("path: want %s, got %s", strings.Join(e.Path, " > "), strings.Join(path, " > ")))
	}
	if missing, ok := subsequence(path, e.PathContains); !ok {
		out = append(out, fmt.Sprintf("path: %q not found in order in %s", missing, strings.Join(path, " > ")))
	}
	out = append(out, subset("variables", e.Variables, x.Variables())...)
	if e.Attributes != nil {
		attrs, _ := x.Shared["Attributes"].(map[string]any)
		out = append(out, subset("attributes", e.Attributes, attrs)...)
	}
	lines := run.Lines()
	if missing, ok := subsequence(lines, e.Transcript); !ok {
		out = append(out, fmt.Sprintf("transcript: %s not found in order in:\n    %s", missing, strings.Join(lines, "\n    ")))
	}
	return out
}

// subsequence reports whether want appears in got in order, and the
// first item of want it could not find.
func subsequence(got, want []string) (string, bool) {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	if i < len(want) {
		return want[i], false
	}
	return "", true
}

// subset compares the keys of want with got's, as JSON values.
func subset(what string, want, got map[string]any) []string {
	var out []string
	for _, k := range sortedKeys(want) {
		g, ok := got[k]
		if !ok {
			out = append(out, fmt.Sprintf("%s.%s: want %s, not set", what, k, jsonText(want[k])))
			continue
		}
		if !reflect.DeepEqual(normal(want[k]), normal(g)) {
			out = append(out, fmt.Sprintf("%s.%s: want %s, got %s", what, k, jsonText(want[k]), jsonText(g)))
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// normal is v as JSON reads it back, so 1 and 1.0 compare equal.
func normal(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
