package twilio

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// CapturePayments asks the payment provider to collect a card (or bank
// account) from the caller and waits for the outcome.
//
//	{ "name": "take_payment", "type": "capture-payments",
//	  "transitions": [ {"event": "success", "next": "thanks"}, {"event": "maxFailedAttempts", "next": "agent"},
//	                   {"event": "providerError", "next": "agent"}, {"event": "payInterrupted", "next": "agent"},
//	                   {"event": "hangup"}, {"event": "validationError", "next": "agent"} ],
//	  "properties": { "payment_connector": "Default", "payment_amount": "{{flow.variables.amount_due}}",
//	                  "currency": "usd", "payment_method": "credit-card", "max_attempts": 2, "timeout": 5,
//	                  "security_code": true, "postal_code": "true", "valid_card_types": ["visa", "mastercard"],
//	                  "description": "Invoice {{flow.data.invoice}}" } }
//
// Properties:
//   - payment_connector: the connector's name, default "Default".
//   - payment_amount (template): a decimal amount such as "10.50"; empty
//     or 0 tokenizes the card without charging it.
//   - currency: three letters, default usd.
//   - payment_method: credit-card (default) or ach-debit.
//   - payment_token_type: one-time, reusable (the default) or
//     payment-method.
//   - max_attempts: 1-3, default 2.
//   - timeout: seconds to wait for each keypress, 1-600, default 5.
//
// Defaults as Twilio documents them (Twilio, Capture Payments widget,
// https://www.twilio.com/docs/studio/widget-library/capture-payments:
// Timeout 5, Max Attempts 2, Request Security Code true, Request Postal
// Code true, Payment Token Type Reusable, Currency USD).
//   - security_code: ask for it, default true.
//   - postal_code (template): "true" (default), "false", or the postal code
//     itself; min_postal_code_length 0-10.
//   - valid_card_types: a list (or a space-separated string) of brands,
//     default visa mastercard amex.
//   - language, description (template), parameters [{key, value}] for the
//     connector.
//
// Events: success, maxFailedAttempts, providerError (also taken when the
// payment service refuses the request), payInterrupted, hangup (the call
// is over, see EndsCallOn), validationError.
//
// Outputs: only what the provider returns that is safe to keep:
// PaymentToken, PaymentConfirmationCode, Result, PaymentCardType, ProfileId,
// PaymentMethod, PaymentError, ConnectorError, ErrorType, and
// PaymentCardNumber / BankAccountNumber masked to their last four digits
// ("xxxxxxxxxxxx1234"). Every other value of the host's event (a full card
// number, the security code, the expiry date, the postal code) is dropped
// and never stored; long digit runs in error texts are masked too.
func CapturePayments() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTwilio,
		Name:       "capture-payments",
		NeedsCall:  true,
		EndsCallOn: []string{"hangup"},
		Compile: func(p *widgets.Props) widgets.Node {
			n := &paymentsNode{
				connector:     p.String("payment_connector", "Default"),
				amount:        p.Text("payment_amount"),
				currency:      p.Text("currency"),
				method:        p.OneOf("payment_method", "credit-card", "credit-card", "ach-debit"),
				tokenType:     p.OneOf("payment_token_type", "reusable", "one-time", "reusable", "payment-method"),
				maxAttempts:   p.Int("max_attempts", 2, 1, 3),
				timeout:       p.Int("timeout", 5, 1, 600),
				securityCode:  p.Bool("security_code", true),
				postalCode:    p.Text("postal_code"),
				minPostalCode: p.Int("min_postal_code_length", 0, 0, 10),
				language:      p.String("language", ""),
				description:   p.Text("description"),
				params:        p.KeyValues("parameters"),
				cardTypes:     cardTypes(p),
			}
			if n.postalCode.IsZero() {
				n.postalCode = widgets.NewText("postal_code", "true")
			}
			if a := strings.TrimSpace(n.amount.Src); a != "" && !n.amount.Dynamic && !amountRE.MatchString(a) {
				p.Errorf("payment_amount", widgets.CodePropertyInvalid, "payment_amount must be a decimal amount such as 10.50, got %q", a)
			}
			if n.currency.IsZero() {
				n.currency = widgets.NewText("currency", "usd")
			}
			if c := strings.ToLower(n.currency.Src); !n.currency.Dynamic && !currencyRE.MatchString(c) {
				p.Errorf("currency", widgets.CodePropertyInvalid, "currency must be a three-letter code such as usd, got %q", n.currency.Src)
			}
			return n
		},
	}
}

