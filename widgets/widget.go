package widgets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/studioflow/studioflow/flow"
)

// Type is one widget type: its name, what it needs of the interaction, and
// how it compiles a state's properties into a runnable Node.
//
// Register a Type on a Registry to add a custom widget without forking the
// library:
//
//	reg := standard.New() // package widgets/standard
//	reg.Register(widgets.Type{Name: "lookup-crm", Compile: compileLookup})
type Type struct {
	// Name is the state type string, such as "say-play".
	Name string
	// Compile decodes and checks the properties of one state. It runs once
	// per definition, never per step. It reports problems through p and
	// returns a Node even when there are problems (the engine refuses to
	// run a definition with errors).
	Compile func(p *Props) Node
	// NeedsCall marks a voice widget: it runs only while a call is live.
	NeedsCall bool
	// NeedsMessaging marks a widget that converses by message and waits for
	// a reply from the contact (send-and-wait-for-reply).
	NeedsMessaging bool
	// ProvidesCallOn lists events after which a live call exists (the
	// answered exit of an outbound call).
	ProvidesCallOn []string
	// EndsCallOn lists events after which the call is over (hangup, call
	// completed); the flow may go on with non-voice steps.
	EndsCallOn []string
	// PlacesCall marks a widget that places an outbound call; at most one
	// may stand on one call path.
	PlacesCall bool
	// Vendor is the product the type comes from, for classifying the
	// definitions that use it (compat.Classify); empty for types every
	// vendor's flows may use (modules, a host's own).
	Vendor flow.Vendor
}

// Node is a compiled state: properties decoded, ready to run.
type Node interface {
	// Events lists every event the state may emit, in a stable order.
	Events() []string
	// Run executes the state once. An error ends the execution as failed;
	// an outcome the flow can handle (an HTTP 500, a busy line) is an
	// event, not an error.
	Run(sc StepContext) (Result, error)
}

// Resumer is implemented by nodes that wait: Resume turns the event the host
// reported into the step's result (its outputs and the event taken). Nodes
// that wait but do not implement Resumer take the event as reported, with
// its data as outputs.
type Resumer interface {
	// Resume turns ev, the event the host reported to the waiting step,
	// into the step's result.
	Resume(sc StepContext, ev Event) (Result, error)
}

// Returner is implemented by nodes that Enter a child frame (run-subflow,
// run-module): Return turns the child's outcome into the step's result.
type Returner interface {
	// Return turns ret, the outcome of the child frame the step entered,
	// into the step's result.
	Return(sc StepContext, ret Returned) (Result, error)
}

// Result is what a step does next. Exactly one of Event, Wait, End, Enter or
// Return is set: build it with Take, TakeTransition, Suspend, EndExecution,
// EnterFrame or ReturnToCaller, and see Validate.
type Result struct {
	// Event is taken now: the engine follows its transition.
	Event string
	// Transition, when positive, picks the state's transition to follow by
	// its 1-based index instead of by Event (a split's `match` branches
	// share one event name).
	Transition int
	// Wait suspends the execution until the host reports an event.
	Wait *Wait
	// End ends the whole execution.
	End *End
	// Enter pushes a subflow or module frame.
	Enter *Enter
	// Return pops the current module frame through a module exit.
	Return *Return
	// KeepsCall, with an Event in the type's EndsCallOn, says the call is
	// still connected after all, so the flow keeps it: an enqueued call
	// that left the queue through <Leave>, or whose agent hung up first,
	// comes back to the flow (Twilio reports CallStatus in-progress).
	KeepsCall bool
	// Outputs are stored as widgets.NAME.* for later steps. Values should
	// be JSON-like (string, float64, bool, nil, []any, map[string]any);
	// others are converted. The engine takes ownership of the map: return
	// a fresh one, never a map the node keeps or the host passed in.
	Outputs map[string]any
}

// Result constructors. A Result must set exactly one of Event, Wait, End,
// Enter or Return; building it with these makes that so, and the engine
// fails a step whose node returns anything else (Validate).

// Take is the result of a step that takes event now, with outputs stored
// as widgets.NAME.* (nil for none).
func Take(event string, outputs map[string]any) Result {
	return Result{Event: event, Outputs: outputs}
}

// TakeTransition is Take for the state's transition at 1-based index,
// whose event is event: the branches of a split share one event name.
func TakeTransition(index int, event string, outputs map[string]any) Result {
	return Result{Event: event, Transition: index, Outputs: outputs}
}

// Suspend is the result of a step that waits for the host to report one of
// w's events.
func Suspend(w Wait, outputs map[string]any) Result {
	return Result{Wait: &w, Outputs: outputs}
}

// EndExecution is the result of a step that ends the whole execution;
// failed marks an abnormal end, reason says why.
func EndExecution(failed bool, reason string) Result {
	return Result{End: &End{Failed: failed, Reason: reason}}
}

// EnterFrame is the result of a step that runs a subflow or module in a
// child frame.
func EnterFrame(e Enter) Result { return Result{Enter: &e} }

