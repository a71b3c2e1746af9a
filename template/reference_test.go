package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/osteele/liquid"
	"github.com/osteele/liquid/render"
	"github.com/osteele/liquid/values"
	"github.com/osteele/tuesday"

	"github.com/studioflow/studioflow/internal/cache"
)

// This file is the reference refRenderer of the differential tests:
// osteele/liquid with the sandbox and Twilio's semantics the runtime ran
// before the project's own renderer (see the package doc for where the two
// deliberately differ).

// refMaxRenderBytes caps the reference's output.
const refMaxRenderBytes = MaxTextBytes

// refRenderer renders Liquid against a frame context. Templates are parsed once
// and refCached by source; plain text and a lone {{ a.b.c }} never reach the
// Liquid engine.
type refRenderer struct {
	engine *liquid.Engine
	cache  *cache.Bounded[string, *refCached] // by source
}

// refCacheSize is how many parsed templates a refRenderer keeps (up to
// twice as many), least recently used dropped first.
const refCacheSize = 4096

type refCached struct {
	tpl *liquid.Template
	err error
}

// newRefRenderer returns a refRenderer whose date filter reads "now" and "today"
// from the engine's clock, shown in zone (UTC when nil), so templates are
// as deterministic as the rest of an execution; include and render read
// source only.
func newRefRenderer(clock func() time.Time, source Source, zone *time.Location) *refRenderer {
	if zone == nil {
		zone = time.UTC
	}
	now := func() time.Time { return clock().In(zone) }
	eng := liquid.NewEngine()
	// include and render read templates from the host's source only: by
	// default Liquid reads the host's files, and a flow could then send
	// them anywhere.
	if source == nil {
		source = refNoSource{}
	}
	eng.RegisterTemplateStore(refDepthGuard{source})
	eng.RegisterTag(includeDepthTag, func(ctx render.Context) (string, error) {
		d, _ := ctx.Get(includeDepthVar).(int)
		if d >= MaxIncludeDepth {
			return "", fmt.Errorf("include and render nest deeper than %d levels (a template including itself?)", MaxIncludeDepth)
		}
		ctx.Set(includeDepthVar, d+1)
		return "", nil
	})
	eng.RegisterFilter("date", func(v any, format func(string) string) (string, error) {
		t, err := refDateOf(v, now)
		if err != nil {
			return "", err
		}
		return tuesday.Strftime(format("%a, %b %d, %y"), t)
	})
	// to_json, as Twilio's Liquid has it: the value as JSON text.
	eng.RegisterFilter("to_json", func(v any) (string, error) {
		data, err := json.Marshal(v)
		if err == nil && len(data) > refMaxRenderBytes {
			return "", refErrGrowth("to_json", len(data))
		}
		return string(data), err
	})
	refCapGrowth(eng)
	refTwilioNumbers(eng)
	return &refRenderer{engine: eng, cache: cache.New[string, *refCached](refCacheSize)}
}

// refCapGrowth bounds the text a template builds without writing it: the
// filters that grow a string (append, prepend, join, replace, to_json)
// refuse a result over refMaxRenderBytes while rendering, so that doubling a
// variable in a loop stops at the cap instead of exhausting memory before
// the output cap could see it. (A capture block's text is not capped yet:
// Liquid does not let its built-in blocks be replaced.)
func refCapGrowth(eng *liquid.Engine) {
	grow := func(name string, f func(s, arg string) string) {
		eng.RegisterFilter(name, func(v any, arg any) (string, error) {
			a, b := refLiquidText(v), refLiquidText(arg)
			if len(a)+len(b) > refMaxRenderBytes {
				return "", refErrGrowth(name, len(a)+len(b))
			}
			return f(a, b), nil
		})
	}
	grow("append", func(s, arg string) string { return s + arg })
	grow("prepend", func(s, arg string) string { return arg + s })
	eng.RegisterFilter("replace_first", func(s any, old, new string) (string, error) {
		out := strings.Replace(refLiquidText(s), old, new, 1)
		if len(out) > refMaxRenderBytes {
			return "", refErrGrowth("replace_first", len(out))
		}
		return out, nil
	})
	eng.RegisterFilter("join", func(v any, sep func(string) string) (string, error) {
		list := reflect.ValueOf(v)
		if v == nil {
			return "", nil
		}
		if list.Kind() != reflect.Slice && list.Kind() != reflect.Array {
			return "", fmt.Errorf("can't convert %T(%v) to type []interface {}", v, v) // as Liquid's join
		}
		glue := sep(" ")
		var b strings.Builder
		first := true
		for i := range list.Len() {
			x := list.Index(i).Interface()
			if x == nil {
				continue // as Liquid's join: nil elements are left out
			}
			if !first {
				b.WriteString(glue)
			}
			first = false
			b.WriteString(refLiquidText(x))
			if b.Len() > refMaxRenderBytes {
				return "", refErrGrowth("join", b.Len())
			}
		}
		return b.String(), nil
	})
	eng.RegisterFilter("replace", func(s any, old, new string) (string, error) {
		text := refLiquidText(s)
		// strings.Count of "" is the number of runes plus one: an empty
		// old inserts new between every two characters.
		if n := strings.Count(text, old); len(new) > len(old) && len(text)+n*(len(new)-len(old)) > refMaxRenderBytes {
			return "", refErrGrowth("replace", len(text)+n*(len(new)-len(old)))
		}
		return strings.ReplaceAll(text, old, new), nil
	})
}

