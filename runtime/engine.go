package runtime

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/internal/cache"
	"github.com/studioflow/studioflow/template"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/standard"
	"golang.org/x/sync/singleflight"
)

// Limits bound an execution. Zero fields take the defaults.
type Limits struct {
	// MaxSteps is the most steps one execution may take, subflow and module
	// steps included (default 1000, Twilio's).
	MaxSteps int
	// MaxRepeats is the most times one state may run in a row (default 10).
	MaxRepeats int
	// Lifetime ends an execution this long after it started (default 30
	// days).
	Lifetime time.Duration
	// MaxDepth is the most subflow and module frames that may be nested
	// below the flow (default 3).
	MaxDepth int
	// ForbidModuleNesting refuses a module run from inside a module in
	// every flow. Amazon Connect's flows (compat.Classify) refuse it
	// whatever this says, as Connect does.
	ForbidModuleNesting bool
	// MaxValueDepth is how deeply a value entering an execution may nest
	// (default 32): start parameters, event data, widget outputs,
	// variables. Deeper values are refused with a *ValueError.
	MaxValueDepth int
	// SensitiveGrace is how long after a sensitive wait's timeout the next
	// wait refuses the input events the sensitive one took (default 5 s):
	// a PIN still on its way must not be stored in clear there.
	SensitiveGrace time.Duration
	// MaxValueBytes is about how large, as JSON, one such value may be
	// (default 1 MiB). A widget's outputs count as one value: an HTTP
	// response of 64 KB, with its parsed form, counts a few hundred KB at
	// most.
	MaxValueBytes int
}

// Default limits.
const (
	// DefaultMaxSteps is Twilio's limit of steps per execution.
	DefaultMaxSteps = 1000
	// DefaultMaxRepeats is how many times one state may run in a row.
	DefaultMaxRepeats = 10
	// DefaultLifetime is how long an execution may live: 30 days.
	DefaultLifetime = 30 * 24 * time.Hour
	// DefaultMaxDepth is how many subflow and module frames may nest.
	DefaultMaxDepth = 3
	// DefaultMaxValueDepth is how deeply a value may nest.
	DefaultMaxValueDepth = 32
	// DefaultSensitiveGrace is how long late input for a sensitive wait is
	// refused at the next wait.
	DefaultSensitiveGrace = 5 * time.Second
	// DefaultMaxValueBytes is how large one value may be, as JSON.
	DefaultMaxValueBytes = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxSteps <= 0 {
		l.MaxSteps = DefaultMaxSteps
	}
	if l.MaxRepeats <= 0 {
		l.MaxRepeats = DefaultMaxRepeats
	}
	if l.Lifetime <= 0 {
		l.Lifetime = DefaultLifetime
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxValueDepth <= 0 {
		l.MaxValueDepth = DefaultMaxValueDepth
	}
	if l.MaxValueBytes <= 0 {
		l.MaxValueBytes = DefaultMaxValueBytes
	}
	if l.SensitiveGrace <= 0 {
		l.SensitiveGrace = DefaultSensitiveGrace
	}
	return l
}

// Resolved is a definition a Source returns: which flow, which revision.
type Resolved struct {
	// Sid identifies the flow (or module) item.
	Sid string
	// Revision is the version's revision number, recorded on the
	// execution so it resumes on the same version.
	Revision int
	// Definition is the definition to run; the engine does not modify it.
	Definition *flow.Definition
}

// Source finds the definitions executions run. The version package's
// catalog is one; Definitions is a fixed in-memory one.
type Source interface {
	// Flow returns flow sid at revision, a selector: "LatestPublished" (or
	// empty), "LatestDraft", or a revision number.
	Flow(ctx context.Context, sid, revision string) (*Resolved, error)
}

// ModuleSource finds the modules run-module steps enter.
type ModuleSource interface {
	// Module returns the published version of the module called name, or
	// the given revision number when revision is not empty.
	Module(ctx context.Context, name, revision string) (*Resolved, error)
}

// Definitions is a Source of fixed definitions, each at revision 1, keyed
// by flow sid. Any selector other than a revision number 1 gets that
// revision.
type Definitions map[string]*flow.Definition

// Flow implements Source.
func (d Definitions) Flow(_ context.Context, sid, revision string) (*Resolved, error) {
	def, ok := d[sid]
	if !ok {
		return nil, fmt.Errorf("runtime: flow %s: %w", sid, ErrNotFound)
	}
	if n, err := strconv.Atoi(revision); err == nil && n != 1 {
		return nil, fmt.Errorf("runtime: flow %s revision %d: %w", sid, n, ErrNotFound)
	}
	return &Resolved{Sid: sid, Revision: 1, Definition: def}, nil
}

// ModuleDefinitions is a ModuleSource of fixed module definitions, each at
// revision 1, keyed by module name.
type ModuleDefinitions map[string]*flow.Definition

// Module implements ModuleSource.
func (m ModuleDefinitions) Module(_ context.Context, name, revision string) (*Resolved, error) {
	def, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("runtime: module %q: %w", name, ErrNotFound)
	}
	if revision != "" && revision != "1" {
		return nil, fmt.Errorf("runtime: module %q revision %s: %w", name, revision, ErrNotFound)
	}
	return &Resolved{Sid: "module:" + name, Revision: 1, Definition: def}, nil
}

