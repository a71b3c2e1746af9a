// Package condition evaluates the conditions of Twilio's split-based-on and
// Talkdesk's conditional-statement: equal_to, matches_any_of, regex,
// less_than, is_before_time and the rest, as Twilio documents them (trimmed,
// case-insensitive, numbers only where numbers are compared). Both vendor
// sets compile their conditions here, so they compare alike.
package condition

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/studioflow/studioflow/internal/cache"
	"github.com/studioflow/studioflow/widgets"
)

// Condition types of split-based-on (and of conditional-statement).
const (
	// EqualTo matches when the input equals the value.
	EqualTo = "equal_to"
	// NotEqualTo matches when the input differs from the value.
	NotEqualTo = "not_equal_to"
	// MatchesAnyOf matches when the input equals one item of the
	// comma-separated value.
	MatchesAnyOf = "matches_any_of"
	// DoesNotMatchAnyOf matches when the input equals no item of the
	// comma-separated value.
	DoesNotMatchAnyOf = "does_not_match_any_of"
	// IsBlank matches when the input is empty after trimming; the value
	// is ignored.
	IsBlank = "is_blank"
	// IsNotBlank matches when the input is not empty after trimming; the
	// value is ignored.
	IsNotBlank = "is_not_blank"
	// Regex matches when the value, a Go regular expression written
	// without slashes, matches the whole input.
	Regex = "regex"
	// Contains matches when the input contains the value.
	Contains = "contains"
	// DoesNotContain matches when the input does not contain the value.
	DoesNotContain = "does_not_contain"
	// StartsWith matches when the input starts with the value.
	StartsWith = "starts_with"
	// DoesNotStartWith matches when the input does not start with the
	// value.
	DoesNotStartWith = "does_not_start_with"
	// LessThan matches when the input is a number below the value.
	LessThan = "less_than"
	// GreaterThan matches when the input is a number above the value.
	GreaterThan = "greater_than"
	// IsBeforeTime matches when the input's time of day is before the
	// value (HH:MM).
	IsBeforeTime = "is_before_time"
	// IsAfterTime matches when the input's time of day is after the
	// value (HH:MM).
	IsAfterTime = "is_after_time"
	// IsBeforeDate matches when the input's date is before the value
	// (YYYY-MM-DD).
	IsBeforeDate = "is_before_date"
	// IsAfterDate matches when the input's date is after the value
	// (YYYY-MM-DD).
	IsAfterDate = "is_after_date"
)

// types lists every supported type, in the order of Twilio's
// split-based-on menu.
var types = []string{
	EqualTo,
	NotEqualTo,
	MatchesAnyOf,
	DoesNotMatchAnyOf,
	IsBlank,
	IsNotBlank,
	Regex,
	Contains,
	DoesNotContain,
	StartsWith,
	DoesNotStartWith,
	LessThan,
	GreaterThan,
	IsBeforeTime,
	IsAfterTime,
	IsBeforeDate,
	IsAfterDate,
}

// Types returns every supported type, in the order of Twilio's
// split-based-on menu; the slice is the caller's.
func Types() []string { return slices.Clone(types) }

// Eval reports whether input satisfies a condition of type typ with
// operand value.
//
// Matching trims whitespace from input and value and ignores case (Unicode
// simple folding). matches_any_of and does_not_match_any_of split value on
// commas, trim each item and skip empty ones. regex must match the whole
// input. less_than and greater_than compare numbers; an input that is not a
// number does not match. The time and date types compare the time of day or
// the date written in the input (HH:MM, HH:MM:SS, YYYY-MM-DD or RFC 3339, read
// as written, without converting the offset); an input that is none of these
// does not match. Bounds are exclusive: a time or date equal to the value
// matches neither before nor after.
//
// An unknown type, a bad regex, or an operand that the type cannot use (e.g.
// "abc" for less_than, "25:00" for a time) is an error.
func Eval(typ, input, value string) (bool, error) {
	input = strings.TrimSpace(input)
	value = strings.TrimSpace(value)
	switch typ {
	case EqualTo:
		return strings.EqualFold(input, value), nil
	case NotEqualTo:
		return !strings.EqualFold(input, value), nil
	case MatchesAnyOf:
		return condMatchesAny(input, value), nil
	case DoesNotMatchAnyOf:
		return !condMatchesAny(input, value), nil
	case IsBlank:
		return input == "", nil
	case IsNotBlank:
		return input != "", nil
	case Regex:
		re, err := condRegexp(value)
		if err != nil {
			return false, fmt.Errorf("condition %s: %w", typ, err)
		}
		return re.MatchString(input), nil
	case Contains:
		return condContainsFold(input, value), nil
	case DoesNotContain:
		return !condContainsFold(input, value), nil
	case StartsWith:
		return condHasPrefixFold(input, value), nil
	case DoesNotStartWith:
		return !condHasPrefixFold(input, value), nil
	case LessThan, GreaterThan:
		v, ok := condNumber(value)
		if !ok {
			return false, condOperandError(typ, value, "is not a number")
		}
		return numberMatches(typ, input, v), nil
	case IsBeforeTime, IsAfterTime:
		v, ok := Clock(value, false)
		if !ok {
			return false, condOperandError(typ, value, "is not a time HH:MM")
		}
		in, ok := condInputClock(input)
		if !ok {
			return false, nil
		}
		if typ == IsBeforeTime {
			return in < v, nil
		}
		return in > v, nil
	case IsBeforeDate, IsAfterDate:
		v, ok := Date(value)
		if !ok {
			return false, condOperandError(typ, value, "is not a date YYYY-MM-DD")
		}
		in, ok := condInputDate(input)
		if !ok {
			return false, nil
		}
		if typ == IsBeforeDate {
			return in < v, nil
		}
		return in > v, nil
	}
	return false, fmt.Errorf("unknown condition type %q", typ)
}

