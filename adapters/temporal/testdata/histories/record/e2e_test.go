package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/server/temporaltest"

	"github.com/studioflow/studioflow/adapters/temporal"
	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

const (
	account = "AC00000000000000000000000000000001"
	token   = "token"
	public  = "https://ivr.example.com"
)

// messages imitates Twilio's Messages API.
type messages struct {
	mu   sync.Mutex
	sent []url.Values
}

func (m *messages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	m.mu.Lock()
	m.sent = append(m.sent, r.PostForm)
	m.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"sid": "SM00000000000000000000000000000001", "status": "queued"})
}

// The Twilio adapter serves a real number's voice webhooks with the
// Temporal runner: a call to the IVR menu runs as a workflow on a Temporal
// server, each webhook an update whose run's TwiML answers it
// (Worker.VoiceInReply, Runner.Voice).
func TestTwilioVoiceOnTemporal(t *testing.T) {
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	api := &messages{}
	apiServer := httptest.NewServer(api)
	defer apiServer.Close()

	adapter, err := twilio.New(twilio.Config{AccountSid: account, AuthToken: token, PublicURL: public, FlowSid: "FWmenu",
		APIBaseURL: apiServer.URL, HTTPClient: apiServer.Client()})
	require.NoError(t, err)
	services := adapter.Services(nil)
	defs := runtime.Definitions{"FWmenu": load("../../../../../examples/ivr/menu.json")}
	wk := &temporal.Worker{VoiceInReply: true, Activities: &temporal.Activities{Services: services, Source: defs}}
	defer ts.NewWorker("flows", wk.Register).Stop()
	runner := &temporal.Runner{Client: ts.GetDefaultClient(), TaskQueue: "flows", Source: defs, Voice: services.Voice}
	handler := adapter.Handler(runner)

	post := func(path string, form url.Values) string {
		t.Helper()
		u, err := url.Parse(path)
		require.NoError(t, err)
		req := httptest.NewRequest(http.MethodPost, u.RequestURI(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.HeaderSignature, twilio.Signature(token, public+u.RequestURI(), form))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		require.Equal(t, http.StatusOK, rec.Code, string(body))
		return string(body)
	}
	call := url.Values{"CallSid": {"CA0001"}, "AccountSid": {account}, "From": {"+15551230000"}, "To": {"+15559870000"}, "CallStatus": {"ringing"}}
	gatherURL := func(twiml string) string {
		t.Helper()
		i := strings.Index(twiml, `action="`)
		require.GreaterOrEqual(t, i, 0, twiml)
		rest := twiml[i+len(`action="`):]
		return strings.ReplaceAll(rest[:strings.Index(rest, `"`)], "&amp;", "&")[len(public):]
	}

	twiml := post(twilio.PathVoiceIncoming, call)
	assert.Contains(t, twiml, "Thanks for calling Acme.")
	assert.Contains(t, twiml, "<Gather")
	assert.Contains(t, twiml, "For sales press 1.")

	press := func(twiml, digits string) string {
		form := url.Values{"CallSid": {"CA0001"}, "AccountSid": {account}, "From": {"+15551230000"}, "To": {"+15559870000"},
			"CallStatus": {"in-progress"}, "Digits": {digits}}
		return post(gatherURL(twiml), form)
	}
	twiml = press(twiml, "7")
	assert.Contains(t, twiml, "Sorry, 7 is not an option.")
	assert.Contains(t, twiml, "<Gather")
	twiml = press(twiml, "2")
	assert.Contains(t, twiml, "We have texted you a link to our help pages. Goodbye.")
	assert.Contains(t, twiml, "<Hangup")

	api.mu.Lock()
	defer api.mu.Unlock()
	require.Len(t, api.sent, 1, "the SMS went once, from the worker's messaging activity")
	assert.Equal(t, "Acme support: https://acme.example/help", api.sent[0].Get("Body"))
}

// A message for a contact whose execution waits for a reply is delivered
// to it, as Engine.Start does: the Twilio adapter's messaging webhook
// starts with every incoming message.
func TestAReplyReachesTheWaitingExecution(t *testing.T) {
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	services, transcript := fake.Services()
	defs := runtime.Definitions{"FWreminder": load("../../../../../examples/reminder/reminder.json"),
		"FWsurvey": load("../../../../../examples/reminder/survey.json")}
	wk := &temporal.Worker{Activities: &temporal.Activities{Services: services, Source: defs}}
	defer ts.NewWorker("flows", wk.Register).Stop()
	r := &temporal.Runner{Client: ts.GetDefaultClient(), TaskQueue: "flows", Source: defs}
	ctx := context.Background()
	x, err := r.Start(ctx, runtime.StartRequest{FlowSid: "FWreminder", Trigger: runtime.TriggerRequest, Contact: "+15551230000", FlowAddress: "+15559870000",
		Parameters: map[string]any{"first_name": "Ada", "date": "Friday"}})
	require.NoError(t, err)
	reply := func(body string) *runtime.Execution {
		y, err := r.Start(ctx, runtime.StartRequest{FlowSid: "FWreminder", Trigger: runtime.TriggerMessage, Contact: "+15551230000", FlowAddress: "+15559870000",
			Payload: map[string]any{"Body": body}})
		require.NoError(t, err)
		assert.Equal(t, x.ID, y.ID, "the reply went to the waiting execution")
		return y
	}
	reply("yes")
	y := reply("4")
	assert.Equal(t, runtime.StatusEnded, y.Status)
	assert.Contains(t, transcript.Lines(), `messaging.send to=+15551230000 "Thanks Ada, see you on Friday. You rated us 4/5."`)

	// The execution has ended, and its workflow completed: an event for it
	// is refused, as the engine refuses it.
	_, err = r.Resume(ctx, x.ID, widgets.Event{Name: "incomingMessage", Data: map[string]any{"Body": "late"}})
	assert.ErrorIs(t, err, runtime.ErrRefused)
	assert.NotErrorIs(t, err, runtime.ErrNotFound)
}
