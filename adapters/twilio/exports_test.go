package twilio_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// export reads one of the shared Twilio Studio exports, skipping the test
// when they are not here.
func export(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile("../../../shared/testdata/twilio/" + name)
	if os.IsNotExist(err) {
		t.Skip("the shared Twilio exports are not here (../../../shared/testdata/twilio)")
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
