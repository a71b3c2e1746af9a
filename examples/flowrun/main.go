// Command flowrun runs any Flow JSON, or an Amazon Connect flow, in the
// terminal as a simulated call or chat: it asks for each wait's input
// (digits, speech, a reply, a call outcome), or reads it from a script,
// and prints what the contact hears and receives and each step taken.
//
//	go run ./examples/flowrun -flow examples/ivr/menu.json
//	go run ./examples/flowrun -flow examples/ivr/menu.json -script examples/ivr/menu.script
//	go run ./examples/flowrun -flow flow.json -trigger request -param name=Ada -http-mocks mocks.json -json
//	go run ./examples/flowrun -flow connect-export.json -channel CHAT -lambda arn:aws:lambda:...:function:lookup=answer.json
//
// Flags:
//
//	-flow FILE            the flow to run (required)
//	-format FORMAT        twilio (Flow JSON) or connect (Amazon Connect's flow
//	                      language, bare or in a resource description);
//	                      default: what the file looks like
//	-module NAME=FILE     a published module run-module steps reach, or a
//	                      Connect module InvokeFlowModule reaches by its ARN,
//	                      id or name (repeatable)
//	-subflow SID=FILE     a published flow run-subflow steps reach (repeatable)
//	-flow-ref ARN_OR_NAME=FILE
//	                      a Connect flow TransferToFlow reaches (repeatable)
//	-channel CHANNEL      a Connect contact's channel: VOICE (a call, the
//	                      default), CHAT (a message), TASK or EMAIL (a REST
//	                      start)
//	-lambda ARN_OR_NAME=FILE
//	                      what InvokeLambdaFunction naming that function
//	                      answers: FILE holds a JSON object ($.External), or
//	                      {"errorMessage": "..."} for a failed invocation
//	                      (repeatable); an unanswered function fails
//	-hours open|closed    what CheckHoursOfOperation finds (default open)
//	-queue ARN_OR_NAME=full
//	                      a queue at capacity: TransferContactToQueue takes
//	                      QueueAtCapacity (repeatable)
//	-contact-center FILE  a JSON array of {"action", "resource", "answer"} or
//	                      {"action", "resource", "error_type"}: any request
//	                      to the contact center (hours by id, metrics, Lex,
//	                      profiles, cases ...); resource "" answers any
//	-trigger KIND         call, message, conversation, request or parent
//	                      (default: the first trigger event the flow wires)
//	-from ADDR, -to ADDR  Twilio's From and To: for a call, message or
//	                      conversation the contact's address and the flow's
//	                      number; for a request (Twilio's Executions API)
//	                      the flow's number and the contact's address
//	-param key=value      flow.data for a request, trigger.parent.parameters
//	                      for a parent trigger (repeatable)
//	-body TEXT            the first message, for message and conversation triggers
//	-http-mocks FILE      a JSON array of {"method", "url", "status", "body"};
//	                      an unmocked request fails the HTTP widget
//	-function SID_OR_NAME=FILE
//	                      what run-function steps naming that function sid,
//	                      url or url's last path element answer: a JSON
//	                      {"status_code", "body", "content_type"} (repeatable)
//	-now RFC3339          the clock (default: now), for time and calendar rules
//	-script FILE          read the contact's actions from FILE instead of asking
//	-json                 print the finished execution as one JSON object
//	                      (its "path", the states it ran through, is what
//	                      flowrun graph -path highlights)
//	-sid SID              the flow's sid (default FWflowrun)
//	-seed N               seed of the traffic splitter's randomness (default 1)
//	-max-steps N          the most steps the execution may take (default 1000)
//
// A script holds one action per line; blank lines and lines starting with #
// are ignored:
//
//	press DIGITS                 keypress
//	speak TEXT                   speech
//	reply TEXT                   incomingMessage
//	answer | busy | no-answer | fail    the outcome of a call the flow placed
//	hangup                       the caller hangs up
//	timeout                      the wait times out
//	event NAME [key=value ...]   any event, with data
//
// When the script runs out (or, asking, on end of input) and the execution
// still waits, each wait times out (or, with no timeout, the caller hangs up
// or the call goes unanswered) until the execution ends. Asking, an empty
// line does the same for one wait, and bare digits are a keypress.
//
// Bad input (a missing file, an invalid flow, an event the wait does not
// accept, an unknown verb) is reported on stderr with exit status 1; a
// usage error exits with 2. A flow that fails is a finished run: its
// status is printed, and the exit status is 0.
//
// # Flows as code
//
// Subcommands put flows in a pipeline, Twilio and Connect alike. Each
// prints text for people, or one JSON object with -json, and exits 0 when
// all is well, 1 when what it checks does not hold, 2 on a usage error
// (diff: 1 when the flows differ, 2 on any trouble). The logic lives in
// library packages, named beside each.
//
//	flowrun check [-strict] [-module NAME=FILE]... FILE|DIR...
//	    every check at once: the engine's (structure, widgets, templates,
//	    compat), module contracts (package module) and the linter's
//	    (package lint); exit 1 on any error
//	flowrun diff [-user LABEL=FILE -module NAME] OLD NEW
//	    what changed in meaning (package flowdiff), with the
//	    breaking-change verdict of a module's contract
//	flowrun test [-junit FILE] [-min-coverage N] [DIR|FILE...]
//	    the test files beside the flows (package flowtest), in parallel,
//	    with coverage per flow
//	flowrun graph [-format mermaid|dot] [-path RUN.json] [-coverage DIR] FILE
//	    the flow as a Mermaid flowchart or a Graphviz digraph (package
//	    graph), a run's path or the tests' coverage highlighted
//	flowrun env -vars FILE [-o FILE] FLOW
//	    the flow filled for one environment (package deploy); refused
//	    while a placeholder is left
//
// flowrun SUBCOMMAND -h lists each one's flags.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/flowtest"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/twilio"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// pairs is a repeatable key=value flag.
type pairs struct {
	name string
	keys []string
	vals map[string]string
}

