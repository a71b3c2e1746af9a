package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	twclient "github.com/twilio/twilio-go/client"
	studio "github.com/twilio/twilio-go/rest/studio/v2"

	"github.com/studioflow/studioflow/version"
)

// remind texts the contact a REST request names and waits for the reply.
const remind = `{"description": "remind", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Your appointment is on {{flow.data.date}}. Reply YES to confirm.", "timeout": "3600"}}]}`

// toServer sends what twilio-go sends to studio.twilio.com to the server.
type toServer struct{ target *url.URL }

func (t toServer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = t.target.Scheme, t.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

// Twilio's Go helper library, its HTTP client pointed at the server,
// starts an execution of an exported flow, gets a 409 for a second start
// on the same contact, reads it and its steps, ends it and deletes it.
func TestTheHelperLibraryTalksToTheServer(t *testing.T) {
	ctx := context.Background()
	api := httptest.NewServer(&fakeMessages{})
	t.Cleanup(api.Close)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "remind.json"), []byte(remind), 0o600))
	cfg := testConfig(dir, filepath.Join(t.TempDir(), "studioflow.db"))
	cfg.APIBaseURL = api.URL
	s, err := open(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.close() })
	srv := httptest.NewServer(s.handler)
	t.Cleanup(srv.Close)
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	c := &twclient.Client{Credentials: twclient.NewCredentials(account, token), HTTPClient: &http.Client{Transport: toServer{target}}}
	c.SetAccountSid(account)
	client := studio.NewApiService(&twclient.RequestHandler{Client: c})

	sid := version.StableID(version.KindFlow, "remind")
	params := &studio.CreateExecutionParams{}
	params.SetTo(caller).SetFrom(number).SetParameters(map[string]any{"date": "May 4"})
	x, err := client.CreateExecution(sid, params)
	require.NoError(t, err)
	assert.Equal(t, "active", *x.Status)
	_, err = client.CreateExecution(sid, params)
	var rest *twclient.TwilioRestError
	require.True(t, errors.As(err, &rest), "%v", err)
	assert.Equal(t, http.StatusConflict, rest.Status)

	steps, err := client.ListExecutionStep(sid, *x.Sid, nil)
	require.NoError(t, err)
	require.Len(t, steps, 1)
	assert.Equal(t, "ask", *steps[0].TransitionedTo)
	end := &studio.UpdateExecutionParams{}
	end.SetStatus("ended")
	ended, err := client.UpdateExecution(sid, *x.Sid, end)
	require.NoError(t, err)
	assert.Equal(t, "ended", *ended.Status)
	require.NoError(t, client.DeleteExecution(sid, *x.Sid))
	all, err := client.ListExecution(sid, nil)
	require.NoError(t, err)
	assert.Empty(t, all)
}
