package runtime

import (
	"strings"
	"unicode/utf8"
)

// jsonText returns s as a JSON round trip gives it back: s itself when it
// is valid UTF-8, else s with every byte that does not belong to a valid
// UTF-8 sequence replaced by U+FFFD, as encoding/json writes it. Text an
// execution holds (values, addresses, reasons) goes through it where it
// enters, so that the execution a step leaves in memory is the one the
// store gives back: otherwise a template, a split or a session key would
// see one text in the process that ran the step and another in the
// process that resumes it.
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// checkKey refuses a map key that is not valid UTF-8: JSON would rewrite
// it, and could make two keys one, so what was saved would not be what
// loads.
func checkKey(k string) *ValueError {
	if utf8.ValidString(k) {
		return nil
	}
	return (&ValueError{Problem: "the key is not valid UTF-8"}).within(jsonText(k))
}
