package runtime

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/studioflow/studioflow/template"
	"github.com/studioflow/studioflow/widgets"
)

// FailureCode says, in a word a host or a test can branch on, why an
// execution ended abnormally. The human reason beside it (Execution.Reason)
// may change wording between releases; the codes do not.
type FailureCode string

// Failure codes. An execution that failed carries one; an execution ended
// by its lifetime carries FailureExpired with status ended.
const (
	// FailureLimitSteps: the execution reached Limits.MaxSteps.
	FailureLimitSteps FailureCode = "limit_steps"
	// FailureLimitRepeats: one state ran more than Limits.MaxRepeats times
	// in a row.
	FailureLimitRepeats FailureCode = "limit_repeats"
	// FailureLimitDepth: a subflow or module would nest deeper than
	// Limits.MaxDepth.
	FailureLimitDepth FailureCode = "limit_depth"
	// FailureModuleNesting: a module ran inside a module where
	// Limits.ForbidModuleNesting forbids it.
	FailureModuleNesting FailureCode = "module_nesting"
	// FailureCycle: a subflow or module entered itself.
	FailureCycle FailureCode = "cycle"
	// FailureTemplate: a template failed to parse or render (a syntax
	// error, a filter that failed).
	FailureTemplate FailureCode = "template_error"
	// FailureTemplateBudget: a template passed its render's budget (its
	// loops, its work, the text it builds, the step's deadline); see
	// template.CodeBudget.
	FailureTemplateBudget FailureCode = "template_budget"
	// FailureTemplateSandbox: a template reached for what it may not read
	// (an include with no template source); see template.CodeSandbox.
	FailureTemplateSandbox FailureCode = "template_sandbox"
	// FailureService: a service the step needs failed or is not configured.
	FailureService FailureCode = "service_error"
	// FailureWidget: a widget returned an error of another kind, or cannot
	// take the result it was handed.
	FailureWidget FailureCode = "widget_error"
	// FailureWidgetPanic: a widget panicked; the panic is logged, not
	// stored.
	FailureWidgetPanic FailureCode = "widget_panic"
	// FailureUnsupported: a step's state type is one the library loads
	// but cannot run (an Amazon Connect action type it does not know;
	// widgets.ErrUnsupported).
	FailureUnsupported FailureCode = "unsupported"
	// FailureNoCall: a voice step ran where no live call exists (the
	// caller hung up, or the flow never had a call).
	FailureNoCall FailureCode = "no_live_call"
	// FailureCheck: the definition an execution runs cannot be loaded or
	// no longer passes its checks.
	FailureCheck FailureCode = "check_failed"
	// FailureValue: a value entering the execution (a widget's outputs, a
	// variable, a module's return) nests deeper than Limits.MaxValueDepth,
	// is larger than Limits.MaxValueBytes, or cannot be stored (NaN).
	FailureValue FailureCode = "value_refused"
	// FailureFlow: the flow itself ended in failure (a module returned
	// failed to a flow that was not entered from one).
	FailureFlow FailureCode = "flow_failed"
	// FailureExpired: the execution reached its lifetime (status ended).
	FailureExpired FailureCode = "expired"
	// FailureStore: the store failed the execution's first save, so it was
	// released rather than left holding its contact.
	FailureStore FailureCode = "store_failure"
	// FailureCallLive: a step that places a call (make-outgoing-call) ran
	// while the execution's call was live. Twilio publishes such flows
	// (compat reports them as warnings), but an execution has one call.
	FailureCallLive FailureCode = "call_live"
	// FailureCanceled: the caller's context was canceled or passed its
	// deadline during the execution's first run (Start), so it was
	// released rather than left holding its contact. (During a later run
	// nothing is saved: the execution stays as it was, and the call
	// returns the context's error.)
	FailureCanceled FailureCode = "canceled"
	// FailureCorrupt: the stored record could not be decoded, or decoded
	// to something no execution can be; it was ended unread.
	FailureCorrupt FailureCode = "corrupt_record"
	// FailureTimeoutUndeliverable is no longer produced: the expiry pass
	// leaves an execution it cannot advance because of a store's or a
	// context's error as it was, for its next pass, and fails one whose
	// definition cannot be loaded with FailureCheck. Kept so that stored
	// executions that carry it still read as they did.
	FailureTimeoutUndeliverable FailureCode = "timeout_undeliverable"
)

// codeOf classifies a step's error.
func codeOf(err error) FailureCode {
	var te *TemplateError
	var se *widgets.ServiceError
	var ve *ValueError
	var pe *panicError
	switch {
	case errors.As(err, &pe):
		return FailureWidgetPanic
	case errors.As(err, &te):
		switch template.CodeOf(te.Err) {
		case template.CodeBudget:
			return FailureTemplateBudget
		case template.CodeSandbox:
			return FailureTemplateSandbox
		}
		return FailureTemplate
	case errors.As(err, &ve):
		return FailureValue
	case errors.As(err, &se):
		return FailureService
	case errors.Is(err, widgets.ErrUnsupported):
		return FailureUnsupported
	}
	return FailureWidget
}

// Paths and stack traces are the host's business, not the flow's: a
// reason is stored, shown and published, so they are cut from it.
var (
	// hostPath matches an absolute file path of two or more elements
	// standing on its own (not inside a URL), with a :line suffix if any.
	hostPath = regexp.MustCompile(`(^|[\s"'(=\[,])(?:[A-Za-z]:\\|~?/)[^\s/\\:"']+(?:[/\\][^\s/\\:"']+)+(?::\d+)*`)
)

// maxReasonBytes bounds a stored reason: a reason quoting a huge value
// would otherwise grow the record and the cleaning's cost.
const maxReasonBytes = 2048

// cleanReason makes an error text fit to store: one paragraph of at most
// maxReasonBytes, no stack trace, no host file paths, valid UTF-8 as JSON
// stores it (a reason may quote a host's text, such as End's reason).
func cleanReason(s string) string {
	if len(s) > maxReasonBytes {
		cut := maxReasonBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	for _, cut := range []string{"\ngoroutine ", "\n\t"} {
		if i := strings.Index(s, cut); i >= 0 {
			s = s[:i]
		}
	}
	if strings.ContainsAny(s, `/\`) {
		s = hostPath.ReplaceAllString(s, "$1[path]")
	}
	return jsonText(strings.TrimSpace(s))
}

// ProgramError says that an execution's definition cannot be loaded (its
// flow or module revision is gone, or no longer passes its checks) or no
// longer has the execution's state.
type ProgramError struct {
	// Execution is the execution's id.
	Execution string
	// Err says what failed.
	Err error
}

// Error names the execution and what failed.
func (e *ProgramError) Error() string {
	return "runtime: execution " + e.Execution + ": " + e.Err.Error()
}

// Unwrap returns what failed.
func (e *ProgramError) Unwrap() error { return e.Err }
