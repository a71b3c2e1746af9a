package template

import (
	"encoding/json"
	"html"
	"math"
	"math/bits"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/osteele/tuesday"
)

// The standard filters are osteele/liquid's (v1.9.2), with the semantics
// the runtime shipped on top of it (Twilio's numbers, dates that do not
// depend on the host's zone, to_json), except where osteele/liquid panics,
// wraps an integer or reads a map in random order. Every filter keeps to
// the render's budget: a text it builds is refused past MaxTextBytes before
// it is built, a list past MaxListItems, and walking its input costs
// operations. See the package doc for the list of deliberate differences.

// filter is a Liquid filter.
type filter struct {
	// minArgs and maxArgs bound the positional arguments it takes.
	minArgs, maxArgs int
	// fn applies it: in is the value filtered, args the positional arguments
	// (len within the bounds; the evaluator checks), kw the keyword arguments (nil when none).
	fn func(s *state, in any, args []any, kw map[string]any) (any, error)
}

// filterFunc is the function of a filter.
type filterFunc = func(s *state, in any, args []any, kw map[string]any) (any, error)

// filters are the standard filters by name.
var filters map[string]filter

// init fills filters (a function, not the variable's initializer, so that
// the evaluator's use of filters makes no initialization cycle).
func init() { filters = standardFilters() }

// standardFilters returns the standard filters by name. As in
// osteele/liquid, every argument may be left out (it is then nil, 0 or ""
// as the filter reads it, or the filter's default); only too many are
// refused.
func standardFilters() map[string]filter {
	fs := map[string]filter{
		// Values.
		"default": {0, 1, filterDefault},
		"json":    {0, 0, filterJSON},
		"to_json": {0, 0, filterToJSON},
		"inspect": {0, 0, filterInspect},
		"type":    {0, 0, filterType},
		"size":    {0, 0, filterSize},

		// Arrays.
		"compact":      {0, 0, filterCompact},
		"concat":       {0, 1, filterConcat},
		"join":         {0, 1, filterJoin},
		"map":          {0, 1, filterMap},
		"reverse":      {0, 0, filterReverse},
		"sort":         {0, 1, filterSort},
		"sort_natural": {0, 1, filterSortNatural},
		"first":        {0, 0, edgeFilter("first")},
		"last":         {0, 0, edgeFilter("last")},
		"uniq":         {0, 0, filterUniq},
		"where":        {0, 2, filterWhere},
		"sum":          {0, 1, filterSum},
		"slice":        {0, 2, filterSlice},

		// Numbers.
		"abs":        {0, 0, filterAbs},
		"ceil":       {0, 0, roundingFilter("ceil", math.Ceil)},
		"floor":      {0, 0, roundingFilter("floor", math.Floor)},
		"round":      {0, 1, filterRound},
		"plus":       arithFilter(addInts, func(a, b float64) float64 { return a + b }),
		"minus":      arithFilter(subInts, func(a, b float64) float64 { return a - b }),
		"times":      arithFilter(mulInts, func(a, b float64) float64 { return a * b }),
		"divided_by": {0, 1, filterDividedBy},
		"modulo":     {0, 1, filterModulo},
		"at_least":   {0, 1, boundFilter(true)},
		"at_most":    {0, 1, boundFilter(false)},

		// Texts.
		"append":         textFilter("append", 1, appendText),
		"prepend":        textFilter("prepend", 1, prependText),
		"capitalize":     textFilter("capitalize", 1, capitalize),
		"downcase":       textFilter("downcase", 1, caseMapping("downcase", unicode.ToLower, strings.ToLower)),
		"upcase":         textFilter("upcase", 1, caseMapping("upcase", unicode.ToUpper, strings.ToUpper)),
		"escape":         textFilter("escape", 0, escape),
		"escape_once":    textFilter("escape_once", 1, escapeOnce),
		"newline_to_br":  textFilter("newline_to_br", 0, newlineToBr),
		"strip_newlines": textFilter("strip_newlines", 0, stripNewlines),
		"remove":         textFilter("remove", 1, remove),
		"remove_first":   textFilter("remove_first", 1, removeFirst),
		"remove_last":    textFilter("remove_last", 1, removeLast),
		"replace":        textFilter("replace", 2, replace),
		"replace_first":  textFilter("replace_first", 2, replaceFirst),
		"replace_last":   textFilter("replace_last", 2, replaceLastText),
		"strip":          textFilter("strip", 0, strip),
		"lstrip":         textFilter("lstrip", 0, lstrip),
		"rstrip":         textFilter("rstrip", 0, rstrip),
		"strip_html":     textFilter("strip_html", 0, stripHTML),
		"handleize":      textFilter("handleize", 0, handleize),
		"handle":         textFilter("handle", 0, handleize),
		"url_encode":     textFilter("url_encode", 0, urlEncode),
		"url_decode":     textFilter("url_decode", 0, urlDecode),
		"pluralize":      {0, 2, filterPluralize},
		"truncate":       {0, 2, filterTruncate},
		"truncatewords":  {0, 2, filterTruncateWords},
		"split":          {0, 1, filterSplit},

		// Dates.
		"date": {0, 1, filterDate},
	}
	for name, f := range fs {
		if name != "where" { // where compares with empty and blank
			f.fn = plainKeywords(f.fn)
			fs[name] = f
		}
	}
	return fs
}

// plainKeywords makes fn see empty and blank as nil, which is what they
// are to every filter but where (osteele/liquid has neither: to it they
// are undefined variables).
func plainKeywords(fn filterFunc) filterFunc {
	return func(s *state, in any, args []any, kw map[string]any) (any, error) {
		in = plain(in)
		for i, a := range args {
			if _, ok := a.(keyword); ok {
				// Copied: the evaluator may hold args for every render.
				args = append([]any(nil), args...)
				for j := i; j < len(args); j++ {
					args[j] = plain(args[j])
				}
				break
			}
		}
		return fn(s, in, args, kw)
	}
}

// plain is v with empty and blank read as nil.
func plain(v any) any {
	if _, ok := v.(keyword); ok {
		return nil
	}
	return v
}

