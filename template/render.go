package template

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/studioflow/studioflow/internal/cache"
)

// The budget of one render. Whatever the template and its data, a render
// stops with a *Error of CodeBudget at the first of these it passes, which
// bounds the memory and the CPU any template can take.
const (
	// MaxTextBytes caps every text a render builds or writes: its output, a
	// captured or assigned text, the result of a filter (Twilio caps a
	// rendered template at 16 KB).
	MaxTextBytes = 16 << 10
	// MaxLoopIterations is how many times one for or tablerow loop runs at
	// most, as Twilio's Liquid has it: a longer loop stops there.
	MaxLoopIterations = 15
	// MaxRenderIterations caps the loop iterations of one render, all its
	// loops counted, so loops nested in loops cannot multiply the cap (the
	// product counts, not each loop). Two full loops, one inside the other
	// (15 + 15×15), fit; a third level does not.
	MaxRenderIterations = 256
	// MaxRenderOps caps the work of one render: every output, tag,
	// filter, comparison, and/or, index and loop iteration costs one, and
	// what walks a value (a filter, a comparison, writing a list) also one
	// per element or 64 bytes it goes through.
	MaxRenderOps = 100_000
	// MaxRenderAlloc caps the bytes a render's filters, captures and
	// outputs build, all together.
	MaxRenderAlloc = 4 << 20
	// MaxListItems caps an array a filter builds (split, a range...).
	MaxListItems = 4096
	// MaxIncludeDepth is how deeply include and render may nest.
	MaxIncludeDepth = 10
	// MaxNesting caps how deeply blocks nest in one template, and
	// parentheses in one expression.
	MaxNesting = 64
	// MaxExprTokens caps the tokens of one expression (names, literals,
	// operators, filters), so that no expression is a chain too long to
	// parse or evaluate cheaply.
	MaxExprTokens = 1024
	// MaxTemplateBytes caps a template's source: a longer one does not
	// parse (CodeBudget).
	MaxTemplateBytes = 64 << 10
)

// Codes of a *Error, stable for hosts to match.
const (
	// CodeSyntax: the template does not parse.
	CodeSyntax = "template.syntax"
	// CodeBudget: the render passed one of the caps above.
	CodeBudget = "template.budget"
	// CodeSandbox: the template reached for what it may not read: an
	// include or render with no template source, or one it does not hold.
	CodeSandbox = "template.sandbox"
	// CodeRender: a filter or tag failed (a division by zero, a date that
	// cannot be read, a wrong argument).
	CodeRender = "template.render"
	// CodeCanceled: the render's context was canceled or passed its
	// deadline; the error wraps the context's error. It is the caller's
	// doing, not the template's.
	CodeCanceled = "template.canceled"
)

// Error is a template that failed to parse or render.
type Error struct {
	// Code is one of the Code constants.
	Code string
	// Line is the template's line (from 1) where it failed, when known.
	Line int
	// Message says what went wrong.
	Message string
	// Err is the cause, when there is one (the context's error of a render
	// past its deadline).
	Err error
}

// Error names the line and says what went wrong.
func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of a template error, "" for other errors.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Source is where {% include %} and {% render %} read the templates they
// name. Without one they read nothing, and a template that uses them fails
// with CodeSandbox.
type Source interface {
	// ReadTemplate returns the template called name.
	ReadTemplate(name string) ([]byte, error)
}

// Options configure a Renderer.
type Options struct {
	// Clock is "now" and "today" of the date filter; time.Now when nil.
	Clock func() time.Time
	// Zone is the zone "now" and "today" are shown in; UTC when nil.
	// Twilio's Liquid shows them in US Pacific time (PacificTime).
	Zone *time.Location
	// Source is where include and render read; nothing when nil.
	Source Source
}

// Renderer renders templates with one configuration. It is safe for
// concurrent use, and so is a Template.
type Renderer struct {
	now      func() time.Time
	source   Source
	includes *cache.Bounded[string, *Template] // host templates by text, parsed
}