// refErrGrowth is the error of a template whose text grew past the cap.
func refErrGrowth(what string, n int) error {
	return fmt.Errorf("%s would make a text of %d bytes; at most %d are allowed", what, n, refMaxRenderBytes)
}

// refLiquidText formats a value as Liquid writes it.
func refLiquidText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	if s, ok := refScalarText(v); ok {
		return s
	}
	return fmt.Sprint(v)
}

// refZoned recognises a date that ends with its offset (+02:00, -0800) or a
// zone name (PST, CEST).
var refZoned = regexp.MustCompile(`(?:[+-]\d\d:?\d\d|\b[A-Za-z]{3,5})\s*$`)

// refDateOf converts the input of the date filter as Liquid does, except that
// "now" and "today" are the engine's clock.
func refDateOf(v any, clock func() time.Time) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case string:
		s := strings.TrimSpace(v)
		if s == "now" || s == "today" {
			return clock(), nil
		}
		// An epoch in a string is that instant, shown in UTC.
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
		t, err := values.ParseDate(s)
		if err != nil {
			return t, err
		}
		// Liquid reads a date in the host's zone when it names none (and,
		// wrongly, when it ends in Z), and gives the host's zone to one
		// whose offset is the host's: a flow must not depend on where it
		// runs. A date with an offset or a zone name keeps its instant in
		// a zone of its own; one without is read in UTC.
		if t.Location() == time.Local {
			if refZoned.MatchString(s) {
				name, offset := t.Zone()
				t = t.In(time.FixedZone(name, offset))
			} else {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
			}
		}
		return t, nil
	case float64:
		return time.Unix(int64(v), 0).UTC(), nil
	case int:
		return time.Unix(int64(v), 0).UTC(), nil
	case nil:
		return time.Time{}, fmt.Errorf("date: no input")
	}
	return time.Time{}, fmt.Errorf("date: cannot read %v as a date", v)
}

