package twilio_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// export reads one of the shared Twilio Studio exports, skipping the test
// when that file is not here (as beside a checkout that holds another set
// of exports, or none).
func export(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile("../../../shared/testdata/twilio/" + name)
	if os.IsNotExist(err) {
		t.Skipf("../shared/testdata/twilio/%s is absent", name)
	}
	require.NoError(t, err)
	return string(src)
}

// The IVR export (testdata 17): a gather, a split on the keypress or on
// the speech, and a <Dial> to sales or support; the call ends with the
// dialled leg.
func TestExportIVRGathersSplitsAndDials(t *testing.T) {
	src := export(t, "17_ivr-studio-enqueue.json")
	menu := []string{
		"Gather finishOnKey=# timeout=5",
		`  Say language=en voice=alice "Hello, how can we direct your call? Press 1 for sales, or say sales. To reach support, press 2 or say support."`,
	}
	for _, tt := range []struct {
		input  url.Values
		to     string
		path   string
		dialer string
	}{
		{url.Values{"Digits": {"1"}}, "15555551234", "gather_input -keypress-> split_key_press", "connect_call_to_sales"},
		{url.Values{"SpeechResult": {"support"}, "Confidence": {"0.92"}}, "15555555678", "gather_input -speech-> split_speech_result", "connect_call_to_support"},
	} {
		h := newHarness(t, map[string]string{"FWivr": src})
		c := h.dial("CA0001", "FWivr")
		assert.Equal(t, menu, lines(c.doc))
		assert.Equal(t, []string{"Dial callerId=" + caller + " timeout=30", `  Number "` + tt.to + `"`}, c.gather(tt.input))
		got := c.dialled(url.Values{"DialCallStatus": {"completed"}, "DialCallDuration": {"65"}}, false)
		assert.Equal(t, []string{"Hangup"}, got)
		x, path := stepsOf(t, h.engine, "FN00000001")
		assert.Equal(t, runtime.StatusEnded, x.Status)
		assert.Equal(t, tt.path, path[1])
		assert.Equal(t, tt.dialer+" -callCompleted-> Ended", path[len(path)-1])
		assert.Equal(t, "65", x.Widgets()[tt.dialer].(map[string]any)["DialCallDuration"])
	}

	// Silence: the gather's timeout has no transition, so the call ends.
	h := newHarness(t, map[string]string{"FWivr": src})
	c := h.dial("CA0001", "FWivr")
	assert.Equal(t, []string{"Hangup"}, c.gather(url.Values{}))
	_, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, "gather_input -timeout-> Ended", path[len(path)-1])
}

// The messaging export (testdata 28): a first message starts it, the
// reply goes to the flow's HTTP request, whose answer is texted back; no
// reply within the wait's timeout texts the goodbye.
func TestExportSMSBotRepliesAndTimesOut(t *testing.T) {
	src := export(t, "28_hackathon-sms-bot.json")
	api := (&fake.HTTP{T: &fake.Transcript{}}).Mock("POST", "https://09d4d58d5ba6.ngrok.io/babysitters/find", 200, `{"firstName": "Mary", "lastName": "Poppins", "phoneNumber": "+15550004444"}`)
	h := newHarnessWith(t, map[string]string{"FWbot": src}, &widgets.Services{HTTP: api})

	r := h.text("FWbot", "SM0001", "hi")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, []string{caller + " Hello. Do you need a babysitter? What is your location?"}, bodies(h.rest.sent()))
	r = h.text("FWbot", "SM0002", "Oakland")
	require.Equal(t, http.StatusOK, r.status, r.body)
	sent := bodies(h.rest.sent())
	require.Len(t, sent, 2)
	assert.Contains(t, sent[1], caller+" Mary Poppins is your babysitter.")
	reqs := api.Requests()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, `{"location": "Oakland "}`, reqs[0].Body)
	x, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, runtime.StatusEnded, x.Status)
	assert.Equal(t, []string{"Trigger -incomingMessage-> WelcomeMessage", "WelcomeMessage -incomingMessage-> FindBabysitterApi",
		"FindBabysitterApi -success-> FoundBabysitterMessage", "FoundBabysitterMessage -sent-> Ended"}, path)

	// Another contact who never answers: the 300 s timeout, through expiry.
	other := url.Values{"AccountSid": {testAccount}, "MessageSid": {"SM0003"}, "From": {"+15550007777"}, "To": {number}, "Body": {"hi"}, "NumMedia": {"0"}}
	r = h.post("/messaging/incoming?flow=FWbot", other, "", testToken)
	require.Equal(t, http.StatusOK, r.status, r.body)
	h.clock.Advance(300*time.Second + time.Second)
	n, err := h.engine.Expire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	sent = bodies(h.rest.sent())
	assert.Equal(t, "+15550007777 Thank you for using our service. You can reach out to us at any time.", sent[len(sent)-1])
}

