package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
)

func TestVersionsExampleTranscript(t *testing.T) {
	var out strings.Builder
	// A fixed clock: the transcript must not depend on when the test runs.
	clock := runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	require.NoError(t, run(&out, clock.Now))
	want := []string{
		"created a draft                              r1:draft",
		"  publish refused: a draft with errors cannot be published",
		"  assign refused: only a flow with a published version can be assigned",
		"published and assigned to +18005550100       r2:published",
		"  a second edit is refused: an item has at most one draft",
		"edited: a new draft beside the published     r2:published r4:draft",
		"  call from a customer runs revision 2:\n    voice.say \"Welcome to support. All our agents are busy; please call back later.\"",
		"  call from the test user runs revision 4:\n    voice.say \"Welcome to support. We are texting you a link to our help centre.\"\n    messaging.send to=+15550999",
		"published the draft                          r2:archived r4:published",
		"  call from a customer runs revision 4:",
		"restored r2 as draft r5                      r2:archived r4:published r5:draft",
		"discarded the restored draft                 r2:archived r4:published",
		"  discarding the published version is refused: only a draft can be discarded",
		`duplicated r2 into a new flow "Support line (copy)": r1:draft`,
	}
	got := out.String()
	last := 0
	for _, w := range want {
		i := strings.Index(got[last:], w)
		if !assert.GreaterOrEqual(t, i, 0, "missing or out of order: %q\nin:\n%s", w, got) {
			return
		}
		last += i + len(w)
	}
}
