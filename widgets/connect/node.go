package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// Error types of Connect's error branches that the library takes itself.
const (
	ErrorNoMatchingError       = "NoMatchingError"
	ErrorNoMatchingCondition   = "NoMatchingCondition"
	ErrorInputTimeLimit        = "InputTimeLimitExceeded"
	ErrorQueueAtCapacity       = "QueueAtCapacity"
	ErrorInvalidPhoneNumber    = "InvalidPhoneNumber"
	ErrorCallFailed            = "CallFailed"
	ErrorConnectionTimeLimit   = "ConnectionTimeLimitExceeded"
	ErrorInvalidCallbackNumber = "InvalidCallbackNumber"
	ErrorTimeLimitExceeded     = "TimeLimitExceeded"
)

// Error is an answer of the host's widgets.ContactCenter that picks an
// error branch: a queue at capacity is &Error{Type: ErrorQueueAtCapacity}.
// The action takes the branch of that type when its state has one, and
// NoMatchingError otherwise. Any other error takes NoMatchingError.
type Error struct {
	// Type is the ErrorType of the branch, such as "QueueAtCapacity".
	Type string
	// Message says what happened, for the step's outputs.
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Type
	}
	return e.Type + ": " + e.Message
}

// spec is what one action type does.
type spec struct {
	// errors are the ErrorTypes Connect documents for the type.
	errors []string
	// conditions: the type branches on Conditions.
	conditions bool
	// compile reads what the type needs beyond its parameters.
	compile func(n *node, p *widgets.Props)
	run     func(n *node, sc widgets.StepContext) (widgets.Result, error)
	resume  func(n *node, sc widgets.StepContext, ev widgets.Event) (widgets.Result, error)
	ret     func(n *node, sc widgets.StepContext, r widgets.Returned) (widgets.Result, error)
}

// node is a compiled Connect action.
type node struct {
	typ    string
	spec   *spec
	params map[string]value
	conds  []condition
	own    map[string]bool // the events the state has transitions for
	events []string
	// timeout is the type's time limit, where it has one; timeoutRef,
	// when the flow gives it as a reference, and the bounds it is held to.
	timeout            time.Duration
	timeoutRef         *text
	limitMin, limitMax int
	// flag is a type's boolean setting (StoreInput,
	// ContinueFlowExecution ...).
	flag bool
	// encrypt is set when stored input must be encrypted (GetParticipantInput's
	// InputEncryption): it is never kept in clear.
	encrypt bool
	// count is a type's number setting (LoopCount, digits to read).
	count int
}

func compileNode(typ string, sp *spec) func(p *widgets.Props) widgets.Node {
	return func(p *widgets.Props) widgets.Node {
		n := &node{typ: typ, spec: sp, params: map[string]value{}, own: map[string]bool{}}
		for k, raw := range p.State.Properties {
			n.params[k] = compileValue(raw)
		}
		events := []string{EventNext}
		if sp.conditions {
			events = append(events, EventCondition)
			n.conds = readConditions(p)
		}
		events = append(events, sp.errors...)
		for _, tr := range p.State.Transitions {
			n.own[tr.Event] = true
			if tr.Event != "" && !slices.Contains(events, tr.Event) {
				// An error branch the library does not document for the
				// type is kept: the host's ContactCenter may name it.
				events = append(events, tr.Event)
			}
		}
		n.events = events
		checkIdentifier(p)
		if len(n.conds) > 0 && slices.Contains(sp.errors, ErrorNoMatchingCondition) &&
			!n.own[ErrorNoMatchingCondition] && !n.own[ErrorNoMatchingError] {
			p.Add(flow.Problem{Path: flow.StatePath(p.Index) + "/transitions", State: p.State.Name, Code: CodeNoMatchEndsFlow, Severity: flow.SeverityWarning,
				Message: "a contact no condition matches ends the flow here: the action has no NoMatchingCondition (or NoMatchingError) branch"})
		}
		if sp.compile != nil {
			sp.compile(n, p)
		}
		return n
	}
}

func (n *node) Events() []string { return n.events }

func (n *node) Run(sc widgets.StepContext) (widgets.Result, error) { return n.spec.run(n, sc) }

