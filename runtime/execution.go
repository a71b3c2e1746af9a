package runtime

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/studioflow/studioflow/internal/jsonutil"
	"github.com/studioflow/studioflow/widgets"
)

// Status is the state of an execution.
type Status string

const (
	// StatusActive: running or waiting for an event.
	StatusActive Status = "active"
	// StatusEnded: finished normally.
	StatusEnded Status = "ended"
	// StatusFailed: ended by an error or a limit; Reason says which.
	StatusFailed Status = "failed"
)

// TriggerKind is what started an execution.
type TriggerKind string

const (
	// TriggerCall: an incoming call (incomingCall).
	TriggerCall TriggerKind = "call"
	// TriggerMessage: an incoming message (incomingMessage).
	TriggerMessage TriggerKind = "message"
	// TriggerConversation: a message in a conversation
	// (incomingConversationMessage).
	TriggerConversation TriggerKind = "conversation"
	// TriggerRequest: a REST API request (incomingRequest).
	TriggerRequest TriggerKind = "request"
	// TriggerParent: a run as a subflow (incomingParent).
	TriggerParent TriggerKind = "parent"
)

// Event returns the trigger event a kind takes, such as "incomingCall".
func (k TriggerKind) Event() string {
	switch k {
	case TriggerCall:
		return "incomingCall"
	case TriggerMessage:
		return "incomingMessage"
	case TriggerConversation:
		return "incomingConversationMessage"
	case TriggerRequest:
		return "incomingRequest"
	case TriggerParent:
		return "incomingParent"
	}
	return ""
}

// TriggerKindOf returns the kind whose trigger event is event.
func TriggerKindOf(event string) (TriggerKind, bool) {
	for _, k := range []TriggerKind{TriggerCall, TriggerMessage, TriggerConversation, TriggerRequest, TriggerParent} {
		if k.Event() == event {
			return k, true
		}
	}
	return "", false
}

// Execution is one run of a flow: plain data that serializes to JSON and
// back with nothing lost, so any process holding the store can resume it.
type Execution struct {
	// ID is the execution's sid (flow.sid in templates).
	ID string `json:"id"`
	// FlowSid and Revision name the definition the execution started on; it
	// keeps that revision to the end.
	FlowSid string `json:"flow_sid"`
	// Revision is the flow's revision the execution runs.
	Revision int `json:"revision"`
	// Status is active, ended or failed.
	Status Status `json:"status"`
	// Reason says why a failed execution failed, or why it was ended, for
	// people: its wording may change. Branch on FailureCode.
	Reason string `json:"reason,omitempty"`
	// FailureCode says why, in a stable word: set on every failed
	// execution, and on one its lifetime ended (FailureExpired).
	FailureCode FailureCode `json:"failure_code,omitempty"`
	// Trigger is what started the execution.
	Trigger TriggerKind `json:"trigger"`
	// Key is the session key that makes the execution the contact's only
	// active one; empty when none applies.
	Key string `json:"key,omitempty"`
	// Contact is the contact's address; Address the flow's own.
	Contact string `json:"contact,omitempty"`
	// Address is the flow's own address (flow.channel.address).
	Address string `json:"address,omitempty"`
	// Call is the execution's call, if any.
	Call widgets.Call `json:"call"`
	// Frames is the call stack: Frames[0] is the flow itself, later ones
	// subflows and modules entered from it.
	Frames []Frame `json:"frames"`
	// Wait is set while the execution waits for an event.
	Wait *WaitState `json:"wait,omitempty"`
	// Steps is the step log, oldest first.
	Steps []Step `json:"steps"`
	// Repeats counts how many times in a row the current state has run.
	Repeats int `json:"repeats,omitempty"`
	// Format is the stored format (ExecutionFormat when written by this
	// engine; 0 for records from before formats were numbered).
	Format int `json:"format,omitempty"`
	// Waits counts the waits the execution began: the next one's token
	// (WaitState.Token) and its steps' effect keys follow from it.
	Waits int `json:"waits,omitempty"`
	// Exposed holds module variables exposed to hosts (what agents see).
	Exposed map[string]any `json:"exposed,omitempty"`
	// Shared holds the values every frame of the execution shares, which
	// widgets read and write through widgets.StepContext's Shared and
	// SetShared: an Amazon Connect contact (its attributes, the latest
	// Lambda result, the stored customer input ...), kept across modules
	// and flows it is transferred to. flow.variables, by contrast, belong
	// to one frame.
	Shared map[string]any `json:"shared,omitempty"`
	// DueAt is when the expiry pass must look at the execution: the wait's
	// deadline or the end of its lifetime, whichever comes first.
	DueAt time.Time `json:"due_at"`
	// CreatedAt is when the execution started; its lifetime counts from it.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the execution was last saved.
	UpdatedAt time.Time `json:"updated_at"`
	// EndedAt is when the execution ended, if it has.
	EndedAt *time.Time `json:"ended_at,omitempty"`
	// Version is the store's revision of this record, checked on save.
	Version int64 `json:"version"`
}