// NewRenderer returns a Renderer with opts.
func NewRenderer(opts Options) *Renderer {
	clock, zone := opts.Clock, opts.Zone
	if clock == nil {
		clock = time.Now
	}
	if zone == nil {
		zone = time.UTC
	}
	return &Renderer{
		now:      func() time.Time { return clock().In(zone) },
		source:   opts.Source,
		includes: cache.New[string, *Template](256),
	}
}

// Render renders t with vars, the variables the template sees (flow,
// trigger, widgets...). vars is read, never written or copied: assign and
// capture set variables of this render only. A render honours ctx: past
// its deadline it stops with a CodeBudget error wrapping ctx's error.
func (r *Renderer) Render(ctx context.Context, t *Template, vars map[string]any) (string, error) {
	if t.err != nil {
		return "", t.err
	}
	if t.text != nil {
		return *t.text, nil
	}
	if t.simple != nil {
		return renderSimple(t, vars)
	}
	s := statePool.Get().(*state)
	s.reset(r, ctx, vars)
	err := t.run(s)
	var out string
	if err == nil {
		out = string(s.out)
	}
	s.release()
	return out, err
}

// renderSimple renders text and variable paths: no state, no budget but
// the output's, which is all such a template can spend.
func renderSimple(t *Template, vars map[string]any) (string, error) {
	if len(t.simple) == 1 && t.simple[0].path != nil {
		// A lone {{ a.b.c }} holding a text is that text: nothing to build.
		if str, ok := lookupPath(vars, t.simple[0].path).(string); ok && len(str) <= MaxTextBytes {
			return str, nil
		}
	}
	if len(t.simple) <= maxExactSegments {
		return renderExact(t, vars)
	}
	var b strings.Builder
	b.Grow(t.simpleSize)
	for i := range t.simple {
		str, err := segmentText(&t.simple[i], vars)
		if err != nil {
			return "", err
		}
		b.WriteString(str)
		if b.Len() > MaxTextBytes {
			return "", errTextBudget()
		}
	}
	return b.String(), nil
}

// maxExactSegments is the most segments a simple template may have for
// renderExact, which holds their texts on the stack.
const maxExactSegments = 8

// renderExact renders a simple template of at most maxExactSegments
// segments into one allocation of exactly the output's size: the texts
// are looked up first, then joined.
func renderExact(t *Template, vars map[string]any) (string, error) {
	var parts [maxExactSegments]string
	n := 0
	for i := range t.simple {
		str, err := segmentText(&t.simple[i], vars)
		if err != nil {
			return "", err
		}
		if n += len(str); n > MaxTextBytes {
			return "", errTextBudget()
		}
		parts[i] = str
	}
	var b strings.Builder
	b.Grow(n)
	for _, str := range parts[:len(t.simple)] {
		b.WriteString(str)
	}
	return b.String(), nil
}

// segmentText is one segment's text: its literal, or its variable's value
// as text.
func segmentText(seg *segment, vars map[string]any) (string, error) {
	if seg.path == nil {
		return seg.text, nil
	}
	v := lookupPath(vars, seg.path)
	if str, ok := v.(string); ok {
		return str, nil
	}
	if str, ok := cappedText(v); ok {
		return str, nil
	}
	return "", errTextBudget()
}

func errTextBudget() error {
	return errorf(CodeBudget, "the rendered text is more than %d bytes, the most allowed", MaxTextBytes)
}

// lookupPath resolves a variable path in vars.
func lookupPath(vars map[string]any, path []string) any {
	v := any(vars[path[0]])
	for _, k := range path[1:] {
		v = property(v, k)
	}
	return v
}

// state is one render in progress.
type state struct {
	r      *Renderer
	ctx    context.Context
	vars   map[string]any // the host's, read only
	locals map[string]any // assign, capture, loop variables
	out    []byte

	ops, iters, alloc int
	depth             int // include nesting

	// jump is set by break and continue until their loop takes it.
	jump jump
	// loops are the forloop objects of the loops running, innermost last.
	loops []*forloop
	// counters are increment's and decrement's.
	counters map[string]int64
	// cycles are cycle's positions, by group.
	cycles map[string]int
}

