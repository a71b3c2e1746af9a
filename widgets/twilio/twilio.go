package twilio

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/flow"
)

// Types returns Twilio Studio's widgets, each a new value: changing one
// changes nothing else.
func Types() []widgets.Type {
	return []widgets.Type{
		Trigger(),
		SetVariables(),
		SplitBasedOn(),
		SayPlay(),
		GatherInputOnCall(),
		SendMessage(),
		SendAndWaitForReply(),
		ConnectCallTo(),
		MakeOutgoingCall(),
		MakeOutgoingCallV1(),
		RecordVoicemail(),
		RecordCall(),
		EnqueueCall(),
		SendToFlex(),
		CapturePayments(),
		ForkStream(),
		MakeHTTPRequest(),
		RunFunction(),
		RunFunctionV2(),
		AddTwimlRedirect(),
		RunSubflow(),
		SendToAutopilot(),
		ConnectVirtualAgent(),
		ConnectVirtualAgentV2(),
		StartConversation(),
		ResumeConversation(),
		RunConversationRelay(),
	}
}

// Register adds every type Types returns to r, or none: a name r holds
// already is an error that names it.
func Register(r *widgets.Registry) error { return r.RegisterAll(Types()...) }

var (
	errNoHTTP     = widgets.NotConfigured("http", "no HTTP client configured")
	errNoPayments = widgets.NotConfigured("payments", "no payment service is configured")
	errNoStreams  = widgets.NotConfigured("streams", "no stream service is configured")
)

// formEncode encodes params as a query string or form body, in order.
func formEncode(ps []widgets.Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
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
func checkURL(p *widgets.Props, key string, t widgets.Text, schemes ...string) {
	if t.IsZero() || t.Dynamic {
		return
	}
	if hasPlaceholder(t.Src) {
		p.Report(key, widgets.CodePropertyTemplate, flow.SeverityWarning,
			"%s holds a deployment placeholder (${...}); replace it before the flow runs", key)
		return
	}
	if err := validURL(t.Src, schemes...); err != nil {
		p.Errorf(key, widgets.CodePropertyInvalid, "%s: %v", key, err)
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
func checkJSONObject(p *widgets.Props, key string, t widgets.Text) {
	if t.IsZero() || t.Dynamic || hasPlaceholder(t.Src) {
		return
	}
	if _, err := jsonObject(t.Src); err != nil {
		p.Errorf(key, widgets.CodePropertyInvalid, "%s must be a JSON object: %v", key, err)
	}
}

// jsonObject parses s, which must be a JSON object (blank is an empty
// one).
func jsonObject(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return map[string]any{}, nil
	}
	if m, ok := parseJSON(s).(map[string]any); ok {
		return m, nil
	}
	return nil, fmt.Errorf("not a JSON object of at most %d levels", MaxParsedDepth)
}

// errorOutputs is the outputs of a step that failed with err.
func errorOutputs(err error) map[string]any { return map[string]any{"error": err.Error()} }
