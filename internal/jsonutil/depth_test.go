package jsonutil

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDepth(t *testing.T) {
	for src, want := range map[string]int{
		`1`:                         0,
		`"[[["`:                     0,
		`{}`:                        1,
		`{"a": [1, {"b": []}]}`:     4,
		`["\"[", "\\", [[]]]`:       3,
		`{"s": "}}}}"}`:             1,
		strings.Repeat("[", 10_000): 10_000,
	} {
		assert.Equal(t, want, Depth(src), src)
		assert.Equal(t, want, Depth([]byte(src)), src)
	}
}
