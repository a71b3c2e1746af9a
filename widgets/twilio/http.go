package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/internal/jsonutil"
)

// MaxResponseBytes caps the body of an HTTP or function response, as Twilio
// does (64 KB). A larger body takes the failure event.
const MaxResponseBytes = 64 << 10

// DefaultHTTPTimeout bounds make-http-request and run-function calls, as
// Twilio does (10 s).
const DefaultHTTPTimeout = 10 * time.Second

// MakeHTTPRequest sends an HTTP request through Services.HTTP and reads the
// response within the step.
//
//	{ "name": "lookup_customer", "type": "make-http-request",
//	  "transitions": [ {"event": "success", "next": "greet_by_name"}, {"event": "failed", "next": "greeting"} ],
//	  "properties": { "method": "POST", "url": "https://api.example.com/customers/lookup",
//	                  "content_type": "application/json;charset=utf-8",
//	                  "body": "{\"phone\": \"{{contact.channel.address}}\"}" } }
//
// Properties:
//   - method: GET (default), POST, PUT, DELETE or PATCH.
//   - url (required, template): an absolute http or https URL.
//   - content_type: the request's media type, default
//     application/x-www-form-urlencoded; parameters such as
//     ";charset=utf-8" are kept.
//   - body (template): sent as is when content_type is JSON (or another
//     non-form type) and the method has a body.
//   - parameters [{key, value}] (templates): a query string for GET and
//     DELETE (appended to any query the url has), else the form-encoded
//     body when no JSON body is given.
//   - timeout: beyond Twilio, 1-60 seconds, default 10 (Twilio's fixed
//     limit).
//
// Events: success for a 2xx response, failed for anything else: another
// status, a network error or timeout, a body over 64 KB, a url that is
// not an absolute http(s) URL once rendered. Redirects are the doer's
// business: an *http.Client follows them; a doer that hands back a 3xx
// response unfollowed makes the step fail.
//
// Outputs: status_code (a number), content_type (the response's), body
// (the text), parsed (the body decoded, so parsed.key reads a field), and
// error (on a network error, a timeout or an oversized body, in which case
// body is not set). parsed is set only when the response's Content-Type is
// JSON (application/json, or a type ending in +json such as
// application/problem+json; parameters such as "; charset=utf-8" allowed)
// and the body is a JSON object nesting at most MaxParsedDepth levels: a
// text/plain or text/html body that happens to start with "{" is not
// parsed (Twilio, Make HTTP Request widget,
// https://www.twilio.com/docs/studio/widget-library/http-request: the
// response is parsed into variables when it is JSON). Arrays and scalars
// give no parsed either.
func MakeHTTPRequest() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   "make-http-request",
		Compile: func(p *widgets.Props) widgets.Node {
			n := &httpNode{
				method:      p.OneOf("method", http.MethodGet, http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch),
				url:         p.RequiredText("url"),
				contentType: p.String("content_type", "application/x-www-form-urlencoded"),
				body:        p.Text("body"),
				params:      p.KeyValues("parameters"),
				timeout:     p.Seconds("timeout", int(DefaultHTTPTimeout/time.Second), 1, 60),
			}
			checkURL(p, "url", n.url)
			mt, _, err := mime.ParseMediaType(n.contentType)
			if err != nil {
				p.Errorf("content_type", widgets.CodePropertyInvalid, "content_type %q is not a media type: %v", n.contentType, err)
			}
			n.mediaType = mt
			if n.isJSON() && !n.body.IsZero() && !n.body.Dynamic && !hasPlaceholder(n.body.Src) && !json.Valid([]byte(n.body.Src)) {
				p.Report("body", widgets.CodePropertyInvalid, flow.SeverityWarning, "body is not valid JSON, yet content_type is %s", n.contentType)
			}
			return n
		},
	}
}

type httpNode struct {
	method, contentType, mediaType string
	url, body                      widgets.Text
	params                         []widgets.KeyValue
	timeout                        time.Duration
}

var httpEvents = []string{"success", "failed"}

func (n *httpNode) Events() []string { return slices.Clone(httpEvents) }

func (n *httpNode) isJSON() bool {
	return n.mediaType == "application/json" || strings.HasSuffix(n.mediaType, "+json")
}

func (n *httpNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	doer := sc.Services().HTTP
	if doer == nil {
		return widgets.Result{}, errNoHTTP
	}
	target, err := n.url.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	body, err := n.body.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	params, err := widgets.RenderParams(sc, n.params)
	if err != nil {
		return widgets.Result{}, err
	}
	ctx, cancel := context.WithTimeout(sc.Context(), n.timeout)
	defer cancel()
	req, err := n.request(ctx, target, body, params)
	if err != nil {
		return widgets.Result{Event: "failed", Outputs: errorOutputs(err)}, nil
	}
	out, status, ok := send(ctx, doer, req, n.timeout)
	if !ok || !httpSuccess(status) {
		return widgets.Result{Event: "failed", Outputs: out}, nil
	}
	return widgets.Result{Event: "success", Outputs: out}, nil
}

