package lint

import "slices"

// Published lists, for the widget types whose outputs are a closed set,
// the names a template may read after widgets.NAME. (the first name of
// the path: widgets.menu.Digits, widgets.fetch.parsed.anything). A reference
// to another name of a state of one of these types is
// CodeWidgetFieldUnknown. Types left out publish what the host or a
// service reports (connect-call-to, enqueue-call, record-voicemail,
// run-subflow, make-outgoing-call ...), and are never flagged; a
// run-module step is checked against its module's contract when
// WithModules finds it.
//
// The names are those package widgets/twilio documents for each type,
// Twilio's own:
//
//   - gather-input-on-call: Digits, FinishedOnKey, SpeechResult,
//     Confidence and the request parameters of a TwiML request (CallSid,
//     AccountSid, From, To, CallStatus, Direction, ApiVersion,
//     ForwardedFrom, CallerName, ParentCallSid, Caller, Called and their
//     City, State, Zip and Country);
//   - make-http-request, run-function: status_code, content_type, body,
//     parsed, error;
//   - send-message: outbound, message, error;
//   - send-and-wait-for-reply: outbound, inbound, error;
//   - fork-stream: StreamName, StreamAction, error;
//   - say-play, set-variables, split-based-on: nothing.
//
// The slices are the caller's to read; do not modify them.
func Published() map[string][]string {
	out := make(map[string][]string, len(published))
	for k, v := range published {
		out[k] = slices.Clone(v)
	}
	return out
}

var published = map[string][]string{
	"gather-input-on-call":    gatherFields(),
	"make-http-request":       httpFields,
	"run-function":            httpFields,
	"send-message":            {"outbound", "message", "error"},
	"send-and-wait-for-reply": {"outbound", "inbound", "error"},
	"fork-stream":             {"StreamName", "StreamAction", "error"},
	"say-play":                {},
	"set-variables":           {},
	"split-based-on":          {},
}

var httpFields = []string{"status_code", "content_type", "body", "parsed", "error"}

func gatherFields() []string {
	out := []string{"Digits", "FinishedOnKey", "SpeechResult", "Confidence",
		"CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "ApiVersion",
		"ForwardedFrom", "CallerName", "ParentCallSid", "Caller", "Called"}
	for _, who := range []string{"From", "To", "Caller", "Called"} {
		for _, what := range []string{"City", "State", "Zip", "Country"} {
			out = append(out, who+what)
		}
	}
	return out
}