// Engine runs executions. Build one with New; it is safe for concurrent use.
type Engine struct {
	registry  *widgets.Registry // the engine's own copy
	baseReg   *widgets.Registry // WithWidgets'
	extra     []widgets.Type    // WithWidget's
	services  *widgets.Services
	store     Store
	source    Source
	modules   ModuleSource
	clock     func() time.Time
	ids       func(prefix string) string
	randMu    sync.Mutex
	rand      *rand.Rand
	sink      Sink
	logger    *slog.Logger
	limits    Limits
	admission *Admission
	checkers  []flow.Checker
	renderer  *renderer
	templates TemplateSource
	zone      *time.Location
	programs  *cache.Bounded[string, *compiled]
	compiling singleflight.Group
	cacheSize int
	setupErr  error // an option that could not be applied
	// strictPaths makes every compat call-path rule an error.
	strictPaths bool
	// subflowFailuresEnd makes a failing subflow step fail the execution
	// (WithSubflowFailuresEndExecution).
	subflowFailuresEnd bool
	// moduleFailuresEnd makes a failing step of a module inside a subflow
	// fail the execution (WithModuleFailuresInSubflowsEndExecution).
	moduleFailuresEnd bool
}

// compiled is a cache entry: a program, or why its definition cannot run.
type compiled struct {
	p   *program
	err error
	at  time.Time // when the check failed, by the engine's clock
}

// FirstRunLease is the due time a new execution has until its first run
// is saved: if that run never finishes (the process stopped, the store
// failed its save and its release), the expiry pass ends the execution
// (FailureStore) once the lease has passed, so it does not hold its
// contact for its lifetime.
const FirstRunLease = time.Minute

// ExpiryLockWait is how long the expiry pass waits for an execution that
// another run holds before it leaves it for the next pass.
const ExpiryLockWait = 100 * time.Millisecond

// DefaultProgramCacheSize is how many compiled definitions (flow and module
// revisions) an engine keeps by default; see WithProgramCache.
const DefaultProgramCacheSize = 256

// FailedCheckRetry is how long an engine remembers that a definition
// failed its checks before it checks it again: a broken flow costs one
// check a minute, not one per start, and a fix that makes it pass (a module
// published) is seen within that time.
const FailedCheckRetry = time.Minute

// Option configures an Engine.
type Option func(*Engine)

// WithWidgets sets the widget registry (default standard.New(): every
// built-in type). The engine runs a copy taken when New returns, so
// registering on r afterwards does not change the engine.
func WithWidgets(r *widgets.Registry) Option { return func(e *Engine) { e.baseReg = r } }

// WithWidget registers one more widget type on the engine's copy of its
// registry, whatever the order of the options. A type the registry refuses
// (no name, no Compile, a name it holds already) makes the engine refuse
// every call (see Err). To override a built-in type, Replace it on a
// registry (standard.New()) and pass that with WithWidgets.
func WithWidget(t widgets.Type) Option { return func(e *Engine) { e.extra = append(e.extra, t) } }

// WithServices sets the services widgets call.
func WithServices(s *widgets.Services) Option { return func(e *Engine) { e.services = s } }

// WithStore sets the execution store (default NewMemoryStore()).
func WithStore(s Store) Option { return func(e *Engine) { e.store = s } }

// WithSource sets where flow definitions come from.
func WithSource(s Source) Option { return func(e *Engine) { e.source = s } }

// WithModules sets where module definitions come from.
func WithModules(m ModuleSource) Option { return func(e *Engine) { e.modules = m } }

