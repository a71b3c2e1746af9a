package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// The verbs of a script, one per kind of Action.
const (
	// VerbPress presses keys on the phone; see Press.
	VerbPress = "press"
	// VerbSpeak says words; see Speak.
	VerbSpeak = "speak"
	// VerbReply sends a message; see Reply.
	VerbReply = "reply"
	// VerbAnswer answers a call the flow placed; see Answer.
	VerbAnswer = "answer"
	// VerbBusy reports a busy line; see Busy.
	VerbBusy = "busy"
	// VerbNoAnswer reports a call nobody picked up; see NoAnswer.
	VerbNoAnswer = "no-answer"
	// VerbFail reports a failed call or hand-off; see Fail.
	VerbFail = "fail"
	// VerbHangup hangs up; see Hangup.
	VerbHangup = "hangup"
	// VerbTimeout lets the wait time out; see Timeout.
	VerbTimeout = "timeout"
	// VerbEvent reports any named event with data; see Event.
	VerbEvent = "event"
)

// Verbs lists every script verb, in the order the documentation gives them.
var Verbs = []string{VerbPress, VerbSpeak, VerbReply, VerbAnswer, VerbBusy, VerbNoAnswer, VerbFail, VerbHangup, VerbTimeout, VerbEvent}

// Action is one thing the simulated contact (or the network on its behalf)
// does while an execution waits: press keys, speak, reply, answer or refuse
// a call, hang up, let the wait time out, or report any named event.
//
// Build actions with Press, Speak, Reply, Answer, Busy, NoAnswer, Fail,
// Hangup, Timeout and Event, or read them from text with ParseScript.
type Action struct {
	// Verb is one of the Verb constants.
	Verb string `json:"verb"`
	// Text is the digits pressed, the words spoken or the reply's body.
	Text string `json:"text,omitempty"`
	// Event is the event name of an "event" action.
	Event string `json:"event,omitempty"`
	// Data is the event data of an "event" action.
	Data map[string]any `json:"data,omitempty"`
	// Line is the action's line in the script it was read from; 0 for an
	// action built in Go.
	Line int `json:"line,omitempty"`
}

// Script is the actions of one simulated contact, in order.
type Script []Action

// Press presses keys on the phone: the wait's keypress event with Digits.
func Press(digits string) Action { return Action{Verb: VerbPress, Text: digits} }

// Speak says words: the wait's speech event with SpeechResult and a
// Confidence of 1.
func Speak(text string) Action { return Action{Verb: VerbSpeak, Text: text} }

// Reply sends a message: the wait's incomingMessage event with Body, From
// (the contact), To (the flow's address) and a MessageSid.
func Reply(body string) Action { return Action{Verb: VerbReply, Text: body} }

// Answer answers a call the flow placed: answered, with CallStatus
// in-progress and AnsweredBy human.
func Answer() Action { return Action{Verb: VerbAnswer} }

// Busy reports a busy line: busy.
func Busy() Action { return Action{Verb: VerbBusy} }

// NoAnswer reports a call nobody picked up: noAnswer.
func NoAnswer() Action { return Action{Verb: VerbNoAnswer} }

// Fail reports a failed call or hand-off: the first of failed, fail,
// failure, callFailure and failedToEnqueue that the wait accepts.
func Fail() Action { return Action{Verb: VerbFail} }

// Hangup hangs up: the wait's hangup event when it has one; otherwise, while
// a call is live, the caller leaving ends the execution.
func Hangup() Action { return Action{Verb: VerbHangup} }

// Timeout lets the wait time out: the clock moves to the wait's deadline
// and the wait's timeout event is delivered.
func Timeout() Action { return Action{Verb: VerbTimeout} }

// Event reports any event by name with data (connect-call-to's
// callCompleted, enqueue-call's callComplete, a redirect's return...).
func Event(name string, data map[string]any) Action {
	return Action{Verb: VerbEvent, Event: name, Data: data}
}

// String formats the action in script syntax, such as "press 7" or
// `event callCompleted DialCallStatus=completed`.
func (a Action) String() string {
	switch a.Verb {
	case VerbPress, VerbSpeak, VerbReply:
		return a.Verb + " " + quoteIfNeeded(a.Text)
	case VerbEvent:
		var b strings.Builder
		b.WriteString("event " + a.Event)
		for _, k := range slices.Sorted(maps.Keys(a.Data)) {
			v := widgets.DataString(a.Data, k)
			if v == "" || strings.ContainsAny(v, " \t\"\n") {
				v = strconv.Quote(v)
			}
			b.WriteString(" " + k + "=" + v)
		}
		return b.String()
	}
	return a.Verb
}

// where prefixes a message with the action's script line, if any.
func (a Action) where() string {
	if a.Line > 0 {
		return fmt.Sprintf("line %d: %s", a.Line, a)
	}
	return a.String()
}

