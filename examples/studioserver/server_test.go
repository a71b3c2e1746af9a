package main

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
)

const (
	public  = "https://ivr.example.com/twilio"
	account = "AC00000000000000000000000000000001"
	token   = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	number  = "+15550001111"
	caller  = "+15557654321"
)

// menu asks for a key and says which one was pressed.
const menu = `{"description": "menu", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "say"}, {"event": "speech"}, {"event": "timeout"}],
   "properties": {"say": "Press a key.", "timeout": 5, "number_of_digits": 1}},
  {"name": "say", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "You pressed {{widgets.ask.Digits}}."}}]}`

// flowsDir writes the menu and a manifest that puts it on number.
func flowsDir(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "menu.json"), []byte(menu), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"flows": {"menu": {"numbers": ["`+number+`"]}}}`), 0o600))
	return dir
}

// testConfig is a server on the SQLite file db, with a fixed clock.
func testConfig(dir, db string) config {
	clock := runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	return config{
		Flows: dir, SQLite: db, PublicURL: public, AccountSid: account, AuthToken: token,
		APIBaseURL: "http://127.0.0.1:1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: clock.Now,
	}
}

// post sends a signed webhook to the server's handler, at the public URL u.
func post(t *testing.T, s *server, u string, form url.Values) (int, string) {
	t.Helper()
	return deliver(s, u, form, "")
}

// deliver sends a signed webhook to the server's handler, at the public
// URL u, with Twilio's idempotency token for the delivery when idem is
// not "" (Twilio's retries carry the first delivery's).
func deliver(s *server, u string, form url.Values, idem string) (int, string) {
	parsed, err := url.Parse(u)
	if err != nil {
		return 0, err.Error()
	}
	path := strings.TrimPrefix(parsed.Path, "/twilio")
	req := httptest.NewRequest(http.MethodPost, path+"?"+parsed.RawQuery, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.HeaderSignature, twilio.Signature(token, u, form))
	if idem != "" {
		req.Header.Set(twilio.HeaderIdempotencyToken, idem)
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

// gatherAction is the action URL of the document's <Gather>.
func gatherAction(t *testing.T, body string) string {
	t.Helper()
	var doc struct {
		Gather struct {
			Action string `xml:"action,attr"`
		} `xml:"Gather"`
	}
	require.NoError(t, xml.Unmarshal([]byte(body), &doc), body)
	require.NotEmpty(t, doc.Gather.Action, body)
	return doc.Gather.Action
}

// A voice conversation goes on across a restart of the server (SQLite):
// the call reaches the flow by its number (the manifest), the server
// stops while the caller listens to the menu, and the keypress, posted to
// the restarted server, continues the same execution.
func TestAConversationSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	dir, db := flowsDir(t), filepath.Join(t.TempDir(), "studioflow.db")
	s, err := open(ctx, testConfig(dir, db))
	require.NoError(t, err)
	call := url.Values{"AccountSid": {account}, "CallSid": {"CA0001"}, "From": {caller}, "To": {number},
		"Direction": {"inbound"}, "CallStatus": {"ringing"}}
	code, body := post(t, s, public+"/voice/incoming", call)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "Press a key.")
	action := gatherAction(t, body)
	require.NoError(t, s.close())

	s, err = open(ctx, testConfig(dir, db))
	require.NoError(t, err)
	t.Cleanup(func() { s.close() })
	press := url.Values{"AccountSid": {account}, "CallSid": {"CA0001"}, "From": {caller}, "To": {number},
		"CallStatus": {"in-progress"}, "Digits": {"7"}}
	code, body = post(t, s, action, press)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "You pressed 7.")
	assert.Contains(t, body, "<Hangup")

	// The flow kept its sid across the restart, and the execution is
	// there to read.
	sid := version.StableID(version.KindFlow, "menu")
	assert.Equal(t, map[string]string{"menu": sid}, s.flows)
	page, _, err := s.engine.Store().List(ctx, runtime.ListFilter{FlowSid: sid})
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, runtime.StatusEnded, page[0].Status)
}

// The Studio API answers with the account's credentials only, and
// /healthz and /readyz answer.
func TestTheServerServesTheStudioAPIAndHealth(t *testing.T) {
	ctx := context.Background()
	s, err := open(ctx, testConfig(flowsDir(t), filepath.Join(t.TempDir(), "studioflow.db")))
	require.NoError(t, err)
	t.Cleanup(func() { s.close() })

	get := func(path, user, pass string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	code, body := get("/v2/Flows", account, token)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"sid":"`+version.StableID(version.KindFlow, "menu")+`"`)
	assert.Contains(t, body, `"friendly_name":"menu"`)
	code, _ = get("/v2/Flows", account, "wrong")
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = get("/v2/Flows", "SK0001", "keysecret")
	assert.Equal(t, http.StatusUnauthorized, code, "no API key is configured")
	code, body = get("/healthz", "", "")
	assert.Equal(t, http.StatusOK, code, body)
	code, body = get("/readyz", "", "")
	assert.Equal(t, http.StatusOK, code, body)
	s.draining.Store(true)
	code, _ = get("/readyz", "", "")
	assert.Equal(t, http.StatusServiceUnavailable, code, "a server shutting down is not ready")
	s.draining.Store(false)
	require.NoError(t, s.close())
	code, _ = get("/readyz", "", "")
	assert.Equal(t, http.StatusServiceUnavailable, code, "a closed store is not ready")
}

