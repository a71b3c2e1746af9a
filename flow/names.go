package flow

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxStateNameBytes bounds the length of a state name, in bytes of UTF-8.
// Every step an execution records holds the name of its state, so a long
// name in a loop makes a large execution record. Twilio's own exports use
// names of a few dozen characters. Check reports a longer name as
// CodeStateNameTooLong, and ValidStateName refuses it.
const MaxStateNameBytes = 256

// shownNameChars is how many characters (code points) of a name longer
// than MaxStateNameBytes a message shows.
const shownNameChars = 40

// unsafeChars are the categories a state name must not hold: control
// characters (Cc: NUL, tab, newline, DEL, the C1 controls such as U+0085),
// format characters (Cf: zero-width space, joiners, word joiner, BOM, soft
// hyphen and every bidirectional mark, embedding, override and isolate),
// the line and paragraph separators (Zl, Zp), the space separators (Zs)
// other than U+0020 (no-break, thin, ideographic, en and em spaces...),
// and the other default-ignorable code points: the variation selectors
// (U+FE00–U+FE0F, U+E0100–U+E01EF, U+180B–U+180F) and
// Other_Default_Ignorable_Code_Point (the Hangul fillers U+115F, U+1160,
// U+3164 and U+FFA0, the combining grapheme joiner U+034F, the Khmer
// inherent vowels U+17B4 and U+17B5, and unassigned code points reserved
// as ignorable). isUnsafe adds U+2800, the braille blank. All are
// invisible, look like a plain space, or move text around when shown, so
// two names that look alike could differ.
var unsafeChars = []*unicode.RangeTable{
	unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Zs,
	unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point,
}

// brailleBlank is U+2800 BRAILLE PATTERN BLANK: a symbol (So) that shows
// as nothing.
const brailleBlank = '\u2800'

// isUnsafe reports whether a state name must not hold r. The ASCII space
// U+0020 is not unsafe: ValidStateName refuses it on its own, as
// CodeStateNameInvalid.
func isUnsafe(r rune) bool {
	return r != ' ' && (r == brailleBlank || unicode.IsOneOf(unsafeChars, r))
}

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

// findUnsafe returns the first character of name that is invalid UTF-8 or
// unsafe (isUnsafe), and reports whether there is one.
func findUnsafe(name string) (nameFault, bool) {
	char := 0
	for offset, r := range name {
		char++
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(name[offset:]); size == 1 {
				return nameFault{char: char, offset: offset, invalid: true, b: name[offset]}, true
			}
		}
		if isUnsafe(r) {
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
	case unicode.Is(unicode.Zs, r):
		return "a space other than U+0020"
	case unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r):
		return "a line or paragraph separator"
	default:
		return "an invisible character"
	}
}

// quoteName quotes name for a message as strconv.Quote does, but also
// escapes (as \uXXXX or \UXXXXXXXX) the unsafe characters strconv.Quote
// would show raw, such as U+3164 or a variation selector, so that a
// message never holds one. A name longer than MaxStateNameBytes is cut to
// its first shownNameChars characters, quoted and followed by "…".
func quoteName(name string) string {
	cut := false
	if len(name) > MaxStateNameBytes {
		n := 0
		for i := range name {
			if n == shownNameChars {
				name, cut = name[:i], true
				break
			}
			n++
		}
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(name); {
		r, size := utf8.DecodeRuneInString(name[i:])
		piece := name[i : i+size]
		i += size
		if size > 1 && isUnsafe(r) && strconv.IsPrint(r) {
			if r <= 0xFFFF {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				fmt.Fprintf(&b, `\U%08x`, r)
			}
			continue
		}
		q := strconv.Quote(piece)
		b.WriteString(q[1 : len(q)-1])
	}
	b.WriteByte('"')
	if cut {
		b.WriteString("…")
	}
	return b.String()
}

// sameNameKey returns the key under which names count as the same: their
// Unicode NFC normalization, so that "café" written with U+00E9 and with
// "e" plus U+0301 collide.
func sameNameKey(name string) string { return norm.NFC.String(name) }