// FrameKind tells the root flow from subflow and module frames.
type FrameKind string

const (
	// FrameFlow is the flow the execution started with.
	FrameFlow FrameKind = "flow"
	// FrameSubflow is a flow entered by run-subflow.
	FrameSubflow FrameKind = FrameKind(widgets.FrameSubflow)
	// FrameModule is a module entered by run-module.
	FrameModule FrameKind = FrameKind(widgets.FrameModule)
)

// Frame is one level of the call stack.
type Frame struct {
	// Kind tells the flow from subflow and module frames.
	Kind FrameKind `json:"kind"`
	// Ref is the flow sid (flow, subflow) or module name (module); Sid and
	// Revision the definition it runs.
	Ref string `json:"ref"`
	// Sid is the item the frame's definition comes from.
	Sid string `json:"sid"`
	// Revision is the revision of that item the frame runs.
	Revision int `json:"revision"`
	// State is the current state of this frame. For a frame below the top
	// it is the state that entered the child frame.
	State string `json:"state"`
	// Context is what templates see in this frame: flow, trigger, widgets,
	// contact.
	Context map[string]any `json:"context"`
}

// MarshalJSON writes the frame exactly as encoding/json would from its
// fields, but writes the context without reflection
// (jsonutil.AppendValue): saving an execution writes every frame's
// context, and reflection cost two allocations per map entry.
func (f Frame) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 1024)
	b = append(b, `{"kind":`...)
	b = jsonutil.AppendString(b, string(f.Kind))
	b = append(b, `,"ref":`...)
	b = jsonutil.AppendString(b, f.Ref)
	b = append(b, `,"sid":`...)
	b = jsonutil.AppendString(b, f.Sid)
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, int64(f.Revision), 10)
	b = append(b, `,"state":`...)
	b = jsonutil.AppendString(b, f.State)
	b = append(b, `,"context":`...)
	b, err := jsonutil.AppendValue(b, f.Context)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// Label names the frame in step logs: "" for the root flow,
// "subflow:SID" or "module:NAME" otherwise.
func (f *Frame) Label() string {
	if f.Kind == FrameFlow {
		return ""
	}
	return string(f.Kind) + ":" + f.Ref
}

// WaitState is a suspended step.
type WaitState struct {
	// State is the waiting state (in the top frame).
	State string `json:"state"`
	// Token identifies this wait among the execution's waits (the number
	// of steps taken when it began). The host hands it back with the
	// event that answers it (widgets.Event.Token); an event carrying
	// another token is refused as stale (ErrStale).
	Token string `json:"token,omitempty"`
	// Events are the events a resume may deliver.
	Events []string `json:"events"`
	// Deadline, if set, is when TimeoutEvent is delivered.
	Deadline *time.Time `json:"deadline,omitempty"`
	// TimeoutEvent is delivered at the deadline; "timeout" when empty.
	TimeoutEvent string `json:"timeout_event,omitempty"`
	// Prompt tells the host what is awaited (from widgets.Wait.Prompt).
	Prompt map[string]any `json:"prompt,omitempty"`
	// Sensitive marks a wait for input never stored in clear (a PIN, card
	// data): an event for it that arrives after its deadline is refused,
	// never handed to the next wait.
	Sensitive bool `json:"sensitive,omitempty"`
	// Guard, set on the wait that follows a sensitive wait's timeout,
	// refuses that wait's input events for a moment: they may be the late
	// input meant for the sensitive wait.
	Guard *LateGuard `json:"guard,omitempty"`
}

