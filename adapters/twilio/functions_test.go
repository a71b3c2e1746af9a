package twilio_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	twclient "github.com/twilio/twilio-go/client"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/runtime"
)

// Signature is what twilio-go's validator accepts (the imitator signs
// with it).
func TestSignatureIsTwilios(t *testing.T) {
	u := "https://ivr.example.com/twilio/voice/gather?execution=FN1&token=2"
	form := url.Values{"Digits": {"1"}, "CallSid": {"CA1"}, "Empty": {""}, "Caller": {"+1 555 <0>"}}
	sig := twilio.Signature(testToken, u, form)
	params := map[string]string{}
	for k := range form {
		params[k] = form.Get(k)
	}
	v := twclient.NewRequestValidator(testToken)
	assert.True(t, v.Validate(u, params, sig))
	assert.False(t, v.Validate(u, params, twilio.Signature("another-token", u, form)))

	// A repeated parameter: its name before each of its values, sorted,
	// whatever order the form holds them in.
	repeated := url.Values{"Digits": {"1"}, "Tag": {"b", "a"}}
	mac := hmac.New(sha1.New, []byte(testToken))
	mac.Write([]byte(u + "Digits1" + "Taga" + "Tagb"))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	assert.Equal(t, want, twilio.Signature(testToken, u, repeated))
	assert.Equal(t, want, twilio.Signature(testToken, u, url.Values{"Tag": {"a", "b"}, "Digits": {"1"}}))
}

// A webhook with a repeated parameter, signed as Twilio signs it, is
// accepted; the same signature over other values is not.
func TestWebhookWithARepeatedParameterIsChecked(t *testing.T) {
	h := newHarness(t, map[string]string{"FWivr": ivr})
	form := url.Values{"AccountSid": {testAccount}, "CallSid": {"CA0009"}, "CallStatus": {"ringing"}, "Tag": {"b", "a"}}
	r := h.post(twilio.PathVoiceStatus, form, "", testToken)
	assert.Equal(t, http.StatusOK, r.status, r.body)

	sig := twilio.Signature(testToken, h.server.URL+twilio.PathVoiceStatus, form)
	form.Set("Tag", "ab") // what joining the values would sign alike
	req, err := http.NewRequest(http.MethodPost, h.server.URL+twilio.PathVoiceStatus, strings.NewReader(form.Encode()))
	assert.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if assert.NoError(t, err) {
		resp.Body.Close()
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	}
}

// A function given by sid only (its url a deployment placeholder) runs at
// the URL the host maps it to, with its parameters form-encoded and the
// request signed as Twilio signs a protected Function's.
func TestRunFunctionBySid(t *testing.T) {
	var got url.Values
	var signed bool
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got, _ = url.ParseQuery(string(body))
		signed = r.Header.Get(twilio.HeaderSignature) == twilio.Signature(testToken, "http://"+r.Host+r.URL.String(), got)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"name": "Ada"}`)
	}))
	t.Cleanup(fn.Close)
	const flow = `{"description": "function", "initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "lookup"}], "properties": {}},
	  {"name": "lookup", "type": "run-function", "transitions": [{"event": "success", "next": "hello"}, {"event": "fail", "next": "sorry"}],
	   "properties": {"service_sid": "ZS0001", "environment_sid": "ZE0001", "function_sid": "ZH0001",
	     "parameters": [{"key": "caller", "value": "{{contact.channel.address}}"}]}},
	  {"name": "hello", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Hello {{widgets.lookup.parsed.name}}."}},
	  {"name": "sorry", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Sorry."}}]}`
	h := newHarnessConfig(t, map[string]string{"FWfn": flow}, nil, func(c *twilio.Config) {
		c.FunctionURLs = map[string]string{"ZH0001": fn.URL + "/lookup"}
		c.HTTPClient = http.DefaultClient
	})
	c := h.dial("CA0001", "FWfn")
	assert.Equal(t, []string{`Say "Hello Ada."`, "Hangup"}, lines(c.doc))
	assert.Equal(t, url.Values{"caller": {caller}}, got)
	assert.True(t, signed, "the request carries Twilio's signature")
	x, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, "lookup -success-> hello", path[1])

	// A function the host did not map, and without a url, takes fail.
	h = newHarness(t, map[string]string{"FWfn": flow})
	c = h.dial("CA0002", "FWfn")
	assert.Equal(t, []string{`Say "Sorry."`, "Hangup"}, lines(c.doc))
}
