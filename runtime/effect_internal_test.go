package runtime

import (
	"testing"
	"unsafe"
)

// Every step that calls a service makes an effectContext: it must stay in
// the 48-byte size class (see its comment), or templated steps get slower.
func TestEffectContextStaysSmall(t *testing.T) {
	if n := unsafe.Sizeof(effectContext{}); n > 48 {
		t.Fatalf("effectContext is %d bytes, more than 48", n)
	}
}

// phaseCode knows every phase run.scIn is given, and round-trips them.
func TestPhaseCodes(t *testing.T) {
	for _, p := range []string{"", "resume", "return"} {
		if got := phaseNames[phaseCode(p)]; got != p {
			t.Fatalf("phase %q came back as %q", p, got)
		}
	}
}