// numberMatches is less_than or greater_than (typ) of a trimmed input and
// the operand v: an input that is not a number matches neither.
func numberMatches(typ, input string, v float64) bool {
	in, ok := condNumber(input)
	if !ok {
		return false
	}
	if typ == LessThan {
		return in < v
	}
	return in > v
}

// knownAtRunTime reports whether an operand as written is only known when
// the step runs: a Liquid template, or a deployment placeholder ("${")
// left for the environment. The check lets it through, and one that turns
// out unusable matches nothing (Condition.Eval).
func knownAtRunTime(value string) bool {
	return widgets.IsTemplate(value) || strings.Contains(value, "${")
}

// CheckValue validates an operand at definition-check time: the type
// is known, a regex compiles, numbers parse, times are HH:MM, dates are
// YYYY-MM-DD (a real calendar day), and a matches_any_of list has an item. It
// returns a message for a person, or "" when the operand is usable.
//
// A value holding a Liquid template ("{{" or "{%") or a deployment
// placeholder ("${") is only known at run time and is accepted whatever the
// type; Eval checks the rendered value.
func CheckValue(typ, value string) string {
	if !condKnownType(typ) {
		return fmt.Sprintf("unknown condition type %q", typ)
	}
	if knownAtRunTime(value) {
		return ""
	}
	v := strings.TrimSpace(value)
	switch typ {
	case MatchesAnyOf, DoesNotMatchAnyOf:
		if !condHasItem(v) {
			return fmt.Sprintf("%s needs a comma-separated list of values, got %q", typ, value)
		}
	case Regex:
		if _, err := condRegexp(v); err != nil {
			return err.Error()
		}
	case LessThan, GreaterThan:
		if _, ok := condNumber(v); !ok {
			return fmt.Sprintf("%s needs a number, got %q", typ, value)
		}
	case IsBeforeTime, IsAfterTime:
		if _, ok := Clock(v, false); !ok {
			return fmt.Sprintf("%s needs a time of day HH:MM (00:00 to 23:59), got %q", typ, value)
		}
	case IsBeforeDate, IsAfterDate:
		if _, ok := Date(v); !ok {
			return fmt.Sprintf("%s needs a date YYYY-MM-DD, got %q", typ, value)
		}
	}
	return ""
}

func condKnownType(typ string) bool {
	for _, t := range types {
		if t == typ {
			return true
		}
	}
	return false
}

func condOperandError(typ, value, what string) error {
	return fmt.Errorf("condition %s: value %q %s", typ, value, what)
}

// condMatchesAny reports whether input equals, ignoring case, one of the
// trimmed non-empty comma-separated items of list.
func condMatchesAny(input, list string) bool {
	for rest := list; ; {
		item, tail, more := strings.Cut(rest, ",")
		item = strings.TrimSpace(item)
		if item != "" && strings.EqualFold(input, item) {
			return true
		}
		if !more {
			return false
		}
		rest = tail
	}
}

// condHasItem reports whether list has a non-empty comma-separated item.
func condHasItem(list string) bool {
	for rest := list; ; {
		item, tail, more := strings.Cut(rest, ",")
		if strings.TrimSpace(item) != "" {
			return true
		}
		if !more {
			return false
		}
		rest = tail
	}
}

// condEqualFoldRune reports whether r and t are equal under Unicode simple
// folding, as strings.EqualFold compares them.
func condEqualFoldRune(r, t rune) bool {
	if r == t {
		return true
	}
	if r < utf8.RuneSelf && t < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		if 'A' <= t && t <= 'Z' {
			t += 'a' - 'A'
		}
		return r == t
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f == t {
			return true
		}
	}
	return false
}