// String implements flag.Value.
func (p *pairs) String() string { return "" }

// Set implements flag.Value: it adds one key=value pair; a later value for
// a key replaces an earlier one.
func (p *pairs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want %s, got %q", p.name, s)
	}
	k = strings.TrimSpace(k)
	if p.vals == nil {
		p.vals = map[string]string{}
	}
	if _, dup := p.vals[k]; !dup {
		p.keys = append(p.keys, k)
	}
	p.vals[k] = v
	return nil
}

// options are the parsed command line.
type options struct {
	flowFile, trigger, from, to, body, mocks, now, script, sid string
	format, channel, hours, contactCenter                      string
	jsonOut                                                    bool
	seed                                                       uint64
	maxSteps                                                   int
	modules, subflows, params, functions                       pairs
	flowRefs, lambdas, queues                                  pairs
}

// errUsage marks a command-line error (exit status 2).
var errUsage = errors.New("usage")

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{
		modules:   pairs{name: "NAME=FILE"},
		subflows:  pairs{name: "SID=FILE"},
		params:    pairs{name: "key=value"},
		functions: pairs{name: "SID_OR_NAME=FILE"},
		flowRefs:  pairs{name: "ARN_OR_NAME=FILE"},
		lambdas:   pairs{name: "ARN_OR_NAME=FILE"},
		queues:    pairs{name: "ARN_OR_NAME=full"},
	}
	fs := flag.NewFlagSet("flowrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.flowFile, "flow", "", "the Flow JSON `FILE` to run (required)")
	fs.Var(&o.modules, "module", "a published module: `NAME=FILE` (repeatable)")
	fs.Var(&o.subflows, "subflow", "a published flow run-subflow reaches: `SID=FILE` (repeatable)")
	fs.StringVar(&o.trigger, "trigger", "", "`KIND`: call, message, conversation, request or parent (default: the first trigger event the flow wires)")
	fs.StringVar(&o.from, "from", "", "`ADDR`: Twilio's From: the contact's address for a call, message or conversation; the flow's number for a request (Twilio's Executions API)")
	fs.StringVar(&o.to, "to", "", "`ADDR`: Twilio's To: the flow's number for a call, message or conversation; the contact's address for a request")
	fs.Var(&o.params, "param", "`key=value` of flow.data (request) or trigger.parent.parameters (parent); repeatable")
	fs.StringVar(&o.body, "body", "", "the first message's `TEXT` (message and conversation triggers)")
	fs.Var(&o.functions, "function", "a run-function answer: `SID_OR_NAME=FILE`, FILE a JSON {\"status_code\", \"body\", \"content_type\"}; SID_OR_NAME is the function_sid, the url, or the url's last path element (repeatable)")
	fs.StringVar(&o.mocks, "http-mocks", "", "a JSON `FILE`: an array of {\"method\", \"url\", \"status\", \"body\"}")
	fs.StringVar(&o.now, "now", "", "the clock, an `RFC3339` time (default: now)")
	fs.StringVar(&o.script, "script", "", "read the contact's actions from `FILE` instead of asking")
	fs.BoolVar(&o.jsonOut, "json", false, "print the finished execution as one JSON object on stdout")
	fs.StringVar(&o.sid, "sid", "FWflowrun", "the flow's `SID`")
	fs.StringVar(&o.format, "format", "", "`FORMAT` of the files: twilio or connect (default: what each file looks like)")
	fs.Var(&o.flowRefs, "flow-ref", "a Connect flow TransferToFlow reaches: `ARN_OR_NAME=FILE` (repeatable)")
	fs.StringVar(&o.channel, "channel", "", "a Connect contact's `CHANNEL`: VOICE, CHAT, TASK or EMAIL (default VOICE)")
	fs.Var(&o.lambdas, "lambda", "what a Lambda function answers: `ARN_OR_NAME=FILE`, FILE a JSON object, or {\"errorMessage\": ...} (repeatable)")
	fs.StringVar(&o.hours, "hours", "open", "what CheckHoursOfOperation finds: `open` or closed")
	fs.Var(&o.queues, "queue", "a queue at capacity: `ARN_OR_NAME=full` (repeatable)")
	fs.StringVar(&o.contactCenter, "contact-center", "", "a JSON `FILE`: an array of {\"action\", \"resource\", \"answer\"} or {\"action\", \"resource\", \"error_type\"}")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the engine's randomness")
	fs.IntVar(&o.maxSteps, "max-steps", runtime.DefaultMaxSteps, "the most steps the execution may take")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: flowrun -flow FILE [-script FILE] [-trigger KIND] [-param key=value]... [flags]")
		fmt.Fprintln(stderr, "       flowrun check|diff|test|graph|env [-json] [flags] ... (flowrun SUBCOMMAND -h)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flowrun: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return nil, errUsage
	}
	if o.flowFile == "" {
		fmt.Fprintln(stderr, "flowrun: -flow FILE is required")
		fs.Usage()
		return nil, errUsage
	}
	if o.format != "" && o.format != "twilio" && o.format != "connect" {
		fmt.Fprintf(stderr, "flowrun: -format %q: want twilio or connect\n", o.format)
		return nil, errUsage
	}
	if o.hours != "open" && o.hours != "closed" {
		fmt.Fprintf(stderr, "flowrun: -hours %q: want open or closed\n", o.hours)
		return nil, errUsage
	}
	return o, nil
}

