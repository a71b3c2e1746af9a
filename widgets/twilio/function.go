package twilio

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/flow"
)

// RunFunction invokes a function: a Go handler the host registered on
// Services.Functions for the function's sid or url, else an HTTP POST of
// the parameters, form-encoded, to url through Services.HTTP (bounded by
// DefaultHTTPTimeout, 10 s).
//
//	{ "name": "save_booking", "type": "run-function",
//	  "transitions": [ {"event": "success", "next": "confirm_sms"}, {"event": "fail", "next": "sorry"} ],
//	  "properties": { "service_sid": "ZS2f6c4b1e8d9a7c3e5b0f1a2d4c6e8b9a",
//	                  "environment_sid": "ZE7d3a9c1b5e2f8a4c6d0b3e9f1a7c5d2b",
//	                  "function_sid": "ZH4b8e2d6a0c9f3b7e1d5a8c2f6b0e4d9a",
//	                  "url": "https://bookings-4821.twil.io/save-booking",
//	                  "parameters": [ {"key": "phone", "value": "{{contact.channel.address}}"},
//	                                  {"key": "slot", "value": "{{widgets.pick_slot.Digits}}"} ] } }
//
// Properties: service_sid, environment_sid, function_sid, url (template;
// an absolute http(s) URL), parameters [{key, value}] (templates).
//
// Events: success for a 2xx or 3xx result, fail (Twilio's irregular name)
// for anything else: a 4xx or 5xx status, an error, a timeout, a body over
// 64 KB, or a function with neither a handler nor a url. (Twilio, Run
// Function widget, https://www.twilio.com/docs/studio/widget-library/run-function:
// "3xx redirection is supported. 4xx or 5xx status code will transition
// to 'failed' in the widget.") Over HTTP an *http.Client follows redirects
// itself; a 3xx reaches the widget only from a doer or a Go handler that
// returns it.
//
// Outputs as make-http-request: status_code, content_type, body, parsed
// (a JSON object with a JSON content type only) and error.
//
// When the same state runs again in one execution (a retry loop), a new
// parsed is merged into the one the earlier run left: keys of the new
// response replace those of the old, keys only the old one had stay. A run
// whose response has no parsed (not JSON, an error) leaves none.
//
// A run-function with neither url nor function_sid (a template not yet
// configured, as some exports are) gets a warning, not an error.
func RunFunction() widgets.Type { return runFunctionType("run-function") }

// RunFunctionV2 is run-function under the versioned type name
// "run-function-v2": the same widget (properties, events, outputs, the
// function call), so a flow that names it loads and runs the same way.
//
//	{ "name": "lookup", "type": "run-function-v2",
//	  "transitions": [ {"event": "success", "next": "greet"}, {"event": "fail", "next": "sorry"} ],
//	  "properties": { "service_sid": "ZS2f6c4b1e8d9a7c3e5b0f1a2d4c6e8b9a",
//	                  "environment_sid": "ZE7d3a9c1b5e2f8a4c6d0b3e9f1a7c5d2b",
//	                  "function_sid": "ZH4b8e2d6a0c9f3b7e1d5a8c2f6b0e4d9a",
//	                  "url": "https://crm-4821.twil.io/lookup",
//	                  "parameters": [ {"key": "phone", "value": "{{contact.channel.address}}"} ] } }
func RunFunctionV2() widgets.Type { return runFunctionType("run-function-v2") }

// runFunctionType is the run-function widget under type name name.
func runFunctionType(name string) widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   name,
		Compile: func(p *widgets.Props) widgets.Node {
			n := &functionNode{
				serviceSid:     p.String("service_sid", ""),
				environmentSid: p.String("environment_sid", ""),
				functionSid:    p.String("function_sid", ""),
				url:            p.Text("url"),
				params:         p.KeyValues("parameters"),
			}
			if strings.TrimSpace(n.url.Src) == "" && strings.TrimSpace(n.functionSid) == "" {
				p.Report("url", widgets.CodePropertyMissing, flow.SeverityWarning,
					"a run-function without a url or a function_sid takes fail when it runs, unless the host registers a handler")
			}
			checkURL(p, "url", n.url)
			return n
		},
	}
}

type functionNode struct {
	serviceSid, environmentSid, functionSid string
	url                                     widgets.Text
	params                                  []widgets.KeyValue
}

var functionEvents = []string{"success", "fail"}

func (n *functionNode) Events() []string { return slices.Clone(functionEvents) }

func (n *functionNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	target, err := n.url.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	target = strings.TrimSpace(target)
	params, err := widgets.RenderParams(sc, n.params)
	if err != nil {
		return widgets.Result{}, err
	}
	ctx, cancel := context.WithTimeout(sc.Context(), DefaultHTTPTimeout)
	defer cancel()
	if fs := sc.Services().Functions; fs != nil {
		call := widgets.FunctionCall{
			Sid: n.functionSid, URL: target, ServiceSid: n.serviceSid, EnvironmentSid: n.environmentSid,
			Parameters: widgets.ParamMap(params),
		}
		res, handled, err := fs.Invoke(ctx, call)
		if handled {
			if err != nil {
				return widgets.Result{Event: "fail", Outputs: errorOutputs(fmt.Errorf("function %s: %w", n.name(target), err))}, nil
			}
			out, ok := responseOutputs(res.StatusCode, res.ContentType, strings.NewReader(res.Body))
			return n.result(sc, out, res.StatusCode, ok)
		}
	}
	if target == "" {
		return widgets.Result{Event: "fail", Outputs: errorOutputs(fmt.Errorf("function %s has no handler and no url", n.name(target)))}, nil
	}
	doer := sc.Services().HTTP
	if doer == nil {
		return widgets.Result{}, errNoHTTP
	}
	if err := validURL(target); err != nil {
		return widgets.Result{Event: "fail", Outputs: errorOutputs(fmt.Errorf("url: %w", err))}, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(formEncode(params)))
	if err != nil {
		return widgets.Result{Event: "fail", Outputs: errorOutputs(err)}, nil
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	out, status, ok := send(ctx, doer, req, DefaultHTTPTimeout)
	return n.result(sc, out, status, ok)
}

// result is the step's result for a response read into out with status;
// ok is false when the response could not be read whole.
func (n *functionNode) result(sc widgets.StepContext, out map[string]any, status int, ok bool) (widgets.Result, error) {
	mergeParsed(sc, out)
	if !ok || !functionSuccess(status) {
		return widgets.Result{Event: "fail", Outputs: out}, nil
	}
	return widgets.Result{Event: "success", Outputs: out}, nil
}

// functionSuccess reports whether run-function takes success on status:
// 2xx and 3xx (Twilio supports redirection), never 4xx or 5xx.
func functionSuccess(status int) bool { return status >= 200 && status < 400 }

// mergeParsed merges the parsed output the state's earlier run left
// (widgets.NAME.parsed) under the new one in out: the new response's keys
// win, the old ones it lacks stay. The old map is copied, never changed.
func mergeParsed(sc widgets.StepContext, out map[string]any) {
	parsed, ok := out["parsed"].(map[string]any)
	if !ok {
		return
	}
	prev, _ := sc.Lookup("widgets." + sc.StateName() + ".parsed")
	old, ok := prev.(map[string]any)
	if !ok || len(old) == 0 {
		return
	}
	merged := widgets.CopyData(old)
	for k, v := range parsed {
		merged[k] = v
	}
	out["parsed"] = merged
}

func (n *functionNode) name(target string) string {
	if n.functionSid != "" {
		return n.functionSid
	}
	return target
}
