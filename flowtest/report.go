package flowtest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/studioflow/studioflow/runtime/sim"
)

// WriteSummary writes one line per failed case with what did not hold,
// then a total: "12 passed, 1 failed in 35ms".
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	for _, res := range r.Results {
		if res.Passed() {
			continue
		}
		fmt.Fprintf(&b, "FAIL %s: %s\n", res.File, res.Name)
		if res.Error != "" {
			fmt.Fprintf(&b, "  %s\n", res.Error)
		}
		for _, f := range res.Failures {
			fmt.Fprintf(&b, "  %s\n", f)
		}
	}
	failed := r.Failed()
	fmt.Fprintf(&b, "%d passed, %d failed in %s\n", len(r.Results)-failed, failed, r.Duration.Round(1000))
	_, err := io.WriteString(w, b.String())
	return err
}

// FlowCoverage is the share of one flow's or module's states and
// transitions the run reached.
type FlowCoverage struct {
	// Key is the flow (its file's path, or the sid a test file gave it)
	// or "module:NAME".
	Key string `json:"key"`
	// States and Transitions count what the definition has; Reached and
	// Taken what the cases reached and took.
	States      int `json:"states"`
	Reached     int `json:"reached"`
	Transitions int `json:"transitions"`
	Taken       int `json:"taken"`
	// Percent is (Reached+Taken) / (States+Transitions), 100 for an empty
	// definition; Transitions leaves out trigger events wired to nothing.
	Percent float64 `json:"percent"`
	// Missed lists the states never reached and the transitions never
	// taken ("menu -keypress-> sales").
	Missed []string `json:"missed,omitempty"`
}

// Coverages returns the coverage of every flow and module the cases ran,
// in the order they were first run.
func (r *Report) Coverages() []FlowCoverage {
	var out []FlowCoverage
	for _, d := range r.Coverage.Definitions() {
		out = append(out, Summarize(d))
	}
	return out
}

// Summarize counts what one definition's coverage reached and missed.
func Summarize(d sim.DefinitionCoverage) FlowCoverage {
	// Trigger events wired to nothing are not measured (runtime/sim).
	fc := FlowCoverage{Key: d.Key, States: len(d.States), Reached: d.Reached(), Transitions: d.Measured(), Taken: d.Taken(), Percent: d.Percent()}
	fc.Missed = append(fc.Missed, d.Unreached()...)
	for _, t := range d.Untaken() {
		fc.Missed = append(fc.Missed, t.String())
	}
	return fc
}

// WriteCoverage writes one line per flow and module: its key, the share
// reached, and the counts.
func (r *Report) WriteCoverage(w io.Writer) error {
	var b strings.Builder
	for _, c := range r.Coverages() {
		fmt.Fprintf(&b, "coverage %5.1f%% %s (%d/%d states, %d/%d transitions)\n", c.Percent, c.Key, c.Reached, c.States, c.Taken, c.Transitions)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// BelowCoverage lists the flows and modules whose coverage is under min
// percent.
func (r *Report) BelowCoverage(min float64) []FlowCoverage {
	var out []FlowCoverage
	for _, c := range r.Coverages() {
		if c.Percent < min {
			out = append(out, c)
		}
	}
	return out
}

// junit is the JUnit XML CI systems read: one testsuite per test file.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML: a testsuite per test file, a
// testcase per case, a failure for what did not hold and an error for a
// case that could not run.
func (r *Report) WriteJUnit(w io.Writer) error {
	all := junitSuites{Time: seconds(r.Duration.Seconds())}
	index := map[string]int{}
	for _, res := range r.Results {
		i, ok := index[res.File]
		if !ok {
			i = len(all.Suites)
			index[res.File] = i
			all.Suites = append(all.Suites, junitSuite{Name: res.File})
		}
		s := &all.Suites[i]
		c := junitCase{Name: res.Name, Classname: res.File, Time: seconds(res.Duration.Seconds())}
		switch {
		case res.Error != "":
			c.Error = &junitProblem{Message: firstLine(res.Error), Text: res.Error}
			s.Errors++
			all.Errors++
		case len(res.Failures) > 0:
			c.Failure = &junitProblem{Message: firstLine(res.Failures[0]), Text: strings.Join(res.Failures, "\n")}
			s.Failures++
			all.Failures++
		}
		s.Tests++
		all.Tests++
		s.Cases = append(s.Cases, c)
	}
	for i := range all.Suites {
		var total float64
		for _, c := range r.Results {
			if c.File == all.Suites[i].Name {
				total += c.Duration.Seconds()
			}
		}
		all.Suites[i].Time = seconds(total)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
