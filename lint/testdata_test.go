package lint

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/flowtest"
)

// loadFile reads a Twilio Flow JSON or a Connect document.
func loadFile(t *testing.T, file string) *flow.Definition {
	t.Helper()
	d, err := flowtest.LoadDefinition(file, "")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRealFlows checks that no file of the shared test data and no example
// flow of this repository gets an error-severity problem, and logs the
// warnings with a count per code.
func TestRealFlows(t *testing.T) {
	sets := []struct{ name, glob string }{
		{"twilio", "../../shared/testdata/twilio/*.json"},
		{"connect", "../../shared/testdata/connect/*.json"},
		{"examples", "../examples/*/*.json"},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			files, _ := filepath.Glob(set.glob)
			var flows []string
			for _, f := range files {
				if !strings.HasSuffix(f, ".test.json") {
					flows = append(flows, f)
				}
			}
			if len(flows) == 0 {
				t.Skipf("no files match %s", set.glob)
			}
			counts := map[string]int{}
			for _, f := range flows {
				d := loadFile(t, f)
				for _, p := range Check(d) {
					if p.Severity == flow.SeverityError {
						t.Errorf("%s: %s", filepath.Base(f), p)
						continue
					}
					counts[p.Code]++
					t.Logf("%s: %s", filepath.Base(f), p)
				}
			}
			codes := make([]string, 0, len(counts))
			for c := range counts {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			for _, c := range codes {
				t.Logf("warnings %s: %d", c, counts[c])
			}
		})
	}
}

func parseConnect(t *testing.T, src string) *flow.Definition {
	t.Helper()
	d, err := connect.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
