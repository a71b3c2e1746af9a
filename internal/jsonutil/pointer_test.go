package jsonutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Keys round-trip through a JSON pointer's escaping (RFC 6901), "~01"
// staying "~1" and not becoming "/".
func TestPointerEscaping(t *testing.T) {
	for key, token := range map[string]string{
		"plain": "plain", "a/b": "a~1b", "a~b": "a~0b", "~1": "~01", "/~": "~1~0", "": "",
	} {
		assert.Equal(t, token, PointerEscape(key), key)
		assert.Equal(t, key, PointerUnescape(token), token)
	}
}