var (
	amountRE   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	currencyRE = regexp.MustCompile(`^[a-z]{3}$`)
	digitRunRE = regexp.MustCompile(`[0-9][0-9 -]{10,}[0-9]`)
)

// cardTypes reads valid_card_types: a list, or a space-separated string.
func cardTypes(p *widgets.Props) []string {
	def := []string{"visa", "mastercard", "amex"}
	if !p.Has("valid_card_types") {
		return def
	}
	var list []string
	if raw := p.State.Properties["valid_card_types"]; len(raw) > 0 && raw[0] == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		list = strings.Fields(s)
	} else if !p.Decode("valid_card_types", &list) {
		return def
	}
	if len(list) == 0 {
		return def
	}
	return list
}

type paymentsNode struct {
	connector, method, tokenType, language    string
	amount, currency, postalCode, description widgets.Text
	maxAttempts, timeout, minPostalCode       int
	securityCode                              bool
	cardTypes                                 []string
	params                                    []widgets.KeyValue
}

var paymentsEvents = []string{"success", "maxFailedAttempts", "providerError", "payInterrupted", "hangup", "validationError"}

func (n *paymentsNode) Events() []string { return slices.Clone(paymentsEvents) }

func (n *paymentsNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	ps := sc.Services().Payments
	if ps == nil {
		return widgets.Result{}, errNoPayments
	}
	r := widgets.PaymentRequest{
		Connector: n.connector, MaxAttempts: n.maxAttempts, Timeout: widgets.Seconds(n.timeout),
		PaymentMethod: n.method, TokenType: n.tokenType, SecurityCode: n.securityCode,
		MinPostalCodeLength: n.minPostalCode, ValidCardTypes: n.cardTypes, Language: n.language,
	}
	var err error
	for _, f := range []struct {
		t   widgets.Text
		dst *string
	}{{n.amount, &r.Amount}, {n.currency, &r.Currency}, {n.postalCode, &r.PostalCode}, {n.description, &r.Description}} {
		if *f.dst, err = f.t.Render(sc); err != nil {
			return widgets.Result{}, err
		}
	}
	r.Currency = strings.ToLower(strings.TrimSpace(r.Currency))
	if !currencyRE.MatchString(r.Currency) {
		return widgets.Result{Event: "validationError", Outputs: map[string]any{
			"PaymentError": fmt.Sprintf("currency rendered %q, which is not a three-letter code", r.Currency),
		}}, nil
	}
	r.Amount = strings.TrimSpace(r.Amount)
	if r.Amount != "" && !amountRE.MatchString(r.Amount) {
		return widgets.Result{Event: "validationError", Outputs: map[string]any{
			"PaymentError": fmt.Sprintf("payment_amount rendered %q, which is not a decimal amount", r.Amount),
		}}, nil
	}
	params, err := widgets.RenderParams(sc, n.params)
	if err != nil {
		return widgets.Result{}, err
	}
	r.Parameters = widgets.ParamMap(params)
	if err := ps.Capture(sc.Context(), sc.Call().Sid, r); err != nil {
		msg := maskDigitRuns("payments: " + err.Error())
		return widgets.Result{Event: "providerError", Outputs: map[string]any{"PaymentError": msg, "error": msg}}, nil
	}
	return widgets.Result{Wait: &widgets.Wait{
		Events:    paymentsEvents,
		Prompt:    map[string]any{"input": "payment", "amount": r.Amount, "currency": r.Currency, "payment_method": r.PaymentMethod},
		Sensitive: true,
	}}, nil
}

