package runtime

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/studioflow/studioflow/internal/cache"
	"github.com/studioflow/studioflow/template"
)

// MaxRenderBytes caps a rendered template, as Twilio does (16 KB), and
// every text a template builds on the way.
const MaxRenderBytes = template.MaxTextBytes

// MaxLoopIterations caps every for and tablerow loop of a template, as
// Twilio's Liquid does; nested loops share template.MaxRenderIterations.
const MaxLoopIterations = template.MaxLoopIterations

// MaxIncludeDepth is how deeply include and render may nest.
const MaxIncludeDepth = template.MaxIncludeDepth

// renderer renders the templates of widget properties. A widgets.Text
// holds its template parsed (when its widget compiled); a Text built
// without one is parsed at its first render and kept by source.
type renderer struct {
	r     *template.Renderer
	cache *cache.Bounded[string, *template.Template] // by source
}

// templateCacheSize is how many parsed templates a renderer keeps (up to
// twice as many), least recently used dropped first.
const templateCacheSize = 4096

// newRenderer returns a renderer whose date filter reads "now" and "today"
// from the engine's clock, shown in zone (UTC when nil), so templates are
// as deterministic as the rest of an execution; include and render read
// source only.
func newRenderer(clock func() time.Time, source TemplateSource, zone *time.Location) *renderer {
	if clock == nil {
		clock = utcNow
	}
	return &renderer{
		r:     template.NewRenderer(template.Options{Clock: clock, Zone: zone, Source: source}),
		cache: cache.New[string, *template.Template](templateCacheSize),
	}
}

// TemplateError reports a template that failed to parse or render, naming
// the state and the property. It unwraps to the underlying error, a
// *template.Error whose Code says what kind of failure it was.
type TemplateError struct {
	// State and Property locate the template.
	State, Property string
	// Err is the template's error.
	Err error
}

// Error names the state, the property and the template's error.
func (e *TemplateError) Error() string {
	return fmt.Sprintf("state %q, property %q: template: %v", e.State, e.Property, e.Err)
}

// Unwrap returns the template's error.
func (e *TemplateError) Unwrap() error { return e.Err }

// render renders src with bindings, read and never copied. Plain text
// comes back as is.
func (r *renderer) render(ctx context.Context, src string, bindings map[string]any) (string, error) {
	if !strings.Contains(src, "{{") && !strings.Contains(src, "{%") {
		return src, nil
	}
	return r.r.Render(ctx, r.parsed(src), bindings)
}

// parsed returns src parsed, from the cache or parsed and cached now.
func (r *renderer) parsed(src string) *template.Template {
	t, ok := r.cache.Get(src)
	if !ok {
		t, _ = template.Parse(src)
		r.cache.Put(src, t)
	}
	return t
}

// TemplateSource is where {% include %} and {% render %} read the templates
// they name (WithTemplateSource). Without one they read nothing, and a
// template that uses them fails with a template error.
type TemplateSource = template.Source

// TemplateMap is a TemplateSource of fixed templates by name.
type TemplateMap map[string]string

// ReadTemplate implements TemplateSource.
func (m TemplateMap) ReadTemplate(name string) ([]byte, error) {
	s, ok := m[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	return []byte(s), nil
}

// lookup resolves a dotted path in nested maps. found is false when a key
// is missing; a value that is not a map part-way returns (nil, true).
func lookup(m map[string]any, path string) (any, bool) {
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
			return nil, true
		}
		if cur, ok = mm[key]; !ok {
			return nil, false
		}
	}
	return cur, true
}
