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
// Events: success for a 2xx result, fail (Twilio's irregular name) for
// anything else: another status, an error, a timeout, a body over 64 KB,
// or a function with neither a handler nor a url.
//
// Outputs as make-http-request: status_code, content_type, body, parsed
// (JSON objects only) and error.
//
// A run-function with neither url nor function_sid (a template not yet
// configured, as some exports are) gets a warning, not an error.
func RunFunction() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   "run-function",
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
	target, err := sc.Render(n.url)
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
			return n.result(responseOutputs(res.StatusCode, res.ContentType, strings.NewReader(res.Body)))
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
	return n.result(send(ctx, doer, req, DefaultHTTPTimeout))
}

func (n *functionNode) result(out map[string]any, ok bool) (widgets.Result, error) {
	if !ok {
		return widgets.Result{Event: "fail", Outputs: out}, nil
	}
	return widgets.Result{Event: "success", Outputs: out}, nil
}

func (n *functionNode) name(target string) string {
	if n.functionSid != "" {
		return n.functionSid
	}
	return target
}
