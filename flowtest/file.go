package flowtest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
)

// Suffix ends the name of every test file Discover finds.
const Suffix = ".test.json"

// File is one test file: the flow under test, what it reaches, the mocks
// every case shares, and the cases.
//
//	{
//	  "flow": "menu.json",
//	  "modules": {"holiday_check": "holiday.json"},
//	  "flows": {"FWchild": "child.json"},
//	  "now": "2026-01-05T10:00:00Z",
//	  "mocks": {"http": [{"url": "https://api.example.com/x", "body": {"ok": true}}]},
//	  "tests": [
//	    {"name": "caller picks sales",
//	     "start": {"trigger": "call", "from": "+15551230000"},
//	     "script": ["press 1"],
//	     "expect": {"status": "ended", "path": ["Trigger", "menu", "sales"],
//	                "transcript": ["voice.say \"Connecting you to sales.\""]}}
//	  ]
//	}
//
// Paths are relative to the test file. The flow's format (Flow JSON or
// Amazon Connect's flow language) is detected unless Format says.
type File struct {
	// Path is where the file was read from; set by Load.
	Path string `json:"-"`
	// Flow is the flow under test.
	Flow string `json:"flow"`
	// Format is "twilio" or "connect"; empty detects it.
	Format string `json:"format,omitempty"`
	// Modules are the modules run-module or InvokeFlowModule steps reach,
	// by name (a Connect module by ARN, id or name).
	Modules map[string]string `json:"modules,omitempty"`
	// Flows are the flows run-subflow or TransferToFlow steps reach, by
	// sid (a Connect flow by ARN, id or name).
	Flows map[string]string `json:"flows,omitempty"`
	// Now is the clock every case starts at, RFC 3339; the simulator's
	// default (a Monday, 10:00 UTC) when empty.
	Now string `json:"now,omitempty"`
	// Seed seeds the engine's randomness (split by percentage); 1 when 0.
	Seed uint64 `json:"seed,omitempty"`
	// Mocks are shared by every case; a case's own are added.
	Mocks Mocks `json:"mocks,omitempty"`
	// Tests are the cases.
	Tests []Case `json:"tests"`
}

// Case is one simulated contact and what must come of it.
type Case struct {
	// Name names the case in reports.
	Name string `json:"name"`
	// Start is how the contact comes in.
	Start Start `json:"start,omitempty"`
	// Script is the contact's actions, one per line in flowrun's script
	// syntax: "press 1", "reply yes", "timeout", "event NAME k=v" ...
	// When it runs out, each wait takes its default (a timeout, else a
	// hang-up), as in flowrun.
	Script []string `json:"script,omitempty"`
	// Mocks are added to the file's for this case.
	Mocks Mocks `json:"mocks,omitempty"`
	// Now, when set, is the case's clock instead of the file's.
	Now string `json:"now,omitempty"`
	// Expect is what must hold when the execution has ended.
	Expect Expect `json:"expect"`
}

// Start says how the contact comes in, as flowrun's flags do.
type Start struct {
	// Trigger is call, message, conversation, request or parent; empty
	// takes the flow's first wired trigger (a call for Connect).
	Trigger string `json:"trigger,omitempty"`
	// Channel is a Connect contact's channel: VOICE, CHAT, TASK, EMAIL.
	Channel string `json:"channel,omitempty"`
	// From and To are Twilio's From and To (for a request, the flow's
	// number and the contact's).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Params are flow.data for a request (trigger.parent.parameters for
	// a parent trigger).
	Params map[string]any `json:"params,omitempty"`
	// Body is the first message, for message and conversation triggers.
	Body string `json:"body,omitempty"`
	// Payload adds fields to the trigger (trigger.call.* ...).
	Payload map[string]any `json:"payload,omitempty"`
}

// Expect is what a case checks; what it leaves empty is not checked.
type Expect struct {
	// Status is ended or failed.
	Status string `json:"status,omitempty"`
	// FailureCode is the failed execution's code (limit_steps ...).
	FailureCode string `json:"failure_code,omitempty"`
	// Path is the exact list of states the execution went through, as
	// runtime/sim's Run.Path gives it (states in modules and subflows
	// prefixed "module:NAME/" and "subflow:SID/").
	Path []string `json:"path,omitempty"`
	// PathContains are states the path holds in this order, others
	// possibly between.
	PathContains []string `json:"path_contains,omitempty"`
	// Variables are flow.variables of the flow (only the keys given are
	// compared, as JSON values).
	Variables map[string]any `json:"variables,omitempty"`
	// Attributes are a Connect contact's attributes ($.Attributes; only
	// the keys given are compared).
	Attributes map[string]any `json:"attributes,omitempty"`
	// Transcript are lines of the transcript (voice.say "...",
	// messaging.send to=... "...", http.request "...") that must appear
	// in this order, others possibly between.
	Transcript []string `json:"transcript,omitempty"`
}

