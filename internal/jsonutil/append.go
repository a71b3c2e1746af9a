package jsonutil

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxAppendDepth is how deep AppendValue writes by itself; deeper values,
// and cycles, are left to encoding/json, which reports a cycle.
const maxAppendDepth = 100

// AppendValue appends the JSON of v to dst, byte for byte what
// json.Marshal(v) writes, with far fewer allocations for the values
// decoded JSON holds (maps of string keys, lists, texts, numbers,
// booleans, nil): no reflection, and one allocation per map for its sorted
// keys. Any other value is written by json.Marshal, and so are its errors.
func AppendValue(dst []byte, v any) ([]byte, error) {
	return appendValue(dst, v, 0)
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxAppendDepth {
		return appendMarshal(dst, v)
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return AppendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return appendMarshal(dst, v)
		}
		return appendFloat(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		var buf [16]entry
		dst = append(dst, '{')
		for i, e := range sortedEntries(v, buf[:0]) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, e.key)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, e.value, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case []any:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	return appendMarshal(dst, v)
}

// appendMarshal appends json.Marshal(v).
func appendMarshal(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// appendFloat writes f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form below 1e-6 and from 1e21,
// with a one-digit negative exponent written without its zero (1e-7).
func appendFloat(dst []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// writtenAsIs tells the ASCII bytes AppendString writes as they are: the
// printable ones but the quote, the backslash and HTML's <, > and &. A
// table, because AppendString's loop runs once per byte of every string an
// execution saves.
var writtenAsIs = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// AppendString appends s quoted as encoding/json quotes a string (with
// its HTML escaping): control characters, <, > and & as \u00XX (\n, \r,
// \t, \b and \f by their letters), invalid UTF-8 as \ufffd, and U+2028
// and U+2029 escaped.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if writtenAsIs[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendTime appends t as time.Time's MarshalJSON writes it (RFC 3339
// with nanoseconds, quoted), without its allocation for a UTC time of the
// years 0 to 9999; any other goes through MarshalJSON, and so do its
// errors.
func AppendTime(dst []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); t.Location() != time.UTC || y < 0 || y > 9999 {
		b, err := t.MarshalJSON()
		if err != nil {
			return dst, err
		}
		return append(dst, b...), nil
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}

// AppendMapWithout appends the JSON of m as AppendValue does, leaving out
// the entries at the paths in omit (each a list of keys through nested
// maps; at most 64 paths), and any map those removals leave empty. A path
// that does not lead through maps to an entry leaves nothing out. m is
// not changed.
func AppendMapWithout(dst []byte, m map[string]any, omit [][]string) ([]byte, error) {
	if len(omit) > 64 {
		return dst, fmt.Errorf("jsonutil: %d paths to leave out, more than 64", len(omit))
	}
	live := uint64(0)
	for i, p := range omit {
		if len(p) > 0 {
			live |= 1 << i
		}
	}
	return appendMapWithout(dst, m, omit, live, 0)
}

// appendMapWithout writes m, a map at depth d of the paths in omit, of
// which live are the ones that lead through it.
func appendMapWithout(dst []byte, m map[string]any, omit [][]string, live uint64, d int) ([]byte, error) {
	if live == 0 || m == nil || d > maxAppendDepth {
		return appendValue(dst, m, d)
	}
	var buf [16]entry
	dst = append(dst, '{')
	n := 0
	for _, e := range sortedEntries(m, buf[:0]) {
		k, v := e.key, e.value
		leaf, sub := omitUnder(omit, live, d, k)
		if leaf {
			continue
		}
		child, isMap := v.(map[string]any)
		if sub != 0 && isMap && emptiedBy(child, omit, sub, d+1) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		var err error
		if sub != 0 && isMap {
			dst, err = appendMapWithout(dst, child, omit, sub, d+1)
		} else {
			dst, err = appendValue(dst, v, d+1)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// omitUnder reports whether one of the live paths ends at the entry key
// of a map at depth d, and which go on through it.
func omitUnder(omit [][]string, live uint64, d int, key string) (leaf bool, sub uint64) {
	for i, p := range omit {
		if live&(1<<i) == 0 || p[d] != key {
			continue
		}
		if len(p) == d+1 {
			leaf = true
		} else {
			sub |= 1 << i
		}
	}
	return leaf, sub
}

// emptiedBy reports whether leaving out the live paths empties m (which
// was not empty), a map at depth d.
func emptiedBy(m map[string]any, omit [][]string, live uint64, d int) bool {
	if len(m) == 0 {
		return false
	}
	for k, v := range m {
		leaf, sub := omitUnder(omit, live, d, k)
		if leaf {
			continue
		}
		child, ok := v.(map[string]any)
		if sub == 0 || !ok || !emptiedBy(child, omit, sub, d+1) {
			return false
		}
	}
	return true
}

// entry is one entry of a map, as sortedEntries lists them.
type entry struct {
	key   string
	value any
}

// sortedEntries appends m's entries to list, sorted by key: taken with
// their values, so that writing them needs no lookup of each key again.
func sortedEntries(m map[string]any, list []entry) []entry {
	for k, v := range m {
		list = append(list, entry{k, v})
	}
	if len(list) <= 12 {
		// An insertion sort: a context's maps hold a few entries each.
		for i := 1; i < len(list); i++ {
			for j := i; j > 0 && list[j].key < list[j-1].key; j-- {
				list[j], list[j-1] = list[j-1], list[j]
			}
		}
		return list
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	return list
}
