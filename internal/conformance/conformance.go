// Package conformance runs the checks of a conformance suite (package
// runtime/storetest, version/storetest) against the stores a factory
// returns, as subtests or as one error, so that a suite can be checked
// against stores built to fail it.
package conformance

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// T collects a check's failures. It is safe for use from several
// goroutines; Fatalf stops the check (from the check's own goroutine).
type T struct {
	mu   sync.Mutex
	errs []string
}

// stop is the panic Fatalf stops a check with.
type stop struct{}

// Errorf records a failure.
func (c *T) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// Fatalf records a failure and stops the check.
func (c *T) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	panic(stop{})
}

// Check is one named check of a store of type S.
type Check[S any] struct {
	Name string
	Fn   func(t *T, s S)
}

// Run runs each check as a subtest of t, on a store of its own.
func Run[S any](t *testing.T, checks []Check[S], newStore func(t *testing.T) S) {
	for _, c := range checks {
		t.Run(c.Name, func(t *testing.T) {
			for _, e := range run(c.Fn, newStore(t)) {
				t.Error(e)
			}
		})
	}
}

// All runs every check, each on a store of its own, and returns their
// failures, each prefixed by its check's name; nil when none failed.
func All[S any](checks []Check[S], newStore func() S) error {
	var errs []error
	for _, c := range checks {
		for _, e := range run(c.Fn, newStore()) {
			errs = append(errs, fmt.Errorf("%s: %s", c.Name, e))
		}
	}
	return errors.Join(errs...)
}

// run runs one check on s, returning its failures; a panic of the store
// is one.
func run[S any](check func(*T, S), s S) (errs []string) {
	c := &T{}
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(stop); !ok {
				c.Errorf("the store panicked: %v", p)
			}
		}
		errs = c.errs
	}()
	check(c, s)
	return nil
}
