package fake

import (
	"context"

	"github.com/studioflow/studioflow/widgets"
)

// Payments records capture requests. Set Fail to make captures fail, or
// call FailNth to fail one. The request carries no card data: the outcome
// (token, last four digits...) comes back as the event the host resumes
// the execution with.
type Payments struct {
	// T is the transcript every capture request is recorded in. It must not be nil
	// (New sets it).
	T *Transcript
	// Fail, if set, is returned by every Capture, and nothing is recorded.
	Fail error
	// Failures counts the captures and fails those FailNth chooses.
	Failures
}

var _ widgets.Payments = (*Payments)(nil)

// Capture implements widgets.Payments.
func (p *Payments) Capture(_ context.Context, call string, r widgets.PaymentRequest) error {
	if err := p.check(p.Fail); err != nil {
		return err
	}
	detail := map[string]any{
		"connector": r.Connector, "currency": r.Currency, "max_attempts": r.MaxAttempts,
		"timeout": r.Timeout.Seconds(), "payment_method": r.PaymentMethod, "security_code": r.SecurityCode,
	}
	if r.TokenType != "" {
		detail["token_type"] = r.TokenType
	}
	if r.PostalCode != "" {
		detail["postal_code"] = r.PostalCode
	}
	if len(r.ValidCardTypes) > 0 {
		detail["valid_card_types"] = r.ValidCardTypes
	}
	if r.Description != "" {
		detail["description"] = r.Description
	}
	p.T.Add(Entry{Service: "payments", Op: "capture", CallSid: call, Text: r.Amount, Detail: detail})
	return nil
}

// Streams records media stream starts and stops. Set Fail to make them
// fail, or call FailNth to fail one.
type Streams struct {
	// T is the transcript every start and stop is recorded in. It must not be nil
	// (New sets it).
	T *Transcript
	// Fail, if set, is returned by every Stream, and nothing is recorded.
	Fail error
	// Failures counts the starts and stops and fails those FailNth
	// chooses.
	Failures
}

var _ widgets.Streams = (*Streams)(nil)

// Stream implements widgets.Streams.
func (s *Streams) Stream(_ context.Context, call string, st widgets.Stream) error {
	if err := s.check(s.Fail); err != nil {
		return err
	}
	detail := map[string]any{}
	if st.Name != "" {
		detail["name"] = st.Name
	}
	if st.Track != "" {
		detail["track"] = st.Track
	}
	if st.Transport != "" {
		detail["transport"] = st.Transport
	}
	if st.Connector != "" {
		detail["connector"] = st.Connector
	}
	if len(st.Parameters) > 0 {
		p := make(map[string]any, len(st.Parameters))
		for k, v := range st.Parameters {
			p[k] = v
		}
		detail["parameters"] = p
	}
	s.T.Add(Entry{Service: "streams", Op: st.Action, CallSid: call, Text: st.URL, Detail: detail})
	return nil
}
