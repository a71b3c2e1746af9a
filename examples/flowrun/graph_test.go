package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flowtest"
	"github.com/studioflow/studioflow/graph"
)

// Every seed example draws as Mermaid and as DOT: exactly what package
// graph renders (whose tests check both structurally, and with dot when
// it is installed), a node per state and an edge per wired transition.
func TestGraphSeedExamples(t *testing.T) {
	node := regexp.MustCompile(`(?m)^    n\d+\[".*"\]$`)
	edge := regexp.MustCompile(`(?m)^    (start|n\d+) -->`)
	dotNode := regexp.MustCompile(`(?m)^    n\d+ \[label=`)
	dotEdge := regexp.MustCompile(`(?m)^    (start|n\d+) -> n\d+`)
	for _, file := range seedExamples(t) {
		t.Run(file, func(t *testing.T) {
			d, err := flowtest.LoadDefinition(file, "")
			require.NoError(t, err)
			edges := 1 // from start
			for _, s := range d.States {
				for _, tr := range s.Transitions {
					if tr.Next != "" && d.StateIndex(tr.Next) >= 0 {
						edges++
					}
				}
			}

			code, stdout, stderr := flowrun(t, "", "graph", file)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, graph.Mermaid(d, graph.Options{}), stdout)
			assert.True(t, strings.HasPrefix(stdout, "flowchart TD\n"))
			assert.Len(t, node.FindAllString(stdout, -1), len(d.States))
			assert.Len(t, edge.FindAllString(stdout, -1), edges)

			code, stdout, stderr = flowrun(t, "", "graph", "-format", "dot", file)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, graph.DOT(d, graph.Options{}), stdout)
			assert.True(t, strings.HasPrefix(stdout, "digraph "))
			assert.True(t, strings.HasSuffix(stdout, "}\n"))
			assert.Len(t, dotNode.FindAllString(stdout, -1), len(d.States))
			assert.Len(t, dotEdge.FindAllString(stdout, -1), edges)
		})
	}
}

// -path highlights a finished run, read from flowrun -json's output or a
// JSON array; -coverage styles what the test files reach and miss.
func TestGraphPathAndCoverage(t *testing.T) {
	code, run, stderr := flowrun(t, "", "-flow", "../ivr/menu.json", "-script", "../ivr/menu.script", "-json", "-now", "2026-01-05T10:00:00Z")
	require.Equal(t, 0, code, stderr)
	var out struct {
		Path []string `json:"path"`
	}
	require.NoError(t, json.Unmarshal([]byte(run), &out))
	assert.Equal(t, []string{"Trigger", "greet", "menu", "route", "invalid", "menu", "route", "support_sms", "support_bye"}, out.Path)

	runFile := write(t, "run.json", run)
	code, stdout, stderr := flowrun(t, "", "graph", "-path", runFile, "../ivr/menu.json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "\n    class n0,n1,n2,n3,n5,n6,n7 path\n")
	arr := write(t, "path.json", `["Trigger", "greet", "menu", "route", "sales"]`)
	code, stdout, _ = flowrun(t, "", "graph", "-format", "dot", "-path", arr, "../ivr/menu.json")
	require.Equal(t, 0, code)
	assert.Regexp(t, `n4 \[label="sales\\nsay-play", color="#d97706"`, stdout)

	// The IVR's tests take every transition but the failed send.
	code, stdout, stderr = flowrun(t, "", "graph", "-coverage", "../ivr", "../ivr/menu.json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "class n0,n1,n2,n3,n4,n5,n6,n7,n8 reached\n")
	assert.Contains(t, stdout, "linkStyle 11 stroke:#9ca3af")
	code, stdout, stderr = flowrun(t, "", "graph", "-json", "-coverage", "../ivr/menu.test.json", "../ivr/menu.json")
	require.Equal(t, 0, code, stderr)
	var js struct {
		Mermaid, DOT string
		Coverage     struct {
			Percent float64  `json:"percent"`
			Missed  []string `json:"missed"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &js), stdout)
	assert.True(t, strings.HasPrefix(js.Mermaid, "flowchart TD"))
	assert.True(t, strings.HasPrefix(js.DOT, "digraph "))
	assert.Equal(t, []string{"support_sms -failed-> support_bye"}, js.Coverage.Missed)
}

func TestGraphBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"graph"}, 2, "name one flow FILE"},
		{[]string{"graph", "-format", "png", "../ivr/menu.json"}, 2, `-format "png"`},
		{[]string{"graph", "no/such.json"}, 1, "no/such.json"},
		{[]string{"graph", "-path", "no/run.json", "../ivr/menu.json"}, 1, "no/run.json"},
		{[]string{"graph", "-path", "../ivr/menu.json", "../ivr/menu.json"}, 1, `no "path"`},
		{[]string{"graph", "-coverage", "../sms", "../ivr/menu.json"}, 1, "no test file under ../sms runs ../ivr/menu.json"},
		{[]string{"graph", "-flow-format", "xml", "../ivr/menu.json"}, 2, `-flow-format "xml"`},
		{[]string{"graph", "-path", write(t, "other.json", `["Trigger", "ask"]`), "../ivr/menu.json"}, 1, `ran through "ask", which is no state of ../ivr/menu.json`},
	} {
		code, _, stderr := flowrun(t, "", tc.args...)
		assert.Equal(t, tc.code, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
	}
}