// argAt is the i-th argument, nil when it was left out.
func argAt(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

// ---- Reading inputs and arguments -----------------------------------------

// argText reads v as text, as osteele/liquid converts a filter's input or
// argument to a string (fmt.Sprint): nil is "", an array [a b], a map
// map[k:v] (keys sorted), a range {lo hi}; except that a number is written
// as the output writes it (without exponent). A text made of an array or a
// map is refused past MaxTextBytes.
func argText(v any) (string, error) {
	switch v := v.(type) {
	case nil, keyword:
		return "", nil
	case string:
		return v, nil
	case bool, int64, float64:
		return text(v), nil
	}
	var b strings.Builder
	if !sprint(&b, v) {
		return "", tooLong("the text of an array or map", b.Len())
	}
	return b.String(), nil
}

// sprint writes v to b as fmt.Sprint would (a nested nil is <nil>),
// numbers as text writes them. It stops, returning false, once b holds
// more than MaxTextBytes.
func sprint(b *strings.Builder, v any) bool {
	v = fromGo(v)
	switch v := v.(type) {
	case nil, keyword:
		b.WriteString("<nil>")
	case string:
		if b.Len()+len(v) > MaxTextBytes {
			return false
		}
		b.WriteString(v)
	case bool, int64, float64:
		b.WriteString(text(v))
	case rangeValue:
		b.WriteString("{" + strconv.FormatInt(v.lo, 10) + " " + strconv.FormatInt(v.hi, 10) + "}")
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			if !sprint(b, x) {
				return false
			}
		}
		b.WriteByte(']')
	case map[string]any:
		if b.Len()+4+2*len(v) > MaxTextBytes { // map[], and : and a space an entry at least
			return false
		}
		b.WriteString("map[")
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.WriteByte(' ')
			}
			if b.Len()+len(k) > MaxTextBytes {
				return false
			}
			b.WriteString(k)
			b.WriteByte(':')
			if !sprint(b, v[k]) {
				return false
			}
		}
		b.WriteByte(']')
	}
	return b.Len() <= MaxTextBytes
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// argInt reads a filter's integer argument as osteele/liquid converts
// one: a number truncated, a text written as an integer, true as 1 and
// false as 0, nil as 0; anything else is an error. It is clamped to
// ±2^62, so that arithmetic on it cannot wrap.
func argInt(name string, v any) (int, error) {
	v = fromGo(v)
	const limit = 1 << 62
	switch v := v.(type) {
	case nil, keyword:
		return 0, nil
	case int64:
		return int(max(min(v, limit), -limit)), nil
	case float64:
		if math.IsNaN(v) {
			return 0, nil
		}
		return int(max(min(v, limit), -limit)), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return int(max(min(n, limit), -limit)), nil
		}
	}
	return 0, errorf(CodeRender, "%s: %s is not an integer", name, describeValue(v))
}

// argList reads v as osteele/liquid converts a filter's array input: nil
// is empty, an array is itself, a range its integers, a map its values (in
// the order of their keys, where osteele/liquid takes Go's random order).
// Anything else is an error. A list built here (of a range or a map) is
// accounted for.
func argList(s *state, name string, v any) ([]any, error) {
	switch v := v.(type) {
	case nil, keyword:
		return nil, nil
	case []any:
		return v, nil
	case rangeValue:
		return rangeItems(s, name, v, 0, v.len())
	case map[string]any:
		if err := s.items(name, len(v)); err != nil {
			return nil, err
		}
		out := make([]any, 0, len(v))
		for _, k := range sortedKeys(v) {
			out = append(out, v[k])
		}
		return out, nil
	}
	return nil, errorf(CodeRender, "%s: %s is not an array", name, describeValue(v))
}

// listAndKey reads what map, where and sum (name) take: the input as an
// array and the property name their first argument gives ("" when left
// out).
func listAndKey(s *state, name string, in any, args []any) ([]any, string, error) {
	list, err := argList(s, name, in)
	if err != nil {
		return nil, "", err
	}
	key, err := argText(argAt(args, 0))
	if err != nil {
		return nil, "", err
	}
	return list, key, nil
}

// rangeItems builds the integers of r from its i-th to before its j-th,
// accounting for the list.
func rangeItems(s *state, name string, r rangeValue, i, j int64) ([]any, error) {
	n := j - i
	if n > MaxListItems {
		n = MaxListItems + 1 // refused by items
	}
	if err := s.items(name, int(n)); err != nil {
		return nil, err
	}
	out := make([]any, 0, n)
	for k := i; k < j; k++ {
		out = append(out, r.lo+k)
	}
	return out, nil
}

// operand reads an operand of arithmetic as Twilio does: a number, or a
// text holding one (whitespace around it included, see number); anything
// else is 0, a float, as osteele/liquid reads it.
func operand(v any) any {
	if n, ok := number(v); ok {
		return n
	}
	return 0.0
}

// intOperand is operand(v) when that is an integer, read without boxing
// it (a counter's text, "41", is the common case).
func intOperand(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case string:
		s := strings.TrimSpace(v)
		if s == "" || len(s) > 64 {
			return 0, false
		}
		i, err := strconv.ParseInt(s, 10, 64)
		return i, err == nil
	}
	i, ok := operand(v).(int64)
	return i, ok
}

// floatOf reads v as osteele/liquid's sum and pluralize do: a number, or a
// text strconv.ParseFloat reads; anything else is 0.
func floatOf(v any) float64 {
	v = fromGo(v)
	if str, ok := v.(string); ok {
		if f, err := strconv.ParseFloat(str, 64); err == nil {
			return f
		}
		return 0
	}
	return asFloat(v)
}

// describeValue names v in an error message.
func describeValue(v any) string {
	v = fromGo(v)
	switch v := v.(type) {
	case nil, keyword:
		return "nil"
	case string:
		if len(v) > 40 {
			v = strings.ToValidUTF8(v[:40], "") + "..."
		}
		return strconv.Quote(v)
	case bool, int64, float64:
		return text(v)
	case []any:
		return "an array"
	case map[string]any:
		return "a map"
	case rangeValue:
		return "a range"
	}
	return "a value"
}

// tooLong is the error of a text of n bytes, past MaxTextBytes, that what
// would make.
func tooLong(what string, n int) *Error {
	return errorf(CodeBudget, "%s would make a text of %d bytes; at most %d are allowed", what, n, MaxTextBytes)
}

// checkSize refuses a text of n bytes past MaxTextBytes, before it is
// built (s.grow accounts for it once built).
func checkSize(what string, n int) error {
	if n > MaxTextBytes || n < 0 { // n < 0: the sum overflowed
		return tooLong(what, n)
	}
	return nil
}

// ---- Values ---------------------------------------------------------------

// filterDefault is default: the argument when the input is nil, false or
// empty (an empty text, array or map); with allow_false: true, false is
// kept.
func filterDefault(s *state, in any, args []any, kw map[string]any) (any, error) {
	def := argAt(args, 0)
	allowFalse, _ := kw["allow_false"].(bool)
	switch v := in.(type) {
	case nil:
		return def, nil
	case bool:
		if !v && !allowFalse {
			return def, nil
		}
	case string:
		if v == "" {
			return def, nil
		}
	case []any:
		if len(v) == 0 {
			return def, nil
		}
	case map[string]any:
		if len(v) == 0 {
			return def, nil
		}
	}
	return in, nil
}

// filterJSON is json: the input as JSON text, nothing when it has none (a
// NaN or an infinity), as osteele/liquid has it.
func filterJSON(s *state, in any, _ []any, _ map[string]any) (any, error) {
	out, err := encodeJSON(s, "json", in, false)
	if err != nil && CodeOf(err) != CodeBudget {
		return "", nil
	}
	return out, err
}

// filterToJSON is to_json, Twilio's: the input as JSON text; a value with
// none (a NaN or an infinity) is an error.
func filterToJSON(s *state, in any, _ []any, _ map[string]any) (any, error) {
	return encodeJSON(s, "to_json", in, false)
}

// filterInspect is inspect (Jekyll's): the input as JSON text, NaN and
// infinities written as Go writes them.
func filterInspect(s *state, in any, _ []any, _ map[string]any) (any, error) {
	return encodeJSON(s, "inspect", in, true)
}

// encodeJSON writes v as encoding/json does (HTML characters escaped, map
// keys sorted, a range as its integers), refusing a text past MaxTextBytes
// as soon as it passes it. lenient writes NaN and infinities as Go does
// instead of failing.
func encodeJSON(s *state, what string, v any, lenient bool) (string, error) {
	e := jsonEncoder{what: what, lenient: lenient}
	if err := e.value(v); err != nil {
		return "", err
	}
	if err := s.grow(what, len(e.buf)); err != nil {
		return "", err
	}
	return string(e.buf), nil
}

