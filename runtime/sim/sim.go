package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
	fconnect "github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// Default addresses of a simulated contact and of the flow it reaches.
const (
	// DefaultContact is the contact's address when a run gives none.
	DefaultContact = "+15551230000"
	// DefaultFlowAddress is the flow's address when a run gives none.
	DefaultFlowAddress = "+15559870000"
)

// DefaultNow is where a simulator's clock starts unless WithNow says
// otherwise: a Monday, 10:00 UTC.
var DefaultNow = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// Sim drives a real runtime.Engine with scripted contacts. It owns the
// engine's fake services (Fakes), a fixed clock (Clock), sequential ids and
// seeded randomness, so the same script always gives the same run.
//
// A Sim runs one session at a time: a transcript is what the shared fakes
// recorded while the session ran. Use one Sim per goroutine.
type Sim struct {
	// Engine is the engine the simulations run on.
	Engine *runtime.Engine
	// Fakes are the engine's services; configure them (HTTP mocks, function
	// and action handlers, failures) before running.
	Fakes *fake.Fakes
	// Clock is the engine's clock. Timeouts move it to the wait's deadline.
	Clock *runtime.FixedClock

	flows    runtime.Definitions
	modules  runtime.ModuleDefinitions
	order    []string // flow sids in the order added
	coverage *Coverage
	maxSteps int
	seq      int
}

// Option configures a Sim.
type Option func(*config)

type config struct {
	flows       runtime.Definitions
	modules     runtime.ModuleDefinitions
	order       []string
	modOrder    []string
	runtimeOpts []runtime.Option
	now         time.Time
	seed        uint64
	limits      runtime.Limits
	mocks       []HTTPMock
	coverage    *Coverage
	fakes       []func(*fake.Fakes)
	failures    []Failure
}

// WithFlow adds a flow under sid: a flow to start, or a subflow run-subflow
// reaches (published, revision 1).
func WithFlow(sid string, def *flow.Definition) Option {
	return func(c *config) {
		if _, ok := c.flows[sid]; !ok {
			c.order = append(c.order, sid)
		}
		c.flows[sid] = def
	}
}

// WithModule adds a published module run-module steps reach by name.
func WithModule(name string, def *flow.Definition) Option {
	return func(c *config) {
		if _, ok := c.modules[name]; !ok {
			c.modOrder = append(c.modOrder, name)
		}
		c.modules[name] = def
	}
}

// WithNow sets where the clock starts (default DefaultNow), for time- and
// calendar-based rules.
func WithNow(t time.Time) Option { return func(c *config) { c.now = t } }

// WithSeed seeds the engine's randomness (default 1).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithLimits sets the engine's limits. MaxSteps also bounds how many
// actions a session delivers on its own once its script has run out.
func WithLimits(l runtime.Limits) Option { return func(c *config) { c.limits = l } }

// WithRuntime passes more options to runtime.New (widgets, checkers, a
// sink, another source...). They apply after the simulator's own, so they
// may replace them.
func WithRuntime(opts ...runtime.Option) Option {
	return func(c *config) { c.runtimeOpts = append(c.runtimeOpts, opts...) }
}

// WithHTTPMocks answers HTTP requests (make-http-request, run-function over
// HTTP) from mocks. An unmocked request fails the widget; nothing reaches
// the network.
func WithHTTPMocks(mocks ...HTTPMock) Option {
	return func(c *config) { c.mocks = append(c.mocks, mocks...) }
}

// WithFakes configures the fake services once they exist (function and
// action handlers, failures...).
func WithFakes(fn func(*fake.Fakes)) Option {
	return func(c *config) { c.fakes = append(c.fakes, fn) }
}

// WithCoverage records every session of the simulator in cov, and adds the
// simulator's flows and modules to it.
func WithCoverage(cov *Coverage) Option { return func(c *config) { c.coverage = cov } }