// WithClock sets the clock (default: time.Now in UTC, so step times and
// "now" in templates do not depend on the host's time zone).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.clock = now } }

// WithIDs sets the id source: ids(prefix) returns a fresh id starting with
// prefix (default: prefix and 32 random hex digits).
func WithIDs(ids func(prefix string) string) Option { return func(e *Engine) { e.ids = ids } }

// WithSeed makes the engine's randomness (traffic splitter and the like)
// deterministic.
func WithSeed(seed uint64) Option {
	return func(e *Engine) { e.rand = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// WithSink sets the event sink.
func WithSink(s Sink) Option { return func(e *Engine) { e.sink = s } }

// WithLogger sets the logger for errors the engine swallows (a failing
// sink). Default slog.Default().
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.logger = l } }

// WithLimits sets the execution limits.
func WithLimits(l Limits) Option { return func(e *Engine) { e.limits = l } }

// WithAdmission sets the start-rate limiter.
func WithAdmission(a *Admission) Option { return func(e *Engine) { e.admission = a } }

// WithTemplateSource sets where {% include %} and {% render %} read the
// templates they name. Without it they read nothing (never the host's
// files), and a template using them fails its step with a template error.
func WithTemplateSource(s TemplateSource) Option { return func(e *Engine) { e.templates = s } }

// WithTemplateZone sets the time zone in which templates show "now" and
// "today" ({{ "now" | date: "%H:%M" }}). The default is US Pacific time
// (America/Los_Angeles, daylight saving time included), whatever the
// host's zone, as Twilio Studio shows them: "When you're using Liquid
// time and date templates in Studio, the timezone used is PST" (Twilio
// Support, "How do I use Liquid with Twilio Studio?";
// template.PacificTime). Give time.UTC for UTC; nil changes nothing (the
// default, or a zone an earlier option gave, stays).
func WithTemplateZone(loc *time.Location) Option {
	return func(e *Engine) {
		if loc != nil {
			e.zone = loc
		}
	}
}

// WithStrictCallPaths holds Twilio flows to every call-path rule as an
// error (compat.WithStrictRules): a voice step where no call can be live, a
// second outbound call on one path. By default they are warnings for
// Twilio flows, since Twilio Studio publishes such flows, and a voice step
// that runs with no live call fails its execution (FailureNoCall).
func WithStrictCallPaths() Option { return func(e *Engine) { e.strictPaths = true } }

// WithSubflowFailuresEndExecution makes a step that fails inside a
// subflow fail the whole execution, as this engine did before such a
// failure took the caller's failed event (see run-subflow). It exists for
// replaying durable histories recorded with that behaviour: the Temporal
// adapter sets it for workflows recorded before engine version 2. A host
// running executions itself has no need of it.
func WithSubflowFailuresEndExecution() Option { return func(e *Engine) { e.subflowFailuresEnd = true } }

// WithModuleFailuresInSubflowsEndExecution makes a step that fails inside
// a module that a subflow runs fail the whole execution, as this engine
// did before such a failure left the subflow for its caller's failed
// event as a failure of the subflow's own steps does. It exists for
// replaying durable histories recorded with that behaviour: the Temporal
// adapter sets it for workflows recorded before engine version 3. A host
// running executions itself has no need of it.
func WithModuleFailuresInSubflowsEndExecution() Option {
	return func(e *Engine) { e.moduleFailuresEnd = true }
}

// WithProgramCache sets how many compiled definitions (flow, subflow and
// module revisions) the engine keeps, least recently used dropped first
// (default DefaultProgramCacheSize; it may hold up to twice as many). A
// dropped definition is compiled again when next needed.
func WithProgramCache(n int) Option { return func(e *Engine) { e.cacheSize = n } }

// WithCheckers adds checks that every definition must pass before it runs,
// after the structural, widget and compat checks the engine always applies.
func WithCheckers(cs ...flow.Checker) Option {
	return func(e *Engine) { e.checkers = append(e.checkers, cs...) }
}

// SequentialIDs returns an id source that numbers ids per prefix, for
// deterministic tests: FN00000001, FN00000002, ...
func SequentialIDs() func(prefix string) string {
	var mu sync.Mutex
	n := map[string]int{}
	return func(prefix string) string {
		mu.Lock()
		defer mu.Unlock()
		n[prefix]++
		return fmt.Sprintf("%s%08d", prefix, n[prefix])
	}
}