// render renders src with bindings. Plain text comes back as is.
func (r *refRenderer) render(src string, bindings map[string]any) (string, error) {
	if !strings.Contains(src, "{{") && !strings.Contains(src, "{%") {
		return src, nil
	}
	if path, ok := refLonePath(src); ok {
		// Only a path that resolves through maps to a scalar is rendered
		// here; anything else (a missing key that may be size or first, a
		// keyword such as true or empty) is left to Liquid.
		if v, found := refLookup(bindings, path); found {
			if s, ok := refScalarText(v); ok {
				if err := refCapOutput(s); err != nil {
					return "", err
				}
				return s, nil
			}
		}
	}
	c := r.parsed(src)
	if c.err != nil {
		return "", c.err
	}
	// The output is capped while it is written, not after: a loop that
	// doubles its output stops at the cap instead of filling memory.
	w := &refCappedWriter{max: refMaxRenderBytes}
	err := refLiquidCall(func() error {
		if err := c.tpl.FRender(w, bindings); err != nil {
			if w.over {
				return refErrOverCap
			}
			return err
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return w.b.String(), nil
}

// parsed returns src parsed (its loops capped), from the cache or parsed
// and refCached now, with its parse error if any.
func (r *refRenderer) parsed(src string) *refCached {
	c, ok := r.cache.Get(src)
	if !ok {
		var tpl *liquid.Template
		err := refLiquidCall(func() (err error) {
			tpl, err = r.engine.ParseString(refCapLoops(src))
			return err
		})
		c = &refCached{tpl: tpl, err: err}
		r.cache.Put(src, c)
	}
	return c
}

// parse parses src as render will, keeping the result: the engine's
// template check (template.CheckWith) parses every template of a definition
// before it takes traffic, so its first render parses nothing.
func (r *refRenderer) parse(src string) error { return r.parsed(src).err }

// refLiquidCall runs f, a call into Liquid, turning a panic into an error.
// Liquid panics on some templates instead of returning an error: its
// lexer on an integer literal beyond int64 ({{ 100000000000000000000 }})
// or an identifier that is not valid Unicode, its evaluator on some
// errors. That is the flow's mistake, a template error (FailureTemplate),
// not a crash of the widget rendering it (FailureWidgetPanic, logged with a
// stack as an internal fault).
func refLiquidCall(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			// A rethrown error carries Liquid's stack in its text; its
			// cause alone says what went wrong.
			if c, ok := p.(interface{ Cause() error }); ok && c.Cause() != nil {
				p = c.Cause()
			}
			err = fmt.Errorf("Liquid error: %v", p)
		}
	}()
	return f()
}

var refLoopTag = regexp.MustCompile(`\{%-?\s*(?:for|tablerow)\s[^%]*?-?%\}`)
var refLoopLimit = regexp.MustCompile(`\blimit\s*:\s*(\d+|[\w.]+)`)

// refCapLoops rewrites each loop tag of src so that it runs at most
// MaxLoopIterations times: a loop without a limit gets one, and a literal
// limit above the cap is lowered to it. (A limit written as a variable is
// left as it is.)
func refCapLoops(src string) string {
	if !strings.Contains(src, "{%") {
		return src
	}
	cap := strconv.Itoa(MaxLoopIterations)
	return refLoopTag.ReplaceAllStringFunc(src, func(tag string) string {
		if m := refLoopLimit.FindStringSubmatchIndex(tag); m != nil {
			if n, err := strconv.Atoi(tag[m[2]:m[3]]); err == nil && n > MaxLoopIterations {
				return tag[:m[2]] + cap + tag[m[3]:]
			}
			return tag
		}
		end := strings.LastIndex(tag, "%}")
		if end > 0 && tag[end-1] == '-' {
			end--
		}
		return strings.TrimRight(tag[:end], " \t\n") + " limit: " + cap + " " + tag[end:]
	})
}

const (
	includeDepthTag = "studioflow_include_depth"
	includeDepthVar = "\x00include_depth" // no template can name it
)

// refDepthGuard prefixes every template the host's source gives with the tag
// that counts include depth.
type refDepthGuard struct{ Source }

func (g refDepthGuard) ReadTemplate(name string) ([]byte, error) {
	src, err := g.Source.ReadTemplate(name)
	if err != nil {
		return nil, err
	}
	return append([]byte("{% "+includeDepthTag+" %}"), src...), nil
}

// refNoSource refuses every include and render.
type refNoSource struct{}

func (refNoSource) ReadTemplate(name string) ([]byte, error) {
	return nil, fmt.Errorf("include and render read no files: %q cannot be read (the host gives templates with runtime.WithTemplateSource)", name)
}

// refErrOverCap is the error of a render whose output passed refMaxRenderBytes.
var refErrOverCap = fmt.Errorf("rendered output is more than %d bytes, the most allowed", refMaxRenderBytes)

// refCappedWriter collects at most max bytes, then fails every write.
type refCappedWriter struct {
	b    strings.Builder
	max  int
	over bool
}

func (w *refCappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		w.over = true
		return 0, refErrOverCap
	}
	return w.b.Write(p)
}

// refCapOutput refuses output over refMaxRenderBytes.
func refCapOutput(out string) error {
	if len(out) > refMaxRenderBytes {
		return fmt.Errorf("rendered output is %d bytes; at most %d are allowed", len(out), refMaxRenderBytes)
	}
	return nil
}

// refLonePath recognises a template that is exactly one {{ a.b.c }} with no
// filter, returning the dotted path.
func refLonePath(src string) (string, bool) {
	if len(src) < 5 || src[0] != '{' || src[1] != '{' || src[len(src)-1] != '}' || src[len(src)-2] != '}' {
		return "", false
	}
	inner := strings.TrimSpace(src[2 : len(src)-2])
	if inner == "" {
		return "", false
	}
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if !(c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", false
		}
	}
	if inner[0] == '.' || inner[len(inner)-1] == '.' || strings.Contains(inner, "..") {
		return "", false
	}
	if c := inner[0]; c >= '0' && c <= '9' {
		return "", false
	}
	return inner, true
}

