package flowtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/studioflow/studioflow/runtime/sim"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/connect"
	"github.com/studioflow/studioflow/widgets/fake"
)

// Mocks answer what a flow asks of the world while a test (or flowrun)
// runs it: HTTP requests, functions, Lambda functions, hours of
// operation, queues and any other contact-center request. Nothing is
// dialled, sent or requested for real.
type Mocks struct {
	// HTTP answers make-http-request and run-function over HTTP; an
	// unmocked request fails the widget.
	HTTP []sim.HTTPMock `json:"http,omitempty"`
	// Functions answer run-function steps naming a function sid, url or
	// the url's last path element.
	Functions map[string]FunctionAnswer `json:"functions,omitempty"`
	// Lambdas answer InvokeLambdaFunction naming a function by ARN or
	// name: an object is $.External; {"errorMessage": "..."} is a failed
	// invocation. An unanswered function fails.
	Lambdas map[string]map[string]any `json:"lambdas,omitempty"`
	// Hours is what CheckHoursOfOperation finds: "open" (the default) or
	// "closed".
	Hours string `json:"hours,omitempty"`
	// FullQueues lists queues (ARN, id or name) at capacity:
	// TransferContactToQueue takes QueueAtCapacity.
	FullQueues []string `json:"full_queues,omitempty"`
	// ContactCenter answers any other Connect request.
	ContactCenter []ContactCenterAnswer `json:"contact_center,omitempty"`
}

// FunctionAnswer is what a function returns: status_code (default 200),
// body (text, or any JSON value, which is the body as JSON) and
// content_type (default application/json for a JSON body, text/plain for
// text).
type FunctionAnswer struct {
	StatusCode  int             `json:"status_code"`
	Body        json.RawMessage `json:"body"`
	ContentType string          `json:"content_type"`
}

// ContactCenterAnswer answers one kind of contact-center request: Action
// (such as "CheckMetricData") for Resource ("" for any), with Answer, or
// with the error branch ErrorType.
type ContactCenterAnswer struct {
	Action    string         `json:"action"`
	Resource  string         `json:"resource"`
	Answer    map[string]any `json:"answer,omitempty"`
	ErrorType string         `json:"error_type,omitempty"`
}

// ReadFunctionAnswer reads a FunctionAnswer, refusing unknown keys ({"status":
// 500} must not pass as a 200).
func ReadFunctionAnswer(data []byte) (FunctionAnswer, error) {
	var a FunctionAnswer
	if err := strictDecode(data, &a); err != nil {
		return a, fmt.Errorf("want {\"status_code\", \"body\", \"content_type\"}: %w", err)
	}
	return a, nil
}

// Result is the answer as run-function reads it.
func (a FunctionAnswer) Result() widgets.FunctionResult {
	res := widgets.FunctionResult{StatusCode: a.StatusCode, ContentType: a.ContentType}
	if res.StatusCode == 0 {
		res.StatusCode = 200
	}
	var text string
	if json.Unmarshal(a.Body, &text) == nil {
		res.Body = text
		if res.ContentType == "" {
			res.ContentType = "text/plain"
			if t := strings.TrimSpace(text); t != "" && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
				res.ContentType = "application/json" // JSON given as a string
			}
		}
	} else if len(a.Body) > 0 {
		res.Body = string(a.Body)
		if res.ContentType == "" {
			res.ContentType = "application/json"
		}
	}
	return res
}

// Check reports mocks that cannot be meant: an hours value other than
// open or closed, a contact-center answer with no action.
func (m Mocks) Check() error {
	if m.Hours != "" && m.Hours != "open" && m.Hours != "closed" {
		return fmt.Errorf("hours %q: want open or closed", m.Hours)
	}
	for i, a := range m.ContactCenter {
		if a.Action == "" {
			return fmt.Errorf("contact_center %d names no action", i)
		}
	}
	return nil
}

// Merge returns m with more's mocks added; more's win where both answer
// the same thing.
func (m Mocks) Merge(more Mocks) Mocks {
	out := m
	out.HTTP = append(append([]sim.HTTPMock(nil), more.HTTP...), m.HTTP...) // the first match wins
	out.Functions = mergeMaps(m.Functions, more.Functions)
	out.Lambdas = mergeMaps(m.Lambdas, more.Lambdas)
	if more.Hours != "" {
		out.Hours = more.Hours
	}
	out.FullQueues = append(append([]string(nil), m.FullQueues...), more.FullQueues...)
	out.ContactCenter = append(append([]ContactCenterAnswer(nil), m.ContactCenter...), more.ContactCenter...)
	return out
}

func mergeMaps[V any](a, b map[string]V) map[string]V {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := make(map[string]V, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// Options returns the simulator options that install the mocks.
func (m Mocks) Options() []sim.Option {
	opts := []sim.Option{sim.WithHTTPMocks(m.HTTP...)}
	return append(opts, sim.WithFakes(func(f *fake.Fakes) {
		for name, a := range m.Functions {
			res := a.Result()
			f.Functions.Handle(name, func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) { return res, nil })
		}
		cc := f.ContactCenter
		for _, a := range m.ContactCenter {
			if a.ErrorType != "" {
				cc.Fail(a.Action, a.Resource, &connect.Error{Type: a.ErrorType, Message: "as the mocks say"})
			} else {
				cc.Answer(a.Action, a.Resource, a.Answer)
			}
		}
		for name, answer := range m.Lambdas {
			if msg, ok := answer["errorMessage"].(string); ok {
				cc.Fail("InvokeLambdaFunction", name, errors.New(msg))
			} else {
				cc.Answer("InvokeLambdaFunction", name, answer)
			}
		}
		if m.Hours != "" {
			cc.Answer("CheckHoursOfOperation", "", map[string]any{"InHours": m.Hours == "open"})
		}
		for _, q := range m.FullQueues {
			cc.Fail("TransferContactToQueue", q, &connect.Error{Type: connect.ErrorQueueAtCapacity, Message: "queue " + q + " is full"})
		}
	}))
}

// strictDecode decodes one JSON value into v, refusing unknown keys and
// anything after the value.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}
