package widgets

import "context"

// Effect names one service call of one step of one execution, so that a
// service can do it once however often the step runs: after a crash
// between an effect and the save that records it, the engine runs the
// step again, and the call then carries the same Effect (see the runtime
// package's delivery guarantee).
type Effect struct {
	// Execution is the execution's id.
	Execution string
	// Key is the call's idempotency key: the execution, the step's and the
	// wait's number in it, the frame and state, and the call's number
	// within the step. A re-run of the step makes the same calls with the
	// same keys. A service that can (an SMS provider's idempotency token,
	// a payment's) passes it on. (A re-run that takes another branch, on
	// a changed HTTP answer, say, may make another call under a key: a
	// service that must tell them apart compares the request too.)
	Key string
}

// effectKey is the context key of a step's Effect.
type effectKey struct{}

// EffectOf returns the Effect of the service call whose context ctx is
// (StepContext.Context), false outside a step. The context keeps its
// Effect for as long as the service keeps it.
func EffectOf(ctx context.Context) (Effect, bool) {
	e, ok := ctx.Value(effectKey{}).(Effect)
	return e, ok
}

// EffectContextKey is the context key under which a runtime hands a
// service call its Effect. Runtimes use it; services use EffectOf.
var EffectContextKey any = effectKey{}
