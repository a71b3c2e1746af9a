package sim_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
)

// TestRealExportsWithCoverage drives every real Twilio Studio export with
// contacts that try a different input at each wait, then let the rest time
// out, and checks that every run ends and that the coverage report names
// every state no run reached.
func TestRealExportsWithCoverage(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/testdata/twilio/*.json")
	if len(files) == 0 {
		t.Skip("../shared/testdata/twilio is not beside the checkout")
	}
	// The daily sit-down parent runs with its child; without the child
	// (another set of exports) the parent is left out.
	const parentName, childName = "06_daily-sit-down-parent.json", "07_daily-sit-down-child.json"
	if !slices.ContainsFunc(files, isExport(childName)) && slices.ContainsFunc(files, isExport(parentName)) {
		t.Logf("../shared/testdata/twilio/%s is absent: %s is left out", childName, parentName)
		files = slices.DeleteFunc(files, isExport(parentName))
	}
	cov := sim.NewCoverage()
	inputs := func(k int) []sim.Action {
		digits := []string{"1", "2", "3", "9", "0"}
		words := []string{"1", "yes", "2", "stop", "help"}
		return []sim.Action{
			sim.Press(digits[k%len(digits)]), sim.Reply(words[k%len(words)]), sim.Speak(words[k%len(words)]),
			sim.Answer(), sim.Event("callCompleted", nil), sim.Event("callComplete", nil), sim.Event("return", nil), sim.Timeout(),
		}
	}
	// visited holds, per flow, the root-flow states the step logs show,
	// gathered independently of Coverage to check its report against.
	visited := map[string]map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		def := parse(t, string(b))
		opts := []sim.Option{sim.WithFlow("FW"+strings.SplitN(filepath.Base(f), "_", 2)[0], def), sim.WithCoverage(cov),
			sim.WithLimits(runtime.Limits{MaxSteps: 100})}
		if filepath.Base(f) == parentName {
			child, err := os.ReadFile(filepath.Join(filepath.Dir(f), childName))
			require.NoError(t, err)
			opts = append(opts, sim.WithFlow("FW50120385f4d1e8dcf30c0bcd83695969", parse(t, string(child))))
		}
		s := sim.New(opts...)
		for k := 0; k < 4; k++ {
			ss, err := s.Start(ctx, sim.Start{Contact: "+1555000000" + string(rune('0'+k))})
			require.NoError(t, err, f)
			for n := 0; n < 12 && !ss.Done(); n++ {
				for _, a := range inputs(k + n) {
					if err := ss.Do(ctx, a); err == nil || !errors.Is(err, sim.ErrNotAccepted) {
						require.NoError(t, err, f)
						break
					}
				}
			}
			require.NoError(t, ss.Finish(ctx), f)
			require.True(t, ss.Done())
			x := ss.Run().Execution
			if x.Status == runtime.StatusFailed {
				assert.True(t, strings.HasPrefix(x.Reason, "limit:"), "%s failed: %s", f, x.Reason)
			}
			key := "FW" + strings.SplitN(filepath.Base(f), "_", 2)[0]
			if visited[key] == nil {
				visited[key] = map[string]bool{}
			}
			for _, st := range x.Steps {
				if st.Frame == "" {
					visited[key][st.From] = true
					visited[key][st.To] = true
				}
			}
			if x.Wait != nil && len(x.Frames) == 1 {
				visited[key][x.Wait.State] = true
			}
		}
	}
	report := cov.Report()
	t.Log(report)
	for _, d := range cov.Definitions() {
		assert.Equal(t, len(d.States), d.Reached()+len(d.Unreached()), d.Key)
		if un := d.Unreached(); len(un) > 0 {
			assert.Contains(t, report, d.Key)
			assert.Contains(t, report, "  unreached states: "+strings.Join(un, ", ")+"\n", d.Key)
		}
	}
	for key, seen := range visited {
		d, ok := cov.Of(key)
		require.True(t, ok, key)
		unreached := map[string]bool{}
		for _, name := range d.Unreached() {
			unreached[name] = true
			assert.False(t, seen[name], "%s: %s is reported unreached but a step went through it", key, name)
		}
		for _, st := range d.States {
			if !seen[st.Name] {
				assert.True(t, unreached[st.Name], "%s: %s was never reached but is not reported", key, st.Name)
			}
		}
	}
	// FW17 is 17_ivr-studio-enqueue.json: another set of exports may
	// hold no such flow, or another under that number.
	if !slices.ContainsFunc(files, isExport("17_ivr-studio-enqueue.json")) {
		t.Log("../shared/testdata/twilio/17_ivr-studio-enqueue.json is absent: how far its runs reach is not checked")
		return
	}
	d, ok := cov.Of("FW17")
	require.True(t, ok)
	assert.Greater(t, d.Reached(), 3)
}

// isExport reports whether a path of the shared exports is the named file.
func isExport(name string) func(string) bool {
	return func(f string) bool { return filepath.Base(f) == name }
}