// ReturnToCaller is the result of a step that leaves a module through r.
func ReturnToCaller(r Return) Result { return Result{Return: &r} }

// Validate reports a result that does not set exactly one of Event, Wait,
// End, Enter and Return, or sets Transition without Event. The engine fails
// the step of a node that returns one, naming the fields.
func (r Result) Validate() error {
	// The common case, one event and a sound transition, is decided
	// without building the list the errors name.
	if r.Event != "" && r.Wait == nil && r.End == nil && r.Enter == nil && r.Return == nil && r.Transition >= 0 {
		return nil
	}
	var set []string
	if r.Event != "" {
		set = append(set, "Event")
	}
	if r.Wait != nil {
		set = append(set, "Wait")
	}
	if r.End != nil {
		set = append(set, "End")
	}
	if r.Enter != nil {
		set = append(set, "Enter")
	}
	if r.Return != nil {
		set = append(set, "Return")
	}
	switch {
	case len(set) == 0:
		return errors.New("the widget returned an empty result: it must set one of Event, Wait, End, Enter or Return")
	case len(set) > 1:
		return fmt.Errorf("the widget returned a result setting %s: it must set exactly one", strings.Join(set, " and "))
	case r.Transition < 0:
		return fmt.Errorf("the widget returned transition %d; transitions count from 1", r.Transition)
	case r.Transition > 0 && r.Event == "":
		return fmt.Errorf("the widget returned transition %d without an event", r.Transition)
	case r.Wait != nil && len(r.Wait.Events) == 0:
		return errors.New("the widget returned a wait that takes no event: nothing could ever resume it")
	}
	return nil
}

// Wait describes a suspended step.
type Wait struct {
	// Events lists the events the host may resume with.
	Events []string
	// Timeout, if positive, delivers TimeoutEvent when it elapses (the
	// engine's expiry pass does it).
	Timeout time.Duration
	// TimeoutEvent is the event delivered on timeout; "timeout" if empty.
	TimeoutEvent string
	// Prompt tells the host what is awaited (digits, speech, a reply, a call
	// outcome), for simulators and UIs.
	Prompt map[string]any
	// Sensitive marks a wait for input that must never be stored in clear
	// (a PIN, card data). An event meant for it that arrives after its
	// deadline is refused, never handed to the wait that follows.
	Sensitive bool
}

// End ends the execution.
type End struct {
	// Failed marks an abnormal end; Reason says why.
	Failed bool
	// Reason explains the end, if needed. It may be set on a normal end
	// too (end-flow reports a hangup that failed).
	Reason string
}

// Revision selectors of Enter.Revision (run-subflow's flow_revision,
// run-module's version).
const (
	// RevisionLatestPublished runs the latest published revision (the
	// default).
	RevisionLatestPublished = "LatestPublished"
	// RevisionLatestDraft runs the latest draft.
	RevisionLatestDraft = "LatestDraft"
)

// Redacted replaces sensitive values (a Wait marked Sensitive, card data)
// wherever a widget would otherwise store them.
const Redacted = "[redacted]"

// FrameKind is the kind of a child frame.
type FrameKind string

const (
	// FrameSubflow runs another flow inside the same execution.
	FrameSubflow FrameKind = "subflow"
	// FrameModule runs a module inside the same execution.
	FrameModule FrameKind = "module"
)

// Enter pushes a child frame.
type Enter struct {
	// Kind is FrameSubflow or FrameModule.
	Kind FrameKind
	// Ref is the flow sid (subflow) or the module name (module).
	Ref string
	// Revision selects the version: "LatestPublished", "LatestDraft" or a
	// number. Empty means LatestPublished.
	Revision string
	// Parameters reach a subflow as trigger.parent.parameters.*, or a
	// module's begin-module as its arguments.
	Parameters map[string]any
	// Accept, when set, is asked about the definition found for Ref
	// before the frame is entered: an error makes the child one that
	// cannot start (the entering state's Return gets Failed, with the
	// error as Reason). Connect's TransferToFlow refuses a module or a
	// queue flow with it.
	Accept func(d *flow.Definition) error
	// Replace puts the subflow in the place of the frame that enters it,
	// for good: that flow does not resume, its context goes, and the
	// subflow sees the same trigger (Amazon Connect's TransferToFlow).
	// The entering state's Return is called only if the subflow cannot
	// start. A flow may thus pass the contact back to a flow it came
	// from, which a nested subflow may not.
	Replace bool
}

// Return pops a module frame through the named exit, or as failed (a
// begin-module that cannot take its arguments): the caller then takes its
// failed path with Reason.
type Return struct {
	// Exit is the module exit taken: the caller's run-module step follows
	// the transition of that name. Empty when Failed.
	Exit string
	// Outputs are the module's outputs by name, rendered in the module's
	// context.
	Outputs map[string]any
	// Failed returns without an exit: the caller takes its failed path.
	Failed bool
	// Reason says why the module failed; empty unless Failed.
	Reason string
}

