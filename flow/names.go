package flow

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// unsafeChars are the categories a state name must not hold: control
// characters (Cc: NUL, tab, newline, DEL, the C1 controls such as U+0085),
// format characters (Cf: zero-width space, joiners, word joiner, BOM, soft
// hyphen and every bidirectional mark, embedding, override and isolate), and
// the line and paragraph separators (Zl, Zp). All are invisible or move
// text around when shown, so two names that look alike could differ.
var unsafeChars = []*unicode.RangeTable{unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp}

// nameFault locates the first unsafe character of a name.
type nameFault struct {
	// char is the position of the character, from 1, counted in
	// characters (code points), as SyntaxError.Column counts them.
	char int
	// offset is its byte offset, from 0.
	offset int
	// r is the character; it is meaningless when invalid is set.
	r rune
	// invalid reports a byte that does not start valid UTF-8; b is that
	// byte.
	invalid bool
	b       byte
}

// findUnsafe returns the first character of name that is invalid UTF-8 or in
// unsafeChars, and reports whether there is one.
func findUnsafe(name string) (nameFault, bool) {
	char := 0
	for offset, r := range name {
		char++
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(name[offset:]); size == 1 {
				return nameFault{char: char, offset: offset, invalid: true, b: name[offset]}, true
			}
		}
		if unicode.IsOneOf(unsafeChars, r) {
			return nameFault{char: char, offset: offset, r: r}, true
		}
	}
	return nameFault{}, false
}

// String describes the fault without the character itself, such as
// "U+202E (a bidirectional control) at character 2 (byte 1)".
func (f nameFault) String() string {
	if f.invalid {
		return fmt.Sprintf("the invalid UTF-8 byte 0x%02X at character %d (byte %d)", f.b, f.char, f.offset)
	}
	return fmt.Sprintf("%U (%s) at character %d (byte %d)", f.r, unsafeKind(f.r), f.char, f.offset)
}

// unsafeKind names the class of an unsafe character for messages.
func unsafeKind(r rune) string {
	switch {
	case unicode.Is(unicode.Cc, r):
		return "a control character"
	case r == '\u061c' || r == '\u200e' || r == '\u200f' ||
		r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069':
		return "a bidirectional control"
	case unicode.Is(unicode.Cf, r):
		return "an invisible format character"
	default:
		return "a line or paragraph separator"
	}
}

// sameNameKey returns the key under which names count as the same: their
// Unicode NFC normalization, so that "café" written with U+00E9 and with
// "e" plus U+0301 collide.
func sameNameKey(name string) string { return norm.NFC.String(name) }
