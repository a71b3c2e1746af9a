package fake_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

// call makes one call to the fake called service and returns its error.
func call(t *testing.T, f *fake.Fakes, service string) error {
	t.Helper()
	ctx := context.Background()
	switch service {
	case fake.ServiceVoice:
		return f.Voice.Say(ctx, "CA1", widgets.Prompt{Say: "hi"})
	case fake.ServiceMessaging:
		_, err := f.Messaging.Send(ctx, widgets.Message{To: "+1", Body: "hi"})
		return err
	case fake.ServiceHTTP:
		req, err := http.NewRequestWithContext(ctx, "GET", "https://x.example.com/", nil)
		require.NoError(t, err)
		_, err = f.HTTP.Do(req)
		return err
	case fake.ServiceFunctions:
		_, _, err := f.Functions.Invoke(ctx, widgets.FunctionCall{Sid: "ZH1"})
		return err
	case fake.ServiceActions:
		_, err := f.Actions.Execute(ctx, "crm", nil)
		return err
	case fake.ServicePayments:
		return f.Payments.Capture(ctx, "CA1", widgets.PaymentRequest{Amount: "1"})
	case fake.ServiceStreams:
		return f.Streams.Stream(ctx, "CA1", widgets.Stream{Action: "start", URL: "wss://x"})
	case fake.ServiceContactCenter:
		_, err := f.ContactCenter.Request(ctx, widgets.ContactCenterRequest{Action: "CheckHoursOfOperation"})
		return err
	}
	t.Fatalf("no service %q", service)
	return nil
}

func newAnsweringFakes() *fake.Fakes {
	f := fake.New()
	f.HTTP.Mock("GET", "https://x.example.com/", 200, "ok")
	f.Functions.Handle("ZH1", func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
		return fake.JSONResult(map[string]any{}), nil
	})
	f.Actions.Handle("crm", func(context.Context, map[string]string) (map[string]any, error) { return nil, nil })
	return f
}

func TestFailNthFailsExactlyTheChosenCallOfEveryService(t *testing.T) {
	for _, service := range fake.ServiceNames {
		t.Run(service, func(t *testing.T) {
			f := newAnsweringFakes()
			boom := errors.New("boom " + service)
			require.NoError(t, f.FailNth(service, 2, boom))
			require.NoError(t, f.FailNth(service, 4, context.DeadlineExceeded))
			assert.Equal(t, []int{2, 4}, f.Failures(service).Pending())
			var got []error
			for range 5 {
				got = append(got, call(t, f, service))
			}
			assert.NoError(t, got[0])
			assert.ErrorIs(t, got[1], boom)
			assert.NoError(t, got[2])
			assert.ErrorIs(t, got[3], context.DeadlineExceeded)
			assert.NoError(t, got[4])
			assert.Equal(t, 5, f.Failures(service).Calls())
			assert.Empty(t, f.Failures(service).Pending())
			// Other services count nothing.
			for _, other := range fake.ServiceNames {
				if other != service {
					assert.Zero(t, f.Failures(other).Calls(), other)
				}
			}
		})
	}
}

func TestFailNthRecordsAsTheFakesFailuresDo(t *testing.T) {
	recorded := map[string]int{
		// Nothing recorded for a failed call, as with Fail.
		fake.ServiceVoice: 2, fake.ServiceMessaging: 2, fake.ServicePayments: 2, fake.ServiceStreams: 2,
		// The call recorded with its error.
		fake.ServiceHTTP: 3, fake.ServiceFunctions: 3, fake.ServiceActions: 3, fake.ServiceContactCenter: 3,
	}
	for _, service := range fake.ServiceNames {
		f := newAnsweringFakes()
		require.NoError(t, f.FailNth(service, 1, errors.New("down")))
		for range 3 {
			_ = call(t, f, service)
		}
		entries := f.T.Service(service)
		assert.Len(t, entries, recorded[service], service)
		if recorded[service] == 3 && service != fake.ServiceContactCenter {
			assert.Equal(t, "down", entries[0].Detail["error"], service)
			assert.Nil(t, entries[1].Detail["error"], service)
		}
	}
}

func TestFailNthOfAFunctionWithNoHandlerIsHandled(t *testing.T) {
	f := fake.New()
	f.Functions.FailNth(2, errors.New("cold start"))
	ctx := context.Background()
	_, handled, err := f.Functions.Invoke(ctx, widgets.FunctionCall{Sid: "ZHnone", URL: "https://x.twil.io/lookup"})
	assert.False(t, handled)
	assert.NoError(t, err)
	_, handled, err = f.Functions.Invoke(ctx, widgets.FunctionCall{URL: "https://x.twil.io/lookup?x=1"})
	assert.True(t, handled)
	assert.EqualError(t, err, "cold start")
	entries := f.T.Service("functions")
	require.Len(t, entries, 1)
	assert.Equal(t, "lookup", entries[0].Text)
}

func TestFailNthKeepsFailAndChecksItsArguments(t *testing.T) {
	f := fake.New()
	down := errors.New("down")
	f.Messaging.Fail = down
	f.Messaging.FailNth(1, errors.New("other"))
	_, err := f.Messaging.Send(context.Background(), widgets.Message{})
	assert.ErrorIs(t, err, down, "Fail wins over FailNth")
	assert.Equal(t, 1, f.Messaging.Calls(), "a call failed by Fail still counts")

	f.Messaging.Fail = nil
	f.Messaging.FailNth(2, errors.New("x"))
	f.Messaging.FailNth(2, nil)
	_, err = f.Messaging.Send(context.Background(), widgets.Message{})
	assert.NoError(t, err, "a nil error removes the failure")

	assert.ErrorContains(t, f.FailNth("sms", 1, down), `no service "sms"; the services are voice, messaging, http`)
	assert.ErrorContains(t, f.FailNth("http", 0, down), "calls are counted from 1")
	assert.Nil(t, f.Failures("sms"))
	assert.Panics(t, func() { f.HTTP.FailNth(0, down) })

	// A fake built without New counts too.
	v := &fake.Voice{T: &fake.Transcript{}}
	v.FailNth(1, down)
	assert.ErrorIs(t, v.Hangup(context.Background(), "CA1"), down)
}