// FixedClock returns a clock that starts at t and moves only when Advance is
// called, for deterministic tests.
type FixedClock struct {
	now atomic.Int64
}

// NewFixedClock returns a FixedClock at t.
func NewFixedClock(t time.Time) *FixedClock {
	c := &FixedClock{}
	c.now.Store(t.UnixNano())
	return c
}

// Now returns the clock's time.
func (c *FixedClock) Now() time.Time { return time.Unix(0, c.now.Load()).UTC() }

// Advance moves the clock forward by d.
func (c *FixedClock) Advance(d time.Duration) { c.now.Add(int64(d)) }

func utcNow() time.Time { return time.Now().UTC() }

func randomID(prefix string) string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// New builds an Engine. Without options it runs the standard widgets
// against an in-memory store, with no services configured.
func New(opts ...Option) *Engine {
	e := &Engine{
		services:  &widgets.Services{},
		clock:     utcNow,
		ids:       randomID,
		logger:    slog.Default(),
		cacheSize: DefaultProgramCacheSize,
	}
	e.rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	e.store = NewMemoryStore()
	for _, o := range opts {
		o(e)
	}
	e.registry = e.buildRegistry()
	e.limits = e.limits.withDefaults()
	e.programs = cache.New[string, *compiled](e.cacheSize)
	if e.zone == nil {
		e.zone = template.PacificTime()
	}
	e.renderer = newRenderer(e.clock, e.templates, e.zone)
	// (The widgets parse their templates when they compile, and keep them:
	// the check's parse is its own.)
	templates := template.Checker()
	compatOpts := []compat.Option{compat.WithModules(e.publishedModule)}
	if e.strictPaths {
		compatOpts = append(compatOpts, compat.WithStrictRules())
	}
	e.checkers = append([]flow.Checker{compat.Checker(e.registry, compatOpts...), templates}, e.checkers...)
	if e.source == nil {
		e.source = Definitions{}
	}
	return e
}

// Registry returns a copy of the engine's widget registry: changing it does
// not change the engine.
func (e *Engine) Registry() *widgets.Registry { return e.registry.Clone() }

// buildRegistry copies the registry WithWidgets gave (or the standard one)
// and registers WithWidget's types on the copy.
func (e *Engine) buildRegistry() *widgets.Registry {
	reg := standard.New()
	if e.baseReg != nil {
		reg = e.baseReg.Clone()
	}
	for _, t := range e.extra {
		if err := reg.Register(t); err != nil && e.setupErr == nil {
			e.setupErr = err
		}
	}
	return reg
}

// Limits returns the limits in force, defaults filled in.
func (e *Engine) Limits() Limits { return e.limits }

// Store returns the engine's execution store.
func (e *Engine) Store() Store { return e.store }

// Check runs every check the engine applies before running a definition:
// the structural checks of package flow, the widget checks of its registry,
// compat's path analysis (a voice step where no call exists, two outbound
// calls on one path...; modules from the engine's module source), every
// template parsed (package template), and the checkers added with
// WithCheckers. Module contracts and references are
// checked where modules are published (version.WithStandardChecks).
// A definition with errors never runs.
func (e *Engine) Check(d *flow.Definition) flow.Problems {
	if e.setupErr != nil {
		return flow.Problems{{Path: "#", Code: CodeMisconfigured, Severity: flow.SeverityError,
			Message: "the engine is misconfigured: " + e.setupErr.Error()}}
	}
	_, ps := e.compile(d)
	return ps
}

// CodeMisconfigured is the problem Check reports for every definition when
// the engine could not apply one of its options (Err says which).
const CodeMisconfigured = "runtime.misconfigured"

// Err reports an option New could not apply (a widget type the registry
// refused). Such an engine refuses every Start, Resume, End and Expire with
// this error, and touches no execution.
func (e *Engine) Err() error {
	if e.setupErr == nil {
		return nil
	}
	return fmt.Errorf("runtime: the engine is misconfigured: %w", e.setupErr)
}

func (e *Engine) compile(d *flow.Definition) (*widgets.Compiled, flow.Problems) {
	ps := flow.Check(d)
	c, wps := e.registry.Compile(d)
	ps = append(ps, wps...)
	for _, ch := range e.checkers {
		ps = append(ps, ch.Check(d)...)
	}
	return c, ps
}

