package template

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Values a template works with are the JSON-like values an execution holds
// (nil, bool, string, float64, []any, map[string]any), the integers of
// literals and integer arithmetic (int64), and ranges ((1..n), rangeValue),
// which are iterated without being built.

// rangeValue is (lo..hi), both ends included.
type rangeValue struct{ lo, hi int64 }

func (r rangeValue) len() int64 {
	if r.hi < r.lo {
		return 0
	}
	n := r.hi - r.lo + 1
	if n <= 0 { // overflow of a range spanning all of int64
		return math.MaxInt64
	}
	return n
}

// cappedText is text(v), or false when it would be longer than
// MaxTextBytes (it stops writing there: a list can hold one long text many
// times over).
func cappedText(v any) (string, bool) {
	switch v.(type) {
	case []any, map[string]any, rangeValue:
		var b strings.Builder
		if !writeText(&b, v) {
			return "", false
		}
		return b.String(), true
	}
	out := text(v)
	return out, len(out) <= MaxTextBytes
}

// writeText writes text(v) to b, reporting false once b holds more than
// MaxTextBytes.
func writeText(b *strings.Builder, v any) bool {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if !writeText(b, x) {
				return false
			}
		}
		return true
	case map[string]any:
		b.WriteString(mapText(v))
	default:
		b.WriteString(text(v))
	}
	return b.Len() <= MaxTextBytes
}

// maxNumberText is the longest text appendNumber writes: an int64 takes
// 20 bytes, a float64 in 'f' form 327 (-5e-324 is "-0." and 324 digits).
const maxNumberText = 330

// appendNumber appends text(v) to b when v is a number, without making a
// string of it first, and reports whether it was one.
func appendNumber(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case float64:
		return strconv.AppendFloat(b, v, 'f', -1, 64), true
	}
	return b, false
}

// text formats v as Liquid writes it: nil as nothing, numbers without
// exponent or trailing zeros, arrays as their elements one after another.
// It is for values of bounded size; cappedText is for any.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		var b strings.Builder
		writeText(&b, v)
		return b.String()
	case rangeValue:
		var b strings.Builder
		for i := int64(0); i < v.len() && b.Len() <= MaxTextBytes; i++ {
			b.WriteString(strconv.FormatInt(v.lo+i, 10))
		}
		return b.String()
	case map[string]any:
		return mapText(v)
	}
	if n, ok := goNumber(v); ok {
		return text(n)
	}
	return ""
}

// fromGo is v, but a Go number of another type than int64 and float64 (a
// host's int, uint8, float32...) is read as one of those two, the numbers
// templates compute with. The engine gives templates JSON's values only;
// a host calling Render may nest Go's numbers in its lists and maps, and
// each place that takes a value apart reads it through fromGo, so that a
// nested int is the number a top-level one is.
func fromGo(v any) any {
	switch v.(type) {
	case nil, string, bool, int64, float64, []any, map[string]any:
		return v
	}
	if n, ok := goNumber(v); ok {
		return n
	}
	return v
}

// goNumber reads Go's other number types (a host's int, uint8, float32...)
// as int64 or float64.
func goNumber(v any) (any, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), true
		}
		return float64(v), true
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
		return float64(v), true
	case float32:
		// The float64 of the shortest text that reads back as v, as
		// encoding/json writes it: a float32 0.1 is 0.1, not
		// 0.10000000149011612.
		f, err := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
		if err != nil {
			return float64(v), true
		}
		return f, true
	}
	return nil, false
}

// mapText formats a map as Go's fmt does (map[k:v ...], keys sorted, a
// nested nil as <nil>), which is how osteele/liquid writes one; it stops
// past MaxTextBytes.
func mapText(m map[string]any) string {
	var b strings.Builder
	sprint(&b, m)
	return b.String()
}

// truthy is Liquid's truth: everything but nil and false is true, "" and 0
// included.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	}
	return true
}

// number reads v as a number, as Twilio's Liquid does: a string holding a
// number, whitespace around it included, is that number. It returns an
// int64 for integers, a float64 otherwise; ok is false for what holds no
// number.
func number(v any) (n any, ok bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		return v, true
	case string:
		s := strings.TrimSpace(v)
		if s == "" || len(s) > 64 {
			return nil, false
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && isDecimal(s) {
			return f, true
		}
		return nil, false
	}
	return goNumber(v)
}

// isDecimal reports whether s is written as a plain decimal number (not
// "Inf", "NaN", hexadecimal or with underscores, which ParseFloat takes).
func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		default:
			return false
		}
	}
	return true
}