// New builds a simulator: an engine over fake services serving the flows
// and modules given with WithFlow and WithModule.
func New(opts ...Option) *Sim {
	c := &config{flows: runtime.Definitions{}, modules: runtime.ModuleDefinitions{}, now: DefaultNow, seed: 1}
	for _, o := range opts {
		o(c)
	}
	s := &Sim{
		Fakes: fake.New(), Clock: runtime.NewFixedClock(c.now),
		flows: c.flows, modules: c.modules, order: c.order, coverage: c.coverage,
	}
	for _, m := range c.mocks {
		m.install(s.Fakes.HTTP)
	}
	injectFailures(s.Fakes, c.failures)
	for _, fn := range c.fakes {
		fn(s.Fakes)
	}
	base := []runtime.Option{
		runtime.WithSource(references{c.flows}),
		runtime.WithModules(moduleReferences{c.modules}),
		runtime.WithServices(s.Fakes.Services()),
		runtime.WithClock(s.Clock.Now),
		runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithSeed(c.seed),
		runtime.WithLimits(c.limits),
	}
	s.Engine = runtime.New(append(base, c.runtimeOpts...)...)
	// The engine's limits, however they were set, bound what the
	// simulator delivers on its own.
	s.maxSteps = s.Engine.Limits().MaxSteps
	if s.coverage != nil {
		for _, sid := range c.order {
			s.coverage.AddFlow(sid, c.flows[sid])
		}
		for _, name := range c.modOrder {
			s.coverage.AddModule(name, c.modules[name])
		}
	}
	return s
}

// Start describes how a simulated contact reaches a flow.
type Start struct {
	// Flow is the flow sid; empty means the first flow given to the
	// simulator.
	Flow string
	// Trigger is how the contact comes in; empty means the first trigger
	// event the flow wires.
	Trigger runtime.TriggerKind
	// Contact is the contact's address (contact.channel.address) and
	// FlowAddress the flow's (flow.channel.address); DefaultContact and
	// DefaultFlowAddress when empty. runtime.TwilioAddresses maps Twilio's
	// From and To, which swap for a REST start.
	Contact, FlowAddress string
	// Params become flow.data (request trigger) or
	// trigger.parent.parameters (parent trigger).
	Params map[string]any
	// Body is the text of the message that starts a message or
	// conversation execution (trigger.message.Body).
	Body string
	// CallSid and ConversationSid identify the call or conversation;
	// generated when empty.
	CallSid, ConversationSid string
	// Payload adds fields to the trigger (trigger.call.*,
	// trigger.message.* ...).
	Payload map[string]any
	// Channel is an Amazon Connect contact's channel: VOICE, CHAT, TASK
	// or EMAIL. It goes into the payload as "Channel", and, when Trigger
	// is empty, picks it: a call, a message, a REST request (TASK and
	// EMAIL).
	Channel string
}