// publishedModule looks a module up for compat, by name, at its
// published version.
func (e *Engine) publishedModule(name string) (*flow.Definition, bool) {
	if e.modules == nil {
		return nil, false
	}
	r, err := e.modules.Module(context.Background(), name, "")
	if err != nil || r == nil || r.Definition == nil {
		return nil, false
	}
	return r.Definition, true
}

func (e *Engine) intn(n int) int {
	if n <= 0 {
		return 0
	}
	e.randMu.Lock()
	defer e.randMu.Unlock()
	return e.rand.IntN(n)
}

// program is a compiled definition: states by index with their nodes and
// transitions resolved to indexes.
type program struct {
	sid      string
	revision int
	def      *flow.Definition
	kind     compat.Kind // the definition's vendor and types, classified once
	states   []pstate
	index    map[string]int
	entry    int
}

type pstate struct {
	name  string
	typ   string
	node  widgets.Node
	wtype *widgets.Type
	edges []edge
}

type edge struct {
	event string
	next  int // -1: the branch ends
}

func programKey(sid string, revision int) string { return sid + "@" + strconv.Itoa(revision) }

// program returns the compiled program of r, compiling it once per sid and
// revision. A definition that fails its checks is refused without being
// checked again for FailedCheckRetry.
func (e *Engine) program(r *Resolved) (*program, error) {
	if r == nil || r.Definition == nil {
		return nil, fmt.Errorf("runtime: the source returned no definition: %w", ErrNotFound)
	}
	key := programKey(r.Sid, r.Revision)
	if c, ok := e.cached(key); ok {
		return c.p, c.err
	}
	// Starts racing on a definition not compiled yet (a cold cache, a
	// failed check's retry) compile it once between them.
	v, _, _ := e.compiling.Do(key, func() (any, error) {
		if c, ok := e.cached(key); ok {
			return c, nil
		}
		p, err := e.compileProgram(r, key)
		return &compiled{p: p, err: err}, nil
	})
	c := v.(*compiled)
	return c.p, c.err
}

// cached returns the cache entry of key, unless it is a failed check
// whose retry time has come.
func (e *Engine) cached(key string) (*compiled, bool) {
	c, ok := e.programs.Get(key)
	if ok && (c.err == nil || e.clock().Sub(c.at) < FailedCheckRetry) {
		return c, true
	}
	return nil, false
}

// compileProgram checks and compiles r, caching the program or why it
// cannot run.
func (e *Engine) compileProgram(r *Resolved, key string) (*program, error) {
	c, ps := e.compile(r.Definition)
	if ps.HasErrors() {
		err := fmt.Errorf("runtime: flow %s revision %d cannot run: %w", r.Sid, r.Revision, ps.Err())
		e.programs.Put(key, &compiled{err: err, at: e.clock()})
		return nil, err
	}
	p := &program{sid: r.Sid, revision: r.Revision, def: r.Definition, kind: compat.Classify(e.registry, r.Definition),
		index: make(map[string]int, len(r.Definition.States))}
	for i, s := range r.Definition.States {
		p.index[s.Name] = i
	}
	p.states = make([]pstate, len(r.Definition.States))
	for i, s := range r.Definition.States {
		ps := pstate{name: s.Name, typ: s.Type, node: c.Nodes[i], wtype: c.Types[i], edges: make([]edge, len(s.Transitions))}
		for j, t := range s.Transitions {
			next := -1
			if t.Next != "" {
				next = p.index[t.Next]
			}
			ps.edges[j] = edge{event: t.Event, next: next}
		}
		p.states[i] = ps
	}
	p.entry = p.index[r.Definition.InitialState]
	e.programs.Put(key, &compiled{p: p})
	return p, nil
}

// programAt returns the program of sid at an exact revision, from the cache
// or the source (or module source, for module frames).
func (e *Engine) programAt(ctx context.Context, kind FrameKind, ref, sid string, revision int) (*program, error) {
	if c, ok := e.programs.Get(programKey(sid, revision)); ok && c.err == nil {
		return c.p, nil
	}
	var r *Resolved
	var err error
	if kind == FrameModule {
		if e.modules == nil {
			return nil, errors.New("runtime: no module source is configured")
		}
		r, err = e.modules.Module(ctx, ref, strconv.Itoa(revision))
	} else {
		r, err = e.source.Flow(ctx, sid, strconv.Itoa(revision))
	}
	if err != nil {
		return nil, err
	}
	return e.program(r)
}
