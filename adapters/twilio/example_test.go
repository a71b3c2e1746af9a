package twilio_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
)

// An adapter serves a flow behind a Twilio number: the incoming call's
// webhook starts the flow and answers with the TwiML of everything it did
// up to its first wait, a <Gather> whose action URL names that wait.
func Example() {
	def, err := flow.Parse([]byte(`{"description": "menu", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "menu"}], "properties": {}},
	  {"name": "menu", "type": "gather-input-on-call", "transitions": [{"event": "keypress"}, {"event": "timeout"}],
	   "properties": {"say": "Press 1 for sales.", "number_of_digits": 1}}]}`))
	if err != nil {
		panic(err)
	}
	adapter, err := twilio.New(twilio.Config{
		AccountSid: "AC...", AuthToken: "your auth token",
		PublicURL: "https://ivr.example.com/twilio", // what Twilio calls; signatures are checked against it
		FlowSid:   "FWmenu",
	})
	if err != nil {
		panic(err)
	}
	engine := runtime.New(
		runtime.WithSource(runtime.Definitions{"FWmenu": def}),
		runtime.WithServices(adapter.Services(nil)),
		runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithClock(runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)).Now),
	)
	handler := adapter.Handler(engine) // mount with http.StripPrefix("/twilio", handler)

	// What Twilio posts when the number is called.
	form := url.Values{"CallSid": {"CA1"}, "From": {"+15551230000"}, "To": {"+15559870000"}, "CallStatus": {"ringing"}}
	req := httptest.NewRequest(http.MethodPost, twilio.PathVoiceIncoming, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.HeaderSignature, twilio.Signature("your auth token", "https://ivr.example.com/twilio"+twilio.PathVoiceIncoming, form))
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	fmt.Println(rec.Body.String())
	// Output:
	// 200
	// <?xml version="1.0" encoding="UTF-8"?>
	// <Response>
	// <Gather action="https://ivr.example.com/twilio/voice/gather?execution=FN00000001&amp;token=1" actionOnEmptyResult="true" finishOnKey="#" input="dtmf" method="POST" numDigits="1" profanityFilter="true" timeout="5">
	// <Say>Press 1 for sales.</Say>
	// </Gather>
	// </Response>
}
