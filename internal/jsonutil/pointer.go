package jsonutil

import "strings"

// PointerEscape escapes a key for a JSON pointer (RFC 6901): "~" as "~0"
// and "/" as "~1".
func PointerEscape(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// PointerUnescape reads a JSON pointer's reference token back as the key
// PointerEscape escaped: "~1" as "/", then "~0" as "~".
func PointerUnescape(token string) string {
	if !strings.Contains(token, "~") {
		return token
	}
	return strings.ReplaceAll(strings.ReplaceAll(token, "~1", "/"), "~0", "~")
}
