package widgets

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/studioflow/studioflow/flow"
)

// twilioTypes lists the Twilio Studio widgets beyond the core set.
func twilioTypes() []Type {
	return []Type{
		ConnectCallTo,
		MakeOutgoingCall,
		RecordVoicemail,
		RecordCall,
		EnqueueCall,
		SendToFlex,
		CapturePayments,
		ForkStream,
		MakeHTTPRequest,
		RunFunction,
		AddTwimlRedirect,
		RunSubflow,
		SendToAutopilot,
	}
}

var (
	errNoHTTP     = notConfigured("http", "no HTTP client configured")
	errNoPayments = notConfigured("payments", "no payment service is configured")
	errNoStreams  = notConfigured("streams", "no stream service is configured")
)

// param is one rendered {key, value} parameter.
type param struct{ key, value string }

// renderParams renders a parameters list in order.
func renderParams(sc StepContext, kvs []KeyValue) ([]param, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	out := make([]param, 0, len(kvs))
	for _, kv := range kvs {
		v, err := sc.Render(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", kv.Key, err)
		}
		out = append(out, param{kv.Key, v})
	}
	return out, nil
}

// paramMap returns params as a map; a later key wins.
func paramMap(ps []param) map[string]string {
	if len(ps) == 0 {
		return nil
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.key] = p.value
	}
	return m
}

// formEncode encodes params as a query string or form body, in order.
func formEncode(ps []param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.value))
	}
	return b.String()
}

// hasPlaceholder reports whether s holds a ${VAR} deployment placeholder,
// as exported flows often do.
func hasPlaceholder(s string) bool {
	i := strings.Index(s, "${")
	return i >= 0 && strings.Contains(s[i:], "}")
}

// checkURL checks a fixed URL property: it must be an absolute http or
// https URL. Templates are checked when the step runs; a ${VAR} deployment
// placeholder gets a warning.
func checkURL(p *Props, key string, t Text, schemes ...string) {
	if t.IsZero() || t.Dynamic {
		return
	}
	if hasPlaceholder(t.Src) {
		p.Report(key, CodePropertyTemplate, flow.SeverityWarning,
			"%s holds a deployment placeholder (${...}); replace it before the flow runs", key)
		return
	}
	if err := validURL(t.Src, schemes...); err != nil {
		p.Errorf(key, CodePropertyInvalid, "%s: %v", key, err)
	}
}

// validURL checks that s is an absolute URL with one of schemes (http and
// https when none are given).
func validURL(s string, schemes ...string) error {
	if len(schemes) == 0 {
		schemes = []string{"http", "https"}
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a valid URL", s)
	}
	for _, sc := range schemes {
		if strings.EqualFold(u.Scheme, sc) && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("%q is not an absolute %s URL", s, strings.Join(schemes, " or "))
}

// checkJSONObject checks a fixed property that must hold a JSON object
// (task attributes). Templates are checked when the step runs.
func checkJSONObject(p *Props, key string, t Text) {
	if t.IsZero() || t.Dynamic || hasPlaceholder(t.Src) {
		return
	}
	if _, err := jsonObject(t.Src); err != nil {
		p.Errorf(key, CodePropertyInvalid, "%s must be a JSON object: %v", key, err)
	}
}

// jsonObject parses s, which must be a JSON object (blank is an empty
// one).
func jsonObject(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("null is not an object")
	}
	return m, nil
}

// outcome returns an event taken with the host's data as outputs (waiting
// widgets whose outcome data is not sensitive).
func outcome(ev Event) Result {
	if len(ev.Data) == 0 {
		return Result{Event: ev.Name}
	}
	return Result{Event: ev.Name, Outputs: CopyData(ev.Data)}
}

// outcomeWithStatus is outcome with the status field key defaulted from
// defaults when the host did not report one.
func outcomeWithStatus(ev Event, key string, defaults map[string]string) Result {
	out := CopyData(ev.Data)
	if DataString(out, key) == "" {
		out[key] = defaults[ev.Name]
	}
	return Result{Event: ev.Name, Outputs: out}
}

// callStatusOf is the CallStatus after each outcome of a placed call when
// the host does not report one (make-outgoing-call-v2 and
// make-outbound-call).
var callStatusOf = map[string]string{
	"answered": "in-progress", "busy": "busy", "noAnswer": "no-answer", "failed": "failed", "invalidNumber": "failed",
}

// errorOutputs is the outputs of a step that failed with err.
func errorOutputs(err error) map[string]any { return map[string]any{"error": err.Error()} }
