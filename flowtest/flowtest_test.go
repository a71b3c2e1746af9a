package flowtest_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/flowtest"
	"github.com/studioflow/studioflow/runtime/sim"
)

func fixed() time.Time { return time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC) }

func run(t *testing.T, paths ...string) *flowtest.Report {
	t.Helper()
	rep, err := flowtest.Run(context.Background(), paths, flowtest.Options{Clock: fixed})
	require.NoError(t, err)
	return rep
}

// A case whose expectations do not hold fails with each of them named;
// one whose script the wait refuses is an error; the rest pass.
func TestFailuresSayWhatDidNotHold(t *testing.T) {
	rep := run(t, "testdata/fail")
	require.Len(t, rep.Results, 3)
	assert.True(t, rep.Results[0].Passed())
	wrong := rep.Results[1]
	assert.Equal(t, "wrong status and path", wrong.Name)
	require.Len(t, wrong.Failures, 3, wrong.Failures)
	assert.Equal(t, "status: want failed, got ended", wrong.Failures[0])
	assert.Equal(t, `path: "support_sms" not found in order in Trigger > greet > menu > route > sales`, wrong.Failures[1])
	assert.True(t, strings.HasPrefix(wrong.Failures[2], `transcript: voice.say "nobody says this" not found in order in:`), wrong.Failures[2])
	refused := rep.Results[2]
	assert.Contains(t, refused.Error, `reply hello: state "menu" waits for one of keypress, speech, timeout`)
	assert.Equal(t, 2, rep.Failed())

	var out bytes.Buffer
	require.NoError(t, rep.WriteSummary(&out))
	assert.Contains(t, out.String(), "FAIL testdata/fail/wrong.test.json: wrong status and path\n  status: want failed, got ended\n")
	assert.True(t, strings.HasSuffix(out.String(), "1 passed, 2 failed in 0s\n"), out.String())
}

// Every expectation of the passing files holds: Twilio and Connect flows,
// attributes, mocks for Lambda functions, hours and queues, a chat.
func TestPassingFiles(t *testing.T) {
	rep := run(t, "testdata/pass")
	require.Len(t, rep.Results, 6)
	for _, r := range rep.Results {
		assert.True(t, r.Passed(), "%s: %v %s", r.Name, r.Failures, r.Error)
	}
	assert.Equal(t, []string{"Lookup", "Hours", "Menu", "Sales", "Queue", "Transfer"}, rep.Results[0].Path)
}