func (n *node) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	if ev.Name == "hangup" {
		return widgets.EndExecution(false, "the customer disconnected"), nil
	}
	if n.spec.resume == nil {
		return widgets.Outcome(ev), nil
	}
	return n.spec.resume(n, sc, ev)
}

func (n *node) Return(sc widgets.StepContext, r widgets.Returned) (widgets.Result, error) {
	if n.spec.ret == nil {
		return widgets.Result{}, fmt.Errorf("%s entered no flow or module", n.typ)
	}
	return n.spec.ret(n, sc, r)
}

// next takes NextAction.
func (n *node) next(out map[string]any) widgets.Result { return widgets.Take(EventNext, out) }

// fail takes the error branch of errType when the state has one, else
// NoMatchingError (Connect's catch-all), with the reason as the step's
// Error output. Without either, the branch ends the flow.
func (n *node) fail(errType, reason string) widgets.Result {
	ev := errType
	if !n.own[ev] && n.own[ErrorNoMatchingError] {
		ev = ErrorNoMatchingError
	}
	out := map[string]any{"ErrorType": errType}
	if reason != "" {
		out["Error"] = reason
	}
	return widgets.Take(ev, out)
}

// refused takes NoMatchingError for a value the engine would not keep
// (StepContext.SetShared): an answer too large or too deep, say.
func (n *node) refused(err error) widgets.Result {
	return n.fail(ErrorNoMatchingError, "the contact cannot keep it: "+err.Error())
}

// failWith takes the branch an error from the host picks.
func (n *node) failWith(err error) widgets.Result {
	var ce *Error
	if errors.As(err, &ce) {
		return n.fail(ce.Type, ce.Message)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return n.fail(ErrorNoMatchingError, "the time limit passed: "+err.Error())
	}
	return n.fail(ErrorNoMatchingError, err.Error())
}

// choose takes the first condition v passes, else NoMatchingCondition.
func (n *node) choose(sc widgets.StepContext, v any, out map[string]any) widgets.Result {
	for _, c := range n.conds {
		if c.holds(sc, v) {
			return widgets.TakeTransition(c.transition, EventCondition, out)
		}
	}
	if out == nil {
		out = map[string]any{}
	}
	res := n.fail(ErrorNoMatchingCondition, "")
	for k, v := range out {
		res.Outputs[k] = v
	}
	return res
}

// param resolves parameter key (nil when absent).
func (n *node) param(sc widgets.StepContext, key string) any {
	v, ok := n.params[key]
	if !ok {
		return nil
	}
	return v.resolve(sc)
}

// str resolves parameter key as text ("" when absent).
func (n *node) str(sc widgets.StepContext, key string) string {
	return stringOf(n.param(sc, key))
}

// has reports whether parameter key is present.
func (n *node) has(key string) bool {
	_, ok := n.params[key]
	return ok
}

// ask sends the host's contact center a request for this action.
func (n *node) ask(sc widgets.StepContext, resource string, params map[string]any) (map[string]any, error) {
	cc := sc.Services().ContactCenter
	if cc == nil {
		return nil, errors.New("no contact center service is configured (widgets.Services.ContactCenter)")
	}
	d := n.limitOf(sc)
	if d <= 0 {
		d = RequestTimeout
	}
	ctx, cancel := context.WithTimeout(sc.Context(), d)
	defer cancel()
	// The host gets copies: what it does with them never reaches the
	// execution but through the answer, which the engine bounds.
	return cc.Request(ctx, widgets.ContactCenterRequest{Action: n.typ, Resource: resource,
		Parameters: widgets.CopyData(params), Contact: contactView(sc)})
}

// RequestTimeout bounds a contact-center request whose action gives no
// time limit of its own (InvokeLambdaFunction's InvocationTimeLimitSeconds
// does): 8 seconds, Connect's longest for a Lambda function. The host's
// ContactCenter must honour its context.
const RequestTimeout = 8 * time.Second