// httpSuccess reports whether make-http-request takes success on status:
// 2xx only.
func httpSuccess(status int) bool { return status >= 200 && status < 300 }

// request builds the request: parameters in the query for GET and DELETE;
// otherwise a JSON (or other non-form) body when given, else the
// parameters form-encoded, else the body as is.
func (n *httpNode) request(ctx context.Context, target, body string, params []widgets.Param) (*http.Request, error) {
	target = strings.TrimSpace(target)
	if err := validURL(target); err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	u, _ := url.Parse(target)
	var reqBody io.Reader
	ctype := ""
	isForm := n.mediaType == "application/x-www-form-urlencoded"
	switch {
	case n.method == http.MethodGet || n.method == http.MethodDelete:
		if len(params) > 0 {
			if u.RawQuery != "" {
				u.RawQuery += "&"
			}
			u.RawQuery += formEncode(params)
		}
	case body != "" && !isForm:
		reqBody, ctype = strings.NewReader(body), n.contentType
	case len(params) > 0:
		ctype = "application/x-www-form-urlencoded"
		if isForm {
			ctype = n.contentType
		}
		reqBody = strings.NewReader(formEncode(params))
	case body != "":
		reqBody, ctype = strings.NewReader(body), n.contentType
	}
	req, err := http.NewRequestWithContext(ctx, n.method, u.String(), reqBody)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req, nil
}

// send does req and reads the response into outputs, returning its status;
// ok is true when a response was read whole (whatever its status).
func send(ctx context.Context, doer widgets.HTTPDoer, req *http.Request, timeout time.Duration) (out map[string]any, status int, ok bool) {
	resp, err := doer.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return map[string]any{"error": fmt.Sprintf("timeout: no response in time (at most %s): %v", timeout, err)}, 0, false
		}
		return errorOutputs(err), 0, false
	}
	defer resp.Body.Close()
	out, ok = responseOutputs(resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body)
	return out, resp.StatusCode, ok
}

// responseOutputs reads a response (at most MaxResponseBytes) into
// status_code, content_type, body and parsed (for a JSON content type
// only); ok is true when the body was read whole. The caller judges the
// status.
func responseOutputs(status int, contentType string, body io.Reader) (map[string]any, bool) {
	out := map[string]any{"status_code": float64(status), "content_type": contentType}
	b, err := io.ReadAll(io.LimitReader(body, MaxResponseBytes+1))
	if err != nil {
		out["error"] = "reading the response: " + err.Error()
		return out, false
	}
	if len(b) > MaxResponseBytes {
		out["error"] = fmt.Sprintf("the response body is larger than %d bytes (64 KB), the most a step may read", MaxResponseBytes)
		return out, false
	}
	out["body"] = string(b)
	if isJSONMediaType(contentType) {
		if parsed := parseObject(b); parsed != nil {
			out["parsed"] = parsed
		}
	}
	return out, true
}

// isJSONMediaType reports whether a Content-Type header names JSON:
// application/json or a structured-syntax type ending in +json
// (application/problem+json, application/vnd.api+json), with any
// parameters ("application/json; charset=utf-8"). Media types compare
// without case; a header that does not parse is not JSON.
func isJSONMediaType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// MaxParsedDepth is how deeply a JSON response may nest for parsed to be
// set. A deeper body is kept as text only: a value nested thousands of
// levels deep could be stored but never loaded again. It leaves room below
// the engine's default bound on stored values (runtime.DefaultMaxValueDepth,
// 32) for the outputs around parsed.
const MaxParsedDepth = 24

// parseObject decodes b when it is a JSON object nesting at most
// MaxParsedDepth levels, else returns nil.
func parseObject(b []byte) map[string]any {
	m, _ := parseJSON(string(b)).(map[string]any)
	return m
}

// parseJSON decodes s when it is a JSON object or array nesting at most
// MaxParsedDepth levels, else returns nil: the one reading of JSON a flow
// hands the Twilio widgets (a response's parsed, a Set Variables value,
// Autopilot's memory, task attributes).
func parseJSON(s string) any {
	s = strings.TrimSpace(s)
	if s == "" || (s[0] != '{' && s[0] != '[') || jsonutil.Beyond(s, MaxParsedDepth) >= 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil
	}
	switch v.(type) {
	case map[string]any, []any:
		return v
	}
	return nil
}