// Returned is the outcome of a child frame, handed to the Returner.
type Returned struct {
	// Exit is the module exit taken; empty for a subflow.
	Exit string
	// Outputs are the module's outputs (modules) or the child's
	// flow.variables (subflows).
	Outputs map[string]any
	// Failed is set when the child could not run or failed; Reason says why.
	Failed bool
	// Reason says why the child failed; empty unless Failed.
	Reason string
}

// Event is an outcome the host reports to a waiting execution.
type Event struct {
	// Name is the event, such as "keypress" or "incomingMessage".
	Name string `json:"name"`
	// Data carries the event's values (Digits, Body, CallStatus ...).
	Data map[string]any `json:"data,omitempty"`
	// Token names the wait the event answers: the token the host got with
	// that wait (runtime.WaitState.Token). An event whose wait is no
	// longer current is refused as stale, with nothing done, so of racing
	// or retried answers to one wait exactly one is taken. Empty for an
	// event that answers whatever the execution waits for (an inbound
	// message to a session): such events are taken in the order they get
	// the execution.
	Token string `json:"token,omitempty"`
}

// StepContext is what a node sees while it runs. The runtime implements it.
// It belongs to the goroutine running the step and is not safe for
// concurrent use: a node that makes service calls from goroutines of its
// own takes their contexts (Context) first, in order, and waits for them
// before it returns.
type StepContext interface {
	// Context carries cancellation and deadlines for a service call, and
	// the call's effect key (EffectOf): call it once per service call,
	// since each call numbers the next one. The context stays valid, with
	// its key, for as long as the service keeps it.
	Context() context.Context
	// StateName is the name of the running state.
	StateName() string
	// Now is the engine's clock.
	Now() time.Time
	// Intn returns a number in [0, n) from the engine's injected randomness.
	Intn(n int) int
	// NewID returns a fresh id with the given prefix from the engine's
	// injected id source.
	NewID(prefix string) string
	// Services are the host's implementations of voice, messaging, HTTP...
	Services() *Services
	// Render renders a text property against the execution context. Plain
	// text comes back as is.
	Render(t Text) (string, error)
	// Lookup resolves a dotted context path such as "flow.data.name".
	Lookup(path string) (any, bool)
	// SetVariable writes flow.variables.KEY of the current frame.
	SetVariable(key string, value any)
	// Shared reads the execution-wide value called key: a value every
	// frame of the execution shares (Amazon Connect's contact attributes,
	// kept across modules and transfers to other flows), unlike
	// flow.variables, which belong to one frame. Treat it as read-only:
	// write a new value with SetShared.
	Shared(key string) (any, bool)
	// SetShared writes a copy of value as the execution-wide value called
	// key; nil removes it. A value past the engine's limits (too large,
	// too deep, not JSON-like) is refused with an error and nothing is
	// written: the widget decides what that means (Connect's actions take
	// their error branch).
	SetShared(key string, value any) error
	// TriggerEvent is the event the execution was started with.
	TriggerEvent() string
	// ContactAddress is the contact's address (contact.channel.address).
	ContactAddress() string
	// FlowAddress is the flow's own address (flow.channel.address).
	FlowAddress() string
	// Call is the current call, if any.
	Call() Call
}

// Call identifies the execution's call.
type Call struct {
	// Sid is the call's id; empty when there never was a call.
	Sid string
	// Live is true while the call is connected.
	Live bool
}

// ErrUnsupported is wrapped by the error of a step whose state type the
// library loads but cannot run (an Amazon Connect action type it does not
// know): the engine fails the execution with a failure code of its own
// (runtime.FailureUnsupported).
var ErrUnsupported = errors.New("not supported by this library")

// TimeoutEvent is the event a wait's timeout delivers by default.
const TimeoutEvent = "timeout"

// Problem codes reported by the widget checks.
const (
	// CodeTypeUnknown: a state's type is not registered.
	CodeTypeUnknown = "widget.type_unknown"
	// CodePropertyMissing: a required property is absent or empty.
	CodePropertyMissing = "property.missing"
	// CodePropertyInvalid: a property has the wrong shape or value.
	CodePropertyInvalid = "property.invalid"
	// CodePropertyRange: a number property is outside its bounds.
	CodePropertyRange = "property.out_of_range"
	// CodeEventNotEmitted: a transition is on an event the widget never
	// emits.
	CodeEventNotEmitted = "transition.event_not_emitted"
	// CodePropertyTemplate (a warning): a property holds what cannot be
	// checked or used as written, such as a template where a fixed number
	// is read (the default applies) or a ${VAR} deployment placeholder.
	CodePropertyTemplate = "property.template"
)

// Checker returns a flow.Checker that compiles every state with r and reports
// unknown types, property problems and transitions on events the widget does
// not emit.
func (r *Registry) Checker() flow.Checker {
	return flow.CheckerFunc(func(d *flow.Definition) flow.Problems {
		_, ps := r.Compile(d)
		return ps
	})
}