func quoteIfNeeded(s string) string {
	if s == "" || s != strings.TrimSpace(s) || strings.ContainsAny(s, "\"\n\t") {
		return strconv.Quote(s)
	}
	return s
}

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrSyntax: a script line cannot be read (see *SyntaxError).
	ErrSyntax = errors.New("script syntax")
	// ErrNotAccepted: the action does not fit what the execution waits for.
	ErrNotAccepted = errors.New("not accepted by the wait")
	// ErrEnded: the script has an action left but the execution has ended.
	ErrEnded = errors.New("the execution has ended")
	// ErrStuck: the execution waits, the script has nothing left, and the
	// wait has no outcome that happens by itself (no timeout, no hang-up).
	ErrStuck = errors.New("the execution waits and nothing would end the wait")
)

// SyntaxError is a script line that cannot be read. It unwraps to
// ErrSyntax.
type SyntaxError struct {
	// Line is the 1-based line number; Text the line as written.
	Line int
	// Text is the line as written.
	Text string
	// Msg says what is wrong.
	Msg string
}

// Error says which line is wrong and why.
func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// ActionError is an action the execution could not take: the wait does not
// accept it (ErrNotAccepted), the execution has already ended (ErrEnded),
// or nothing is left to deliver to a wait that would never end (ErrStuck).
type ActionError struct {
	// Action is the action concerned (zero for ErrStuck).
	Action Action
	// State is the waiting state, if any, and Events what it accepts.
	State string
	// Events are the events the waiting state accepts.
	Events []string
	// Status is the execution's status.
	Status runtime.Status
	// Err is one of the sentinel errors.
	Err error
}

// Error names the action, its script line, the waiting state and what it
// accepts.
func (e *ActionError) Error() string {
	switch e.Err {
	case ErrEnded:
		if e.Action.Verb == "" {
			return fmt.Sprintf("the execution has already %s", e.Status)
		}
		return fmt.Sprintf("%s: the execution has already %s; nothing waits for this", e.Action.where(), e.Status)
	case ErrStuck:
		return fmt.Sprintf("state %q waits for one of %s and the script has no more input; no timeout or hang-up would end this wait",
			e.State, strings.Join(e.Events, ", "))
	}
	msg := fmt.Sprintf("%s: state %q waits for one of %s", e.Action.where(), e.State, strings.Join(e.Events, ", "))
	if vs := VerbsFor(&runtime.WaitState{Events: e.Events}); len(vs) > 0 {
		msg += " (script: " + strings.Join(vs, ", ") + ")"
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *ActionError) Unwrap() error { return e.Err }

// ParseScript reads a script: one action per line, blank lines and lines
// starting with # ignored. The verbs:
//
//	press DIGITS        keypress with Digits (0-9, * and #)
//	speak TEXT          speech with SpeechResult TEXT
//	reply TEXT          incomingMessage with Body TEXT
//	answer              answered (a call the flow placed)
//	busy                busy
//	no-answer           noAnswer
//	fail                failed (or the wait's failure event)
//	hangup              hangup, or the caller leaving the call
//	timeout             the wait's timeout
//	event NAME [key=value ...]   any event, with data
//
// TEXT runs to the end of the line; quote it ("...", Go syntax) to keep
// leading or trailing spaces. A value with spaces is quoted the same way:
// event return Result="all good". Errors are *SyntaxError values naming the
// line.
func ParseScript(r io.Reader) (Script, error) {
	var s Script
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		a, err := ParseAction(line)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				se.Line, se.Text = n, line
			}
			return nil, err
		}
		a.Line = n
		s = append(s, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("script: %w", err)
	}
	return s, nil
}

// ParseAction reads one action in script syntax, such as "press 12#" or
// "event callCompleted DialCallStatus=completed". See ParseScript.
func ParseAction(line string) (Action, error) {
	line = strings.TrimSpace(line)
	verb, rest, _ := strings.Cut(line, " ")
	rest = strings.TrimSpace(rest)
	bad := func(format string, args ...any) (Action, error) {
		return Action{}, &SyntaxError{Text: line, Msg: fmt.Sprintf(format, args...)}
	}
	switch verb {
	case VerbPress:
		if rest == "" {
			return bad("press needs the digits to press, such as: press 1")
		}
		if strings.Trim(rest, "0123456789*#") != "" {
			return bad("press %q: digits are 0-9, * and #", rest)
		}
		return Press(rest), nil
	case VerbSpeak, VerbReply:
		text, err := textArg(rest)
		if err != nil {
			return bad("%s: %v", verb, err)
		}
		if text == "" {
			return bad("%s needs text, such as: %s yes please", verb, verb)
		}
		return Action{Verb: verb, Text: text}, nil
	case VerbAnswer, VerbBusy, VerbNoAnswer, VerbFail, VerbHangup, VerbTimeout:
		if rest != "" {
			return bad("%s takes no argument, got %q", verb, rest)
		}
		return Action{Verb: verb}, nil
	case VerbEvent:
		fields, err := splitFields(rest)
		if err != nil {
			return bad("event: %v", err)
		}
		if len(fields) == 0 || strings.Contains(fields[0], "=") {
			return bad("event needs an event name, such as: event callCompleted DialCallStatus=completed")
		}
		a := Action{Verb: VerbEvent, Event: fields[0]}
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(f, "=")
			if !ok || k == "" {
				return bad("event %s: %q is not key=value", a.Event, f)
			}
			if a.Data == nil {
				a.Data = map[string]any{}
			}
			a.Data[k] = v
		}
		return a, nil
	}
	if verb == "" {
		return bad("empty action")
	}
	return bad("unknown verb %q; the verbs are %s", verb, strings.Join(Verbs, ", "))
}