// jsonEncoder writes JSON text into buf.
type jsonEncoder struct {
	buf     []byte
	what    string
	lenient bool
}

// value appends v.
func (e *jsonEncoder) value(v any) error {
	switch v := v.(type) {
	case nil, keyword:
		e.buf = append(e.buf, "null"...)
	case bool:
		e.buf = strconv.AppendBool(e.buf, v)
	case int64:
		e.buf = strconv.AppendInt(e.buf, v, 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if !e.lenient {
				return errorf(CodeRender, "%s: %s has no JSON text", e.what, text(v))
			}
			e.buf = append(e.buf, text(v)...)
			break
		}
		data, _ := json.Marshal(v)
		e.buf = append(e.buf, data...)
	case string:
		return e.str(v)
	case []any:
		if v == nil {
			e.buf = append(e.buf, "null"...)
			break
		}
		e.buf = append(e.buf, '[')
		for i, x := range v {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.value(x); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case map[string]any:
		return e.object(v)
	case rangeValue:
		e.buf = append(e.buf, '[')
		for i := int64(0); i < v.len() && len(e.buf) <= MaxTextBytes; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = strconv.AppendInt(e.buf, v.lo+i, 10)
		}
		e.buf = append(e.buf, ']')
	default:
		// A host's value of another Go type (a struct, a time, a
		// []string): encoding/json writes it, or it is refused, never
		// written as nothing.
		data, err := json.Marshal(v)
		if err != nil {
			return errorf(CodeRender, "%s: cannot encode a %T: %v", e.what, v, err)
		}
		e.buf = append(e.buf, data...)
	}
	if len(e.buf) > MaxTextBytes {
		return tooLong(e.what, len(e.buf))
	}
	return nil
}