// The Kanga Bank IVR export (testdata 27): two run-function widgets given
// by function sid, at the URLs the host maps them to, a gather, and the
// say-play steps between them. A known caller (the first function
// answers their name) is greeted by name and sent an invite by the
// second; an unknown one (the function fails) is asked to guess a key.
func TestExportIVRRunsFunctionsAndGathers(t *testing.T) {
	src := export(t, "27_kanga-bank-ivr.json")
	var mu sync.Mutex
	var calls []string // path and From of each function request
	known := true
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		calls = append(calls, r.URL.Path+" "+r.PostForm.Get("From"))
		k := known
		mu.Unlock()
		if r.URL.Path == "/my-activity" && !k {
			http.Error(w, "no such customer", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"Name": "Ada"}`)
	}))
	t.Cleanup(fn.Close)
	functions := func(c *twilio.Config) {
		c.FunctionURLs = map[string]string{
			"ZH077bf88547dc16eff96f45ff57cc1460": fn.URL + "/my-activity",
			"ZHe742469123699e0b3c832da401d5423b": fn.URL + "/send-invite",
		}
		c.HTTPClient = http.DefaultClient
	}
	const voice = "language=en-US voice=Polly.Joanna-Neural"

	h := newHarnessConfig(t, map[string]string{"FWkanga": src}, nil, functions)
	c := h.dial("CA0001", "FWkanga")
	got := lines(c.doc)
	require.Len(t, got, 3, "%v", got)
	assert.Equal(t, `Say `+voice+` "Hi Ada. .. Welcome to Kanga Bank. Where digital experiences are only a hop, skip and a jump away."`, got[0])
	assert.Contains(t, got[1], `"We know why your calling and now you're on the fast track.`)
	assert.Equal(t, "Hangup", got[2])
	assert.Equal(t, []string{"/my-activity " + caller, "/send-invite " + caller}, calls)
	_, path := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, []string{"Trigger -incomingCall-> CheckSegment", "CheckSegment -success-> WelcomeFast", "WelcomeFast -audioComplete-> SendInvite",
		"SendInvite -success-> fast_track", "fast_track -audioComplete-> Ended"}, path)

	// An unknown caller: the default welcome, then the gather.
	mu.Lock()
	known, calls = false, nil
	mu.Unlock()
	h = newHarnessConfig(t, map[string]string{"FWkanga": src}, nil, functions)
	c = h.dial("CA0002", "FWkanga")
	got = lines(c.doc)
	require.GreaterOrEqual(t, len(got), 3, "%v", got)
	assert.Equal(t, []string{
		`Say ` + voice + ` "Welcome to Kanga Bank. Where digital experiences are only a hop, skip and a jump away."`,
		`Say ` + voice + ` "Oh no, it looks like you have an old boring experience."`,
	}, got[:2])
	g, ok := find(c.doc, "Gather")
	require.True(t, ok, "%v", lines(c.doc))
	assert.Equal(t, "#", g.attr("finishOnKey"))
	assert.Equal(t, "auto", g.attr("speechTimeout"))
	assert.Equal(t, "5", g.attr("timeout"))
	assert.Equal(t, []string{`Say ` + voice + ` "Nope, that wasn't it. And you only had one guess. Please try your call again"`, "Hangup"}, c.press("4"))
	_, path = stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, []string{"Trigger -incomingCall-> CheckSegment", "CheckSegment -fail-> WelcomeDefault",
		"WelcomeDefault -audioComplete-> antiquated_dtmf_experience", "antiquated_dtmf_experience -audioComplete-> gather_1",
		"gather_1 -keypress-> say_play_2", "say_play_2 -audioComplete-> Ended"}, path)
	x, _ := stepsOf(t, h.engine, "FN00000001")
	assert.Equal(t, "4", x.Widgets()["gather_1"].(map[string]any)["Digits"])
	assert.Equal(t, []string{"/my-activity " + caller}, calls)
}
