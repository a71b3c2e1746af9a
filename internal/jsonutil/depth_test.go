package jsonutil

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBeyond(t *testing.T) {
	for _, tt := range []struct {
		src  string
		max  int
		want int
	}{
		{`1`, 0, -1},
		{`"[[["`, 0, -1},
		{`{}`, 1, -1},
		{`{}`, 0, 0},
		{`{"a": [1, {"b": []}]}`, 4, -1},
		{`{"a": [1, {"b": []}]}`, 3, 16},
		{`["\"[", "\\", [[]]]`, 3, -1},
		{`["\"[", "\\", [[]]]`, 2, 15},
		{`{"s": "}}}}"}`, 1, -1},
		{strings.Repeat("[", 10_000), 9_999, 9_999},
	} {
		assert.Equal(t, tt.want, Beyond(tt.src, tt.max), "%s at %d", tt.src, tt.max)
		assert.Equal(t, tt.want, Beyond([]byte(tt.src), tt.max), "%s at %d", tt.src, tt.max)
	}
}