// object appends a map, its keys sorted as encoding/json sorts them.
func (e *jsonEncoder) object(m map[string]any) error {
	if m == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if n := len(e.buf) + 5*len(m) + 1; n > MaxTextBytes { // "":0, at least per entry
		return tooLong(e.what, n)
	}
	e.buf = append(e.buf, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.str(k); err != nil {
			return err
		}
		e.buf = append(e.buf, ':')
		if err := e.value(m[k]); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// str appends a JSON string, refusing one that would take the text past
// MaxTextBytes before encoding it.
func (e *jsonEncoder) str(s string) error {
	if n := len(e.buf) + len(s) + 2; n > MaxTextBytes {
		return tooLong(e.what, n)
	}
	data, _ := json.Marshal(s) // a string always encodes
	e.buf = append(e.buf, data...)
	if len(e.buf) > MaxTextBytes {
		return tooLong(e.what, len(e.buf))
	}
	return nil
}

// filterType is type: the Go type osteele/liquid gives the input (an
// integer is an int there).
func filterType(s *state, in any, _ []any, _ map[string]any) (any, error) {
	in = fromGo(in)
	switch in.(type) {
	case bool:
		return "bool", nil
	case string:
		return "string", nil
	case int64:
		return "int", nil
	case float64:
		return "float64", nil
	case []any:
		return "[]interface {}", nil
	case map[string]any:
		return "map[string]interface {}", nil
	case rangeValue:
		return "values.Range", nil
	}
	return "<nil>", nil
}

// filterSize is size: the characters of a text, the elements of an array
// or a range. A map's size is 0, as osteele/liquid has it (its size
// property is its number of entries).
func filterSize(s *state, in any, _ []any, _ map[string]any) (any, error) {
	switch v := in.(type) {
	case string:
		if err := s.work(len(v) >> 6); err != nil {
			return nil, err
		}
		return size(v), nil
	case []any, rangeValue:
		return size(v), nil
	}
	return int64(0), nil
}

// ---- Arrays ---------------------------------------------------------------

// filterCompact is compact: the array without its nil elements.
func filterCompact(s *state, in any, _ []any, _ map[string]any) (any, error) {
	list, err := argList(s, "compact", in)
	if err != nil {
		return nil, err
	}
	if err := s.work(len(list)); err != nil {
		return nil, err
	}
	n := 0
	for _, x := range list {
		if x != nil {
			n++
		}
	}
	if err := s.items("compact", n); err != nil {
		return nil, err
	}
	var out []any // nil when empty, as osteele/liquid has it (to_json: null)
	for _, x := range list {
		if x != nil {
			out = append(out, x)
		}
	}
	return out, nil
}

// filterConcat is concat: the array followed by the argument's elements.
func filterConcat(s *state, in any, args []any, _ map[string]any) (any, error) {
	a, err := argList(s, "concat", in)
	if err != nil {
		return nil, err
	}
	b, err := argList(s, "concat", argAt(args, 0))
	if err != nil {
		return nil, err
	}
	if err := s.items("concat", len(a)+len(b)); err != nil {
		return nil, err
	}
	return append(append(make([]any, 0, len(a)+len(b)), a...), b...), nil
}

// filterJoin is join: the texts of the elements (nil ones left out) with
// the argument (" " when left out) between them. As the runtime had it,
// the input must be an array (or a range): a map is an error.
func filterJoin(s *state, in any, args []any, _ map[string]any) (any, error) {
	if _, isMap := in.(map[string]any); isMap {
		return nil, errorf(CodeRender, "join: a map is not an array")
	}
	list, err := argList(s, "join", in)
	if err != nil {
		return nil, err
	}
	sep := " "
	if len(args) > 0 {
		if sep, err = argText(args[0]); err != nil {
			return nil, err
		}
	}
	if err := s.work(len(list)); err != nil {
		return nil, err
	}
	var b strings.Builder
	glue := "" // sep from the second element on
	for _, x := range list {
		if x == nil {
			continue
		}
		t, err := argText(x)
		if err != nil {
			return nil, err
		}
		if err := checkSize("join", b.Len()+len(glue)+len(t)); err != nil {
			return nil, err
		}
		b.WriteString(glue)
		b.WriteString(t)
		glue = sep
	}
	if err := s.grow("join", b.Len()); err != nil {
		return nil, err
	}
	return b.String(), nil
}

// filterMap is map: the property named by the argument of each element
// (what item.name gives).
func filterMap(s *state, in any, args []any, _ map[string]any) (any, error) {
	list, key, err := listAndKey(s, "map", in, args)
	if err != nil {
		return nil, err
	}
	if err := s.items("map", len(list)); err != nil {
		return nil, err
	}
	var out []any // nil when empty, as osteele/liquid has it (to_json: null)
	for _, x := range list {
		out = append(out, property(x, key))
	}
	return out, nil
}

// filterReverse is reverse: the elements in reverse order.
func filterReverse(s *state, in any, _ []any, _ map[string]any) (any, error) {
	list, err := argList(s, "reverse", in)
	if err != nil {
		return nil, err
	}
	if err := s.items("reverse", len(list)); err != nil {
		return nil, err
	}
	out := make([]any, len(list))
	for i, x := range list {
		out[len(out)-1-i] = x
	}
	return out, nil
}

// edgeFilter is first or last (name): that element of an array or a
// range, nil for an empty one; a map's values in key order count as its
// elements, as argList reads them.
func edgeFilter(name string) filterFunc {
	return func(s *state, in any, _ []any, _ map[string]any) (any, error) {
		switch in.(type) {
		case []any, rangeValue:
			return property(in, name), nil
		}
		list, err := argList(s, name, in)
		if err != nil {
			return nil, err
		}
		return property(list, name), nil
	}
}

// filterSort is sort: the elements in order, or, given a property name,
// the maps in the order of that property (those without it first). Values
// compare as osteele/liquid compares them (numbers with numbers, texts with
// texts, false before true; other pairs are neither less nor greater), and
// the sort is the same as its, so ties and mixed types come out in the same
// order.
func filterSort(s *state, in any, args []any, _ map[string]any) (any, error) {
	list, err := sortInput(s, "sort", in)
	if err != nil {
		return nil, err
	}
	keys := make([]any, len(list))
	less := osteeleLess
	if key := argAt(args, 0); key == nil {
		copy(keys, list)
	} else {
		name, err := argText(key)
		if err != nil {
			return nil, err
		}
		for i, x := range list {
			if m, ok := x.(map[string]any); ok {
				keys[i] = m[name]
			}
		}
		less = nilFirst
	}
	sort.Sort(sorting[any]{list, keys, less})
	return list, nil
}

// sortInput returns a copy of the array in to sort, having accounted for
// it and for the sort's work (n·log2 n).
func sortInput(s *state, name string, in any) ([]any, error) {
	list, err := argList(s, name, in)
	if err != nil {
		return nil, err
	}
	if err := s.items(name, len(list)); err != nil {
		return nil, err
	}
	if err := s.work(len(list) * bits.Len(uint(len(list)))); err != nil {
		return nil, err
	}
	return append(make([]any, 0, len(list)), list...), nil
}

// sorting sorts items by their keys with sort.Sort, the sort
// osteele/liquid uses (not stable: ties come out as they do there).
type sorting[K any] struct {
	items []any
	keys  []K
	less  func(a, b K) bool
}

// Len is the number of items.
func (x sorting[K]) Len() int { return len(x.items) }

// Less compares the keys of items i and j.
func (x sorting[K]) Less(i, j int) bool { return x.less(x.keys[i], x.keys[j]) }

// Swap swaps items i and j, and their keys.
func (x sorting[K]) Swap(i, j int) {
	x.items[i], x.items[j] = x.items[j], x.items[i]
	x.keys[i], x.keys[j] = x.keys[j], x.keys[i]
}

// osteeleLess is osteele/liquid's <: numbers with numbers, texts with
// texts (by bytes), false before true; any other pair, nil included, is
// not less. (The template's < also reads a text holding a number as that
// number; sort does not.)
func osteeleLess(a, b any) bool {
	a, b = fromGo(a), fromGo(b)
	switch a := a.(type) {
	case bool:
		if b, ok := b.(bool); ok {
			return !a && b
		}
	case int64:
		switch b := b.(type) {
		case int64:
			return a < b
		case float64:
			return float64(a) < b
		}
	case float64:
		switch b := b.(type) {
		case int64:
			return a < float64(b)
		case float64:
			return a < b
		}
	case string:
		if b, ok := b.(string); ok {
			return a < b
		}
	}
	return false
}

// nilFirst is osteeleLess with nil before anything else.
func nilFirst(a, b any) bool {
	switch {
	case a == nil:
		return b != nil
	case b == nil:
		return false
	}
	return osteeleLess(a, b)
}

// filterSortNatural is sort_natural: texts in order whatever their case;
// given a property name, maps in the order of that property's text (lower
// cased; "" for a missing or non-text one). Without one, an array whose
// first element is not a text is left in its order, and one that starts
// with a text must hold only texts (osteele/liquid panics on the others).
func filterSortNatural(s *state, in any, args []any, _ map[string]any) (any, error) {
	list, err := sortInput(s, "sort_natural", in)
	if err != nil || len(list) == 0 {
		return list, err
	}
	keys, keyBytes := make([]string, len(list)), 0
	if key := argAt(args, 0); key != nil {
		name, err := argText(key)
		if err != nil {
			return nil, err
		}
		for i, x := range list {
			if m, ok := x.(map[string]any); ok {
				if t, ok := m[name].(string); ok {
					keys[i] = strings.ToLower(t)
					keyBytes += len(t)
				}
			}
		}
	} else {
		if _, ok := list[0].(string); !ok {
			if list[0] == nil {
				return nil, errorf(CodeRender, "sort_natural: the array starts with nil")
			}
			return list, nil
		}
		for i, x := range list {
			t, ok := x.(string)
			if !ok {
				return nil, errorf(CodeRender, "sort_natural: %s is not a text, in an array of texts", describeValue(x))
			}
			keys[i] = strings.ToUpper(t)
			keyBytes += len(t)
		}
	}
	if err := s.work(len(list) + keyBytes>>6); err != nil { // the keys
		return nil, err
	}
	sort.Sort(sorting[string]{list, keys, func(a, b string) bool { return a < b }})
	return list, nil
}

// filterUniq is uniq: the array without its repeated elements, the first of
// each kept. Elements are the same as osteele/liquid has it: of the same
// type and equal (1 and 1.0, 1 and "1" differ), arrays and maps deeply.
func filterUniq(s *state, in any, _ []any, _ map[string]any) (any, error) {
	list, err := argList(s, "uniq", in)
	if err != nil {
		return nil, err
	}
	if err := s.work(len(list)); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(list))
	var out []any // nil when empty, as osteele/liquid has it (to_json: null)
	k := keyer{max: MaxRenderOps}
	for _, x := range list {
		k.buf, k.nodes = k.buf[:0], 0
		done := k.key(x)
		if err := s.work(k.nodes + len(k.buf)>>6); err != nil {
			return nil, err
		}
		if !done {
			return nil, errorf(CodeBudget, "uniq: an element is larger than a render may go through")
		}
		if seen[string(k.buf)] {
			continue
		}
		seen[string(k.buf)] = true
		out = append(out, x)
	}
	if err := s.items("uniq", len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// keyer makes keys of values that are the same for two values if and
// only if they are of the same type and equal, arrays and maps deeply (as
// reflect.DeepEqual has it).
type keyer struct {
	buf []byte
	// nodes counts the values gone through; key gives up past max.
	nodes, max int
}

// key appends the key of v to buf, reporting false if it gave up.
func (k *keyer) key(v any) bool {
	v = fromGo(v)
	if k.nodes++; k.nodes > k.max {
		return false
	}
	b := k.buf
	switch v := v.(type) {
	case nil, keyword:
		b = append(b, 'n')
	case bool:
		if v {
			b = append(b, 't')
		} else {
			b = append(b, 'f')
		}
	case int64:
		b = append(strconv.AppendInt(append(b, 'i'), v, 10), ';')
	case float64:
		if v == 0 {
			v = 0 // -0 == 0
		}
		b = append(strconv.AppendUint(append(b, 'd'), math.Float64bits(v), 16), ';')
	case string:
		b = append(append(strconv.AppendInt(append(b, 's'), int64(len(v)), 10), ':'), v...)
	case rangeValue:
		b = strconv.AppendInt(append(b, 'r'), v.lo, 10)
		b = append(strconv.AppendInt(append(b, ','), v.hi, 10), ';')
	case []any:
		if v == nil {
			k.buf = append(b, 'N')
			return true
		}
		k.buf = append(strconv.AppendInt(append(b, 'a'), int64(len(v)), 10), '[')
		for _, x := range v {
			if !k.key(x) {
				return false
			}
		}
		k.buf = append(k.buf, ']')
		return true
	case map[string]any:
		if v == nil {
			k.buf = append(b, 'M')
			return true
		}
		k.buf = append(strconv.AppendInt(append(b, 'm'), int64(len(v)), 10), '{')
		for _, key := range sortedKeys(v) {
			if !k.key(key) || !k.key(v[key]) {
				return false
			}
		}
		k.buf = append(k.buf, '}')
		return true
	default:
		b = append(b, '?')
	}
	k.buf = b
	return true
}

// filterWhere is where: with one argument, the elements whose property of
// that name is neither nil nor false; with two, those whose property
// equals the second (==, which reads a text holding a number as that
// number when compared with a number, and knows empty and blank).
func filterWhere(s *state, in any, args []any, _ map[string]any) (any, error) {
	list, key, err := listAndKey(s, "where", in, args)
	if err != nil {
		return nil, err
	}
	if err := s.work(len(list)); err != nil {
		return nil, err
	}
	var out []any // nil when empty, as osteele/liquid has it (to_json: null)
	for _, x := range list {
		p := property(x, key)
		if len(args) < 2 && truthy(p) || len(args) == 2 && equal(p, args[1]) {
			out = append(out, x)
		}
	}
	if err := s.items("where", len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// filterSum is sum: the sum of the elements, or of their property named by
// the argument. Integers add up to an integer; from the first element that
// is not one (or a sum past int64, where osteele/liquid wraps), the sum is
// a float, texts read by strconv.ParseFloat and anything else as 0.
func filterSum(s *state, in any, args []any, _ map[string]any) (any, error) {
	list, key, err := listAndKey(s, "sum", in, args)
	if err != nil {
		return nil, err
	}
	if err := s.work(len(list)); err != nil {
		return nil, err
	}
	var ints int64
	var floats float64
	allInts := true
	for _, x := range list {
		if key != "" {
			x = property(x, key)
		}
		x = fromGo(x)
		if allInts {
			if i, ok := x.(int64); ok {
				if r, ok := addInts(ints, i); ok {
					ints = r
					continue
				}
			}
			floats, allInts = float64(ints), false
		}
		floats += floatOf(x)
	}
	if allInts {
		return ints, nil
	}
	return floats, nil
}

// filterSlice is slice: of a text, the characters from the first argument
// (from the end when negative) on, as many as the second says (1 when left
// out); of an array, the elements. Anything else gives nil. A negative
// count gives nothing (osteele/liquid panics).
func filterSlice(s *state, in any, args []any, _ map[string]any) (any, error) {
	start, err := argInt("slice", argAt(args, 0))
	if err != nil {
		return nil, err
	}
	count := func() (int, error) {
		if len(args) < 2 {
			return 1, nil
		}
		return argInt("slice", args[1])
	}
	switch v := in.(type) {
	case string:
		n, err := count()
		if err != nil {
			return nil, err
		}
		if err := s.work(len(v) >> 6); err != nil {
			return nil, err
		}
		lo, hi := sliceBounds(utf8.RuneCountInString(v), start, n)
		out, err := runeSlice("slice", v, lo, hi)
		if err != nil {
			return nil, err
		}
		return out, s.grow("slice", len(out))
	case rangeValue:
		n, err := count()
		if err != nil {
			return nil, err
		}
		length := v.len()
		if length > math.MaxInt {
			length = math.MaxInt
		}
		lo, hi := sliceBounds(int(length), start, n)
		return rangeItems(s, "slice", v, int64(lo), int64(hi))
	case []any, map[string]any:
		list, err := argList(s, "slice", v)
		if err != nil {
			return nil, err
		}
		n, err := count()
		if err != nil {
			return nil, err
		}
		lo, hi := sliceBounds(len(list), start, n)
		if err := s.items("slice", hi-lo); err != nil {
			return nil, err
		}
		return append(make([]any, 0, hi-lo), list[lo:hi]...), nil
	}
	return nil, nil
}

// sliceBounds returns the bounds of n elements from start (from the end
// when negative) of length ones, within them.
func sliceBounds(length, start, n int) (lo, hi int) {
	if start < 0 {
		start = max(length+start, 0)
	}
	lo = min(start, length)
	if n <= 0 {
		return lo, lo
	}
	if n > length-lo {
		return lo, length
	}
	return lo, lo + n
}

// runeSlice returns the characters of s from the i-th to before the j-th
// (0 <= i, j <= the number of characters), each byte that is not UTF-8
// becoming U+FFFD, as Go's string([]rune(s)[i:j]) does.
func runeSlice(what, s string, i, j int) (string, error) {
	if i >= j {
		return "", nil
	}
	lo, hi, bad := len(s), len(s), 0
	for k, at := 0, 0; at < len(s); k++ {
		if k == i {
			lo = at
		}
		if k == j {
			hi = at
			break
		}
		r, n := utf8.DecodeRuneInString(s[at:])
		if r == utf8.RuneError && n == 1 && k >= i {
			bad++
		}
		at += n
	}
	if bad == 0 {
		return s[lo:hi], nil
	}
	if err := checkSize(what, hi-lo+2*bad); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, r := range s[lo:hi] {
		b.WriteRune(r) // an invalid byte ranges as U+FFFD
	}
	return b.String(), nil
}

// ---- Numbers --------------------------------------------------------------

// arithFilter is an arithmetic filter: integer arithmetic when both
// operands are integers and ints reports that the result fits, float
// arithmetic otherwise (never a wrapped integer).
func arithFilter(ints func(a, b int64) (int64, bool), floats func(a, b float64) float64) filter {
	return filter{0, 1, func(s *state, in any, args []any, _ map[string]any) (any, error) {
		if x, ok := intOperand(in); ok {
			if y, ok := intOperand(argAt(args, 0)); ok {
				if r, ok := ints(x, y); ok {
					return r, nil
				}
			}
		}
		return floats(asFloat(operand(in)), asFloat(operand(argAt(args, 0)))), nil
	}}
}

// addInts is a+b, ok false when it overflows.
func addInts(a, b int64) (int64, bool) {
	r := a + b
	return r, (r > a) == (b > 0)
}

// subInts is a-b, ok false when it overflows.
func subInts(a, b int64) (int64, bool) {
	r := a - b
	return r, (r < a) == (b > 0)
}

// mulInts is a*b, ok false when it overflows.
func mulInts(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	r := a * b
	return r, r/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64)
}

// filterDividedBy is divided_by: an integer divisor gives the integer
// quotient, truncated (a float when it is past int64); a float divisor the
// float quotient. Dividing by 0 is an error.
func filterDividedBy(s *state, in any, args []any, _ map[string]any) (any, error) {
	a, b := operand(in), operand(argAt(args, 0))
	if asFloat(b) == 0 {
		return nil, errorf(CodeRender, "divided_by: %s divided by 0", text(a))
	}
	ib, intDivisor := b.(int64)
	if !intDivisor {
		return asFloat(a) / asFloat(b), nil
	}
	if ia, ok := a.(int64); ok && !(ia == math.MinInt64 && ib == -1) {
		return ia / ib, nil
	}
	return integral(math.Trunc(asFloat(a) / float64(ib))), nil
}

// filterModulo is modulo: the remainder of the truncated division (of the
// sign of the input, as Go's % and math.Mod have it), an integer for
// integers. Modulo 0 is an error.
func filterModulo(s *state, in any, args []any, _ map[string]any) (any, error) {
	a, b := operand(in), operand(argAt(args, 0))
	if asFloat(b) == 0 {
		return nil, errorf(CodeRender, "modulo: %s modulo 0", text(a))
	}
	if ia, ok := a.(int64); ok {
		if ib, ok := b.(int64); ok {
			return ia % ib, nil // MinInt64 % -1 is 0 in Go
		}
	}
	return math.Mod(asFloat(a), asFloat(b)), nil
}

// boundFilter is at_least (least) or at_most: the input, or the argument
// when the input is past it; integers give an integer, anything else a
// float.
func boundFilter(least bool) filterFunc {
	return func(s *state, in any, args []any, _ map[string]any) (any, error) {
		a, b := operand(in), operand(argAt(args, 0))
		past := func(c int) bool { return least && c < 0 || !least && c > 0 }
		if x, ok := a.(int64); ok {
			if y, ok := b.(int64); ok {
				if past(compareNumbers(x, y)) {
					return y, nil
				}
				return x, nil
			}
		}
		x, y := asFloat(a), asFloat(b)
		if past(compareNumbers(x, y)) {
			return y, nil
		}
		return x, nil
	}
}

// mathInput reads the input of abs, ceil, floor and round: a number or a
// text holding one (as Twilio reads it), nil as 0; anything else is an
// error, as osteele/liquid cannot read it as a float.
func mathInput(name string, v any) (any, error) {
	if v == nil {
		return 0.0, nil
	}
	if n, ok := number(v); ok {
		return n, nil
	}
	return nil, errorf(CodeRender, "%s: %s is not a number", name, describeValue(v))
}

// integral returns f, a whole number, as an int64 when it fits, as itself
// otherwise (never a wrapped integer).
func integral(f float64) any {
	if f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f)
	}
	return f
}

// filterAbs is abs: the absolute value, an integer for an integer.
func filterAbs(s *state, in any, _ []any, _ map[string]any) (any, error) {
	n, err := mathInput("abs", in)
	if err != nil {
		return nil, err
	}
	if i, ok := n.(int64); ok {
		if i >= 0 {
			return i, nil
		}
		if i != math.MinInt64 {
			return -i, nil
		}
	}
	return math.Abs(asFloat(n)), nil
}

// roundingFilter is ceil or floor (round is f): an integer, or a float when
// the result is past int64.
func roundingFilter(name string, round func(float64) float64) filterFunc {
	return func(s *state, in any, _ []any, _ map[string]any) (any, error) {
		n, err := mathInput(name, in)
		if err != nil {
			return nil, err
		}
		if i, ok := n.(int64); ok {
			return i, nil
		}
		return integral(round(asFloat(n))), nil
	}
}

// filterRound is round: the input rounded to as many decimal places as the
// argument says (0 when left out; negative rounds to tens, hundreds...),
// halves up (-2.5 gives -2), as osteele/liquid rounds: a float, or the
// integer itself for an integer and places of 0 or more. A float with no
// digits at that precision is itself (osteele/liquid can give NaN or move
// an integer past 2^52).
func filterRound(s *state, in any, args []any, _ map[string]any) (any, error) {
	n, err := mathInput("round", in)
	if err != nil {
		return nil, err
	}
	places, err := argInt("round", argAt(args, 0))
	if err != nil {
		return nil, err
	}
	if i, ok := n.(int64); ok && places >= 0 {
		return i, nil
	}
	f := asFloat(n)
	exp := math.Pow10(max(min(places, 400), -400))
	if exp == 0 {
		return 0.0, nil
	}
	if scaled := f * exp; math.IsInf(scaled, 0) || math.IsNaN(scaled) || math.Abs(scaled) >= 1<<52 {
		return f, nil
	}
	return math.Floor(f*exp+0.5) / exp, nil
}

// ---- Texts ----------------------------------------------------------------

// textFunc is a filter of texts: in is the input's text and args the
// arguments' (as argText reads them; "" for those left out). It returns
// the result, refusing before it builds it one that could be far larger
// than its input.
type textFunc func(in string, args []string) (string, error)

// textFilter makes the filter name of f, which takes up to maxArgs
// arguments: walking the input costs work, and the result is accounted
// (refused past MaxTextBytes).
func textFilter(name string, maxArgs int, f textFunc) filter {
	return filter{0, maxArgs, func(s *state, in any, args []any, _ map[string]any) (any, error) {
		t, err := argText(in)
		if err != nil {
			return nil, err
		}
		texts := make([]string, maxArgs)
		for i, a := range args {
			if texts[i], err = argText(a); err != nil {
				return nil, err
			}
		}
		if err := s.work(len(t) >> 6); err != nil {
			return nil, err
		}
		out, err := f(t, texts)
		if err != nil {
			return nil, err
		}
		if err := s.grow(name, len(out)); err != nil {
			return nil, err
		}
		return out, nil
	}}
}

// appendText is append: the input followed by the argument.
func appendText(in string, a []string) (string, error) { return concatText("append", in, a[0]) }

// prependText is prepend: the argument followed by the input.
func prependText(in string, a []string) (string, error) { return concatText("prepend", a[0], in) }

// remove is remove: the input without the argument's matches.
func remove(in string, a []string) (string, error) { return strings.ReplaceAll(in, a[0], ""), nil }

// removeFirst is remove_first: the input without the argument's first
// match.
func removeFirst(in string, a []string) (string, error) { return strings.Replace(in, a[0], "", 1), nil }

// removeLast is remove_last: the input without the argument's last match.
func removeLast(in string, a []string) (string, error) {
	return replaceLast("remove_last", in, a[0], "")
}

// replace is replace: every match of the first argument replaced by the
// second.
func replace(in string, a []string) (string, error) {
	return replaceText("replace", in, a[0], a[1], -1)
}

// replaceFirst is replace_first: the first match of the first argument
// replaced by the second.
func replaceFirst(in string, a []string) (string, error) {
	return replaceText("replace_first", in, a[0], a[1], 1)
}

// replaceLastText is replace_last: the last match of the first argument
// replaced by the second.
func replaceLastText(in string, a []string) (string, error) {
	return replaceLast("replace_last", in, a[0], a[1])
}

// newlineToBr is newline_to_br: every newline replaced by <br /> (the
// newline is not kept, as osteele/liquid has it).
func newlineToBr(in string, _ []string) (string, error) {
	return replaceText("newline_to_br", in, "\n", "<br />", -1)
}

// stripNewlines is strip_newlines: the input without its newlines (\n).
func stripNewlines(in string, _ []string) (string, error) {
	return strings.ReplaceAll(in, "\n", ""), nil
}

// strip is strip: the input without white space at either end.
func strip(in string, _ []string) (string, error) { return strings.TrimSpace(in), nil }

// lstrip is lstrip: the input without white space at its start.
func lstrip(in string, _ []string) (string, error) {
	return strings.TrimLeftFunc(in, unicode.IsSpace), nil
}

// rstrip is rstrip: the input without white space at its end.
func rstrip(in string, _ []string) (string, error) {
	return strings.TrimRightFunc(in, unicode.IsSpace), nil
}

// stripHTML is strip_html: the input without its tags (<...> within a
// line).
func stripHTML(in string, _ []string) (string, error) { return htmlTag.ReplaceAllString(in, ""), nil }

// escape is escape: the input with <, >, &, ' and " escaped for HTML.
func escape(in string, _ []string) (string, error) { return escapeHTML("escape", in) }

// escapeOnce is escape_once: escape, leaving what is already escaped as it
// is (the input is unescaped first).
func escapeOnce(in string, _ []string) (string, error) {
	return escapeHTML("escape_once", html.UnescapeString(in))
}

// concatText is a+b, refused past MaxTextBytes.
func concatText(what, a, b string) (string, error) {
	if err := checkSize(what, len(a)+len(b)); err != nil {
		return "", err
	}
	return a + b, nil
}

// replaceText replaces the first n matches of old in s (all when n < 0;
// an empty old matches before every character and at the end) with new,
// refusing a result past MaxTextBytes before building it.
func replaceText(what, s, old, new string, n int) (string, error) {
	if len(new) > len(old) {
		count := strings.Count(s, old)
		if n >= 0 {
			count = min(count, n)
		}
		if count > 0 && (len(new) > MaxTextBytes || count > MaxTextBytes) {
			return "", tooLong(what, len(s)+count*(len(new)-len(old)))
		}
		if err := checkSize(what, len(s)+count*(len(new)-len(old))); err != nil {
			return "", err
		}
	}
	return strings.Replace(s, old, new, n), nil
}

// replaceLast replaces the last match of old in s with new.
func replaceLast(what, s, old, new string) (string, error) {
	i := strings.LastIndex(s, old)
	if i < 0 {
		return s, nil
	}
	if err := checkSize(what, len(s)-len(old)+len(new)); err != nil {
		return "", err
	}
	return s[:i] + new + s[i+len(old):], nil
}

// caseMapping is upcase or downcase: strings.ToUpper or ToLower, whose
// result is sized first (a character may grow; a byte that is not UTF-8
// becomes U+FFFD).
func caseMapping(what string, r func(rune) rune, f func(string) string) textFunc {
	return func(in string, _ []string) (string, error) {
		if err := checkSize(what, mappedLen(in, r)); err != nil {
			return "", err
		}
		return f(in), nil
	}
}

// mappedLen is the length of strings.Map(f, s).
func mappedLen(s string, f func(rune) rune) int {
	n := 0
	for _, r := range s {
		n += utf8.RuneLen(f(r)) // an invalid byte ranges as U+FFFD
	}
	return n
}

// capitalize is capitalize: the first character upper case, the others
// lower case.
func capitalize(in string, _ []string) (string, error) {
	first, _ := utf8.DecodeRuneInString(in) // U+FFFD for an invalid byte
	lowered := unicode.ToLower(first)
	n := mappedLen(in, unicode.ToLower) - utf8.RuneLen(lowered) + utf8.RuneLen(unicode.ToUpper(lowered))
	if err := checkSize("capitalize", n); err != nil {
		return "", err
	}
	lower := strings.ToLower(in)
	r, size := utf8.DecodeRuneInString(lower)
	if size == 0 {
		return in, nil
	}
	return strings.ToUpper(string(r)) + lower[size:], nil
}

// escapeHTML is html.EscapeString, sized first.
func escapeHTML(what, s string) (string, error) {
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '>':
			n += 3 // &lt; &gt;
		case '&', '\'', '"':
			n += 4 // &amp; &#39; &#34;
		}
	}
	if err := checkSize(what, n); err != nil {
		return "", err
	}
	return html.EscapeString(s), nil
}