// LateGuard refuses Events until Until: see WaitState.Guard.
type LateGuard struct {
	// Until is when the guard lapses (the sensitive wait's timeout plus
	// Limits.SensitiveGrace).
	Until time.Time `json:"until"`
	// Events are the input events the sensitive wait took.
	Events []string `json:"events"`
}

// TimeoutEventName is the event the wait's deadline delivers: TimeoutEvent,
// or "timeout" when that is empty.
func (w *WaitState) TimeoutEventName() string {
	if w.TimeoutEvent != "" {
		return w.TimeoutEvent
	}
	return widgets.TimeoutEvent
}

// Accepts reports whether the wait takes event.
func (w *WaitState) Accepts(event string) bool {
	for _, e := range w.Events {
		if e == event {
			return true
		}
	}
	return false
}

// Step is one transition, with Twilio's field names.
type Step struct {
	// Name is the event taken.
	Name string `json:"name"`
	// From is the state the step left.
	From string `json:"transitioned_from"`
	// To is the next state, or "Ended" when the branch ends.
	To string `json:"transitioned_to"`
	// Type is the widget type of the state left.
	Type string `json:"type"`
	// Time is when the step was taken, by the engine's clock.
	Time time.Time `json:"time"`
	// Frame is "" in the root flow, else the frame label.
	Frame string `json:"frame,omitempty"`
	// Transition is the 1-based index of the state's transition taken when
	// the event alone does not tell it (a split's `match` branches), else 0.
	Transition int `json:"transition,omitempty"`
	// Published is what the step's widget published (its widgets.NAME)
	// once the widget ran again and replaced it in the context, or its
	// module or subflow returned; nil while the context still holds it
	// (see Execution.Published).
	Published map[string]any `json:"published,omitempty"`
}