// equal is ==: numbers compare as numbers (a string holding a number
// included, when the other side is a number), arrays element by element,
// empty and blank as Liquid defines them.
func equal(a, b any) bool {
	if k, ok := a.(keyword); ok {
		return k.matches(b)
	}
	if k, ok := b.(keyword); ok {
		return k.matches(a)
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, y, ok := numbers(a, b); ok {
		return compareNumbers(x, y) == 0
	}
	switch a := a.(type) {
	case string:
		s, ok := b.(string)
		return ok && a == s
	case bool:
		t, ok := b.(bool)
		return ok && a == t
	case []any:
		c, ok := b.([]any)
		if !ok || len(a) != len(c) {
			return false
		}
		for i := range a {
			if !equal(a[i], c[i]) {
				return false
			}
		}
		return true
	case rangeValue:
		c, ok := b.(rangeValue)
		return ok && a == c
	case map[string]any:
		c, ok := b.(map[string]any)
		if !ok || len(a) != len(c) {
			return false
		}
		for k, v := range a {
			w, ok := c[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// less is <: numbers as numbers (a string holding one included, when the
// other side is a number), strings by bytes; anything else is not less.
func less(a, b any) bool {
	if x, y, ok := numbers(a, b); ok {
		return compareNumbers(x, y) < 0
	}
	switch a := a.(type) {
	case string:
		s, ok := b.(string)
		return ok && a < s
	case bool:
		t, ok := b.(bool)
		return ok && !a && t
	}
	return false
}

// numbers reads a and b as numbers when at least one of them is one and the
// other is one or a string holding one.
func numbers(a, b any) (x, y any, ok bool) {
	if !isNumber(a) && !isNumber(b) {
		return nil, nil, false
	}
	if x, ok = number(a); !ok {
		return nil, nil, false
	}
	if y, ok = number(b); !ok {
		return nil, nil, false
	}
	return x, y, true
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	_, ok := goNumber(v)
	return ok
}

// compareNumbers compares two numbers (int64 or float64) exactly.
func compareNumbers(a, b any) int {
	ia, aInt := a.(int64)
	ib, bInt := b.(int64)
	if aInt && bInt {
		switch {
		case ia < ib:
			return -1
		case ia > ib:
			return 1
		}
		return 0
	}
	fa, fb := asFloat(a), asFloat(b)
	switch {
	case fa < fb:
		return -1
	case fa > fb:
		return 1
	}
	return 0
}

// asFloat is a number (int64 or float64) as a float, 0 for anything else.
func asFloat(n any) float64 {
	switch n := n.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	}
	return 0
}

// contains is Liquid's contains: a substring of a string, an element of an
// array, a key of a map.
func contains(a, b any) bool {
	switch a := a.(type) {
	case string:
		s, ok := b.(string)
		if !ok {
			switch b.(type) {
			case nil, []any, map[string]any, rangeValue, keyword:
				// A text holds no list, map or nil (osteele/liquid
				// compares with Go's rendering of one, "[a b]").
				return false
			}
			s = text(b)
		}
		return strings.Contains(a, s)
	case []any:
		for _, x := range a {
			if equal(x, b) {
				return true
			}
		}
	case rangeValue:
		if n, ok := number(b); ok {
			if i, ok := n.(int64); ok {
				return i >= a.lo && i <= a.hi
			}
		}
	case map[string]any:
		if k, ok := b.(string); ok {
			_, found := a[k]
			return found
		}
	}
	return false
}

// keyword is empty or blank, the values Liquid compares against.
type keyword int

const (
	kwEmpty keyword = iota + 1
	kwBlank
)

// matches reports whether v == empty (or blank): empty is an empty string,
// array or map; blank is also nil, false and a string of only whitespace.
func (k keyword) matches(v any) bool {
	switch v := v.(type) {
	case keyword:
		return v == k
	case string:
		if k == kwBlank {
			return strings.TrimSpace(v) == ""
		}
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	case rangeValue:
		return v.len() == 0
	case nil:
		return k == kwBlank
	case bool:
		return k == kwBlank && !v
	}
	return false
}

// size is the size property and filter: characters of a string, elements
// of an array, entries of a map.
func size(v any) int64 {
	switch v := v.(type) {
	case string:
		return int64(utf8.RuneCountInString(v))
	case []any:
		return int64(len(v))
	case map[string]any:
		return int64(len(v))
	case rangeValue:
		return v.len()
	}
	return 0
}

// property is v.name: a map's key (a map without one has size), an array's
// or a range's first, last and size, a string's size.
func property(v any, name string) any {
	switch v := v.(type) {
	case map[string]any:
		if x, ok := v[name]; ok {
			return x
		}
		if name == "size" {
			return int64(len(v))
		}
	case []any:
		switch name {
		case "first":
			if len(v) > 0 {
				return v[0]
			}
		case "last":
			if len(v) > 0 {
				return v[len(v)-1]
			}
		case "size":
			return int64(len(v))
		}
	case rangeValue:
		switch name {
		case "first":
			if v.len() > 0 {
				return v.lo
			}
		case "last":
			if v.len() > 0 {
				return v.hi
			}
		case "size":
			return v.len()
		}
	case string:
		if name == "size" {
			return size(v)
		}
	}
	return nil
}

// index is v[i]: an array's element (negative from the end, a float
// truncated), a map's entry by key.
func index(v, i any) any {
	i = fromGo(i)
	switch v := v.(type) {
	case []any:
		n, ok := intIndex(i)
		if !ok {
			return nil
		}
		if n < 0 {
			n += int64(len(v))
		}
		if n >= 0 && n < int64(len(v)) {
			return v[n]
		}
	case rangeValue:
		n, ok := intIndex(i)
		if !ok {
			return nil
		}
		if n < 0 {
			n += v.len()
		}
		if n >= 0 && n < v.len() {
			return v.lo + n
		}
	case map[string]any:
		switch k := i.(type) {
		case string:
			return v[k]
		case int64, float64:
			return v[text(k)]
		}
	}
	return nil
}

func intIndex(i any) (int64, bool) {
	switch i := i.(type) {
	case int64:
		return i, true
	case float64:
		if math.IsNaN(i) || math.Abs(i) >= 1<<62 {
			return 0, false
		}
		return int64(i), true
	}
	return 0, false
}