// JUnit XML: one suite per file, a failure per case whose expectations
// failed and an error per case that could not run.
func TestJUnit(t *testing.T) {
	rep := run(t, "testdata/pass", "testdata/fail")
	var out bytes.Buffer
	require.NoError(t, rep.WriteJUnit(&out))
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name    string  `xml:"name,attr"`
				Failure *string `xml:"failure"`
				Error   *string `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(out.Bytes(), &doc), out.String())
	assert.Equal(t, 9, doc.Tests)
	assert.Equal(t, 1, doc.Failures)
	assert.Equal(t, 1, doc.Errors)
	require.Len(t, doc.Suites, 3)
	assert.Equal(t, "testdata/fail/wrong.test.json", doc.Suites[2].Name)
	assert.NotNil(t, doc.Suites[2].Cases[1].Failure)
	assert.NotNil(t, doc.Suites[2].Cases[2].Error)
	assert.Nil(t, doc.Suites[2].Cases[0].Failure)
}

// Coverage per flow, and the flows under a threshold.
func TestCoverage(t *testing.T) {
	rep := run(t, "testdata/pass")
	cs := rep.Coverages()
	require.Len(t, cs, 2)
	menu := cs[1]
	assert.Equal(t, "../examples/ivr/menu.json", menu.Key)
	assert.Equal(t, 9, menu.States)
	assert.Equal(t, 6, menu.Reached)
	assert.Equal(t, 15, menu.Transitions, "the four trigger events wired to nothing are not measured")
	assert.Equal(t, 7, menu.Taken)
	assert.Contains(t, menu.Missed, "invalid")
	require.Len(t, rep.BelowCoverage(60), 1)
	assert.Equal(t, "../examples/ivr/menu.json", rep.BelowCoverage(60)[0].Key)
	assert.Empty(t, rep.BelowCoverage(50))
}

// Files that cannot mean anything are refused with what and where.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	for body, want := range map[string]string{
		`{"flow": "x.json", "tests": [{"name": "a", "expect": {"stauts": "ended"}}]}`: `unknown field "stauts"`,
		`{"tests": [{"name": "a"}]}`:                                               "names no flow",
		`{"flow": "x.json", "tests": []}`:                                          "holds no tests",
		`{"flow": "x.json", "now": "yesterday", "tests": [{"name": "a"}]}`:         `now "yesterday"`,
		`{"flow": "x.json", "tests": [{"expect": {}}]}`:                            "test 0 has no name",
		`{"flow": "x.json", "tests": [{"name": "a", "mocks": {"hours": "late"}}]}`: `hours "late"`,
		`{"flow": "x.json", "tests": [{"name": "a"}]} {}`:                          "more than one JSON value",
	} {
		_, err := flowtest.Load(write("t.test.json", body))
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), want, body)
	}
	// A file naming a flow that is not there fails its run, with the reason.
	rep := run(t, write("missing.test.json", `{"flow": "nowhere.json", "tests": [{"name": "a"}]}`))
	require.Len(t, rep.Results, 1)
	assert.Contains(t, rep.Results[0].Error, "nowhere.json")
	_, err := flowtest.Run(context.Background(), []string{t.TempDir()}, flowtest.Options{Clock: fixed})
	assert.ErrorContains(t, err, "no test files")
}

// 100 test files of two cases each: the figure the issue asks for.
func BenchmarkHundredFiles(b *testing.B) {
	dir := b.TempDir()
	menu, err := filepath.Abs("../examples/ivr/menu.json")
	require.NoError(b, err)
	for i := range 100 {
		body := fmt.Sprintf(`{"flow": %q, "tests": [
			{"name": "sales %d", "script": ["press 1"], "expect": {"status": "ended", "path_contains": ["sales"]}},
			{"name": "support %d", "script": ["press 2"], "expect": {"status": "ended", "path_contains": ["support_sms"]}}]}`, menu, i, i)
		require.NoError(b, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.test.json", i)), []byte(body), 0o600))
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := flowtest.Run(context.Background(), []string{dir}, flowtest.Options{Clock: fixed})
		if err != nil || rep.Failed() != 0 || len(rep.Results) != 200 {
			b.Fatalf("%v %d", err, rep.Failed())
		}
	}
}

// DiscoverFlows finds the flow files of a tree, leaving out test files and
// the directories the go command leaves out; Discover all the test files.
func TestDiscover(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"a/flow.json", "a/flow.test.json", "b/c/module.json", "notes.txt",
		"testdata/broken.json", "a/testdata/broken.test.json", ".git/x.json", "_old/y.json"} {
		p := filepath.Join(root, f)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("{}"), 0o600))
	}
	flows, err := flowtest.DiscoverFlows(root)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(root, "a/flow.json"), filepath.Join(root, "b/c/module.json")}, flows)
	tests, err := flowtest.Discover(root)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(root, "a/flow.test.json"), filepath.Join(root, "a/testdata/broken.test.json")}, tests)

	// A directory named as an argument is walked whatever its name.
	flows, err = flowtest.DiscoverFlows(filepath.Join(root, "testdata"))
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(root, "testdata/broken.json")}, flows)
	_, err = flowtest.DiscoverFlows(filepath.Join(root, "_old"), filepath.Join(root, "b", "c"), filepath.Join(root, ".git"))
	require.NoError(t, err)
	require.NoError(t, os.Mkdir(filepath.Join(root, "empty"), 0o755))
	_, err = flowtest.DiscoverFlows(filepath.Join(root, "empty"))
	assert.ErrorContains(t, err, "no *.json flow files")
}

// Only a regular file of at most flow.DefaultMaxReadBytes is read: a
// directory, a FIFO or /dev/zero is refused before it is opened.
func TestLoadDefinitionRefusesWhatIsNoFile(t *testing.T) {
	dir := t.TempDir()
	_, err := flowtest.LoadDefinition(dir, "")
	assert.ErrorContains(t, err, "not a regular file")
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err = flowtest.LoadDefinition("/dev/zero", "")
		assert.ErrorContains(t, err, "not a regular file")
	}
	big := filepath.Join(dir, "big.json")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte(" "), flow.DefaultMaxReadBytes+1), 0o600))
	_, err = flowtest.LoadDefinition(big, "")
	assert.ErrorContains(t, err, "larger than")
	_, err = flowtest.Load(big)
	assert.ErrorContains(t, err, "larger than")
}

// CoverageOf finds a file's coverage however the path is written, and
// adds up what test files measured of it under different keys: here the
// survey, run as the reminder's subflow (FWsurvey) and on its own.
func TestCoverageOf(t *testing.T) {
	survey, err := filepath.Abs("../examples/reminder/survey.json")
	require.NoError(t, err)
	own := filepath.Join(t.TempDir(), "survey.test.json")
	require.NoError(t, os.WriteFile(own, []byte(`{"flow": "`+filepath.ToSlash(survey)+`", "tests": [
  {"name": "no answer", "start": {"trigger": "parent", "to": "+15551230000"}, "script": ["timeout"],
   "expect": {"status": "ended", "path": ["Trigger", "rate"]}}]}`), 0o600))

	rep, err := flowtest.Run(context.Background(), []string{"../examples/reminder/reminder.test.json"}, flowtest.Options{})
	require.NoError(t, err)
	sub, ok := rep.CoverageOf("../examples/reminder/survey.json")
	require.True(t, ok)
	assert.Equal(t, "FWsurvey", sub.Key)
	_, ok = rep.CoverageOf("../examples/ivr/menu.json")
	assert.False(t, ok)

	rep, err = flowtest.Run(context.Background(), []string{"../examples/reminder/reminder.test.json", own}, flowtest.Options{})
	require.NoError(t, err)
	require.Zero(t, rep.Failed(), rep.Results)
	both, ok := rep.CoverageOf(survey)
	require.True(t, ok)
	untaken := func(d sim.DefinitionCoverage) []string {
		var out []string
		for _, tr := range d.Untaken() {
			out = append(out, tr.String())
		}
		return out
	}
	assert.Equal(t, []string{"rate -timeout-> Ended", "rate -deliveryFailure-> Ended"}, untaken(sub))
	assert.Equal(t, []string{"rate -deliveryFailure-> Ended"}, untaken(both), "the timeout is taken only on its own")
	assert.Equal(t, sub.States[0].Visits+1, both.States[0].Visits)
}
