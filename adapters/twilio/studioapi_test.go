package twilio_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	twclient "github.com/twilio/twilio-go/client"
	studio "github.com/twilio/twilio-go/rest/studio/v2"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/version"
)

// confirm asks the contact a REST request names to confirm, and thanks
// them for the reply.
const confirm = `{"description": "confirm", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingMessage"}, {"event": "incomingCall"}, {"event": "incomingRequest", "next": "ask"}], "properties": {}},
  {"name": "ask", "type": "send-and-wait-for-reply", "transitions": [{"event": "incomingMessage", "next": "thanks"}, {"event": "timeout"}, {"event": "deliveryFailure"}],
   "properties": {"body": "Hi {{flow.data.name}}, reply YES to confirm.", "timeout": "3600"}},
  {"name": "thanks", "type": "send-message", "transitions": [{"event": "sent"}, {"event": "failed"}], "properties": {"body": "Thanks, {{widgets.ask.inbound.Body}} it is."}}]}`

// toServer sends the requests twilio-go makes to studio.twilio.com to a
// test server instead.
type toServer struct{ target *url.URL }

func (t toServer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = t.target.Scheme, t.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

// studioClient is twilio-go's Studio v2 API service, pointed at the
// server through its HTTP client, with the given credentials.
func studioClient(t *testing.T, server *httptest.Server, user, pass string) *studio.ApiService {
	t.Helper()
	target, err := url.Parse(server.URL)
	require.NoError(t, err)
	c := &twclient.Client{Credentials: twclient.NewCredentials(user, pass), HTTPClient: &http.Client{Transport: toServer{target}}}
	c.SetAccountSid(user)
	// A RequestHandler built by hand, as twilio.NewRestClient builds it
	// minus the environment's edge and region.
	return studio.NewApiService(&twclient.RequestHandler{Client: c})
}

// Twilio's Go helper library, pointed at the adapter's Studio API, starts
// an execution, lists, fetches and reads it, its steps and what each step
// published, gets a 409 for a second start on the same contact, ends
// one, and deletes one.
func TestTheHelperLibraryDrivesExecutions(t *testing.T) {
	h := newHarness(t, map[string]string{"FWconfirm": confirm})
	api := httptest.NewServer(h.adapter.StudioAPI(h.engine, nil, version.Actor{}))
	t.Cleanup(api.Close)
	client := studioClient(t, api, testAccount, testToken)

	// Start.
	params := &studio.CreateExecutionParams{}
	params.SetTo(caller).SetFrom(number).SetParameters(map[string]any{"name": "Ada"})
	x, err := client.CreateExecution("FWconfirm", params)
	require.NoError(t, err)
	require.NotNil(t, x.Sid)
	id := *x.Sid
	assert.Equal(t, "active", *x.Status)
	assert.Equal(t, caller, *x.ContactChannelAddress)
	assert.Equal(t, "FWconfirm", *x.FlowSid)
	assert.Equal(t, testAccount, *x.AccountSid)
	require.NotNil(t, x.FlowVersion)
	assert.Equal(t, 1, *x.FlowVersion)
	assert.Nil(t, x.InitiatedBy, "a REST start has no request sid here")
	assert.Equal(t, []string{caller + " Hi Ada, reply YES to confirm."}, bodies(h.rest.sent()))

	// A second start for the same contact: Twilio's 409.
	_, err = client.CreateExecution("FWconfirm", params)
	var rest *twclient.TwilioRestError
	require.True(t, errors.As(err, &rest), "%v", err)
	assert.Equal(t, http.StatusConflict, rest.Status)
	assert.Equal(t, 20409, rest.Code)
	assert.Contains(t, rest.Message, id)

	// Another contact's execution, a minute later, to end through the API.
	h.clock.Advance(time.Minute)
	other := &studio.CreateExecutionParams{}
	other.SetTo("+15550007777").SetFrom(number).SetParameters(map[string]any{"name": "Grace"})
	y, err := client.CreateExecution("FWconfirm", other)
	require.NoError(t, err)

	// List (two pages of one) and fetch.
	list := &studio.ListExecutionParams{}
	list.SetPageSize(1).SetDateCreatedFrom(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	all, err := client.ListExecution("FWconfirm", list)
	require.NoError(t, err)
	var got []string
	for _, e := range all {
		got = append(got, *e.Sid+" "+*e.ContactChannelAddress)
	}
	assert.Equal(t, []string{*y.Sid + " +15550007777", id + " " + caller}, got, "newest first, across pages of one")
	list = &studio.ListExecutionParams{}
	list.SetDateCreatedTo(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
	none, err := client.ListExecution("FWconfirm", list)
	require.NoError(t, err)
	assert.Empty(t, none, "nothing was created before the day the harness's clock reads")
	fetched, err := client.FetchExecution("FWconfirm", id)
	require.NoError(t, err)
	assert.Equal(t, id, *fetched.Sid)
	assert.Equal(t, "2026-01-05T10:00:00Z", fetched.DateCreated.UTC().Format(time.RFC3339))

	// The contact replies; the flow thanks them and ends.
	r := h.text("FWconfirm", "SM0001", "YES")
	require.Equal(t, http.StatusOK, r.status, r.body)
	fetched, err = client.FetchExecution("FWconfirm", id)
	require.NoError(t, err)
	assert.Equal(t, "ended", *fetched.Status)

	// Its context, steps and each step's context.
	ctx, err := client.FetchExecutionContext("FWconfirm", id)
	require.NoError(t, err)
	flowData := (*ctx.Context).(map[string]any)["flow"].(map[string]any)["data"]
	assert.Equal(t, map[string]any{"name": "Ada"}, flowData)
	stepPages := &studio.ListExecutionStepParams{}
	stepPages.SetPageSize(1)
	steps, err := client.ListExecutionStep("FWconfirm", id, stepPages)
	require.NoError(t, err)
	var path []string
	for _, s := range steps {
		path = append(path, *s.TransitionedFrom+" -"+*s.Name+"-> "+*s.TransitionedTo)
	}
	assert.Equal(t, []string{"thanks -sent-> Ended", "ask -incomingMessage-> thanks", "Trigger -incomingRequest-> ask"}, path, "newest first")
	ask := steps[1]
	assert.Regexp(t, `^FT[0-9a-f]{32}$`, *ask.Sid)
	again, err := client.FetchExecutionStep("FWconfirm", id, *ask.Sid)
	require.NoError(t, err)
	assert.Equal(t, *ask.Sid, *again.Sid, "step sids are stable")
	assert.Equal(t, "send-and-wait-for-reply", *again.Type)
	sc, err := client.FetchExecutionStepContext("FWconfirm", id, *ask.Sid)
	require.NoError(t, err)
	published := (*sc.Context).(map[string]any)
	assert.Equal(t, "YES", published["inbound"].(map[string]any)["Body"], "what the step's widget published: %v", published)
	assert.NotContains(t, published, "flow", "not the whole execution context")
	assert.Equal(t, *ask.Sid, *sc.StepSid)

	// Listed by status, in pages of one: the ended one only.
	byStatus := &studio.ListExecutionParams{}
	byStatus.SetStatus("ended").SetPageSize(1)
	endedOnes, err := client.ListExecution("FWconfirm", byStatus)
	require.NoError(t, err)
	require.Len(t, endedOnes, 1)
	assert.Equal(t, id, *endedOnes[0].Sid)
	byStatus.SetStatus("active")
	activeOnes, err := client.ListExecution("FWconfirm", byStatus)
	require.NoError(t, err)
	require.Len(t, activeOnes, 1)
	assert.Equal(t, *y.Sid, *activeOnes[0].Sid)

	// End the other one, then delete it.
	end := &studio.UpdateExecutionParams{}
	end.SetStatus("ended")
	ended, err := client.UpdateExecution("FWconfirm", *y.Sid, end)
	require.NoError(t, err)
	assert.Equal(t, "ended", *ended.Status)
	stored, err := h.engine.Get(t.Context(), *y.Sid)
	require.NoError(t, err)
	assert.Equal(t, runtime.StatusEnded, stored.Status)
	require.NoError(t, client.DeleteExecution("FWconfirm", *y.Sid))
	_, err = h.engine.Get(t.Context(), *y.Sid)
	assert.ErrorIs(t, err, runtime.ErrNotFound)
	_, err = client.FetchExecution("FWconfirm", *y.Sid)
	require.True(t, errors.As(err, &rest), "%v", err)
	assert.Equal(t, http.StatusNotFound, rest.Status)

	// An execution is found only under its own flow.
	_, err = client.FetchExecution("FWother", id)
	require.True(t, errors.As(err, &rest), "%v", err)
	assert.Equal(t, http.StatusNotFound, rest.Status)
}

// Wrong credentials are a 401 and change nothing.
func TestTheStudioAPIAuthenticates(t *testing.T) {
	h := newHarness(t, map[string]string{"FWconfirm": confirm})
	api := httptest.NewServer(h.adapter.StudioAPI(h.engine, nil, version.Actor{}))
	t.Cleanup(api.Close)
	params := &studio.CreateExecutionParams{}
	params.SetTo(caller).SetFrom(number)
	for _, creds := range [][2]string{{testAccount, "wrong"}, {"ACother", testToken}, {"", ""}} {
		_, err := studioClient(t, api, creds[0], creds[1]).CreateExecution("FWconfirm", params)
		var rest *twclient.TwilioRestError
		require.True(t, errors.As(err, &rest), "%v", err)
		assert.Equal(t, http.StatusUnauthorized, rest.Status)
		assert.Equal(t, 20003, rest.Code)
	}
	page, _, err := h.engine.Store().List(t.Context(), runtime.ListFilter{})
	require.NoError(t, err)
	assert.Empty(t, page, "nothing started")
	assert.Empty(t, h.rest.sent())
}

// An execution says what started it: initiated_by is the MessageSid of a
// message or a conversation's message, the CallSid of a call ("a Call SID
// if triggered by an incoming call, a Message SID if triggered by an
// incoming message").
func TestAnExecutionSaysWhatInitiatedIt(t *testing.T) {
	h := newHarness(t, map[string]string{"FWconfirm": confirm, "FWchat": chat})
	api := httptest.NewServer(h.adapter.StudioAPI(h.engine, nil, version.Actor{}))
	t.Cleanup(api.Close)
	client := studioClient(t, api, testAccount, testToken)
	initiated := func(flowSid string) string {
		t.Helper()
		all, err := client.ListExecution(flowSid, nil)
		require.NoError(t, err)
		require.NotEmpty(t, all)
		require.NotNil(t, all[0].InitiatedBy, "%s", flowSid)
		assert.Equal(t, 1, *all[0].FlowVersion)
		return *all[0].InitiatedBy
	}
	r := h.text("FWconfirm", "SM0042", "hello")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, "SM0042", initiated("FWconfirm"))

	h.clock.Advance(time.Minute)
	h.dial("CA0042", "FWconfirm")
	assert.Equal(t, "CA0042", initiated("FWconfirm"), "the newest execution, the call's")

	r = h.post(twilio.PathConversationsEvents+"?flow=FWchat", url.Values{
		"AccountSid": {testAccount}, "EventType": {"onMessageAdded"}, "ConversationSid": {"CH0001"}, "ChatServiceSid": {"IS0001"},
		"MessageSid": {"IM0042"}, "Author": {"ann"}, "Body": {"hello"}, "Source": {"SDK"}, "ParticipantSid": {"MB0001"},
	}, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, "IM0042", initiated("FWchat"))
}

// An API key (its sid as the user, its secret as the password), as Twilio
// recommends for production, authenticates as the auth token does; a
// wrong secret, an unknown key or an empty password does not. A key New
// could not tell from the account, or that could never authenticate, is
// refused when the adapter is built. Without an auth token, only the
// keys authenticate.
func TestTheStudioAPITakesAPIKeys(t *testing.T) {
	for _, keys := range []map[string]string{{"SK0002": ""}, {"": "keysecret"}, {testAccount: "keysecret"}, {"SK:1": "keysecret"}} {
		_, err := twilio.New(twilio.Config{AccountSid: testAccount, AuthToken: testToken, PublicURL: "https://example.com", APIKeys: keys})
		assert.ErrorContains(t, err, "APIKeys", "%v", keys)
	}

	h := newHarnessConfig(t, map[string]string{"FWconfirm": confirm}, nil, func(c *twilio.Config) {
		c.APIKeys = map[string]string{"SK0001": "keysecret"}
	})
	api := httptest.NewServer(h.adapter.StudioAPI(h.engine, nil, version.Actor{}))
	t.Cleanup(api.Close)
	params := &studio.CreateExecutionParams{}
	params.SetTo(caller).SetFrom(number)
	x, err := studioClient(t, api, "SK0001", "keysecret").CreateExecution("FWconfirm", params)
	require.NoError(t, err)
	require.NotNil(t, x.Sid)
	// (Plain requests: the helper library refuses an empty password itself.)
	fetch := func(api *httptest.Server, user, pass string) int {
		req, err := http.NewRequest(http.MethodGet, api.URL+"/v2/Flows/FWconfirm/Executions/"+*x.Sid, nil)
		require.NoError(t, err)
		req.SetBasicAuth(user, pass)
		res, err := api.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	for _, creds := range [][2]string{{"SK0001", "wrong"}, {"SK0001", testToken}, {"SK0001", ""}, {"SK0003", "keysecret"}, {testAccount, ""}, {"", "keysecret"}, {"", ""}} {
		assert.Equal(t, http.StatusUnauthorized, fetch(api, creds[0], creds[1]), "%v", creds)
	}
	assert.Equal(t, http.StatusOK, fetch(api, testAccount, testToken))
	assert.Equal(t, http.StatusOK, fetch(api, "SK0001", "keysecret"))

	// No auth token (local tests): the account with an empty password
	// used to get in; only the keys do.
	open := newHarnessConfig(t, map[string]string{"FWconfirm": confirm}, nil, func(c *twilio.Config) {
		c.AuthToken, c.InsecureSkipSignature = "", true
		c.APIKeys = map[string]string{"SK0001": "keysecret"}
	})
	api = httptest.NewServer(open.adapter.StudioAPI(open.engine, nil, version.Actor{}))
	t.Cleanup(api.Close)
	assert.Equal(t, http.StatusUnauthorized, fetch(api, testAccount, ""))
	assert.Equal(t, http.StatusUnauthorized, fetch(api, "", ""))
	assert.Equal(t, http.StatusNotFound, fetch(api, "SK0001", "keysecret"), "in, and the execution is another harness's")
}

// The catalog's flows through the helper library: the list (by name, in
// pages), a flow at its latest revision with its definition and check
// findings, its revisions newest first, and the latest published one.
func TestTheHelperLibraryReadsFlows(t *testing.T) {
	ctx := t.Context()
	clock := runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	catalog := version.NewCatalog(version.WithClock(clock.Now))
	admin := version.Actor{ID: "US1", Roles: []version.Role{version.RoleAdmin}}
	def, err := flow.Parse([]byte(confirm))
	require.NoError(t, err)
	it, _, err := catalog.Create(ctx, admin, version.KindFlow, "confirm", "", def, "first")
	require.NoError(t, err)
	_, err = catalog.Publish(ctx, admin, it.ID, 1)
	require.NoError(t, err)
	_, err = catalog.Edit(ctx, admin, it.ID)
	require.NoError(t, err)
	_, err = catalog.SaveDraft(ctx, admin, it.ID, 2, def, "second")
	require.NoError(t, err)
	other, _, err := catalog.Create(ctx, admin, version.KindFlow, "another", "", def, "")
	require.NoError(t, err)

	h := newHarness(t, map[string]string{})
	api := httptest.NewServer(h.adapter.StudioAPI(h.engine, catalog, admin))
	t.Cleanup(api.Close)
	client := studioClient(t, api, testAccount, testToken)

	list := &studio.ListFlowParams{}
	list.SetPageSize(1)
	flows, err := client.ListFlow(list)
	require.NoError(t, err)
	var names []string
	for _, f := range flows {
		names = append(names, *f.FriendlyName)
	}
	assert.Equal(t, []string{"another", "confirm"}, names, "by name, across pages of one")

	f, err := client.FetchFlow(it.ID)
	require.NoError(t, err)
	assert.Equal(t, "draft", *f.Status)
	assert.Equal(t, 3, f.Revision, "each write of a draft takes the next revision")
	assert.Equal(t, "second", *f.CommitMessage)
	assert.True(t, *f.Valid)
	assert.Equal(t, "confirm", (*f.Definition).(map[string]any)["description"])
	assert.Empty(t, *f.Errors)

	revs, err := client.ListFlowRevision(it.ID, &studio.ListFlowRevisionParams{})
	require.NoError(t, err)
	var got []string
	for _, r := range revs {
		got = append(got, strconv.Itoa(r.Revision)+" "+*r.Status)
	}
	assert.Equal(t, []string{"3 draft", "1 published"}, got)
	pub, err := client.FetchFlowRevision(it.ID, "LatestPublished")
	require.NoError(t, err)
	assert.Equal(t, 1, pub.Revision)
	assert.Equal(t, "first", *pub.CommitMessage)
	newest, err := client.FetchFlowRevision(it.ID, "LatestRevision")
	require.NoError(t, err)
	assert.Equal(t, 3, newest.Revision)
	_, err = client.FetchFlowRevision(it.ID, "newest")
	var bad *twclient.TwilioRestError
	require.True(t, errors.As(err, &bad), "%v", err)
	assert.Equal(t, http.StatusBadRequest, bad.Status)
	require.NoError(t, catalog.SetTestUsers(ctx, admin, it.ID, []string{"+15550009999"}))
	users, err := client.FetchTestUser(it.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"+15550009999"}, *users.TestUsers)

	_, err = client.FetchFlow("FWnowhere")
	var rest *twclient.TwilioRestError
	require.True(t, errors.As(err, &rest), "%v", err)
	assert.Equal(t, http.StatusNotFound, rest.Status)
	_, err = client.FetchFlowRevision(other.ID, "LatestPublished")
	require.True(t, errors.As(err, &rest), "a flow never published: %v", err)
	assert.Equal(t, http.StatusNotFound, rest.Status)
}