// Load reads a test file. Unknown keys are refused: a misspelled
// expectation must not pass as no expectation. As with LoadDefinition,
// only a regular file of at most flow.DefaultMaxReadBytes is read.
func Load(path string) (*File, error) {
	data, err := readFlowFile(path)
	if err != nil {
		return nil, err
	}
	f := &File{}
	if err := strictDecode(data, f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Path = path
	if f.Flow == "" {
		return nil, fmt.Errorf("%s: names no flow", path)
	}
	if len(f.Tests) == 0 {
		return nil, fmt.Errorf("%s: holds no tests", path)
	}
	if _, err := f.now(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, c := range f.Tests {
		if c.Name == "" {
			return nil, fmt.Errorf("%s: test %d has no name", path, i)
		}
		if _, err := parseNow(c.Now); err != nil {
			return nil, fmt.Errorf("%s: test %q: %w", path, c.Name, err)
		}
		if err := f.Mocks.Merge(c.Mocks).Check(); err != nil {
			return nil, fmt.Errorf("%s: test %q: mocks: %w", path, c.Name, err)
		}
	}
	return f, nil
}

// now is the file's clock.
func (f *File) now() (time.Time, error) { return parseNow(f.Now) }

// parseNow reads a clock; the zero time for "".
func parseNow(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("now %q: want an RFC 3339 time such as 2026-01-05T10:00:00Z", s)
	}
	return t, nil
}

// rel resolves a path the file names.
func (f *File) rel(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(f.Path), p)
}

// LoadDefinition reads a flow file: Flow JSON, or Amazon Connect's flow
// language when format is "connect" or, empty, when the file looks like
// it.
//
// Only a regular file is read (a FIFO or a device such as /dev/zero is
// refused before it is opened), and at most flow.DefaultMaxReadBytes of
// it: a larger file is refused.
func LoadDefinition(path, format string) (*flow.Definition, error) {
	data, err := readFlowFile(path)
	if err != nil {
		return nil, err
	}
	var d *flow.Definition
	switch {
	case format == "connect" || (format == "" && fconnect.Detect(data)):
		d, err = fconnect.Parse(data)
	case format == "" || format == "twilio":
		d, err = flow.Parse(data)
	default:
		return nil, fmt.Errorf("%s: format %q: want twilio or connect", path, format)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// readFlowFile reads a regular file of at most flow.DefaultMaxReadBytes.
func readFlowFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, flow.DefaultMaxReadBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > flow.DefaultMaxReadBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes, the most a flow may be", path, flow.DefaultMaxReadBytes)
	}
	return data, nil
}

// Discover lists the test files in paths: a file as given, a directory's
// files ending in Suffix, at any depth, in lexical order.
func Discover(paths ...string) ([]string, error) {
	return discover(paths, func(name string) bool { return strings.HasSuffix(name, Suffix) }, false, false)
}

// DiscoverFlows lists the flow files in paths, as flowrun check reads
// them: a file as given, a directory's *.json files at any depth but its
// test files (ending in Suffix), in lexical order. A directory without
// any is an error. As the go command does, it leaves out the directories
// below the one given that are named testdata or start with "." or "_",
// where broken flows kept as fixtures and tools' files live.
func DiscoverFlows(paths ...string) ([]string, error) {
	return discover(paths, func(name string) bool {
		return strings.HasSuffix(name, ".json") && !strings.HasSuffix(name, Suffix)
	}, true, true)
}

// skipDir reports whether a directory met while walking is left out.
func skipDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// discover walks paths for the files match accepts; skip leaves out the
// directories skipDir names, and notEmpty makes a directory without any
// such file an error.
func discover(paths []string, match func(name string) bool, notEmpty, skip bool) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		n := len(out)
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if skip && d.IsDir() && path != p && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			if !d.IsDir() && match(d.Name()) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if notEmpty && len(out) == n {
			return nil, fmt.Errorf("%s: no *.json flow files", p)
		}
	}
	return out, nil
}