// Payment outputs kept as reported, masked, or scrubbed of card numbers.
var (
	paymentKeep  = []string{"PaymentToken", "PaymentConfirmationCode", "Result", "PaymentCardType", "ProfileId", "PaymentMethod"}
	paymentMask  = []string{"PaymentCardNumber", "BankAccountNumber"}
	paymentTexts = []string{"PaymentError", "ConnectorError", "ErrorType"}
)

// Resume keeps only the whitelisted outputs: nothing else of the host's
// event data reaches the execution.
func (n *paymentsNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	out := map[string]any{}
	for _, k := range paymentKeep {
		if s := widgets.DataString(ev.Data, k); s != "" {
			out[k] = s
		}
	}
	for _, k := range paymentMask {
		if s := maskLastFour(widgets.DataString(ev.Data, k)); s != "" {
			out[k] = s
		}
	}
	for _, k := range paymentTexts {
		if s := widgets.DataString(ev.Data, k); s != "" {
			out[k] = scrub(s, ev.Data)
		}
	}
	return widgets.Result{Event: ev.Name, Outputs: out}, nil
}

// maskLastFour keeps the last four digits of a card or account number,
// masked as "xxxxxxxxxxxx1234"; fewer than four digits give "".
func maskLastFour(s string) string {
	var digits []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	if len(digits) < 4 {
		return ""
	}
	return strings.Repeat("x", 12) + string(digits[len(digits)-4:])
}

// maskDigitRuns masks every run of 12 or more digits (spaces and dashes
// allowed) to its last four, and every card expiry.
func maskDigitRuns(s string) string {
	s = digitRunRE.ReplaceAllStringFunc(s, maskLastFour)
	// Two expiries side by side share the character between them, which
	// one replacement consumes: go again until nothing changes.
	for range 8 {
		next := expiryRE.ReplaceAllString(s, "${1}"+widgets.Redacted+"${2}")
		if next == s {
			break
		}
		s = next
	}
	return s
}

// expiryRE finds a card expiry in the forms people, providers and card
// networks write it, between non-digits: MM/YY, MM/YYYY, MM-YY, "MM / YYYY",
// "MM YY", MM_YY, YYYY-MM, YYYY/MM, and MMYY, MMYYYY or YYMM standing alone
// (exp1230 included, a masked card's last four digits not), for years 2020
// to 2059; a full-width slash counts as a slash. Numbers that merely look like one (an amount of 1230, a code
// 2512) are scrubbed too: the text loses a detail, never a card's expiry.
// A dot is not a separator: 12.30 is far more often an amount.
var expiryRE = regexp.MustCompile(`(^|[^0-9x])(?:` +
	`(?:0?[1-9]|1[0-2])\s*[/\-_ ／]\s*(?:20)?[2-5][0-9]` + // MM/YY, MM/YYYY
	`|20[2-5][0-9]\s*[/\-_／]\s*(?:0?[1-9]|1[0-2])` + // YYYY/MM
	`|(?:0[1-9]|1[0-2])(?:20)?[2-5][0-9]` + // MMYY, MMYYYY
	`|[2-5][0-9](?:0[1-9]|1[0-2])` + // YYMM
	`)($|[^0-9])`)

// scrub masks every long digit run in an error text, then removes every
// other value the event carried (the values Resume drops: a card number, a
// security code, an expiry...), longest first so that a value holding
// another is removed whole.
func scrub(s string, data map[string]any) string {
	s = maskDigitRuns(s)
	var drop []string
	for k := range data {
		if slices.Contains(paymentKeep, k) || slices.Contains(paymentTexts, k) {
			continue
		}
		if v := widgets.DataString(data, k); len(v) >= 3 {
			drop = append(drop, v)
		}
	}
	slices.SortFunc(drop, func(a, b string) int { return len(b) - len(a) })
	for _, v := range drop {
		s = strings.ReplaceAll(s, v, widgets.Redacted)
	}
	return s
}
