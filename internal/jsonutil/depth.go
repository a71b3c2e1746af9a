// Package jsonutil holds small JSON helpers the engine's packages share.
package jsonutil

// Depth returns how deeply the objects and arrays of a JSON text nest (0
// for a scalar), counting brackets outside strings. It does not validate
// the text: it is a cheap look before a decode whose result must stay
// within a bound.
func Depth[T ~string | ~[]byte](data T) int {
	depth, most, inString := 0, 0, false
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
			most = max(most, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return most
}