// limit reads a time limit property into n: a number, or a string
// holding one, from min to max seconds, def when absent. A Connect
// reference ("$.Attributes.wait") is resolved when the step runs (limitOf);
// a deployment placeholder (${TIMEOUT}) or a Liquid template cannot be
// checked, so the default applies, with a warning.
func (n *node) limit(p *widgets.Props, key string, def, min, max int) {
	n.timeout, n.limitMin, n.limitMax = widgets.Seconds(def), min, max
	if key == "" || !p.Has(key) {
		return
	}
	raw := rawString(p.State.Properties[key])
	if t := parseText(raw); len(t.parts) == 1 && t.parts[0].path != nil {
		n.timeoutRef = &t
		return
	}
	if strings.Contains(raw, "${") {
		p.Report(key, widgets.CodePropertyTemplate, flow.SeverityWarning,
			"%s is a deployment placeholder (%s): the default of %d seconds applies until it is replaced", key, raw, def)
		return
	}
	n.timeout = p.Seconds(key, def, min, max)
}

// limitOf is the step's time limit: the fixed one, or what its reference
// resolves to, within the property's bounds (the fixed default when it
// resolves to no number).
func (n *node) limitOf(sc widgets.StepContext) time.Duration {
	if n.timeoutRef == nil {
		return n.timeout
	}
	secs, err := strconv.Atoi(strings.TrimSpace(n.timeoutRef.render(sc)))
	if err != nil {
		return n.timeout
	}
	return widgets.Seconds(min(max(secs, n.limitMin), n.limitMax))
}

// firstKey returns the first of keys the state has as a property.
func firstKey(p *widgets.Props, keys ...string) string {
	for _, k := range keys {
		if p.Has(k) {
			return k
		}
	}
	return ""
}

// checkIdentifier warns of an action Identifier Connect refuses: "The
// following characters are not allowed in the Identifier field: (% : ( \
// / ) = $ , ; [ ] { })", nor the strings __proto__, constructor ..., and
// it "can be up to 50 characters long" (AWS, Actions in the Amazon
// Connect Flow Language). A warning, not an error: the flow still runs
// here, but it would not import into Connect.
func checkIdentifier(p *widgets.Props) {
	id := p.State.Name
	var why string
	switch {
	case strings.ContainsAny(id, `%:(\/)=$,;[]{}`):
		why = "holds one of % : ( \\ / ) = $ , ; [ ] { }"
	case slices.Contains(reservedIdentifiers, id):
		why = "is a name Connect reserves"
	case utf8.RuneCountInString(id) > 50:
		why = "is longer than 50 characters"
	default:
		return
	}
	p.Add(flow.Problem{Path: flow.StatePath(p.Index) + "/name", State: id, Code: CodeIdentifierRefused, Severity: flow.SeverityWarning,
		Message: fmt.Sprintf("identifier %q %s, which Amazon Connect does not allow in an Identifier", id, why)})
}

// reservedIdentifiers are the strings Connect does not allow as an
// Identifier.
var reservedIdentifiers = []string{"__proto__", "constructor", "__defineGetter__", "__defineSetter__", "toString",
	"hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "valueOf"}

// unsupported compiles an action type the library does not know: the
// flow loads, with a warning, and the step fails when it runs.
func unsupported(p *widgets.Props) widgets.Node {
	checkIdentifier(p)
	p.Add(flow.Problem{Path: flow.StatePath(p.Index) + "/type", State: p.State.Name, Code: CodeActionUnsupported, Severity: flow.SeverityWarning,
		Message: fmt.Sprintf("action type %q is not one this library runs: the flow loads, and a contact reaching it fails", p.State.Type)})
	n := &node{typ: p.State.Type, own: map[string]bool{}}
	for _, tr := range p.State.Transitions {
		if tr.Event != "" && !slices.Contains(n.events, tr.Event) {
			n.events = append(n.events, tr.Event)
		}
	}
	n.spec = &spec{run: func(n *node, sc widgets.StepContext) (widgets.Result, error) {
		return widgets.Result{}, fmt.Errorf("action type %q: %w", n.typ, widgets.ErrUnsupported)
	}}
	return n
}

// rawString decodes a property that may be a JSON string or a scalar.
func rawString(raw json.RawMessage) string {
	s, _ := widgets.Scalar(raw)
	return s
}