// An API key given to the server (-api-key, -api-secret) authenticates the
// Studio API's requests beside the auth token; a key without its secret
// authenticates nothing.
func TestTheServerTakesAnAPIKey(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		secret string
		want   int
	}{{"keysecret", http.StatusOK}, {"", http.StatusUnauthorized}} {
		cfg := testConfig(flowsDir(t), filepath.Join(t.TempDir(), "studioflow.db"))
		cfg.APIKey, cfg.APISecret = "SK0001", c.secret
		s, err := open(ctx, cfg)
		require.NoError(t, err)
		req := httptest.NewRequest(http.MethodGet, "/v2/Flows", nil)
		req.SetBasicAuth("SK0001", "keysecret")
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, req)
		assert.Equal(t, c.want, w.Code, "secret %q: %s", c.secret, w.Body.String())
		require.NoError(t, s.close())
	}
}

// A folder that is not a set of flows stops the server at boot, saying
// which file and why.
func TestABadFlowsFolderIsRefused(t *testing.T) {
	ctx := context.Background()
	for name, tt := range map[string]struct {
		files map[string]string
		want  []string
	}{
		"empty":                   {map[string]string{}, []string{"no flows"}},
		"malformed JSON":          {map[string]string{"menu.json": `{"states": [`}, []string{"menu.json", "malformed JSON"}},
		"a manifest without file": {map[string]string{"menu.json": menu, manifestName: `{"flows": {"sales": {"numbers": ["+1"]}}}`}, []string{`"sales"`, "sales.json"}},
		"a dangling transition": {map[string]string{"menu.json": strings.Replace(menu, `"next": "say"`, `"next": "nowhere"`, 1)},
			[]string{"flow menu", `"nowhere"`, "transition.next_unknown"}},
	} {
		dir := t.TempDir()
		for f, content := range tt.files {
			require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte(content), 0o600))
		}
		s, err := open(ctx, testConfig(dir, filepath.Join(t.TempDir(), "studioflow.db")))
		if !assert.Error(t, err, name) {
			s.close()
			continue
		}
		for _, w := range tt.want {
			assert.Contains(t, err.Error(), w, name)
		}
	}
}

// The manifest is what the server serves, boot after boot: a flow keeps
// the sid it gives; test users reach the draft it names; numbers, test
// users and drafts it drops are taken off; and a flow file that stops
// checking leaves its published revision serving.
func TestTheManifestIsWhatIsServed(t *testing.T) {
	ctx := context.Background()
	const sid, tester = "FW0123456789abcdef0123456789abcdef", "+15550009999"
	dir, db := t.TempDir(), filepath.Join(t.TempDir(), "studioflow.db")
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	write("menu.json", menu)
	write("menu-next.json", strings.Replace(menu, "Press a key.", "Press a key, beta.", 1))
	write(manifestName, `{"flows": {"menu": {"sid": "`+sid+`", "numbers": [" `+number+` "], "draft": "menu-next.json", "test_users": ["`+tester+`"]}}}`)
	callFrom := func(s *server, from, query string) (int, string) {
		form := url.Values{"AccountSid": {account}, "CallSid": {"CA" + from[1:]}, "From": {from}, "To": {number}, "Direction": {"inbound"}, "CallStatus": {"ringing"}}
		return post(t, s, public+"/voice/incoming"+query, form)
	}

	s, err := open(ctx, testConfig(dir, db))
	require.NoError(t, err)
	require.NoError(t, s.close())
	s, err = open(ctx, testConfig(dir, db)) // the same manifest again changes nothing
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"menu": sid}, s.flows, "the manifest's sid; the draft file is no flow of its own")
	_, body := callFrom(s, caller, "")
	assert.Contains(t, body, "Press a key.</Say>", "the number reaches the published flow")
	_, body = callFrom(s, tester, "")
	assert.Contains(t, body, "Press a key, beta.", "a test user reaches the draft")
	require.NoError(t, s.close())

	// Next boot: the manifest drops the number, the draft and the test
	// user, and menu.json no longer checks.
	write(manifestName, `{"flows": {"menu": {"sid": "`+sid+`"}}}`)
	write("menu.json", strings.Replace(menu, `"next": "say"`, `"next": "nowhere"`, 1))
	s, err = open(ctx, testConfig(dir, db))
	require.NoError(t, err, "a published revision keeps serving")
	it, err := s.catalog.Get(ctx, actor, sid)
	require.NoError(t, err)
	assert.Empty(t, it.Addresses)
	assert.Empty(t, it.TestUsers)
	assert.Nil(t, it.Draft(), "neither the dropped draft nor the broken file's stays")
	assert.Equal(t, 1, it.Published().Revision)
	code, _ := callFrom(s, caller, "")
	assert.NotEqual(t, http.StatusOK, code, "the number runs nothing any more")
	code, body = callFrom(s, "+15550008888", "?flow="+sid)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "Press a key.</Say>", "the published revision, not the broken file")
	require.NoError(t, s.close())

	// A renamed file that keeps the sid is another flow under a taken
	// sid: the boot stops, rather than serve the old file's content.
	require.NoError(t, os.Rename(filepath.Join(dir, "menu.json"), filepath.Join(dir, "main.json")))
	write("main.json", menu)
	write(manifestName, `{"flows": {"main": {"sid": "`+sid+`"}}}`)
	_, err = open(ctx, testConfig(dir, db))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "flow main")
}