// run is the whole command: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if cmd, ok := commands[args[0]]; ok {
			return cmd(args[1:], stdout, stderr)
		}
		if !strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "flowrun: unknown subcommand %q: want one of %s, or -flow FILE to run a flow\n",
				args[0], strings.Join(slices.Sorted(maps.Keys(commands)), ", "))
			return 2
		}
	}
	o, err := parseArgs(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		return 2
	}
	r := &runner{o: o, stdin: stdin, stdout: stdout, stderr: stderr, defs: map[string]*loaded{}}
	if err := r.run(context.Background()); err != nil {
		fmt.Fprintf(stderr, "flowrun: %v\n", err)
		return 1
	}
	return 0
}

// loaded is a definition and the file it came from.
type loaded struct {
	file string
	def  *flow.Definition
}

type runner struct {
	o              *options
	stdin          io.Reader
	stdout, stderr io.Writer
	// out receives the human-readable log: stdout, or nothing with -json.
	out io.Writer
	// ask receives prompts when asking: stdout, or stderr with -json.
	ask io.Writer
	// defs holds the flows by sid and the modules by "module:NAME".
	defs    map[string]*loaded
	ss      *sim.Session
	printed int // transcript entries printed
	steps   int // steps printed
}

func (r *runner) run(ctx context.Context) error {
	o := r.o
	r.out, r.ask = r.stdout, r.stdout
	if o.jsonOut {
		r.out, r.ask = io.Discard, r.stderr
	}
	main, err := load(o.flowFile, o.format)
	if err != nil {
		return err
	}
	r.defs[o.sid] = main
	opts := []sim.Option{sim.WithFlow(o.sid, main.def), sim.WithSeed(o.seed), sim.WithLimits(runtime.Limits{MaxSteps: o.maxSteps})}
	for _, refs := range []*pairs{&o.subflows, &o.flowRefs} {
		for _, sid := range refs.keys {
			l, err := load(refs.vals[sid], o.format)
			if err != nil {
				return err
			}
			r.defs[sid] = l
			opts = append(opts, sim.WithFlow(sid, l.def))
		}
	}
	for _, name := range o.modules.keys {
		l, err := loadModule(name, o.modules.vals[name], o.format)
		if err != nil {
			return err
		}
		r.defs["module:"+name] = l
		opts = append(opts, sim.WithModule(name, l.def))
	}
	now := time.Now().UTC().Truncate(time.Second)
	if o.now != "" {
		if now, err = time.Parse(time.RFC3339, o.now); err != nil {
			return fmt.Errorf("-now %q: want an RFC3339 time such as 2026-01-05T10:00:00Z", o.now)
		}
	}
	opts = append(opts, sim.WithNow(now))
	mocks, err := r.mocks()
	if err != nil {
		return err
	}
	opts = append(opts, mocks.Options()...)
	var script sim.Script
	if o.script != "" {
		f, err := os.Open(o.script)
		if err != nil {
			return err
		}
		script, err = sim.ParseScript(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", o.script, err)
		}
	}
	s := sim.New(opts...)
	if err := r.check(s.Engine); err != nil {
		return err
	}
	st, err := r.start(main.def)
	if err != nil {
		return err
	}

	r.ss, err = s.Start(ctx, st)
	if err != nil {
		return err
	}
	x := r.ss.Execution()
	// The contact's address first; a REST start (Twilio's Executions API)
	// goes from the flow's number to the contact.
	direction := "from %s to %s"
	if x.Trigger == runtime.TriggerRequest {
		direction = "to %s from %s"
	}
	fmt.Fprintf(r.out, "%s %s: %s "+direction+"\n", o.flowFile, describe(main.def), x.Trigger, x.Contact, x.Address)
	r.flush()
	if o.script != "" {
		err = r.scripted(ctx, script)
	} else {
		err = r.interactive(ctx)
	}
	if err != nil {
		_ = r.ss.Close(ctx)
		return err
	}
	return r.finish()
}