// Run starts a session for st, delivers the script's actions one per wait,
// and, when the script runs out while the execution still waits, lets
// each wait take its DefaultAction until the execution ends (bounded by
// the step limit). It returns the run so far even with an error: an action
// the wait does not accept (*ActionError, ErrNotAccepted), actions left
// after the execution ended (ErrEnded), a wait nothing would end
// (ErrStuck). A session stopped by an error is ended, so it never blocks a
// later one.
func (s *Sim) Run(ctx context.Context, st Start, script Script) (*Run, error) {
	ss, err := s.Start(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, a := range script {
		if err := ss.Do(ctx, a); err != nil {
			_ = ss.Close(ctx)
			return ss.Run(), err
		}
	}
	if err := ss.Finish(ctx); err != nil {
		_ = ss.Close(ctx)
		return ss.Run(), err
	}
	return ss.Run(), nil
}

// Session is one simulated contact driving one execution, action by
// action. Get one with Sim.Start.
type Session struct {
	sim      *Sim
	x        *runtime.Execution
	entries  []fake.Entry
	cursor   int // fakes' transcript entries already taken
	auto     int // actions delivered on the session's own
	recorded bool
	stopped  string // the state the session ended the execution in, qualified
}

// Start starts an execution as st describes and runs it until it waits or
// ends.
func (s *Sim) Start(ctx context.Context, st Start) (*Session, error) {
	req, err := s.request(st)
	if err != nil {
		return nil, err
	}
	ss := &Session{sim: s, cursor: s.Fakes.T.Len()}
	x, err := s.Engine.Start(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("sim: start %s: %w", req.FlowSid, err)
	}
	ss.update(x)
	return ss, nil
}

func (s *Sim) request(st Start) (runtime.StartRequest, error) {
	req := runtime.StartRequest{
		FlowSid: st.Flow, Trigger: st.Trigger, Contact: st.Contact, FlowAddress: st.FlowAddress,
		CallSid: st.CallSid, ConversationSid: st.ConversationSid, Parameters: st.Params,
	}
	if req.FlowSid == "" {
		if len(s.order) == 0 {
			return req, errors.New("sim: start: no flow named and none given to the simulator")
		}
		req.FlowSid = s.order[0]
	}
	if req.Trigger == "" && st.Channel != "" {
		switch strings.ToUpper(st.Channel) {
		case "VOICE":
			req.Trigger = runtime.TriggerCall
		case "CHAT":
			req.Trigger = runtime.TriggerMessage
		case "TASK", "EMAIL":
			req.Trigger = runtime.TriggerRequest
		default:
			return req, fmt.Errorf("sim: start: channel %q is not VOICE, CHAT, TASK or EMAIL", st.Channel)
		}
	}
	if req.Trigger == "" {
		def, ok := s.flows[req.FlowSid]
		if !ok {
			return req, fmt.Errorf("sim: start %s: no trigger given and the flow is not one the simulator was given", req.FlowSid)
		}
		k, err := DefaultTrigger(def)
		if err != nil {
			return req, fmt.Errorf("sim: start %s: %w", req.FlowSid, err)
		}
		req.Trigger = k
	}
	if req.Contact == "" {
		req.Contact = DefaultContact
	}
	if req.FlowAddress == "" {
		req.FlowAddress = DefaultFlowAddress
	}
	s.seq++
	switch req.Trigger {
	case runtime.TriggerCall:
		if req.CallSid == "" {
			req.CallSid = fmt.Sprintf("CA%032x", s.seq)
		}
	case runtime.TriggerConversation:
		if req.ConversationSid == "" {
			req.ConversationSid = fmt.Sprintf("CH%032x", s.seq)
		}
	}
	payload := map[string]any{}
	for k, v := range st.Payload {
		payload[k] = v
	}
	if st.Channel != "" {
		payload["Channel"] = strings.ToUpper(st.Channel)
	}
	if req.Trigger == runtime.TriggerMessage || req.Trigger == runtime.TriggerConversation {
		if _, ok := payload["Body"]; !ok {
			payload["Body"] = st.Body
		}
		if _, ok := payload["MessageSid"]; !ok && req.Trigger == runtime.TriggerMessage {
			payload["MessageSid"] = s.messageSid()
		}
	}
	if len(payload) > 0 {
		req.Payload = payload
	}
	return req, nil
}

func (s *Sim) messageSid() string {
	s.seq++
	return fmt.Sprintf("SM%032x", s.seq)
}

// DefaultTrigger is the trigger kind of the first trigger event def wires
// (a transition of its trigger state that leads somewhere).
func DefaultTrigger(def *flow.Definition) (runtime.TriggerKind, error) {
	if def.Vendor == flow.VendorConnect {
		// A Connect flow has no trigger: it answers a call unless told
		// otherwise (Start.Channel).
		return runtime.TriggerCall, nil
	}
	for _, ev := range def.WiredTriggerEvents() {
		if k, ok := runtime.TriggerKindOf(ev); ok {
			return k, nil
		}
	}
	if def.IsModule() {
		return "", errors.New("the definition is a module: run it from a flow's run-module step")
	}
	return "", errors.New("the flow wires no trigger event (no transition of its trigger leads anywhere)")
}

// Execution is the execution as it stands.
func (ss *Session) Execution() *runtime.Execution { return ss.x }

// Waiting is what the execution waits for, or nil once it has ended.
func (ss *Session) Waiting() *runtime.WaitState {
	if ss.x.Done() {
		return nil
	}
	return ss.x.Wait
}

// Done reports whether the execution has ended.
func (ss *Session) Done() bool { return ss.x.Done() }

// Transcript is what happened so far, in order: every service call the
// execution made and every action of the contact (service "caller").
func (ss *Session) Transcript() []fake.Entry { return append([]fake.Entry(nil), ss.entries...) }

// TranscriptSince returns the session's transcript entries after the first
// n, for printing as they happen.
func (ss *Session) TranscriptSince(n int) []fake.Entry {
	if n >= len(ss.entries) {
		return nil
	}
	return append([]fake.Entry(nil), ss.entries[n:]...)
}

// Run returns a snapshot of the session.
func (ss *Session) Run() *Run {
	return &Run{Execution: ss.x, Transcript: ss.Transcript(), stopped: ss.stopped}
}

// Do delivers one action to the waiting execution and runs it until it
// waits again or ends. Errors are *ActionError values: ErrEnded when the
// execution has already ended, ErrNotAccepted when the wait takes no event
// the action stands for; the execution is then unchanged.
func (ss *Session) Do(ctx context.Context, a Action) error {
	return ss.do(ctx, a, false)
}

func (ss *Session) do(ctx context.Context, a Action, auto bool) error {
	x := ss.x
	if x.Done() {
		return &ActionError{Action: a, Status: x.Status, Err: ErrEnded}
	}
	w := x.Wait
	if w == nil {
		return &ActionError{Action: a, Status: x.Status, Err: ErrNotAccepted}
	}
	name := eventName(a, w)
	if name == "" && !(a.Verb == VerbHangup && x.Call.Live) {
		return &ActionError{Action: a, State: w.State, Events: w.Events, Status: x.Status, Err: ErrNotAccepted}
	}
	ss.note(a, name, auto)
	var err error
	if name == "" {
		// The caller leaves a call whose wait has no hang-up of its own.
		x, err = ss.end(ctx, fmt.Sprintf("the caller hung up while %q waited", w.State))
	} else {
		if a.Verb == VerbTimeout && w.Deadline != nil {
			if d := w.Deadline.Sub(ss.sim.Clock.Now()); d > 0 {
				ss.sim.Clock.Advance(d)
			}
		}
		x, err = ss.sim.Engine.Resume(ctx, x.ID, widgets.Event{Name: name, Data: ss.data(a, name)})
	}
	if err != nil {
		return fmt.Errorf("sim: %s: %w", a.where(), err)
	}
	ss.update(x)
	return nil
}

// data is the event data an action carries.
func (ss *Session) data(a Action, name string) map[string]any {
	switch a.Verb {
	case VerbPress:
		return map[string]any{"Digits": a.Text}
	case VerbSpeak:
		return map[string]any{"SpeechResult": a.Text, "Confidence": 1.0}
	case VerbReply:
		return map[string]any{"Body": a.Text, "From": ss.x.Contact, "To": ss.x.Address, "MessageSid": ss.sim.messageSid()}
	case VerbAnswer:
		return map[string]any{"CallStatus": "in-progress", "AnsweredBy": "human"}
	case VerbEvent:
		if len(a.Data) == 0 {
			return nil
		}
		out := make(map[string]any, len(a.Data))
		for k, v := range a.Data {
			out[k] = v
		}
		return out
	}
	return nil
}

// note records the contact's action in the transcript.
func (ss *Session) note(a Action, event string, auto bool) {
	e := fake.Entry{Service: "caller", Op: a.Verb, Text: a.Text}
	if a.Verb == VerbEvent {
		e.Text = a.Event
	}
	detail := map[string]any{}
	if event != "" {
		detail["event"] = event
	}
	if len(a.Data) > 0 {
		detail["data"] = a.Data
	}
	if a.Line > 0 {
		detail["line"] = a.Line
	}
	if auto {
		detail["auto"] = true
	}
	if len(detail) > 0 {
		e.Detail = detail
	}
	ss.entries = append(ss.entries, e)
}

// update takes the execution after an engine call and what the fakes
// recorded meanwhile.
func (ss *Session) update(x *runtime.Execution) {
	ss.x = x
	added := ss.sim.Fakes.T.Since(ss.cursor)
	ss.entries = append(ss.entries, added...)
	ss.cursor += len(added)
	if x.Done() && !ss.recorded && ss.sim.coverage != nil {
		ss.recorded = true
		ss.sim.coverage.Record(x)
	}
}

// Default delivers the wait's DefaultAction (on a live call whose wait has
// none, the caller hangs up) and returns the action delivered. Over a
// session it delivers at most as many actions on its own as the step
// limit. It returns an *ActionError with ErrStuck when the wait has no
// outcome that happens by itself, and with ErrEnded once the execution has
// ended.
func (ss *Session) Default(ctx context.Context) (Action, error) {
	x := ss.x
	if x.Done() {
		return Action{}, &ActionError{Status: x.Status, Err: ErrEnded}
	}
	w := x.Wait
	if w == nil {
		return Action{}, fmt.Errorf("sim: execution %s is active but not waiting", x.ID)
	}
	if ss.auto >= ss.sim.maxSteps {
		return Action{}, fmt.Errorf("sim: execution %s still waits after %d actions delivered on its own", x.ID, ss.auto)
	}
	a, ok := DefaultAction(w)
	if !ok {
		if !x.Call.Live {
			return Action{}, &ActionError{State: w.State, Events: w.Events, Status: x.Status, Err: ErrStuck}
		}
		a = Hangup()
	}
	ss.auto++
	return a, ss.do(ctx, a, true)
}

// Finish calls Default until the execution ends.
func (ss *Session) Finish(ctx context.Context) error {
	for !ss.Done() {
		if _, err := ss.Default(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close ends the execution if it is still active ("simulation stopped"),
// so that the contact's session does not block a later start.
func (ss *Session) Close(ctx context.Context) error {
	if ss.Done() {
		return nil
	}
	x, err := ss.end(ctx, "simulation stopped")
	if err != nil {
		return err
	}
	ss.update(x)
	return nil
}

// end ends the execution for reason, noting the state it waited in, if
// any, for Run.Path.
func (ss *Session) end(ctx context.Context, reason string) (*runtime.Execution, error) {
	at := waitingAt(ss.x)
	x, err := ss.sim.Engine.End(ctx, ss.x.ID, reason)
	if err == nil {
		ss.stopped = at
	}
	return x, err
}

// Run is the outcome of one simulated session.
type Run struct {
	// Execution is the execution as the session left it.
	Execution *runtime.Execution
	// Transcript is every service call the execution made (what was said,
	// played, sent, dialled, requested) and every action of the contact
	// (service "caller"), in order.
	Transcript []fake.Entry

	stopped string // the state the session ended the execution in, qualified
}

// Status is the execution's status.
func (r *Run) Status() runtime.Status { return r.Execution.Status }

// Steps is the execution's step log.
func (r *Run) Steps() []runtime.Step { return r.Execution.Steps }

// Lines returns the transcript one entry per line, such as
// `voice.say "Hello"`, `caller.press "7"` or `messaging.send to=+1555 "Hi"`.
func (r *Run) Lines() []string {
	out := make([]string, len(r.Transcript))
	for i, e := range r.Transcript {
		out[i] = e.String()
	}
	return out
}

// Said returns the text of the transcript entries of one service ("voice",
// "messaging", "http", "caller"...), in order.
func (r *Run) Said(service string) []string {
	var out []string
	for _, e := range r.Transcript {
		if e.Service == service {
			out = append(out, e.Text)
		}
	}
	return out
}

// Path returns the states the execution ran through, in order: the state
// of each step, then the state the execution waits in while it waits, or
// the state it waited in when the session ended it there (the caller hung
// up where the wait takes no hangup event, or Close stopped it). States of
// subflows and modules are prefixed with their frame, as in
// "module:hours/calendar".
func (r *Run) Path() []string {
	var out []string
	for _, s := range r.Execution.Steps {
		out = append(out, qualify(s.Frame, s.From))
	}
	if at := waitingAt(r.Execution); at != "" {
		out = append(out, at)
	} else if r.Execution.Done() && r.stopped != "" {
		out = append(out, r.stopped)
	}
	return out
}

// waitingAt is the state x waits in, prefixed with its frame, or "" when x
// does not wait.
func waitingAt(x *runtime.Execution) string {
	if x.Done() || x.Wait == nil || len(x.Frames) == 0 {
		return ""
	}
	return qualify(x.Frames[len(x.Frames)-1].Label(), x.Wait.State)
}

// StepLines returns each step as "FROM -EVENT-> TO", states of subflows and
// modules prefixed with their frame.
func (r *Run) StepLines() []string {
	out := make([]string, len(r.Execution.Steps))
	for i, s := range r.Execution.Steps {
		out[i] = FormatStep(s)
	}
	return out
}

// FormatStep formats a step as "FROM -EVENT-> TO", prefixed with its frame
// ("module:hours/calendar -christmas-> closed").
func FormatStep(s runtime.Step) string {
	ev := s.Name
	if ev == "" {
		ev = "end"
	}
	return qualify(s.Frame, s.From) + " -" + ev + "-> " + s.To
}

func qualify(frame, state string) string {
	if frame == "" {
		return state
	}
	return frame + "/" + state
}

// String summarizes the run: status, reason, path.
func (r *Run) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", r.Execution.Status)
	if r.Execution.Reason != "" {
		fmt.Fprintf(&b, " (%s)", r.Execution.Reason)
	}
	fmt.Fprintf(&b, ": %s", strings.Join(r.Path(), " > "))
	return b.String()
}

// references finds a flow by any key Amazon Connect's references may use
// for it (package flow/connect's References): a TransferToFlow naming an
// ARN reaches the flow given under its id or name.
type references struct{ defs runtime.Definitions }

func (r references) Flow(ctx context.Context, sid, revision string) (*runtime.Resolved, error) {
	return r.defs.Flow(ctx, known(r.defs, sid), revision)
}

// known is the first of ref's keys that defs holds, else ref.
func known[M ~map[string]*flow.Definition](defs M, ref string) string {
	for _, key := range fconnect.References(ref) {
		if _, ok := defs[key]; ok {
			return key
		}
	}
	return ref
}

// moduleReferences is references for modules (InvokeFlowModule).
type moduleReferences struct{ defs runtime.ModuleDefinitions }

func (r moduleReferences) Module(ctx context.Context, name, revision string) (*runtime.Resolved, error) {
	return r.defs.Module(ctx, known(r.defs, name), revision)
}
