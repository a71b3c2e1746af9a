// Package jsonutil holds small JSON helpers the engine's packages share.
package jsonutil

// Beyond returns the offset of the first bracket of a JSON text that opens
// a level deeper than maxDepth, or -1 when the objects and arrays nest at
// most maxDepth levels. It counts brackets outside strings and does not
// validate the text: it is a cheap look before (or after) a decode whose
// result must stay within a bound.
func Beyond[T ~string | ~[]byte](data T, maxDepth int) int {
	depth, inString := 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxDepth {
				return i
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return -1
}