// textArg returns the text of speak and reply: the rest of the line, or a
// quoted string.
func textArg(rest string) (string, error) {
	if strings.HasPrefix(rest, `"`) {
		s, err := strconv.Unquote(rest)
		if err != nil {
			return "", fmt.Errorf("bad quoted text %s", rest)
		}
		return s, nil
	}
	return rest, nil
}

// splitFields splits on spaces, keeping "quoted strings" (Go syntax) whole;
// a quote may start a field or follow "key=".
func splitFields(s string) ([]string, error) {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		i := strings.IndexAny(s, " \t\"")
		if i < 0 {
			out = append(out, s)
			break
		}
		if s[i] != '"' {
			out = append(out, s[:i])
			s = s[i:]
			continue
		}
		q, err := strconv.QuotedPrefix(s[i:])
		if err != nil {
			return nil, fmt.Errorf("unterminated or bad quoted value in %q", s)
		}
		uq, _ := strconv.Unquote(q)
		out = append(out, s[:i]+uq)
		s = s[i+len(q):]
		if s != "" && s[0] != ' ' && s[0] != '\t' {
			return nil, fmt.Errorf("a quoted value must end its field, in %q", s)
		}
	}
	return out, nil
}

// failEvents are the events "fail" stands for, in order of preference.
var failEvents = []string{"failed", "fail", "failure", "callFailure", "failedToEnqueue"}

// endOfCallEvents are events a wait may end on by itself when nobody acts:
// the call or hand-off finishing.
var endOfCallEvents = []string{"callComplete", "callCompleted", "completed"}

// timeoutEvent is the event a wait's timeout delivers, and whether the wait
// can time out at all.
func timeoutEvent(w *runtime.WaitState) (string, bool) {
	ev := w.TimeoutEventName()
	if w.Accepts(ev) && (w.Deadline != nil || ev == widgets.TimeoutEvent) {
		return ev, true
	}
	return "", false
}

// eventName is the event a verb stands for at wait w; "" when w takes none.
// Hangup with no hangup event gives "" too: the session ends the call.
func eventName(a Action, w *runtime.WaitState) string {
	pick := func(names ...string) string {
		for _, n := range names {
			if w.Accepts(n) {
				return n
			}
		}
		return ""
	}
	switch a.Verb {
	case VerbPress:
		return pick("keypress")
	case VerbSpeak:
		return pick("speech")
	case VerbReply:
		return pick("incomingMessage")
	case VerbAnswer:
		return pick("answered")
	case VerbBusy:
		return pick("busy")
	case VerbNoAnswer:
		return pick("noAnswer")
	case VerbFail:
		return pick(failEvents...)
	case VerbHangup:
		return pick("hangup")
	case VerbTimeout:
		ev, _ := timeoutEvent(w)
		return ev
	case VerbEvent:
		return pick(a.Event)
	}
	return ""
}

// VerbsFor lists the script actions wait w accepts, such as
// ["press DIGITS", "speak TEXT", "timeout"], ending with "event NAME" for
// each event no verb stands for.
func VerbsFor(w *runtime.WaitState) []string {
	if w == nil {
		return nil
	}
	examples := []Action{Press("DIGITS"), Speak("TEXT"), Reply("TEXT"), Answer(), Busy(), NoAnswer(), Fail(), Hangup(), Timeout()}
	var out []string
	covered := map[string]bool{}
	for _, a := range examples {
		if ev := eventName(a, w); ev != "" {
			out = append(out, a.String())
			covered[ev] = true
		}
	}
	for _, ev := range w.Events {
		if !covered[ev] {
			out = append(out, "event "+ev)
		}
	}
	return out
}

// DefaultAction is what happens at wait w when the script has nothing
// left: the wait times out; without a timeout, the contact hangs up, the
// call placed goes unanswered, or the call or hand-off completes, whichever
// the wait accepts first. It reports false when none applies; a session
// then still ends a live call by the caller hanging up.
func DefaultAction(w *runtime.WaitState) (Action, bool) {
	if w == nil {
		return Action{}, false
	}
	if _, ok := timeoutEvent(w); ok {
		return Timeout(), true
	}
	switch {
	case w.Accepts("hangup"):
		return Hangup(), true
	case w.Accepts("noAnswer"):
		return NoAnswer(), true
	}
	for _, ev := range endOfCallEvents {
		if w.Accepts(ev) {
			return Event(ev, nil), true
		}
	}
	return Action{}, false
}