func describe(d *flow.Definition) string {
	if d.Description == "" {
		return "(no description)"
	}
	return fmt.Sprintf("%q", d.Description)
}

// load reads and parses one flow file (flowtest.LoadDefinition).
func load(file, format string) (*loaded, error) {
	def, err := flowtest.LoadDefinition(file, format)
	if err != nil {
		return nil, err
	}
	return &loaded{file: file, def: def}, nil
}

// loadModule reads the file of -module NAME=FILE, which must hold a
// module: a Twilio-style module (its initial state a begin-module) or a
// Connect flow module.
func loadModule(name, file, format string) (*loaded, error) {
	l, err := load(file, format)
	if err != nil {
		return nil, err
	}
	if l.def.Vendor == flow.VendorConnect && !fconnect.IsModule(l.def) {
		return nil, fmt.Errorf("%s: -module %s: not a Connect flow module", l.file, name)
	}
	if l.def.Vendor != flow.VendorConnect && !l.def.IsModule() {
		return nil, fmt.Errorf("%s: -module %s: not a module (its initial state is not a begin-module)", l.file, name)
	}
	return l, nil
}

// mocks reads what the world answers: -http-mocks, -function, -lambda,
// -hours, -queue and -contact-center.
func (r *runner) mocks() (flowtest.Mocks, error) {
	o := r.o
	m := flowtest.Mocks{Hours: o.hours}
	if o.mocks != "" {
		f, err := os.Open(o.mocks)
		if err != nil {
			return m, err
		}
		m.HTTP, err = sim.ReadHTTPMocks(f)
		f.Close()
		if err != nil {
			return m, fmt.Errorf("%s: %w", o.mocks, err)
		}
	}
	for _, key := range o.functions.keys {
		data, err := os.ReadFile(o.functions.vals[key])
		if err == nil {
			var a flowtest.FunctionAnswer
			if a, err = flowtest.ReadFunctionAnswer(data); err == nil {
				m.Functions = addTo(m.Functions, key, a)
				continue
			}
			err = fmt.Errorf("%s: %w", o.functions.vals[key], err)
		}
		return m, fmt.Errorf("-function %s: %w", key, err)
	}
	for _, key := range o.lambdas.keys {
		data, err := os.ReadFile(o.lambdas.vals[key])
		if err != nil {
			return m, fmt.Errorf("-lambda %s: %w", key, err)
		}
		var answer map[string]any
		if err := json.Unmarshal(data, &answer); err != nil || answer == nil {
			return m, fmt.Errorf("-lambda %s: %s: want a JSON object", key, o.lambdas.vals[key])
		}
		m.Lambdas = addTo(m.Lambdas, key, answer)
	}
	for _, key := range o.queues.keys {
		if o.queues.vals[key] != "full" {
			return m, fmt.Errorf("-queue %s=%s: the state of a queue is full", key, o.queues.vals[key])
		}
		m.FullQueues = append(m.FullQueues, key)
	}
	if o.contactCenter != "" {
		data, err := os.ReadFile(o.contactCenter)
		if err != nil {
			return m, err
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m.ContactCenter); err != nil {
			return m, fmt.Errorf("%s: want an array of {\"action\", \"resource\", \"answer\" or \"error_type\"}: %w", o.contactCenter, err)
		}
	}
	return m, m.Check()
}