// refLookup resolves a dotted path in nested maps, as the runtime's fast
// path did. found is false when a key is missing; a value that is not a map
// part-way returns (nil, true), which
// no caller renders itself.
func refLookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for path != "" {
		key := path
		if i := strings.IndexByte(path, '.'); i >= 0 {
			key, path = path[:i], path[i+1:]
		} else {
			path = ""
		}
		mm, ok := cur.(map[string]any)
		if !ok {
			// Not a map: let the engine decide (arrays, size, ...).
			return nil, true
		}
		if cur, ok = mm[key]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// refScalarText formats a scalar as Liquid would; ok is false for values the
// engine must format (maps, arrays, or a path the engine must resolve).
func refScalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// refTwilioNumbers makes the arithmetic filters read numbers as Twilio's
// Liquid does: a string holding a number, whitespace around it included, is
// that number, an integer when written as one. Set Variables stores the
// rendering of a multi-line template ("\n  2\n"), so Twilio's counter idiom
// ({{flow.variables.count | plus: 1}}, from Twilio's "How do I use Liquid
// with Twilio Studio?") counts instead of sticking at 1, as it did when
// Liquid read such a string as 0.
func refTwilioNumbers(eng *liquid.Engine) {
	// arith does integer arithmetic when both operands are integers and the
	// result fits, float arithmetic otherwise (never a wrapped integer).
	arith := func(ints func(a, b int64) (int64, bool), floats func(a, b float64) float64) func(a, b any) any {
		return func(a, b any) any {
			na, nb := refLiquidNumber(a), refLiquidNumber(b)
			if ia, ok := na.(int64); ok {
				if ib, ok := nb.(int64); ok {
					if r, ok := ints(ia, ib); ok {
						return r
					}
				}
			}
			return floats(refAsFloat(na), refAsFloat(nb))
		}
	}
	eng.RegisterFilter("plus", arith(func(a, b int64) (int64, bool) {
		r := a + b
		return r, (r > a) == (b > 0)
	}, func(a, b float64) float64 { return a + b }))
	eng.RegisterFilter("minus", arith(func(a, b int64) (int64, bool) {
		r := a - b
		return r, (r < a) == (b > 0)
	}, func(a, b float64) float64 { return a - b }))
	eng.RegisterFilter("times", arith(func(a, b int64) (int64, bool) {
		if a == 0 || b == 0 {
			return 0, true
		}
		r := a * b
		return r, r/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64)
	}, func(a, b float64) float64 { return a * b }))
	eng.RegisterFilter("divided_by", func(a, b any) (any, error) {
		na, nb := refLiquidNumber(a), refLiquidNumber(b)
		if refAsFloat(nb) == 0 {
			return nil, errors.New("divided by 0")
		}
		ib, intDivisor := nb.(int64)
		if !intDivisor {
			return refAsFloat(na) / refAsFloat(nb), nil
		}
		// Liquid: an integer divisor gives an integer quotient.
		if ia, ok := na.(int64); ok && !(ia == math.MinInt64 && ib == -1) {
			return ia / ib, nil
		}
		q := math.Trunc(refAsFloat(na) / float64(ib))
		if math.IsNaN(q) || math.IsInf(q, 0) || math.Abs(q) >= 1<<63 {
			return nil, fmt.Errorf("%v divided by %d is not an integer Liquid can hold", a, ib)
		}
		return int64(q), nil
	})
	eng.RegisterFilter("modulo", func(a, b any) (float64, error) {
		divisor := refAsFloat(refLiquidNumber(b))
		if divisor == 0 {
			return 0, errors.New("modulo by 0")
		}
		return math.Mod(refAsFloat(refLiquidNumber(a)), divisor), nil
	})
}

// refLiquidNumber reads v as a number: int64 for integers (and strings written
// as one), float64 otherwise; 0 for what holds no number.
func refLiquidNumber(v any) any {
	switch v := v.(type) {
	case string:
		return refNumberText(v)
	case json.Number:
		return refNumberText(string(v))
	case nil, bool:
		return 0.0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int64(u)
		}
		return float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	}
	return 0.0
}

// refNumberText reads a string as a number, whitespace around it allowed.
func refNumberText(v string) any {
	s := strings.TrimSpace(v)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return 0.0
}

func refAsFloat(n any) float64 {
	if i, ok := n.(int64); ok {
		return float64(i)
	}
	f, _ := n.(float64)
	return f
}