type jump int

const (
	jumpNone jump = iota
	jumpBreak
	jumpContinue
)

var statePool = sync.Pool{New: func() any { return &state{out: make([]byte, 0, 256)} }}

func (s *state) reset(r *Renderer, ctx context.Context, vars map[string]any) {
	s.r, s.ctx, s.vars = r, ctx, vars
	s.out = s.out[:0]
	s.ops, s.iters, s.alloc, s.depth = 0, 0, 0, 0
	s.jump = jumpNone
}

func (s *state) release() {
	s.r, s.ctx, s.vars = nil, nil, nil
	if s.locals != nil {
		clear(s.locals)
	}
	s.loops = s.loops[:0]
	s.counters, s.cycles = nil, nil
	if cap(s.out) > 4<<10 {
		s.out = make([]byte, 0, 256)
	}
	statePool.Put(s)
}

// work spends n of the render's operations, checking its deadline now and
// then.
func (s *state) work(n int) error {
	before := s.ops
	s.ops += n
	if s.ops > MaxRenderOps {
		return errorf(CodeBudget, "the template does more than %d operations, the most one render may", MaxRenderOps)
	}
	if s.ctx != nil && before>>10 != s.ops>>10 {
		if err := s.ctx.Err(); err != nil {
			return &Error{Code: CodeCanceled, Message: "the render stopped: its context ended", Err: err}
		}
	}
	return nil
}

// grow accounts for a text or list of n bytes the render builds (what made
// it is named by what), refusing one past MaxTextBytes or a render past
// MaxRenderAlloc in all.
func (s *state) grow(what string, n int) error {
	if n > MaxTextBytes {
		return errorf(CodeBudget, "%s would make a text of %d bytes; at most %d are allowed", what, n, MaxTextBytes)
	}
	s.alloc += n
	if s.alloc > MaxRenderAlloc {
		return errorf(CodeBudget, "the template builds more than %d bytes of text in one render", MaxRenderAlloc)
	}
	return s.work(1 + n>>6)
}

// items accounts for a list of n elements the render builds.
func (s *state) items(what string, n int) error {
	if n > MaxListItems {
		return errorf(CodeBudget, "%s would make a list of %d elements; at most %d are allowed", what, n, MaxListItems)
	}
	s.alloc += 16 * n
	if s.alloc > MaxRenderAlloc {
		return errorf(CodeBudget, "the template builds more than %d bytes in one render", MaxRenderAlloc)
	}
	return s.work(1 + n)
}

// write appends text to the output.
func (s *state) write(text string) error {
	if len(s.out)+len(text) > MaxTextBytes {
		return errorf(CodeBudget, "the rendered text is more than %d bytes, the most allowed", MaxTextBytes)
	}
	s.out = append(s.out, text...)
	return nil
}

// get returns the variable name: the render's own first (assign, capture,
// a loop's), then the host's.
func (s *state) get(name string) any {
	if s.locals != nil {
		if v, ok := s.locals[name]; ok {
			return v
		}
	}
	if name == "forloop" && len(s.loops) > 0 {
		return s.loops[len(s.loops)-1].object()
	}
	return s.vars[name]
}

// set sets the render's variable name.
func (s *state) set(name string, v any) {
	if s.locals == nil {
		s.locals = make(map[string]any, 4)
	}
	s.locals[name] = v
}

// forloop is the forloop object of a running loop.
type forloop struct {
	index, length int
	obj           map[string]any
}

func (f *forloop) object() map[string]any {
	i, n := int64(f.index), int64(f.length)
	if f.obj == nil {
		f.obj = make(map[string]any, 7)
	}
	f.obj["index"] = i + 1
	f.obj["index0"] = i
	f.obj["rindex"] = n - i
	f.obj["rindex0"] = n - i - 1
	f.obj["first"] = i == 0
	f.obj["last"] = i == n-1
	f.obj["length"] = n
	return f.obj
}
