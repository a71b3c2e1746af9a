package fake

import (
	"context"
	"fmt"
	"sync"

	"github.com/studioflow/studioflow/flow/connect"
	"github.com/studioflow/studioflow/widgets"
)

// ContactCenter fakes widgets.ContactCenter: it records every request in
// the transcript (service "contactcenter", op the action, text the
// resource) and answers what Answer or Fail set for the action and
// resource, else a default:
//
//   - InvokeLambdaFunction: an error (no function answers), so the flow
//     takes its error branch until a test answers for the function;
//   - CheckHoursOfOperation: open, {"InHours": true};
//   - CheckMetricData: {"Value": 0}; GetMetricData: no metrics;
//   - everything else (queues, Lex, profiles, cases, tasks, callbacks,
//     views, Voice ID): an empty answer, a success. A Lex answer without
//     IntentName lets the customer's words pick the intent; a
//     GetParticipantInput answer without EncryptedInput encrypts nothing,
//     so stored input with InputEncryption takes NoMatchingError until a
//     test answers {"EncryptedInput": "..."} for its EncryptionKeyId.
//
// A resource matches an answer set for it as written, for its id (the
// last part of an ARN) or for the name in a deployment placeholder
// (package flow/connect's References); an answer set for resource ""
// matches any.
//
// FailNth fails one request (recorded, like every request) with its error,
// whatever Answer or Fail set.
type ContactCenter struct {
	// T is the transcript every request is recorded in. It must not be nil
	// (New sets it).
	T *Transcript
	// Failures counts the requests and fails those FailNth chooses.
	Failures

	mu      sync.Mutex
	answers map[string]ccAnswer
}

type ccAnswer struct {
	answer map[string]any
	err    error
}

var _ widgets.ContactCenter = (*ContactCenter)(nil)

// Answer sets what requests of action for resource ("" for any) get.
func (c *ContactCenter) Answer(action, resource string, answer map[string]any) *ContactCenter {
	return c.set(action, resource, ccAnswer{answer: widgets.CopyData(answer)})
}

// Fail makes requests of action for resource ("" for any) fail with err:
// a *connect.Error (package widgets/connect) picks the error branch, a
// full queue say.
func (c *ContactCenter) Fail(action, resource string, err error) *ContactCenter {
	return c.set(action, resource, ccAnswer{err: err})
}

func (c *ContactCenter) set(action, resource string, a ccAnswer) *ContactCenter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.answers == nil {
		c.answers = map[string]ccAnswer{}
	}
	c.answers[action+"\x00"+resource] = a
	return c
}

// Request implements widgets.ContactCenter.
func (c *ContactCenter) Request(ctx context.Context, r widgets.ContactCenterRequest) (map[string]any, error) {
	detail := map[string]any{}
	if len(r.Parameters) > 0 {
		detail["parameters"] = widgets.CopyData(r.Parameters)
	}
	c.T.Add(Entry{Service: "contactcenter", Op: r.Action, Text: r.Resource, Detail: detail, Effect: effectOf(ctx)})
	if err := c.next(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	a, ok := c.lookup(r.Action, r.Resource)
	c.mu.Unlock()
	if ok {
		if a.err != nil {
			return nil, a.err
		}
		return widgets.CopyData(a.answer), nil
	}
	switch r.Action {
	case "InvokeLambdaFunction":
		return nil, fmt.Errorf("no Lambda function answers %q", r.Resource)
	case "CheckHoursOfOperation":
		return map[string]any{"InHours": true}, nil
	case "CheckMetricData":
		return map[string]any{"Value": 0.0}, nil
	}
	return map[string]any{}, nil
}

func (c *ContactCenter) lookup(action, resource string) (ccAnswer, bool) {
	for _, key := range append(connect.References(resource), "") {
		if a, ok := c.answers[action+"\x00"+key]; ok {
			return a, true
		}
	}
	return ccAnswer{}, false
}
