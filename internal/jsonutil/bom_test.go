package jsonutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A leading byte order mark is taken off, and said to have been; one
// further in, or none, leaves the data as it is.
func TestTrimByteOrderMark(t *testing.T) {
	for in, want := range map[string]struct {
		rest string
		n    int
	}{
		"\xef\xbb\xbf{}": {"{}", 3}, "{}": {"{}", 0}, " \xef\xbb\xbf{}": {" \xef\xbb\xbf{}", 0}, "\xef\xbb": {"\xef\xbb", 0}, "": {"", 0},
	} {
		rest, n := TrimByteOrderMark([]byte(in))
		assert.Equal(t, want.rest, string(rest), "%q", in)
		assert.Equal(t, want.n, n, "%q", in)
	}
}