// MarshalJSON writes the step exactly as encoding/json would from its
// fields, without the allocation of time.Time's MarshalJSON: an
// execution's save writes its whole step log.
func (s Step) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 160)
	b = append(b, `{"name":`...)
	b = jsonutil.AppendString(b, s.Name)
	b = append(b, `,"transitioned_from":`...)
	b = jsonutil.AppendString(b, s.From)
	b = append(b, `,"transitioned_to":`...)
	b = jsonutil.AppendString(b, s.To)
	b = append(b, `,"type":`...)
	b = jsonutil.AppendString(b, s.Type)
	b = append(b, `,"time":`...)
	b, err := jsonutil.AppendTime(b, s.Time)
	if err != nil {
		return nil, err
	}
	if s.Frame != "" {
		b = append(b, `,"frame":`...)
		b = jsonutil.AppendString(b, s.Frame)
	}
	if s.Transition != 0 {
		b = append(b, `,"transition":`...)
		b = strconv.AppendInt(b, int64(s.Transition), 10)
	}
	if len(s.Published) > 0 { // omitempty, as encoding/json writes it
		b = append(b, `,"published":`...)
		if b, err = jsonutil.AppendValue(b, s.Published); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// StepEnded is the To of a step whose transition has no next state.
const StepEnded = "Ended"

// StepTransferName is the Name of the step of a state that hands the
// contact to another flow for good (widgets.Enter.Replace, Connect's
// TransferToFlow); its To is that flow's first state.
const StepTransferName = "transfer"

// StepEndName is the Name of the step of a state that ends the whole
// execution (end-flow), which takes no event.
const StepEndName = "end"

// StepFailedName is the Name of the step of a subflow's state, or of a
// module's the subflow runs (its Frame says which), that failed, leaving
// the subflow for its caller's failed event; its To is StepEnded and the
// step of the subflow's caller follows it.
const StepFailedName = "failed"

// Context returns the root frame's context: flow, trigger, widgets, contact.
func (e *Execution) Context() map[string]any {
	if len(e.Frames) == 0 {
		return nil
	}
	return e.Frames[0].Context
}

// Variables returns the root flow's flow.variables.
func (e *Execution) Variables() map[string]any {
	if len(e.Frames) == 0 {
		return nil
	}
	return frameMap(e.Frames[0].Context, "flow", "variables")
}

// Widgets returns the root flow's widgets outputs.
func (e *Execution) Widgets() map[string]any {
	if len(e.Frames) == 0 {
		return nil
	}
	return frameMap(e.Frames[0].Context, "widgets")
}

// Published returns what the widget of step i published: the step's own
// record of it once the widget ran again or its module or subflow
// returned (Step.Published), else the widget's outputs as its frame's
// context holds them (widgets.NAME). It is nil or empty for a step whose
// widget published nothing, and empty for one of the oldest steps once
// more than MaxPublishedSteps keep outputs.
func (e *Execution) Published(i int) map[string]any {
	if i < 0 || i >= len(e.Steps) {
		return nil
	}
	st := &e.Steps[i]
	if st.Published != nil {
		return st.Published
	}
	for j := len(e.Frames) - 1; j >= 0; j-- {
		f := &e.Frames[j]
		if f.Label() != st.Frame {
			continue
		}
		out, _ := frameMap(f.Context, "widgets")[st.From].(map[string]any)
		return out
	}
	return nil
}

// Done reports whether the execution has ended.
func (e *Execution) Done() bool { return e.Status != StatusActive }

// MarshalExecution serializes e as JSON (see runtime/codec.go for what it
// leaves out); it sets e.Format. It writes format ExecutionFormat for an
// execution with shared values, and format 3 for the others, which every
// engine since format 3 reads.
func MarshalExecution(e *Execution) ([]byte, error) {
	e.Format = formatOf(e)
	buf := codecBuffers.Get().(*[]byte)
	defer codecBuffers.Put(buf)
	b, err := appendExecution((*buf)[:0], e)
	if err != nil {
		return nil, fmt.Errorf("runtime: encode execution %q: %w", e.ID, err)
	}
	if cap(b) <= maxPooledBuffer {
		*buf = b
	}
	// A copy of its own size: stores keep it.
	return append([]byte(nil), b...), nil
}

// codecBuffers are MarshalExecution's buffers.
var codecBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBuffer is the largest buffer codecBuffers keeps.
const maxPooledBuffer = 1 << 20

// ExecutionFormat is the newest format, the one MarshalExecution writes
// for an execution with shared values (Execution.Format); it writes
// format 3 for the others.
// UnmarshalExecution reads it and every older one; a record of a newer
// format is refused with an error that does not wrap ErrCorrupt, so an
// older engine leaves it alone rather than ending it.
const ExecutionFormat = 4

// UnmarshalExecution reads an execution serialized by MarshalExecution, in
// any format up to ExecutionFormat. A record that does not decode, or
// decodes to something no execution can be (see Execution.Validate), gives
// an error wrapping ErrCorrupt.
func UnmarshalExecution(data []byte) (*Execution, error) {
	e, err := decodeExecution(data)
	if err != nil {
		// A newer format may not read as this one: it is not corrupt.
		if f, ok := storedFormat(data); ok && f > ExecutionFormat {
			return nil, fmt.Errorf("runtime: execution is stored in format %d, and this engine reads formats up to %d: upgrade it", f, ExecutionFormat)
		}
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if e.Format > ExecutionFormat {
		return nil, fmt.Errorf("runtime: execution %q is stored in format %d, and this engine reads formats up to %d: upgrade it", e.ID, e.Format, ExecutionFormat)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// Validate reports, with an error wrapping ErrCorrupt, an execution no
// engine could have saved: no id, an unknown status, or, while active, no
// frames, a frame with no context or of an unknown kind, a wait with no
// state. The engine validates every execution a store returns before it
// touches it.
func (e *Execution) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: execution %q: %s", ErrCorrupt, e.ID, fmt.Sprintf(format, args...))
	}
	if e.ID == "" {
		return bad("no id")
	}
	switch e.Status {
	case StatusActive:
	case StatusEnded, StatusFailed:
		return nil
	default:
		return bad("unknown status %q", e.Status)
	}
	if len(e.Frames) == 0 {
		return bad("an active execution with no frames")
	}
	for i, f := range e.Frames {
		switch {
		case f.Context == nil:
			return bad("frame %d has no context", i)
		case i == 0 && f.Kind != FrameFlow, i > 0 && f.Kind != FrameSubflow && f.Kind != FrameModule:
			return bad("frame %d is of kind %q", i, f.Kind)
		case f.Sid == "":
			return bad("frame %d names no flow", i)
		case f.State == "":
			return bad("frame %d is in no state", i)
		}
	}
	if e.Wait != nil && e.Wait.State == "" {
		return bad("a wait in no state")
	}
	return nil
}

func (e *Execution) top() *Frame { return &e.Frames[len(e.Frames)-1] }

// frameMap walks nested maps, returning nil when a key is missing.
func frameMap(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return m
}