// Without real credentials the server listens on this machine only: its
// placeholder ones are public.
func TestCredentialsAreRequiredBeyondLoopback(t *testing.T) {
	t.Setenv("TWILIO_ACCOUNT_SID", "")
	t.Setenv("TWILIO_AUTH_TOKEN", "")
	err := run([]string{"-flows", flowsDir(t), "-addr", "0.0.0.0:0", "-db", filepath.Join(t.TempDir(), "x.db")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-account-sid and -auth-token")
	assert.True(t, loopback("127.0.0.1:8080"))
	assert.True(t, loopback("[::1]:8080"))
	assert.True(t, loopback("localhost:8080"))
	assert.False(t, loopback(":8080"))
	assert.False(t, loopback("10.0.0.1:8080"))
}

// An API key without its secret (or the reverse) stops the server at
// boot; the secrets, read from the environment, never show in the usage
// text a mistyped flag prints.
func TestTheAPIKeyNeedsItsSecret(t *testing.T) {
	t.Setenv("TWILIO_API_KEY", "SK0001")
	t.Setenv("TWILIO_API_SECRET", "")
	err := run([]string{"-flows", flowsDir(t), "-db", filepath.Join(t.TempDir(), "x.db")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-api-key and -api-secret")

	t.Setenv("TWILIO_API_SECRET", "supersecret")
	t.Setenv("TWILIO_AUTH_TOKEN", "tokensecret")
	stderr := os.Stderr
	r, w, err := os.Pipe()
	require.NoError(t, err)
	os.Stderr = w
	err = run([]string{"-no-such-flag"})
	os.Stderr = stderr
	require.NoError(t, w.Close())
	usage, _ := io.ReadAll(r)
	require.Error(t, err)
	assert.Contains(t, string(usage), "-api-secret")
	assert.NotContains(t, string(usage), "supersecret")
	assert.NotContains(t, string(usage), "tokensecret")
}

// With -temporal, the executions run on Temporal: the webhooks go to the
// Temporal runner (here a server nobody answers at, so the call is refused
// within its deadline and nothing starts in the SQL store), the Studio
// REST API is not served, and health answers as before.
func TestTheServerRunsOnTemporal(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(flowsDir(t), filepath.Join(t.TempDir(), "studioflow.db"))
	cfg.Temporal = "127.0.0.1:1"
	s, err := open(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.close() })
	require.NotNil(t, s.worker)

	req := httptest.NewRequest(http.MethodGet, "/v2/Flows", nil)
	req.SetBasicAuth(account, token)
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, req)
	assert.Equal(t, http.StatusNotImplemented, w.Code)
	assert.Contains(t, w.Body.String(), "Temporal")
	w = httptest.NewRecorder()
	s.handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Equal(t, http.StatusOK, w.Code)

	form := url.Values{"CallSid": {"CA0001"}, "AccountSid": {account}, "From": {"+15551230000"}, "To": {"+15559870000"}, "CallStatus": {"ringing"}}
	u := public + twilio.PathVoiceIncoming
	post := httptest.NewRequest(http.MethodPost, twilio.PathVoiceIncoming, strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set(twilio.HeaderSignature, twilio.Signature(token, u, form))
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	w = httptest.NewRecorder()
	s.handler.ServeHTTP(w, post.WithContext(rctx))
	assert.Equal(t, http.StatusInternalServerError, w.Code, "no execution ran: Temporal did not answer")
	assert.Contains(t, w.Body.String(), "the flow could not run")
	_, err = s.engine.FindActive(ctx, runtime.StartRequest{FlowSid: version.StableID(version.KindFlow, "menu"), Trigger: runtime.TriggerCall,
		Contact: "+15551230000", FlowAddress: "+15559870000", CallSid: "CA0001"})
	assert.ErrorIs(t, err, runtime.ErrNotFound, "nothing started in the SQL store")
}
