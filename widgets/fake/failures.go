package fake

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The names of the fake services, as their transcript entries record them
// (Entry.Service) and as Fakes.FailNth and Fakes.Failures take them.
const (
	// ServiceVoice is the Voice fake: every operation (say, gather, hang
	// up, connect, record, enqueue, redirect, call) counts as a call.
	ServiceVoice = "voice"
	// ServiceMessaging is the Messaging fake: every Send.
	ServiceMessaging = "messaging"
	// ServiceHTTP is the HTTP fake: every request.
	ServiceHTTP = "http"
	// ServiceFunctions is the Functions fake: every Invoke, whether a
	// handler answers it or not.
	ServiceFunctions = "functions"
	// ServiceActions is the Actions fake: every Execute.
	ServiceActions = "actions"
	// ServicePayments is the Payments fake: every Capture.
	ServicePayments = "payments"
	// ServiceStreams is the Streams fake: every Stream.
	ServiceStreams = "streams"
	// ServiceContactCenter is the ContactCenter fake: every Request.
	ServiceContactCenter = "contactcenter"
)

// services are the service names in the order of the fields of Fakes.
var services = [...]string{
	ServiceVoice, ServiceMessaging, ServiceHTTP, ServiceFunctions,
	ServiceActions, ServicePayments, ServiceStreams, ServiceContactCenter,
}

// ServiceNames lists the name of every fake service, in the order of the
// fields of Fakes.
var ServiceNames = slices.Clone(services[:])

// Failures counts the calls one fake receives and fails the calls chosen
// with FailNth, whatever the call asks. Every fake embeds one, so
// f.Messaging.FailNth(2, err) makes the second message sent fail. The zero
// value counts from 0 and fails nothing. It is safe for concurrent use.
//
// A failed call behaves as the fake's failures already do: Voice,
// Messaging, Payments and Streams record nothing (as with their Fail
// field); HTTP, Functions and Actions record the call with the error in
// Entry.Detail["error"]; ContactCenter records every request. The error is
// returned as given, so context.DeadlineExceeded reads as a timeout to
// the widgets that tell one apart.
type Failures struct {
	mu    sync.Mutex
	calls int
	nth   map[int]error
}

// FailNth makes the fake's nth call (1-based, counted over the fake's
// life) fail with err, or no longer fail when err is nil. It panics when n
// is below 1.
func (f *Failures) FailNth(n int, err error) {
	if n < 1 {
		panic(fmt.Sprintf("fake: FailNth(%d): calls are counted from 1", n))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.nth, n)
		return
	}
	if f.nth == nil {
		f.nth = map[int]error{}
	}
	f.nth[n] = err
}

// Calls reports how many calls the fake has received.
func (f *Failures) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Pending lists, in increasing order, the call numbers given to FailNth
// that the fake has not reached yet: failures that have not happened.
func (f *Failures) Pending() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for n := range f.nth {
		if n > f.calls {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// next counts one call and returns the error chosen for it, if any.
func (f *Failures) next() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.nth[f.calls]
}

// Failures returns the call counter of the fake called service (one of
// ServiceNames), or nil for a name no fake has.
func (f *Fakes) Failures(service string) *Failures {
	counters := [len(services)]*Failures{
		&f.Voice.Failures, &f.Messaging.Failures, &f.HTTP.Failures, &f.Functions.Failures,
		&f.Actions.Failures, &f.Payments.Failures, &f.Streams.Failures, &f.ContactCenter.Failures,
	}
	if i := slices.Index(services[:], service); i >= 0 {
		return counters[i]
	}
	return nil
}

// FailNth makes the nth call (1-based) to the fake called service (one of
// ServiceNames) fail with err; see Failures. It returns an error for a
// name no fake has or an n below 1.
func (f *Fakes) FailNth(service string, n int, err error) error {
	c := f.Failures(service)
	if c == nil {
		return fmt.Errorf("fake: no service %q; the services are %s", service, strings.Join(services[:], ", "))
	}
	if n < 1 {
		return fmt.Errorf("fake: %s call %d: calls are counted from 1", service, n)
	}
	c.FailNth(n, err)
	return nil
}

// check counts one call and returns the error it fails with: always (a
// fake's Fail field) when set, else the error FailNth chose for it.
func (f *Failures) check(always error) error {
	if err := f.next(); always == nil {
		return err
	}
	return always
}