// htmlTag is what strip_html removes.
var htmlTag = regexp.MustCompile(`<.*?>`)

// handleTrash is what handleize replaces with a dash.
var handleTrash = regexp.MustCompile(`[^a-z0-9]+`)

// handleize is handleize and handle: lower case, every run of characters
// but a-z and 0-9 a dash, no dash at either end.
func handleize(in string, _ []string) (string, error) {
	if err := checkSize("handleize", mappedLen(in, unicode.ToLower)); err != nil {
		return "", err
	}
	return strings.Trim(handleTrash.ReplaceAllString(strings.ToLower(in), "-"), "-"), nil
}

// urlEncode is url_encode: url.QueryEscape, sized first.
func urlEncode(in string, _ []string) (string, error) {
	n := len(in)
	for i := 0; i < len(in); i++ {
		if c := in[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~ ", c) >= 0) {
			n += 2 // %XX
		}
	}
	if err := checkSize("url_encode", n); err != nil {
		return "", err
	}
	return url.QueryEscape(in), nil
}

// urlDecode is url_decode: url.QueryUnescape; a broken escape is an
// error.
func urlDecode(in string, _ []string) (string, error) {
	out, err := url.QueryUnescape(in)
	if err != nil {
		return "", errorf(CodeRender, "url_decode: %v", err)
	}
	return out, nil
}

