package widgets

import (
	"fmt"
	"strconv"
	"time"
)

func secondsDuration(s int) time.Duration { return time.Duration(s) * time.Second }

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
func CopyData(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return CopyData(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyValue(x)
		}
		return out
	}
	return v
}