// condHasPrefixFold reports whether s begins with prefix, ignoring case. The
// two may differ in byte length (e.g. the Kelvin sign folds to "k").
func condHasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		a, b := s[0], prefix[0]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if a != b {
				if 'A' <= a && a <= 'Z' {
					a += 'a' - 'A'
				}
				if 'A' <= b && b <= 'Z' {
					b += 'a' - 'A'
				}
				if a != b {
					return false
				}
			}
			s, prefix = s[1:], prefix[1:]
			continue
		}
		r, n := utf8.DecodeRuneInString(s)
		t, m := utf8.DecodeRuneInString(prefix)
		if !condEqualFoldRune(r, t) {
			return false
		}
		s, prefix = s[n:], prefix[m:]
	}
	return true
}

// condContainsFold reports whether sub occurs in s, ignoring case.
func condContainsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i < len(s); {
		if condHasPrefixFold(s[i:], sub) {
			return true
		}
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		}
	}
	return false
}

// condNumber parses a finite decimal number: digits with an optional sign,
// decimal point and exponent. Hex, underscores, Inf and NaN are not numbers.
func condNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	// A small integer, the common case (a counter, a digit pressed), is
	// read here: exactly, and without strconv's cost.
	if len(s) <= 15 {
		// (Summed as an integer, which 15 digits cannot overflow, and
		// converted once: exact, and quicker than a float per digit.)
		digits, n := s, int64(0)
		if s[0] == '-' && len(s) > 1 {
			digits = s[1:]
		}
		i := 0
		for ; i < len(digits) && digits[i] >= '0' && digits[i] <= '9'; i++ {
			n = n*10 + int64(digits[i]-'0')
		}
		if i == len(digits) {
			if digits != s {
				n = -n
			}
			return float64(n), true
		}
	}
	// Reject what is plainly not a number before strconv, whose errors
	// allocate.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// condTwoDigits parses exactly two ASCII digits.
func condTwoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// condClock parses H:MM or HH:MM (and HH:MM:SS when seconds is true) into
// seconds since midnight.
// Clock reads a time of day HH:MM (HH:MM:SS when seconds is set) as
// seconds since midnight.
func Clock(s string, seconds bool) (int, bool) {
	hs, rest, ok := strings.Cut(s, ":")
	if !ok {
		return 0, false
	}
	var h int
	if len(hs) == 1 && '0' <= hs[0] && hs[0] <= '9' {
		h = int(hs[0] - '0')
	} else if h, ok = condTwoDigits(hs); !ok || h > 23 {
		return 0, false
	}
	ms, ss, hasSec := strings.Cut(rest, ":")
	m, ok := condTwoDigits(ms)
	if !ok || m > 59 {
		return 0, false
	}
	sec := 0
	if hasSec {
		if !seconds {
			return 0, false
		}
		sec, ok = condTwoDigits(ss)
		if !ok || sec > 59 {
			return 0, false
		}
	}
	return h*3600 + m*60 + sec, true
}

// condDate parses YYYY-MM-DD, a real calendar day, into YYYYMMDD.
// Date reads a date YYYY-MM-DD as the number YYYYMMDD, which orders as
// dates do.
func Date(s string) (int, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y := 0
	for i := 0; i < 4; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		y = y*10 + int(c-'0')
	}
	m, ok := condTwoDigits(s[5:7])
	if !ok || m < 1 || m > 12 {
		return 0, false
	}
	d, ok := condTwoDigits(s[8:10])
	if !ok || d < 1 || d > condDaysIn(y, m) {
		return 0, false
	}
	return y*10000 + m*100 + d, true
}

func condDaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// condTimestamp parses an RFC 3339 timestamp, as written (its own offset).
func condTimestamp(s string) (time.Time, bool) {
	// Cheap shape test first, so that ordinary text never reaches
	// time.Parse (whose errors allocate).
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// condInputClock reads the time of day of an input: HH:MM, HH:MM:SS or an
// RFC 3339 timestamp.
func condInputClock(s string) (int, bool) {
	if len(s) <= 8 {
		return Clock(s, true)
	}
	t, ok := condTimestamp(s)
	if !ok {
		return 0, false
	}
	return t.Hour()*3600 + t.Minute()*60 + t.Second(), true
}

// condInputDate reads the date of an input: YYYY-MM-DD or an RFC 3339
// timestamp.
func condInputDate(s string) (int, bool) {
	if len(s) == 10 {
		return Date(s)
	}
	t, ok := condTimestamp(s)
	if !ok {
		return 0, false
	}
	return t.Year()*10000 + int(t.Month())*100 + t.Day(), true
}

// Compiled regex conditions, keyed by pattern. Patterns rendered from
// templates could otherwise grow it without bound, so the cache keeps about
// condRegexCacheSize of them, dropping the least recently used first.
const condRegexCacheSize = 512

// Bounds on a regex condition's pattern, so that one pattern (a{1000}
// repeated) cannot take megabytes to compile and keep: at most
// MaxRegexBytes long, compiling to at most MaxRegexInstructions
// instructions (about 40 bytes each). Conditions people write take a few
// dozen.
const (
	MaxRegexBytes        = 1024
	MaxRegexInstructions = 2000
)

var condRegexCache = cache.New[string, condRegexEntry](condRegexCacheSize)

type condRegexEntry struct {
	re  *regexp.Regexp
	err error
}

// condRegexp returns the case-insensitive whole-input matcher of pattern.
func condRegexp(pattern string) (*regexp.Regexp, error) {
	if e, ok := condRegexCache.Get(pattern); ok {
		return e.re, e.err
	}
	var e condRegexEntry
	// Parse the pattern on its own first: wrapped unchecked, "a)|(b" would
	// compile and escape the anchors.
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err == nil && len(pattern) > MaxRegexBytes {
		err = fmt.Errorf("the pattern is %d bytes long; at most %d are allowed", len(pattern), MaxRegexBytes)
	} else if err == nil {
		if prog, cerr := syntax.Compile(parsed.Simplify()); cerr != nil {
			err = cerr
		} else if len(prog.Inst) > MaxRegexInstructions {
			err = fmt.Errorf("the pattern compiles to %d instructions; at most %d are allowed", len(prog.Inst), MaxRegexInstructions)
		}
	}
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) && se.Expr != "" && se.Expr != pattern {
			e.err = fmt.Errorf("bad regex %q: %s: %q", pattern, se.Code, se.Expr)
		} else if errors.As(err, &se) {
			e.err = fmt.Errorf("bad regex %q: %s", pattern, se.Code)
		} else {
			e.err = fmt.Errorf("bad regex %.40q: %v", pattern, err)
		}
	} else if e.re, err = regexp.Compile("(?i)^(?:" + pattern + ")$"); err != nil {
		e.re, e.err = nil, fmt.Errorf("bad regex %q: %v", pattern, err)
	}
	condRegexCache.Put(pattern, e)
	return e.re, e.err
}

// Condition is one compiled condition of split-based-on or
// conditional-statement. A fixed regex operand is compiled once here, not
// looked up on every step.
type Condition struct {
	typ string
	// arg, when set, is the template of this condition's own input;
	// otherwise the widget's input is tested.
	arg   widgets.Text
	value widgets.Text
	re    *regexp.Regexp
	// num is a fixed less_than or greater_than operand, read once here;
	// hasNum says it is set.
	num    float64
	hasNum bool
}

// New compiles a condition of type typ whose operand is value. When arg is
// set, its rendering is the tested input instead of the widget's.
func New(typ string, arg, value widgets.Text) Condition {
	c := Condition{typ: typ, arg: arg, value: value}
	if typ == Regex && !value.Dynamic {
		c.re, _ = condRegexp(strings.TrimSpace(value.Src)) // a bad pattern is reported by the check
	}
	if (typ == LessThan || typ == GreaterThan) && !value.Dynamic {
		c.num, c.hasNum = condNumber(strings.TrimSpace(value.Src)) // (not a number: Eval's error)
	}
	return c
}

// Eval renders the condition's input (or takes input) and operand, and
// tests them.
//
// A templated operand that renders to something its type cannot use (an
// empty or non-numeric less_than operand, a time that is not HH:MM, a bad
// regex) matches nothing, as in Twilio, which takes no branch then and
// warns "Failed to transition because no match was found" (error 81005;
// "Missing values in the match field", "Match field is in the wrong
// format"): an unset variable must not fail the execution. So does a
// deployment placeholder ("${LIMIT}") left unfilled, which the check lets
// through. Any other fixed operand the type cannot use is the check's to
// report (CheckValue), and Eval's error.
func (c *Condition) Eval(sc widgets.StepContext, input string) (bool, error) {
	if c.arg.Src != "" {
		var err error
		if input, err = c.arg.Render(sc); err != nil {
			return false, err
		}
	}
	if c.re != nil {
		return c.re.MatchString(strings.TrimSpace(input)), nil
	}
	if c.hasNum { // the operand read already
		return numberMatches(c.typ, strings.TrimSpace(input), c.num), nil
	}
	value, err := c.value.Render(sc)
	if err != nil {
		return false, err
	}
	m, err := Eval(c.typ, input, value)
	if err != nil && knownAtRunTime(c.value.Src) && condKnownType(c.typ) {
		return false, nil
	}
	return m, err
}
