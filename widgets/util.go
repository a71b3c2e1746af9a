package widgets

import (
	"fmt"
	"strconv"
	"time"
)

// Seconds is n seconds, as a Duration: widget properties give times in
// whole seconds.
func Seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// DataString returns data[key] as text: strings as is, numbers and booleans
// formatted, absent as "".
func DataString(data map[string]any, key string) string { return ValueString(data[key]) }

// ValueString returns v as text: strings as is, numbers and booleans
// formatted, nil as "".
func ValueString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	default:
		return fmt.Sprint(v)
	}
}

// CopyData returns a deep copy of data (nested maps and slices copied), for
// use as outputs: the engine owns outputs, never the host's event data.
//
// The copy is bounded, so that a host's cyclic or enormous value cannot
// exhaust the stack or the CPU: below copyMaxDepth levels, or past
// copyMaxNodes values, nested values are shared rather than copied. The
// engine refuses such values anyway (they are past its own limits) before
// it stores or changes them.
func CopyData(data map[string]any) map[string]any {
	budget := copyMaxNodes
	return copyMap(data, 0, &budget)
}

const (
	copyMaxDepth = 64
	copyMaxNodes = 100_000
)

func copyMap(data map[string]any, depth int, budget *int) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		out[k] = copyValue(v, depth+1, budget)
	}
	return out
}

func copyValue(v any, depth int, budget *int) any {
	*budget--
	if depth > copyMaxDepth || *budget < 0 {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		return copyMap(v, depth, budget)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyValue(x, depth+1, budget)
		}
		return out
	}
	return v
}