func addTo[V any](m map[string]V, k string, v V) map[string]V {
	if m == nil {
		m = map[string]V{}
	}
	m[k] = v
	return m
}

// check runs the engine's full check on every definition: errors stop the
// run with every problem listed; warnings are printed.
func (r *runner) check(e *runtime.Engine) error {
	var bad []string
	for _, key := range slices.Sorted(maps.Keys(r.defs)) {
		l := r.defs[key]
		ps := e.Check(l.def)
		for _, p := range ps.Warnings() {
			fmt.Fprintf(r.stderr, "flowrun: %s: %s\n", l.file, p)
		}
		if errs := ps.Errors(); len(errs) > 0 {
			var b strings.Builder
			fmt.Fprintf(&b, "%s: invalid flow, %d error%s:", l.file, len(errs), plural(len(errs)))
			for _, p := range errs {
				fmt.Fprintf(&b, "\n  %s", p)
			}
			bad = append(bad, b.String())
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "\nflowrun: "))
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// start builds the simulated contact's start from the flags.
func (r *runner) start(def *flow.Definition) (sim.Start, error) {
	o := r.o
	st := sim.Start{Flow: o.sid, Body: o.body, Channel: o.channel}
	switch {
	case o.trigger != "":
		k, ok := runtime.TriggerKindOf(runtime.TriggerKind(o.trigger).Event())
		if !ok {
			return st, fmt.Errorf("-trigger %q: want call, message, conversation, request or parent", o.trigger)
		}
		st.Trigger = k
	case o.channel == "": // a channel picks the trigger itself (sim.Start)
		k, err := sim.DefaultTrigger(def)
		if err != nil {
			return st, fmt.Errorf("%s: %w", o.flowFile, err)
		}
		st.Trigger = k
	}
	// -from and -to mean what Twilio's From and To mean for the trigger;
	// the simulator's defaults fill what is not given.
	st.Contact, st.FlowAddress = runtime.TwilioAddresses(st.Trigger, o.from, o.to)
	if len(o.params.keys) > 0 {
		st.Params = map[string]any{}
		for _, k := range o.params.keys {
			st.Params[k] = o.params.vals[k]
		}
		if st.Trigger != runtime.TriggerRequest && st.Trigger != runtime.TriggerParent {
			fmt.Fprintf(r.stderr, "flowrun: warning: -param sets flow.data only for a request trigger (trigger.parent.parameters for parent); a %s start ignores it\n", st.Trigger)
		}
	}
	return st, nil
}

// flush prints the transcript entries and steps recorded since the last
// flush: what the contact heard, received and caused, then the steps.
func (r *runner) flush() {
	added := r.ss.TranscriptSince(r.printed)
	for _, e := range added {
		if e.Service != "caller" {
			fmt.Fprintf(r.out, "  %s\n", e)
		}
	}
	r.printed += len(added)
	x := r.ss.Execution()
	for _, s := range x.Steps[r.steps:] {
		fmt.Fprintf(r.out, "    step %s%s\n", sim.FormatStep(s), stepError(x, s))
	}
	r.steps = len(x.Steps)
}

// stepError is ": why" for a step of the root flow whose widget failed
// (its outputs hold an error, as make-http-request's and run-function's
// failed events do), else "".
func stepError(x *runtime.Execution, s runtime.Step) string {
	if s.Frame != "" {
		return ""
	}
	out, _ := x.Widgets()[s.From].(map[string]any)
	if msg, ok := out["error"].(string); ok && msg != "" {
		return " (" + msg + ")"
	}
	return ""
}

// scripted delivers the script, then lets every wait take its default.
func (r *runner) scripted(ctx context.Context, script sim.Script) error {
	for _, a := range script {
		if !r.ss.Done() {
			r.showWait(r.out)
			fmt.Fprintf(r.out, "> %s\n", a)
		}
		if err := r.ss.Do(ctx, a); err != nil {
			return fmt.Errorf("%s: %w", r.o.script, err)
		}
		r.flush()
	}
	return r.defaults(ctx)
}

// defaults lets each wait take its default action until the execution
// ends.
func (r *runner) defaults(ctx context.Context) error {
	for !r.ss.Done() {
		r.showWait(r.out)
		a, err := r.ss.Default(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(r.out, "> %s (nothing scripted)\n", a)
		r.flush()
	}
	return nil
}

// interactive asks for each wait's action on stdin.
func (r *runner) interactive(ctx context.Context) error {
	in := bufio.NewScanner(r.stdin)
	// A terminal echoes what the person types; piped input is echoed here
	// so the log reads the same.
	echo := true
	if f, ok := r.stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			echo = false
		}
	}
	for !r.ss.Done() {
		w := r.ss.Waiting()
		r.showWait(r.ask)
		def, hasDefault := sim.DefaultAction(w)
		hint := "empty line: hang up"
		if hasDefault {
			hint = "empty line: " + def.String()
		}
		fmt.Fprintf(r.ask, "  (%s; help lists the verbs)\n> ", hint)
		if !in.Scan() {
			fmt.Fprintln(r.ask)
			if err := in.Err(); err != nil {
				return err
			}
			return r.defaults(ctx)
		}
		line := strings.TrimSpace(in.Text())
		if echo {
			fmt.Fprintln(r.ask, line)
		}
		var a sim.Action
		var err error
		switch {
		case line == "":
			a, err = r.ss.Default(ctx)
			if err == nil {
				fmt.Fprintf(r.ask, "  (nothing entered: %s)\n", a)
			}
		case line == "help" || line == "?":
			fmt.Fprintf(r.ask, "  verbs: %s\n", strings.Join(sim.Verbs, ", "))
			continue
		case strings.Trim(line, "0123456789*#") == "":
			err = r.ss.Do(ctx, sim.Press(line))
		default:
			if a, err = sim.ParseAction(line); err == nil {
				err = r.ss.Do(ctx, a)
			}
		}
		if err != nil {
			var ae *sim.ActionError
			if errors.Is(err, sim.ErrSyntax) || (errors.As(err, &ae) && ae.Err == sim.ErrNotAccepted) {
				fmt.Fprintf(r.ask, "  %v\n", err)
				continue
			}
			return err
		}
		r.flush()
	}
	return nil
}

