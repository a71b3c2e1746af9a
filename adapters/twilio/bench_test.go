package twilio_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/studioflow/studioflow/adapters/twilio"
	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/runtime"
)

// BenchmarkWebhookRoundTrip: a call to the IVR flow, on the in-memory
// store, through the real handler over loopback HTTP with signatures
// checked: the incoming-call webhook (greeting and menu) and the gather
// callback that presses 1 (a play, then the end). It reports the median
// and the 99th percentile of one webhook's round trip.
//
//	go test -run '^$' -bench WebhookRoundTrip -benchtime 2000x ./adapters/twilio
func BenchmarkWebhookRoundTrip(b *testing.B) {
	api := httptest.NewServer(&fakeREST{})
	defer api.Close()
	server := httptest.NewUnstartedServer(nil)
	server.Start()
	defer server.Close()
	a, err := twilio.New(twilio.Config{AccountSid: testAccount, AuthToken: testToken, PublicURL: server.URL, APIBaseURL: api.URL, HTTPClient: api.Client()})
	if err != nil {
		b.Fatal(err)
	}
	def, err := flow.Parse([]byte(ivr))
	if err != nil {
		b.Fatal(err)
	}
	engine := runtime.New(runtime.WithSource(runtime.Definitions{"FWivr": def}), runtime.WithServices(a.Services(nil)),
		runtime.WithClock(runtime.NewFixedClock(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)).Now))
	server.Config.Handler = a.Handler(engine)
	client := server.Client()
	post := func(u string, form url.Values, idem string) string {
		req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.HeaderSignature, sign(testToken, u, form))
		req.Header.Set(twilio.HeaderIdempotencyToken, idem)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %s", u, resp.StatusCode, body)
		}
		return string(body)
	}
	latencies := make([]time.Duration, 0, 2*b.N)
	b.ResetTimer()
	for i := range b.N {
		sid := fmt.Sprintf("CA%08d", i)
		form := url.Values{"AccountSid": {testAccount}, "CallSid": {sid}, "From": {caller}, "To": {number}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}
		began := time.Now() // nolint:wallclock: a benchmark measures latency
		doc := post(server.URL+twilio.PathVoiceIncoming+"?flow=FWivr", form, sid+"-in")
		latencies = append(latencies, time.Since(began)) // nolint:wallclock: a benchmark measures latency
		start := strings.Index(doc, `action="`)
		if start < 0 {
			b.Fatalf("no gather in %s", doc)
		}
		action := doc[start+len(`action="`):]
		action = strings.ReplaceAll(action[:strings.IndexByte(action, '"')], "&amp;", "&")
		form.Set("CallStatus", "in-progress")
		form.Set("Digits", "1")
		began = time.Now() // nolint:wallclock: a benchmark measures latency
		post(action, form, sid+"-gather")
		latencies = append(latencies, time.Since(began)) // nolint:wallclock: a benchmark measures latency
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "median-µs")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-µs")
}
