package sim

import (
	"fmt"

	"github.com/studioflow/studioflow/widgets/fake"
)

// Failure makes one call to a fake service fail: the Nth call (1-based)
// the simulator's fake for Service receives, counted over every session
// the simulator runs, returns Err. Build one with FailCall and give it to
// WithFailures.
type Failure struct {
	// Service is the fake service: one of fake.ServiceNames ("voice",
	// "messaging", "http", "functions", "actions", "payments", "streams",
	// "contactcenter").
	Service string
	// N is which call fails, from 1.
	N int
	// Err is the error the call returns: context.DeadlineExceeded for a
	// timeout, a *connect.Error (package widgets/connect) for a
	// contact-center error branch, any error for a failure.
	Err error
}

// FailCall makes the nth call (1-based) to the fake service fail with err:
//
//	sim.FailCall("messaging", 2, errors.New("carrier down")) // the second send fails
//	sim.FailCall("http", 1, context.DeadlineExceeded)         // the first request times out
func FailCall(service string, n int, err error) Failure {
	return Failure{Service: service, N: n, Err: err}
}

// String describes the failure: "messaging call 2 fails: carrier down".
func (f Failure) String() string {
	return fmt.Sprintf("%s call %d fails: %v", f.Service, f.N, f.Err)
}

// WithFailures injects failures into the simulator's fake services (see
// fake.Failures for what a failed call records). Each fake counts its
// calls over the simulator's life, so "the second send" is the second
// message any session sends; Sim.Fakes.Failures(service) tells how many
// calls a fake received and which chosen failures have not happened yet.
// New panics on a service no fake has, an N below 1 or a nil Err.
func WithFailures(failures ...Failure) Option {
	return func(c *config) { c.failures = append(c.failures, failures...) }
}

// injectFailures sets the failures up on fakes, panicking on a bad one.
func injectFailures(fakes *fake.Fakes, failures []Failure) {
	for _, f := range failures {
		if f.Err == nil {
			panic(fmt.Sprintf("sim: WithFailures: %s call %d has no error", f.Service, f.N))
		}
		if err := fakes.FailNth(f.Service, f.N, f.Err); err != nil {
			panic("sim: WithFailures: " + err.Error())
		}
	}
}