// filterPluralize is pluralize: the first argument when the input is 1
// (a text read by strconv.ParseFloat), the second otherwise.
func filterPluralize(s *state, in any, args []any, _ map[string]any) (any, error) {
	i := 1
	if floatOf(in) == 1 {
		i = 0
	}
	out, err := argText(argAt(args, i))
	if err != nil {
		return nil, err
	}
	return out, s.grow("pluralize", len(out))
}

// truncateArgs reads what truncate and truncatewords (name) take: the
// text, the count (defN when left out) and the ellipsis ("..." when left
// out), charging the work of going through the text.
func truncateArgs(s *state, name string, in any, args []any, defN int) (t string, n int, ellipsis string, err error) {
	if t, err = argText(in); err != nil {
		return "", 0, "", err
	}
	n, ellipsis = defN, "..."
	if len(args) > 0 {
		if n, err = argInt(name, args[0]); err != nil {
			return "", 0, "", err
		}
	}
	if len(args) > 1 {
		if ellipsis, err = argText(args[1]); err != nil {
			return "", 0, "", err
		}
	}
	return t, n, ellipsis, s.work(len(t) >> 6)
}

// filterTruncate is truncate: a text of more characters than the first
// argument (50 when left out) cut so that with the ellipsis (the second
// argument, "..." when left out) it has that many.
func filterTruncate(s *state, in any, args []any, _ map[string]any) (any, error) {
	t, n, ellipsis, err := truncateArgs(s, "truncate", in, args, 50)
	if err != nil {
		return nil, err
	}
	out := t
	if chars := utf8.RuneCountInString(t); chars > n {
		keep := min(max(n-utf8.RuneCountInString(ellipsis), 0), chars)
		prefix, err := runeSlice("truncate", t, 0, keep)
		if err != nil {
			return nil, err
		}
		if out, err = concatText("truncate", prefix, ellipsis); err != nil {
			return nil, err
		}
	}
	return out, s.grow("truncate", len(out))
}