// showWait says what the execution waits for and which actions fit.
func (r *runner) showWait(w io.Writer) {
	ws := r.ss.Waiting()
	if ws == nil {
		return
	}
	x := r.ss.Execution()
	top := x.Frames[len(x.Frames)-1]
	name := ws.State
	if l := top.Label(); l != "" {
		name = l + "/" + name
	}
	stateType := ""
	key := top.Sid
	if top.Kind == runtime.FrameModule {
		key = "module:" + top.Ref
	}
	if l, ok := r.defs[key]; ok {
		if st := l.def.State(ws.State); st != nil {
			stateType = st.Type
		}
	}
	typ := ""
	if stateType != "" {
		typ = " (" + stateType + ")"
	}
	fmt.Fprintf(w, "? %s%s waits for %s", name, typ, strings.Join(ws.Events, ", "))
	var details []string
	for _, k := range slices.Sorted(maps.Keys(ws.Prompt)) {
		details = append(details, fmt.Sprintf("%s=%v", k, ws.Prompt[k]))
	}
	if ws.Deadline != nil {
		at := ws.Deadline.Format(time.RFC3339)
		if stateType == "gather-input-on-call" {
			// The call's own timeout is Twilio's to report; the engine's
			// deadline is that timeout plus the grace it gives the host.
			at = fmt.Sprintf("%s (its timeout, plus %s the engine waits for the host to report it)", at, twilio.GatherGrace)
		}
		details = append(details, "times out at "+at)
	}
	if len(details) > 0 {
		fmt.Fprintf(w, " [%s]", strings.Join(details, ", "))
	}
	fmt.Fprintf(w, "\n  script: %s\n", strings.Join(sim.VerbsFor(ws), " | "))
}

