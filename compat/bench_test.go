package compat_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/compat"
	"github.com/studioflow/studioflow/flow"
)

// generated returns a valid flow of about n states in three parts, each
// with forward and backward edges (loops): an IVR after incomingCall, an
// outbound call and IVR after incomingRequest, and a chat after
// incomingMessage. Part boundaries are only crossed forward into a
// non-voice ending, so no rule is broken.
func generated(n int) *flow.Definition {
	part := n / 3
	name := func(p, i int) string { return fmt.Sprintf("p%d_%d", p, i) }
	lines := []string{fmt.Sprintf("Trigger trigger incomingCall>%s incomingRequest>call incomingMessage>%s", name(0, 0), name(2, 0))}
	lines = append(lines, fmt.Sprintf("call make-outbound-call answered>%s busy>%s noAnswer invalidNumber", name(1, 0), name(2, 0)))
	for p := 0; p < 3; p++ {
		for i := 0; i < part; i++ {
			next := name(p, i+1)
			if i == part-1 {
				next = "bye"
			}
			back := name(p, i/2)
			if p == 2 {
				switch i % 3 {
				case 0:
					lines = append(lines, fmt.Sprintf("%s send-and-wait-for-reply incomingMessage>%s timeout>%s deliveryFailure body=q", name(p, i), next, back))
				case 1:
					lines = append(lines, fmt.Sprintf("%s split-based-on noMatch>%s match>%s input=x", name(p, i), next, back))
				default:
					lines = append(lines, fmt.Sprintf("%s send-message sent>%s failed body=x", name(p, i), next))
				}
				continue
			}
			switch i % 4 {
			case 0:
				lines = append(lines, fmt.Sprintf("%s gather-input-on-call keypress>%s speech>%s timeout>%s say=x", name(p, i), next, back, name(p, i)))
			case 1:
				lines = append(lines, fmt.Sprintf("%s split-based-on noMatch>%s match>%s input=x", name(p, i), next, back))
			case 2:
				lines = append(lines, fmt.Sprintf("%s say-play audioComplete>%s say=x", name(p, i), next))
			default:
				lines = append(lines, fmt.Sprintf("%s set-variables next>%s", name(p, i), next))
			}
		}
	}
	lines = append(lines, "bye send-message sent failed body=bye")
	return build(false, lines...)
}

// BenchmarkCheck runs the compat checker alone over generated flows of
// 200, 2000 and 20000 states: ns/op grows linearly with the size.
//
//	go test -run '^$' -bench BenchmarkCheck -benchmem ./compat
func BenchmarkCheck(b *testing.B) {
	reg := registry()
	for _, n := range []int{200, 2000, 20000} {
		d := generated(n)
		c := compat.Checker(reg)
		require.Empty(b, c.Check(d))
		b.Run(fmt.Sprintf("states=%d", len(d.States)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Check(d)
			}
		})
	}
}