// filterTruncateWords is truncatewords: a text of more words than the
// first argument (15 when left out, at least 1) cut to that many, joined
// by a space, and the ellipsis (the second argument, "..." when left out).
func filterTruncateWords(s *state, in any, args []any, _ map[string]any) (any, error) {
	t, n, ellipsis, err := truncateArgs(s, "truncatewords", in, args, 15)
	if err != nil {
		return nil, err
	}
	out := t
	if words, more := firstWords(t, max(n, 1)); more {
		if out, err = concatText("truncatewords", strings.Join(words, " "), ellipsis); err != nil {
			return nil, err
		}
	}
	return out, s.grow("truncatewords", len(out))
}

// firstWords returns the first n words of s (as strings.Fields splits it),
// and whether there are more.
func firstWords(s string, n int) (words []string, more bool) {
	start := -1
	for i, r := range s {
		switch space := unicode.IsSpace(r); {
		case !space && start < 0:
			if len(words) == n {
				return words, true
			}
			start = i
		case space && start >= 0:
			words, start = append(words, s[start:i]), -1
		}
	}
	if start >= 0 {
		if len(words) == n {
			return words, true
		}
		words = append(words, s[start:])
	}
	return words, false
}

// spaces is how split cuts at " " (Ruby's split on whitespace).
var spaces = regexp.MustCompile(`[[:space:]]+`)