// result is the -json output.
type result struct {
	ID         string              `json:"id"`
	FlowSid    string              `json:"flow_sid"`
	Status     runtime.Status      `json:"status"`
	Reason     string              `json:"reason,omitempty"`
	Code       runtime.FailureCode `json:"failure_code,omitempty"`
	Trigger    string              `json:"trigger"`
	Steps      []runtime.Step      `json:"steps"`
	Path       []string            `json:"path"`
	Context    resultContext       `json:"context"`
	Transcript []fake.Entry        `json:"transcript"`
	Exposed    map[string]any      `json:"exposed,omitempty"`
	Shared     map[string]any      `json:"shared,omitempty"`
	Wait       *runtime.WaitState  `json:"wait,omitempty"`
}

type resultContext struct {
	Flow    resultFlow     `json:"flow"`
	Widgets map[string]any `json:"widgets"`
}

type resultFlow struct {
	Variables map[string]any `json:"variables"`
}

// finish prints the outcome: a summary line, or the -json object.
func (r *runner) finish() error {
	run := r.ss.Run()
	x := run.Execution
	if !r.o.jsonOut {
		fmt.Fprintf(r.out, "execution %s %s", x.ID, x.Status)
		if x.FailureCode != "" {
			fmt.Fprintf(r.out, " [%s]", x.FailureCode)
		}
		if x.Reason != "" {
			fmt.Fprintf(r.out, ": %s", x.Reason)
		}
		fmt.Fprintln(r.out)
		return nil
	}
	res := result{
		ID: x.ID, FlowSid: x.FlowSid, Status: x.Status, Reason: x.Reason, Code: x.FailureCode, Trigger: x.Trigger.Event(),
		Steps: x.Steps, Path: run.Path(), Transcript: run.Transcript, Exposed: x.Exposed, Shared: x.Shared, Wait: x.Wait,
		Context: resultContext{Flow: resultFlow{Variables: x.Variables()}, Widgets: x.Widgets()},
	}
	if res.Context.Flow.Variables == nil {
		res.Context.Flow.Variables = map[string]any{}
	}
	if res.Context.Widgets == nil {
		res.Context.Widgets = map[string]any{}
	}
	if res.Transcript == nil {
		res.Transcript = []fake.Entry{}
	}
	if res.Path == nil {
		res.Path = []string{}
	}
	enc := json.NewEncoder(r.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
