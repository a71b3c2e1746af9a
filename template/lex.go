package template

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Expressions are lexed as osteele/liquid's expression scanner lexes them
// (the longest token wins), so that the two parse the same templates.

type tokKind int

const (
	tEOF      tokKind = iota
	tInt              // 12, -3
	tFloat            // 1.5
	tString           // "a" or 'a'
	tTrue             // true
	tFalse            // false
	tNil              // nil
	tIdent            // name, name?
	tKeyword          // name: (a filter or loop argument name)
	tProp             // .name
	tCmp              // == != >= <= > <
	tAnd              // and
	tOr               // or
	tContains         // contains
	tIn               // in
	tDotDot           // ..
	tChar             // any other single character: | , : ( ) [ ] = .
)

type token struct {
	kind tokKind
	text string // identifier, property or keyword name, operator, char
	str  string // a string literal's value
	i    int64
	f    float64
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return strconv.Quote(t.str)
	}
	return strconv.Quote(t.text)
}

// lexExpr splits an expression into tokens.
func lexExpr(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			i++
			continue
		}
		t, n, err := lexOne(src[i:])
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i += n
	}
	return append(toks, token{kind: tEOF}), nil
}

// lexOne reads the longest token at the start of s.
func lexOne(s string) (token, int, error) {
	c := s[0]
	// numbers: -?digit+ ('.' digit+)?
	if isDigit(c) || c == '-' && len(s) > 1 && isDigit(s[1]) {
		j := 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
			j += 2
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			f, err := strconv.ParseFloat(s[:j], 64)
			if err != nil {
				return token{}, 0, fmt.Errorf("number %s cannot be read", s[:j])
			}
			return token{kind: tFloat, text: s[:j], f: f}, j, nil
		}
		n, err := strconv.ParseInt(s[:j], 10, 64)
		if err != nil {
			return token{}, 0, fmt.Errorf("integer %s is out of range", s[:j])
		}
		return token{kind: tInt, text: s[:j], i: n}, j, nil
	}
	switch c {
	case '"', '\'':
		j := 1
		for j < len(s) && s[j] != c {
			if c == '"' && s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) {
			// not a string: the quote is a character of its own
			return token{kind: tChar, text: s[:1]}, 1, nil
		}
		raw := s[1:j]
		if c == '"' {
			raw = unescape(raw)
		}
		return token{kind: tString, text: s[:j+1], str: raw}, j + 1, nil
	case '=', '!', '<', '>':
		if len(s) > 1 && s[1] == '=' {
			return token{kind: tCmp, text: s[:2]}, 2, nil
		}
		if c == '<' || c == '>' {
			return token{kind: tCmp, text: s[:1]}, 1, nil
		}
		return token{kind: tChar, text: s[:1]}, 1, nil
	case '.':
		if len(s) > 1 && s[1] == '.' {
			return token{kind: tDotDot, text: ".."}, 2, nil
		}
		if n := identLen(s[1:]); n > 0 {
			return token{kind: tProp, text: s[1 : 1+n]}, 1 + n, nil
		}
		return token{kind: tChar, text: "."}, 1, nil
	}
	if n := identLen(s); n > 0 {
		word := s[:n]
		if !utf8.ValidString(word) {
			return token{}, 0, fmt.Errorf("identifier %q is not valid UTF-8", word)
		}
		if n < len(s) && s[n] == ':' {
			return token{kind: tKeyword, text: word}, n + 1, nil
		}
		switch word {
		case "true":
			return token{kind: tTrue, text: word}, n, nil
		case "false":
			return token{kind: tFalse, text: word}, n, nil
		case "nil":
			return token{kind: tNil, text: word}, n, nil
		case "and":
			return token{kind: tAnd, text: word}, n, nil
		case "or":
			return token{kind: tOr, text: word}, n, nil
		case "contains":
			return token{kind: tContains, text: word}, n, nil
		case "in":
			return token{kind: tIn, text: word}, n, nil
		}
		return token{kind: tIdent, text: word}, n, nil
	}
	_, size := utf8.DecodeRuneInString(s)
	return token{kind: tChar, text: s[:size]}, size, nil
}

// identLen is the length of the identifier at the start of s, 0 if none: a
// letter or _ (or any non-ASCII character), then letters, digits, _ and -,
// and an optional final ?.
func identLen(s string) int {
	if s == "" || !identStart(s[0]) {
		return 0
	}
	j := 1
	for j < len(s) && (identStart(s[j]) || isDigit(s[j]) || s[j] == '-') {
		j++
	}
	if j < len(s) && s[j] == '?' {
		j++
	}
	return j
}

func identStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// unescape reads the escapes of a double-quoted string: \\ \" \n \t \r;
// others are kept as written.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case '\\':
				b.WriteByte('\\')
			case '"':
				b.WriteByte('"')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