// filterSplit is split: the parts of the text between the argument's
// matches (" " matching any run of whitespace, "" every character), the
// empty ones at the end left out.
func filterSplit(s *state, in any, args []any, _ map[string]any) (any, error) {
	t, err := argText(in)
	if err != nil {
		return nil, err
	}
	sep, err := argText(argAt(args, 0))
	if err != nil {
		return nil, err
	}
	if err := s.work(len(t) >> 6); err != nil {
		return nil, err
	}
	if err := s.items("split", splitCount(t, sep)); err != nil {
		return nil, err
	}
	var parts []string
	if sep == " " {
		parts = spaces.Split(t, -1)
	} else {
		parts = strings.Split(t, sep)
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// splitCount is how many parts split makes of t at most.
func splitCount(t, sep string) int {
	switch sep {
	case "":
		return utf8.RuneCountInString(t)
	case " ":
		n := 1
		for i := 0; i < len(t); i++ {
			if isSpaceASCII(t[i]) && (i == 0 || !isSpaceASCII(t[i-1])) {
				n++
			}
		}
		return n
	}
	return strings.Count(t, sep) + 1
}

// isSpaceASCII reports whether c is of [[:space:]].
func isSpaceASCII(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}

// ---- Dates ----------------------------------------------------------------

// filterDate is date: the input (see dateOf) formatted by the argument, a
// strftime format (Ruby's, "%a, %b %d, %y" when left out).
func filterDate(s *state, in any, args []any, _ map[string]any) (any, error) {
	format := "%a, %b %d, %y"
	if len(args) > 0 {
		var err error
		if format, err = argText(args[0]); err != nil {
			return nil, err
		}
	}
	t, err := dateOf(s, in)
	if err != nil {
		return nil, err
	}
	return strftime(s, format, t)
}

// strftimeDirective is a directive of tuesday's strftime (its own
// expression, so that it is cut where tuesday cuts it).
var strftimeDirective = regexp.MustCompile(`%([-_^#0]*)(\d+)?([EO]?)(:{1,3})?([a-zA-Z\+nt%])`)

// strftime formats t as tuesday.Strftime does, one directive at a time, so
// that a text past MaxTextBytes is refused before it is built: a directive
// may ask for any width ("%1000000Y"), which tuesday would pad.
func strftime(s *state, format string, t time.Time) (string, error) {
	if err := s.work(len(format) >> 6); err != nil {
		return "", err
	}
	var b strings.Builder
	last := 0
	write := func(piece string) error {
		if err := checkSize("date", b.Len()+len(piece)); err != nil {
			return err
		}
		b.WriteString(piece)
		return nil
	}
	for _, m := range strftimeDirective.FindAllStringSubmatchIndex(format, -1) {
		if err := write(format[last:m[0]]); err != nil {
			return "", err
		}
		if m[4] >= 0 {
			if w, err := strconv.Atoi(format[m[4]:m[5]]); err != nil || b.Len()+w > MaxTextBytes {
				return "", tooLong("date", b.Len()+max(w, MaxTextBytes+1))
			}
		}
		if err := s.work(1); err != nil {
			return "", err
		}
		piece, err := tuesday.Strftime(format[m[0]:m[1]], t)
		if err != nil {
			return "", errorf(CodeRender, "date: %v", err)
		}
		if err := write(piece); err != nil {
			return "", err
		}
		last = m[1]
	}
	if err := write(format[last:]); err != nil {
		return "", err
	}
	if err := s.grow("date", b.Len()); err != nil {
		return "", err
	}
	return b.String(), nil
}

// dateLayouts are the layouts osteele/liquid reads a date in, in order.
var dateLayouts = []string{
	time.ANSIC, time.UnixDate, time.RubyDate, time.RFC822, time.RFC822Z,
	time.RFC850, time.RFC1123, time.RFC1123Z, time.RFC3339,
	"2006-01-02T15:04:05-07:00",
	"2006-01-02T15:04:05Z",
	"2006-01-02",
	"20060102T150405Z",
	"Mon, 02 Jan 2006 15:04:05 -0700",
	"02 January 2006",
	"02 Jan 2006",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"January 2, 2006",
	"January 2 2006",
	"Jan 2, 2006",
	"Jan 2 2006",
}

// hostZone stands for the host's zone while a date is read:
// osteele/liquid reads a date in the host's zone, and the runtime then made
// its reading not depend on it; reading in this zone gives what it gave
// on a host in UTC, which is what it gave on any host but for zone names.
var hostZone = time.FixedZone("UTC", 0)

// dateZoned recognises a date that ends with its offset (+02:00, -0800) or
// a zone name (PST, CEST).
var dateZoned = regexp.MustCompile(`(?:[+-]\d\d:?\d\d|\b[A-Za-z]{3,5})\s*$`)

// dateOf reads the input of the date filter: "now" and "today" are the
// render's clock (in its zone); an integer, or a text holding one, is a
// Unix time shown in UTC (a float too, truncated); a text is read in the
// layouts osteele/liquid knows, in UTC when it names no zone (or ends in
// Z), keeping its offset when it has one. Anything else, nil included, is
// an error.
func dateOf(s *state, v any) (time.Time, error) {
	v = fromGo(v)
	switch v := v.(type) {
	case string:
		str := strings.TrimSpace(v)
		if str == "now" || str == "today" {
			return s.r.now(), nil
		}
		if n, err := strconv.ParseInt(str, 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
		t, ok := parseDate(str)
		if !ok {
			return time.Time{}, errorf(CodeRender, "date: cannot read %s as a date", describeValue(v))
		}
		if t.Location() == hostZone {
			if dateZoned.MatchString(str) {
				name, offset := t.Zone()
				t = t.In(time.FixedZone(name, offset))
			} else {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
			}
		}
		return t, nil
	case int64:
		return time.Unix(v, 0).UTC(), nil
	case float64:
		return time.Unix(int64(v), 0).UTC(), nil
	case nil:
		return time.Time{}, errorf(CodeRender, "date: no input")
	}
	return time.Time{}, errorf(CodeRender, "date: cannot read %s as a date", describeValue(v))
}

// parseDate reads s in the first of dateLayouts that fits it, in hostZone.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, hostZone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
