package twilio_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

const (
	testAccount = "AC00000000000000000000000000000001"
	testToken   = "0a1b2c3d4e5f60718293a4b5c6d7e8f9" // an auth token is 32 hexadecimal digits
	caller      = "+15551230000"
	number      = "+15559870000"
)

// sent is one message the fake REST API received.
type sent struct {
	To, From, Body, Token string
}

// fakeREST imitates Twilio's Messages API: it records each request, and
// answers a repeated idempotency token with the first answer without
// recording a second message, as Twilio does.
type fakeREST struct {
	mu       sync.Mutex
	requests int
	messages []sent
	calls    []placed
	updates  []placed // calls and recordings updated: Sid is "CA.../" or "CA.../Recordings..."

	byToken map[string]string
	// onCall, when set, is run on a goroutine of its own for each call
	// created, as Twilio goes on with a call once it has answered the
	// request that created it.
	onCall func(sid string, form url.Values)
}

// placed is one outbound call the fake REST API was asked to create.
type placed struct {
	Sid   string
	Form  url.Values
	Token string
}

func (f *fakeREST) updated() []placed {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]placed(nil), f.updates...)
}

func (f *fakeREST) placed() []placed {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]placed(nil), f.calls...)
}

// ServeHTTP imitates the Messages and Calls APIs: a repeated idempotency
// token gets the first answer, and creates nothing.
func (f *fakeREST) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	account := "/2010-04-01/Accounts/" + testAccount
	user, pass, ok := r.BasicAuth()
	conversation := strings.HasPrefix(r.URL.Path, "/v1/Conversations/") && strings.HasSuffix(r.URL.Path, "/Messages")
	if rest, ok := strings.CutPrefix(r.URL.Path, account+"/Calls/"); ok && r.Method == http.MethodPost && user == testAccount && pass == testToken {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		call, recording, _ := strings.Cut(strings.TrimSuffix(rest, ".json"), "/")
		f.updates = append(f.updates, placed{Sid: call + "/" + recording, Form: r.PostForm})
		switch recording {
		case "": // the call updated
			_ = json.NewEncoder(w).Encode(map[string]any{"sid": call, "status": "in-progress"})
		case "Recordings": // a recording started
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]any{"sid": "RE0001", "call_sid": call, "status": "in-progress",
				"start_time": "Mon, 05 Jan 2026 10:00:00 +0000", "channels": 2})
		default: // Recordings/Twilio.CURRENT updated
			_ = json.NewEncoder(w).Encode(map[string]any{"sid": "RE0001", "call_sid": call, "status": r.PostForm.Get("Status")})
		}
		return
	}
	if !ok || user != testAccount || pass != testToken || r.Method != http.MethodPost ||
		(r.URL.Path != account+"/Messages.json" && r.URL.Path != account+"/Calls.json" && !conversation) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"code": 20003, "message": "Authenticate", "status": 401}`)
		return
	}
	_ = r.ParseForm()
	token := r.Header.Get(twilio.HeaderIdempotencyToken)
	sid, seen := f.byToken[token]
	if !seen || token == "" {
		if strings.HasSuffix(r.URL.Path, "/Calls.json") {
			sid = fmt.Sprintf("CA%032d", len(f.calls)+1)
			f.calls = append(f.calls, placed{Sid: sid, Form: r.PostForm, Token: token})
			if f.onCall != nil {
				go f.onCall(sid, r.PostForm)
			}
		} else if conversation {
			f.messages = append(f.messages, sent{To: strings.Split(r.URL.Path, "/")[3], From: r.PostForm.Get("Author"), Body: r.PostForm.Get("Body"), Token: token})
			sid = fmt.Sprintf("IM%032d", len(f.messages))
		} else {
			f.messages = append(f.messages, sent{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body"), Token: token})
			sid = fmt.Sprintf("SM%032d", len(f.messages))
		}
		if f.byToken == nil {
			f.byToken = map[string]string{}
		}
		f.byToken[token] = sid
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"sid": sid, "status": "queued", "to": r.PostForm.Get("To")})
}

func (f *fakeREST) sent() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.messages...)
}

// harness is an engine behind the adapter's handler on a local server,
// the fake REST API, and a Twilio imitator that signs what it posts.
type harness struct {
	t       *testing.T
	clock   *runtime.FixedClock
	engine  *runtime.Engine
	adapter *twilio.Adapter
	server  *httptest.Server
	rest    *fakeREST
	store   *faultyStore
	tokens  int
}

// faultyStore is the engine's store, whose saves fail while fail is set.
// A test may also watch the locks asked for (locks, sent each key before
// it waits, dropped when full) and hold saves back (beforeSave); both are
// set before the test's requests start.
type faultyStore struct {
	runtime.Store
	mu         sync.Mutex
	fail       error
	locks      chan string
	beforeSave func()
	// afterRelease, when set, runs after each lock is released, with its
	// key: a test holds a request there, its lock already free.
	afterRelease func(key string)
}

func (s *faultyStore) Lock(ctx context.Context, key string) (func(), error) {
	if s.locks != nil {
		select {
		case s.locks <- key:
		default:
		}
	}
	release, err := s.Store.Lock(ctx, key)
	if err != nil || s.afterRelease == nil {
		return release, err
	}
	return func() {
		release()
		s.afterRelease(key)
	}, nil
}

func (s *faultyStore) setFail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

func (s *faultyStore) Save(ctx context.Context, x *runtime.Execution) error {
	if s.beforeSave != nil {
		s.beforeSave()
	}
	s.mu.Lock()
	err := s.fail
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.Store.Save(ctx, x)
}

func newHarness(t *testing.T, flows map[string]string) *harness {
	t.Helper()
	return newHarnessWith(t, flows, nil)
}

// newHarnessWith is newHarness with base services besides the adapter's
// (functions, HTTP).
func newHarnessWith(t *testing.T, flows map[string]string, base *widgets.Services) *harness {
	t.Helper()
	return newHarnessConfig(t, flows, base, nil)
}

// newHarnessConfig is newHarnessWith with the adapter's configuration
// edited by edit.
func newHarnessConfig(t *testing.T, flows map[string]string, base *widgets.Services, edit func(*twilio.Config)) *harness {
	t.Helper()
	h := &harness{t: t, clock: runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)), rest: &fakeREST{},
		store: &faultyStore{Store: runtime.NewMemoryStore()}}
	api := httptest.NewServer(h.rest)
	t.Cleanup(api.Close)
	h.server = httptest.NewUnstartedServer(nil)
	h.server.Start()
	t.Cleanup(h.server.Close)

	cfg := twilio.Config{
		AccountSid: testAccount, AuthToken: testToken,
		PublicURL: h.server.URL, APIBaseURL: api.URL, ConversationsBaseURL: api.URL, HTTPClient: api.Client(),
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := twilio.New(cfg)
	require.NoError(t, err)
	defs := runtime.Definitions{}
	for sid, src := range flows {
		d, err := flow.Parse([]byte(src))
		require.NoError(t, err)
		defs[sid] = d
	}
	h.adapter = a
	h.engine = runtime.New(
		runtime.WithSource(defs),
		runtime.WithServices(a.Services(base)),
		runtime.WithIDs(runtime.SequentialIDs()),
		runtime.WithClock(h.clock.Now),
		runtime.WithStore(h.store),
	)
	h.server.Config.Handler = a.Handler(h.engine)
	return h
}

// sign signs a webhook as Twilio does (twilio.Signature, checked against
// twilio-go's validator in TestSignatureIsTwilios).
func sign(token, u string, form url.Values) string { return twilio.Signature(token, u, form) }

// reply is a webhook's answer.
type reply struct {
	status int
	body   string
}

// post posts form to u (absolute, or a path on the server) as Twilio would,
// signed with signToken, with a fresh idempotency token unless idem is
// given.
func (h *harness) post(u string, form url.Values, idem string, signToken string) reply {
	h.t.Helper()
	if idem == "" {
		h.tokens++
		idem = fmt.Sprintf("idem-%d", h.tokens)
	}
	r, err := h.send(u, form, idem, signToken)
	require.NoError(h.t, err)
	return r
}

// send is post for any goroutine: it reports what went wrong instead of
// failing the test.
func (h *harness) send(u string, form url.Values, idem string, signToken string) (reply, error) {
	if !strings.HasPrefix(u, "http") {
		u = h.server.URL + u
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twilio.HeaderSignature, sign(signToken, u, form))
	req.Header.Set(twilio.HeaderIdempotencyToken, idem)
	resp, err := h.server.Client().Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: string(body)}, err
}

// node is a parsed TwiML element.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// parseTwiML parses a TwiML document and checks it against the verbs and
// attributes twilio-go's TwiML types document.
func parseTwiML(t *testing.T, body string) node {
	t.Helper()
	var root node
	require.NoError(t, xml.Unmarshal([]byte(body), &root), body)
	require.Equal(t, "Response", root.XMLName.Local, body)
	checkSchema(t, root, "Response")
	return root
}

// lines writes the verbs of a document, one a line, nested verbs indented:
// `Say "text"`, `Gather numDigits=1 timeout=5`, `Hangup`. The action URL
// and attributes every gather carries are left out (checked elsewhere).
func lines(n node) []string {
	var out []string
	var walk func(n node, indent string)
	walk = func(n node, indent string) {
		for _, c := range n.Children {
			s := indent + c.XMLName.Local
			var attrs []string
			for _, a := range c.Attrs {
				switch a.Name.Local {
				case "action", "method", "actionOnEmptyResult", "input", "profanityFilter":
					continue
				}
				attrs = append(attrs, a.Name.Local+"="+a.Value)
			}
			sort.Strings(attrs)
			if len(attrs) > 0 {
				s += " " + strings.Join(attrs, " ")
			}
			if txt := strings.TrimSpace(c.Text); txt != "" {
				s += fmt.Sprintf(" %q", txt)
			}
			out = append(out, s)
			walk(c, indent+"  ")
		}
	}
	walk(n, "")
	return out
}

// find returns the first element called name, depth first.
func find(n node, name string) (node, bool) {
	for _, c := range n.Children {
		if c.XMLName.Local == name {
			return c, true
		}
		if f, ok := find(c, name); ok {
			return f, true
		}
	}
	return node{}, false
}

// call is one phone call the imitator places.
type call struct {
	h    *harness
	sid  string
	flow string // the ?flow= of the number's webhooks
	doc  node
	done bool
}

func (c *call) params() url.Values {
	return url.Values{
		"AccountSid": {testAccount}, "CallSid": {c.sid}, "From": {caller}, "To": {number},
		"Caller": {caller}, "Called": {number}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"},
	}
}

// dial places a call to the flow's number and returns the first TwiML.
func (h *harness) dial(sid, flowSid string) *call {
	c := &call{h: h, sid: sid, flow: flowSid}
	form := c.params()
	form.Set("CallStatus", "ringing")
	r := h.post(twilio.PathVoiceIncoming+"?flow="+flowSid, form, "", testToken)
	require.Equal(h.t, http.StatusOK, r.status, r.body)
	c.follow(r.body)
	return c
}

// keepsTheCall are the verbs whose callback (or the TwiML they hand the
// call to) goes on with the call.
var keepsTheCall = []string{"Gather", "Dial", "Record", "Enqueue", "Redirect", "Pay"}

// follow reads a TwiML answer: a call whose document has none of the
// verbs that keep it going is over, and Twilio posts its status callback.
func (c *call) follow(body string) {
	c.doc = parseTwiML(c.h.t, body)
	for _, v := range keepsTheCall {
		if _, ok := find(c.doc, v); ok {
			return
		}
	}
	c.hangup()
}

// gather answers the document's <Gather> by posting its action URL.
func (c *call) gather(input url.Values) []string {
	c.h.t.Helper()
	g, ok := find(c.doc, "Gather")
	require.True(c.h.t, ok, "no <Gather> to answer: %v", lines(c.doc))
	form := c.params()
	form.Set("CallStatus", "in-progress")
	for k, v := range input {
		form[k] = v
	}
	r := c.h.post(g.attr("action"), form, "", testToken)
	require.Equal(c.h.t, http.StatusOK, r.status, r.body)
	c.follow(r.body)
	return lines(c.doc)
}

// dialled answers the document's <Dial> by posting its action URL with
// the dialled leg's outcome; the caller's call goes on (CallStatus
// in-progress) unless callerHungUp.
func (c *call) dialled(outcome url.Values, callerHungUp bool) []string {
	c.h.t.Helper()
	d, ok := find(c.doc, "Dial")
	require.True(c.h.t, ok, "no <Dial> to answer: %v", lines(c.doc))
	form := c.params()
	form.Set("CallStatus", "in-progress")
	if callerHungUp {
		form.Set("CallStatus", "completed")
	}
	for k, v := range outcome {
		form[k] = v
	}
	r := c.h.post(d.attr("action"), form, "", testToken)
	require.Equal(c.h.t, http.StatusOK, r.status, r.body)
	if callerHungUp {
		// Twilio ignores the answer, and posts the call's status
		// callback: the call is over.
		c.doc = parseTwiML(c.h.t, r.body)
		c.hangup()
	} else {
		c.follow(r.body)
	}
	return lines(c.doc)
}

func (c *call) press(digits string) []string {
	return c.gather(url.Values{"Digits": {digits}, "FinishedOnKey": {""}})
}

// hangup posts the status callback of the call's end.
func (c *call) hangup() {
	if c.done {
		return
	}
	c.done = true
	form := c.params()
	form.Set("CallStatus", "completed")
	form.Set("CallDuration", "42")
	r := c.h.post(twilio.PathVoiceStatus+"?flow="+c.flow, form, "", testToken)
	require.Equal(c.h.t, http.StatusOK, r.status, r.body)
}

// text sends an SMS to the flow's number.
func (h *harness) text(flowSid, sid, body string) reply {
	return h.post(twilio.PathMessagingIncoming+"?flow="+flowSid, url.Values{
		"AccountSid": {testAccount}, "MessageSid": {sid}, "From": {caller}, "To": {number},
		"Body": {body}, "NumMedia": {"0"},
	}, "", testToken)
}
