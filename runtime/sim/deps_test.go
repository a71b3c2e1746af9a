package sim_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The simulator is imported by tests and tools alike: its non-test code
// (and that of the fakes) must not pull a test framework into importers.
func TestNoTestFrameworkDependency(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(gobin, "list", "-deps", ".", "../../widgets/fake")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "testify") || strings.Contains(pkg, "go-difflib") || strings.Contains(pkg, "go-spew") {
			t.Errorf("runtime/sim or widgets/fake depends on %s", pkg)
		}
	}
}
