package runtime

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/studioflow/studioflow/internal/jsonutil"
)

// ValueError refuses a value that would enter an execution: it nests
// deeper than Limits.MaxValueDepth, is larger than Limits.MaxValueBytes, or
// cannot be stored (a NaN or infinite number). Every value is checked where
// it enters (start parameters and payload, event data, widget outputs,
// variables, a child frame's parameters and outputs), so that whatever an
// execution saves, it can load again.
type ValueError struct {
	// Path locates the value: "event data", "widgets.fetch.parsed.a.b"...
	Path string
	// Problem says what is wrong with it.
	Problem string
}

// Error names the value and its problem.
func (e *ValueError) Error() string {
	path := e.Path
	if len(path) > 200 {
		path = path[:200] + "..."
	}
	return path + ": " + e.Problem
}

// within prefixes the error's path with the key or index it was found at.
func (e *ValueError) within(key string) *ValueError {
	if e.Path == "" {
		e.Path = key
	} else if e.Path[0] == '[' {
		e.Path = key + e.Path
	} else {
		e.Path = key + "." + e.Path
	}
	return e
}

// bounds converts values to the JSON-like form an execution holds (string,
// float64, bool, nil, []any, map[string]any), so an execution is the same
// before and after a JSON round trip, and refuses those past the limits.
// Text that is not valid UTF-8 is made valid as JSON would (see jsonText);
// a map key that is not is refused.
// Its byte count is the value's size as JSON, approximately.
type bounds struct {
	maxDepth int
	left     int // bytes still allowed
	maxBytes int
}

func (e *Engine) bounds() *bounds {
	return &bounds{maxDepth: e.limits.MaxValueDepth, left: e.limits.MaxValueBytes, maxBytes: e.limits.MaxValueBytes}
}

func (b *bounds) spend(n int) *ValueError {
	b.left -= n
	if b.left < 0 {
		return &ValueError{Problem: fmt.Sprintf("larger than %d bytes, the most one value may take", b.maxBytes)}
	}
	return nil
}

// value returns v in JSON-like form. depth is the nesting of v's container.
func (b *bounds) value(v any, depth int) (any, *ValueError) {
	if s, ok := v.(string); ok {
		if utf8.ValidString(s) {
			// v as it came: boxing s again would allocate on every step
			// that sets a text.
			return v, b.spend(len(s) + 2)
		}
		return jsonText(s), b.spend(len(s) + 2)
	}
	switch v := v.(type) {
	case nil:
		return nil, b.spend(4)
	case bool:
		return v, b.spend(5)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &ValueError{Problem: "not a finite number: " + strconv.FormatFloat(v, 'g', -1, 64)}
		}
		return v, b.spend(8)
	case int:
		return float64(v), b.spend(8)
	case int64:
		return float64(v), b.spend(8)
	case int32:
		return float64(v), b.spend(8)
	case float32:
		return b.value(float64(v), depth)
	case uint:
		return float64(v), b.spend(8)
	case uint64:
		return float64(v), b.spend(8)
	case time.Time:
		s := v.Format(time.RFC3339)
		return s, b.spend(len(s) + 2)
	case map[string]any:
		return b.mapCopy(v, depth+1)
	case map[string]string:
		if err := b.deeper(depth + 1); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(v))
		for k, s := range v {
			if err := checkKey(k); err != nil {
				return nil, err
			}
			if err := b.spend(len(k) + len(s) + 6); err != nil {
				return nil, err.within(k)
			}
			m[k] = jsonText(s)
		}
		return m, nil
	case []any:
		return b.list(len(v), func(i int) any { return v[i] }, depth+1)
	case []string:
		return b.list(len(v), func(i int) any { return v[i] }, depth+1)
	case []map[string]any:
		return b.list(len(v), func(i int) any { return v[i] }, depth+1)
	}
	// Any other Go value ([]int, map[string]int, json.Number, structs...)
	// takes the shape JSON gives it, as it would after a round trip.
	data, err := json.Marshal(v)
	if err != nil {
		return nil, &ValueError{Problem: fmt.Sprintf("a %T cannot be stored: %v", v, err)}
	}
	if len(data) > b.maxBytes {
		return nil, b.spend(len(data))
	}
	if jsonutil.Beyond(data, b.maxDepth-depth) >= 0 {
		return nil, b.tooDeep()
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, &ValueError{Problem: fmt.Sprintf("a %T cannot be stored: %v", v, err)}
	}
	return b.value(out, depth)
}

func (b *bounds) tooDeep() *ValueError {
	return &ValueError{Problem: fmt.Sprintf("nests deeper than %d levels, the most a value may", b.maxDepth)}
}

func (b *bounds) deeper(depth int) *ValueError {
	if depth > b.maxDepth {
		return b.tooDeep()
	}
	return nil
}

func (b *bounds) list(n int, at func(int) any, depth int) (any, *ValueError) {
	if err := b.deeper(depth); err != nil {
		return nil, err
	}
	if err := b.spend(2 + n); err != nil {
		return nil, err
	}
	out := make([]any, n)
	for i := range n {
		v, err := b.value(at(i), depth)
		if err != nil {
			return nil, err.within("[" + strconv.Itoa(i) + "]")
		}
		out[i] = v
	}
	return out, nil
}

// mapCopy returns a converted copy of m, which is at nesting depth.
func (b *bounds) mapCopy(m map[string]any, depth int) (map[string]any, *ValueError) {
	if err := b.deeper(depth); err != nil {
		return nil, err
	}
	// Each entry takes a few bytes at least: spent before the map is made,
	// so a map of millions of empty entries is refused without a copy.
	if err := b.spend(2 + len(m)); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if err := checkKey(k); err != nil {
			return nil, err
		}
		if err := b.spend(len(k) + 4); err != nil {
			return nil, err.within(k)
		}
		c, err := b.value(v, depth)
		if err != nil {
			return nil, err.within(k)
		}
		out[k] = c
	}
	return out, nil
}

// inPlace converts the values of a map the engine owns (widget outputs),
// allocating only for nested maps and values that are not JSON-like
// already. A nested map may be shared (a host's data, a canned result), so
// it is copied rather than touched.
func (b *bounds) inPlace(m map[string]any) (map[string]any, *ValueError) {
	for k, v := range m {
		if err := checkKey(k); err != nil {
			return nil, err
		}
		if err := b.spend(len(k) + 4); err != nil {
			return nil, err.within(k)
		}
		switch s := v.(type) {
		case string:
			if err := b.spend(len(s) + 2); err != nil {
				return nil, err.within(k)
			}
			if t := jsonText(s); t != s {
				m[k] = t
			}
		case nil, bool:
			if err := b.spend(5); err != nil {
				return nil, err.within(k)
			}
		case float64:
			// Checked, not rewritten: the engine writes to the map only
			// where a value changes.
			if _, err := b.value(s, 1); err != nil {
				return nil, err.within(k)
			}
		default:
			c, err := b.value(v, 1)
			if err != nil {
				return nil, err.within(k)
			}
			m[k] = c
		}
	}
	return m, nil
}

// boundMap converts a map from the host or a widget, refusing it past the
// limits; where names it in the error ("event data", "parameters").
func (e *Engine) boundMap(m map[string]any, where string) (map[string]any, error) {
	if m == nil {
		return map[string]any{}, nil
	}
	out, err := e.bounds().mapCopy(m, 1)
	if err != nil {
		return nil, err.within(where)
	}
	return out, nil
}
