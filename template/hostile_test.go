package template

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileChild is the environment variable that makes the test binary
// render one hostile template and report, instead of running tests.
const hostileChild = "STUDIOFLOW_HOSTILE_TEMPLATE"

// hostileReport is what the child reports of its render.
type hostileReport struct {
	Code      string `json:"code"`
	Allocated uint64 `json:"allocated"` // bytes allocated by the render
	Sys       uint64 `json:"sys"`       // bytes the process holds from the OS
}

func TestMain(m *testing.M) {
	if name := os.Getenv(hostileChild); name != "" {
		renderHostile(name)
		return
	}
	os.Exit(m.Run())
}

// renderHostile renders the hostile template called name and writes a
// hostileReport to stdout.
func renderHostile(name string) {
	src, ok := hostileTemplates[name]
	if !ok {
		os.Exit(3)
	}
	tpl, _ := Parse(src)
	r := testRenderer()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := r.Render(context.Background(), tpl, testVars)
	runtime.ReadMemStats(&after)
	_ = json.NewEncoder(os.Stdout).Encode(hostileReport{Code: CodeOf(err), Allocated: after.TotalAlloc - before.TotalAlloc, Sys: after.Sys})
}

// Each hostile template, rendered alone in a process limited to 64 MiB
// (GOMEMLIMIT), stops with a budget error having allocated less than
// 64 MiB in all: no template can take the host down. (How long each takes
// is BenchmarkHostileTemplates' to measure.)
func TestHostileTemplatesInASubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process per template")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	names := make([]string, 0, len(hostileTemplates))
	for name := range hostileTemplates {
		names = append(names, name)
	}
	sort.Strings(names)
	var worst uint64
	for _, name := range names {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), hostileChild+"="+name, "GOMEMLIMIT=64MiB")
		out, err := cmd.Output()
		require.NoError(t, err, name)
		var rep hostileReport
		require.NoError(t, json.Unmarshal(out, &rep), "%s: %s", name, out)
		assert.Equal(t, CodeBudget, rep.Code, name)
		assert.Less(t, rep.Allocated, uint64(64<<20), name)
		worst = max(worst, rep.Allocated)
		t.Logf("%-28s allocated %7d KiB, process %6d KiB", name, rep.Allocated>>10, rep.Sys>>10)
	}
	t.Logf("worst allocation: %d KiB", worst>>10)
}

// BenchmarkHostileTemplates measures each hostile template's render until
// it stops at the budget.
func BenchmarkHostileTemplates(b *testing.B) {
	names := make([]string, 0, len(hostileTemplates))
	for name := range hostileTemplates {
		names = append(names, name)
	}
	sort.Strings(names)
	r := testRenderer()
	for _, name := range names {
		tpl, _ := Parse(hostileTemplates[name])
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Render(context.Background(), tpl, testVars); CodeOf(err) != CodeBudget {
					b.Fatalf("%s: %v", name, err)
				}
			}
		})
	}
}
