package twilio_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/twilio"
)

// A card expiry is scrubbed from payment error texts in every form people
// and providers write it, like the card number, even when the event's own
// ExpirationDate spells it otherwise.
func TestCapturePaymentsScrubsCardExpiriesInAnyFormat(t *testing.T) {
	n := mustCompile(t, "capture-payments", map[string]any{"payment_amount": "10"})
	sc := newStep(&widgets.Services{Payments: &spyPayments{}})
	for _, expiry := range []string{"12/30", "1230", "12 / 2030", "12/2030", "12-30", "122030", "9/27", "09/27",
		"2030-12", "2030/12", "3012", "12 30", "12_30", "12／30", "12/30 and 01/31"} {
		t.Run(expiry, func(t *testing.T) {
			data := map[string]any{"Result": "payment-connector-error", "ExpirationDate": "0101",
				"ConnectorError": "expiry " + expiry + " rejected for card 4242424242424242"}
			res := resume(t, n, sc, widgets.Event{Name: "providerError", Data: data})
			want := "expiry [redacted] rejected for card xxxxxxxxxxxx4242"
			if strings.Contains(expiry, " and ") {
				want = "expiry [redacted] and [redacted] rejected for card xxxxxxxxxxxx4242"
			}
			assert.Equal(t, want, res.Outputs["ConnectorError"])
		})
	}

	// Glued to a word, too; a masked card's last four (xxxx1225) stay.
	res := resume(t, n, sc, widgets.Event{Name: "providerError", Data: map[string]any{"Result": "payment-connector-error",
		"ConnectorError": "exp1230 invalid for card 4111111111111225"}})
	assert.Equal(t, "exp[redacted] invalid for card xxxxxxxxxxxx1225", res.Outputs["ConnectorError"])

	sp := &spyPayments{fail: errors.New("card 4111111111111111 expiry 12 / 2030 declined")}
	res = run(t, n, newStep(&widgets.Services{Payments: sp}))
	assert.Equal(t, "payments: card xxxxxxxxxxxx1111 expiry [redacted] declined", res.Outputs["PaymentError"])

	// Amounts and ordinary numbers stay.
	res = resume(t, n, sc, widgets.Event{Name: "validationError", Data: map[string]any{"Result": "validation-error",
		"PaymentError": "amount 10.50 over the limit of 1000 (code 1001)"}})
	assert.Equal(t, "amount 10.50 over the limit of 1000 (code 1001)", res.Outputs["PaymentError"])
}

// A response nested deeper than MaxParsedDepth keeps its body as text and
// sets no parsed: such a value could be stored but never loaded again.
func TestMakeHTTPRequestParsesOnlyWhatNestsWithinTheBound(t *testing.T) {
	n := mustCompile(t, "make-http-request", map[string]any{"method": "GET", "url": "https://api.example.com/x"})
	deep := func(depth int) string { return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth) }
	for _, tt := range []struct {
		depth  int
		parsed bool
	}{{twilio.MaxParsedDepth, true}, {twilio.MaxParsedDepth + 1, false}, {9995, false}} {
		doer := &stubDoer{status: 200, body: deep(tt.depth), ctype: "application/json"}
		res := run(t, n, newStep(&widgets.Services{HTTP: doer}))
		assert.Equal(t, "success", res.Event, tt.depth)
		assert.Equal(t, deep(tt.depth), res.Outputs["body"], tt.depth)
		_, has := res.Outputs["parsed"]
		assert.Equal(t, tt.parsed, has, "depth %d", tt.depth)
	}
	// Brackets inside strings do not count.
	doer := &stubDoer{status: 200, body: `{"s": "` + strings.Repeat("[{", 500) + `"}`, ctype: "application/json"}
	res := run(t, n, newStep(&widgets.Services{HTTP: doer}))
	assert.Equal(t, map[string]any{"s": strings.Repeat("[{", 500)}, res.Outputs["parsed"])
}

// stubDoer answers every request with one response.
type stubDoer struct {
	status      int
	body, ctype string
}

func (d *stubDoer) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: d.status, Header: http.Header{"Content-Type": {d.ctype}},
		Body: io.NopCloser(strings.NewReader(d.body)), Request: req}, nil
}
