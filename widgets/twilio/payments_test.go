package twilio_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func TestCapturePaymentsChecks(t *testing.T) {
	base := map[string]any{"payment_amount": "10.50"}
	runChecks(t, "capture-payments", []check{
		{name: "no properties: a tokenization", props: map[string]any{}},
		{name: "amount template", props: map[string]any{"payment_amount": "{{flow.data.amount}}"}},
		{name: "amount whole", props: map[string]any{"payment_amount": 25}},
		{name: "amount not a number", props: map[string]any{"payment_amount": "ten"}, key: "payment_amount", code: widgets.CodePropertyInvalid},
		{name: "amount negative", props: map[string]any{"payment_amount": "-1"}, key: "payment_amount", code: widgets.CodePropertyInvalid},
		{name: "currency upper case", props: props(base, map[string]any{"currency": "EUR"})},
		{name: "currency not a code", props: props(base, map[string]any{"currency": "dollars"}), key: "currency", code: widgets.CodePropertyInvalid},
		{name: "method ach", props: props(base, map[string]any{"payment_method": "ach-debit"})},
		{name: "method unknown", props: props(base, map[string]any{"payment_method": "cash"}), key: "payment_method", code: widgets.CodePropertyInvalid},
		{name: "token type", props: map[string]any{"payment_token_type": "reusable"}},
		{name: "token type unknown", props: map[string]any{"payment_token_type": "forever"}, key: "payment_token_type", code: widgets.CodePropertyInvalid},
		{name: "max attempts lowest", props: props(base, map[string]any{"max_attempts": 1})},
		{name: "max attempts highest as a string", props: props(base, map[string]any{"max_attempts": "3"})},
		{name: "max attempts zero", props: props(base, map[string]any{"max_attempts": 0}), key: "max_attempts", code: widgets.CodePropertyRange},
		{name: "max attempts four", props: props(base, map[string]any{"max_attempts": 4}), key: "max_attempts", code: widgets.CodePropertyRange},
		{name: "timeout lowest", props: props(base, map[string]any{"timeout": "1"})},
		{name: "timeout highest", props: props(base, map[string]any{"timeout": 600})},
		{name: "timeout zero", props: props(base, map[string]any{"timeout": 0}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": 601}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "security code as a string", props: props(base, map[string]any{"security_code": "false"})},
		{name: "security code invalid", props: props(base, map[string]any{"security_code": "sometimes"}), key: "security_code", code: widgets.CodePropertyInvalid},
		{name: "postal code length", props: props(base, map[string]any{"min_postal_code_length": "10"})},
		{name: "postal code length too long", props: props(base, map[string]any{"min_postal_code_length": 11}), key: "min_postal_code_length", code: widgets.CodePropertyRange},
		{name: "card types list", props: props(base, map[string]any{"valid_card_types": []any{"visa", "amex"}})},
		{name: "card types string", props: props(base, map[string]any{"valid_card_types": "visa amex"})},
		{name: "card types wrong shape", props: props(base, map[string]any{"valid_card_types": map[string]any{"visa": true}}), key: "valid_card_types", code: widgets.CodePropertyInvalid},
	})
}

// spyPayments records the last capture request.
type spyPayments struct {
	req  widgets.PaymentRequest
	call string
	fail error
}

func (p *spyPayments) Capture(_ context.Context, call string, r widgets.PaymentRequest) error {
	p.req, p.call = r, call
	return p.fail
}

func TestCapturePaymentsRequests(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		want  widgets.PaymentRequest
	}{
		{
			// Twilio, Capture Payments widget: Max Attempts 2, Payment Token
			// Type Reusable, Timeout 5, security and postal code true, USD.
			name:  "defaults",
			props: map[string]any{},
			want: widgets.PaymentRequest{Connector: "Default", Currency: "usd", MaxAttempts: 2, Timeout: 5 * time.Second,
				PaymentMethod: "credit-card", TokenType: "reusable", SecurityCode: true, PostalCode: "true", ValidCardTypes: []string{"visa", "mastercard", "amex"}},
		},
		{
			name: "everything, strings and templates",
			props: map[string]any{
				"payment_connector": "Stripe_Connector", "payment_amount": "{{flow.data.amount}}", "currency": "EUR",
				"payment_method": "credit-card", "payment_token_type": "one-time", "max_attempts": "3", "timeout": "10",
				"security_code": "false", "postal_code": "false", "min_postal_code_length": "5", "valid_card_types": "visa discover",
				"language": "en-GB", "description": "Order {{flow.data.order}}",
				"parameters": []any{map[string]any{"key": "customer", "value": "{{flow.data.customer}}"}},
			},
			want: widgets.PaymentRequest{Connector: "Stripe_Connector", Amount: "42.10", Currency: "eur", MaxAttempts: 3, Timeout: 10 * time.Second,
				PaymentMethod: "credit-card", TokenType: "one-time", SecurityCode: false, PostalCode: "false", MinPostalCodeLength: 5,
				ValidCardTypes: []string{"visa", "discover"}, Language: "en-GB", Description: "Order A-7",
				Parameters: map[string]string{"customer": "cus_9"}},
		},
		{
			name:  "templated currency, rendered",
			props: map[string]any{"currency": "{{flow.data.Currency}}"},
			want: widgets.PaymentRequest{Connector: "Default", Currency: "gbp", MaxAttempts: 2, Timeout: 5 * time.Second,
				PaymentMethod: "credit-card", TokenType: "reusable", SecurityCode: true, PostalCode: "true", ValidCardTypes: []string{"visa", "mastercard", "amex"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := &spyPayments{}
			n := mustCompile(t, "capture-payments", tt.props)
			sc := newStep(&widgets.Services{Payments: sp}).Set("flow.data.amount", "42.10").Set("flow.data.order", "A-7").Set("flow.data.customer", "cus_9").Set("flow.data.Currency", "GBP")
			res := run(t, n, sc)
			assert.Equal(t, tt.want, sp.req)
			assert.Equal(t, "CA100", sp.call)
			require.NotNil(t, res.Wait)
			assert.Equal(t, []string{"success", "maxFailedAttempts", "providerError", "payInterrupted", "hangup", "validationError"}, res.Wait.Events)
		})
	}
}

func TestCapturePaymentsTemplatedCurrencyNotACode(t *testing.T) {
	sp := &spyPayments{}
	n := mustCompile(t, "capture-payments", map[string]any{"currency": "{{flow.data.cur}}"})
	res := run(t, n, newStep(&widgets.Services{Payments: sp}).Set("flow.data.cur", "dollars"))
	assert.Equal(t, "validationError", res.Event)
	assert.Equal(t, `currency rendered "dollars", which is not a three-letter code`, res.Outputs["PaymentError"])
	assert.Equal(t, widgets.PaymentRequest{}, sp.req, "nothing was asked of the provider")
}

func TestCapturePaymentsKeepsOnlyWhatIsSafe(t *testing.T) {
	ty := typeOf(t, "capture-payments")
	assert.True(t, ty.NeedsCall)
	assert.Equal(t, []string{"hangup"}, ty.EndsCallOn)

	n := mustCompile(t, "capture-payments", map[string]any{"payment_amount": "10"})
	sc := newStep(&widgets.Services{Payments: &spyPayments{}})
	card := map[string]any{
		"PaymentCardNumber": "4111111111111111", "SecurityCode": "123", "ExpirationDate": "1230",
		"PaymentCardPostalCode": "94105", "card_holder": "Ana Lima",
	}
	tests := []struct {
		ev   string
		data map[string]any
		want map[string]any
	}{
		{
			ev: "success",
			data: props(card, map[string]any{"Result": "success", "PaymentToken": "tok_1", "PaymentConfirmationCode": "ch_1",
				"PaymentCardType": "visa", "ProfileId": "cus_1", "PaymentMethod": "credit-card"}),
			want: map[string]any{"Result": "success", "PaymentToken": "tok_1", "PaymentConfirmationCode": "ch_1", "PaymentCardType": "visa",
				"ProfileId": "cus_1", "PaymentMethod": "credit-card", "PaymentCardNumber": "xxxxxxxxxxxx1111"},
		},
		{
			ev:   "success",
			data: map[string]any{"Result": "success", "PaymentCardNumber": "xxxx-xxxx-xxxx-4242", "PaymentToken": "tok_2"},
			want: map[string]any{"Result": "success", "PaymentCardNumber": "xxxxxxxxxxxx4242", "PaymentToken": "tok_2"},
		},
		{
			ev:   "maxFailedAttempts",
			data: props(card, map[string]any{"Result": "too-many-failed-attempts", "PaymentError": "card declined"}),
			want: map[string]any{"Result": "too-many-failed-attempts", "PaymentError": "card declined", "PaymentCardNumber": "xxxxxxxxxxxx1111"},
		},
		{
			ev: "providerError",
			data: props(card, map[string]any{"Result": "payment-connector-error",
				"ConnectorError": "card 4111 1111 1111 1111 exp 1230 cvv 123 refused for Ana Lima"}),
			want: map[string]any{"Result": "payment-connector-error", "PaymentCardNumber": "xxxxxxxxxxxx1111",
				"ConnectorError": "card xxxxxxxxxxxx1111 exp [redacted] cvv [redacted] refused for [redacted]"},
		},
		{
			ev:   "payInterrupted",
			data: map[string]any{"Result": "caller-interrupted-with-star", "PaymentCardNumber": "41"},
			want: map[string]any{"Result": "caller-interrupted-with-star"},
		},
		{
			ev:   "hangup",
			data: props(card, map[string]any{"Result": "caller-hung-up"}),
			want: map[string]any{"Result": "caller-hung-up", "PaymentCardNumber": "xxxxxxxxxxxx1111"},
		},
		{
			ev:   "validationError",
			data: map[string]any{"Result": "validation-error", "ErrorType": "invalid-amount", "BankAccountNumber": "000123456789"},
			want: map[string]any{"Result": "validation-error", "ErrorType": "invalid-amount", "BankAccountNumber": "xxxxxxxxxxxx6789"},
		},
		{ev: "hangup", want: map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.ev, func(t *testing.T) {
			res := resume(t, n, sc, widgets.Event{Name: tt.ev, Data: tt.data})
			assert.Equal(t, tt.ev, res.Event)
			assert.Equal(t, tt.want, res.Outputs)
		})
	}
}

func TestCapturePaymentsFailures(t *testing.T) {
	n := mustCompile(t, "capture-payments", map[string]any{"payment_amount": "{{flow.data.amount}}"})

	sp := &spyPayments{fail: errors.New("connector rejected card 4111111111111111")}
	res := run(t, n, newStep(&widgets.Services{Payments: sp}).Set("flow.data.amount", "5"))
	assert.Equal(t, "providerError", res.Event)
	assert.Equal(t, "payments: connector rejected card xxxxxxxxxxxx1111", res.Outputs["PaymentError"])

	res = run(t, n, newStep(&widgets.Services{Payments: &spyPayments{}}).Set("flow.data.amount", "five"))
	assert.Equal(t, "validationError", res.Event)
	assert.Contains(t, res.Outputs["PaymentError"], `"five"`)

	_, err := n.Run(newStep(&widgets.Services{}))
	assert.ErrorContains(t, err, "no payment service is configured")
}

// The acceptance test: a host resumes with the full card data; nothing of
// it but the last four digits and the token reaches the stored execution,
// its steps, or the event sink.
func TestCapturePaymentsNeverStoresCardData(t *testing.T) {
	def := parseFlow(t, `{"description": "pay", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "pay"}], "properties": {}},
	  {"name": "pay", "type": "capture-payments", "transitions": [
	    {"event": "success", "next": "thanks"}, {"event": "maxFailedAttempts"}, {"event": "providerError"},
	    {"event": "payInterrupted"}, {"event": "hangup"}, {"event": "validationError"}],
	    "properties": {"payment_connector": "Stripe", "payment_amount": "19.99", "currency": "usd", "max_attempts": "2", "timeout": "8"}},
	  {"name": "thanks", "type": "say-play", "transitions": [{"event": "audioComplete"}],
	    "properties": {"say": "Paid with the card ending {{widgets.pay.PaymentCardNumber | slice: -4, 4}}, token {{widgets.pay.PaymentToken}}."}}]}`)
	f := fake.New()
	sink := &runtime.MemorySink{}
	clock := runtime.NewFixedClock(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	eng := runtime.New(runtime.WithSource(runtime.Definitions{"FWpay": def}), runtime.WithServices(f.Services()),
		runtime.WithIDs(runtime.SequentialIDs()), runtime.WithSink(sink), runtime.WithClock(clock.Now))
	ctx := context.Background()
	x, err := eng.Start(ctx, runtime.StartRequest{FlowSid: "FWpay", Trigger: runtime.TriggerCall, Contact: "+15550006666", FlowAddress: "+15550008888", CallSid: "CA0007"})
	require.NoError(t, err)
	require.NotNil(t, x.Wait, x.Reason)

	_, err = eng.Resume(ctx, x.ID, widgets.Event{Name: "success", Data: map[string]any{
		"PaymentCardNumber": "4111111111111111", "SecurityCode": "123", "ExpirationDate": "0930",
		"PaymentCardPostalCode": "94105", "PaymentCardType": "visa", "Result": "success",
		"PaymentToken": "tok_visa_Zx", "PaymentConfirmationCode": "ch_Zx",
	}})
	require.NoError(t, err)
	x, err = eng.Get(ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, x.Status, x.Reason)

	stored, err := runtime.MarshalExecution(x)
	require.NoError(t, err)
	steps, err := json.Marshal(x.Steps)
	require.NoError(t, err)
	events, err := json.Marshal(sink.Events())
	require.NoError(t, err)
	require.NotEmpty(t, sink.Events())
	for what, data := range map[string][]byte{"execution": stored, "steps": steps, "events": events} {
		assert.NotContains(t, string(data), "4111111111111111", "card number in the %s", what)
		assert.NotContains(t, string(data), "123", "security code in the %s", what)
		assert.NotContains(t, string(data), "0930", "expiry in the %s", what)
		assert.NotContains(t, string(data), "94105", "postal code in the %s", what)
	}
	assert.Equal(t, map[string]any{
		"PaymentCardNumber": "xxxxxxxxxxxx1111", "PaymentCardType": "visa", "Result": "success",
		"PaymentToken": "tok_visa_Zx", "PaymentConfirmationCode": "ch_Zx",
	}, x.Widgets()["pay"])
	assert.Contains(t, string(stored), "tok_visa_Zx")
	assert.Equal(t, []string{`payments.capture "19.99"`, `voice.say "Paid with the card ending 1111, token tok_visa_Zx."`}, f.T.Lines())
}
