// Package testrules holds no code: its tests enforce rules every test in
// the repository must follow, so that breaking one fails the build (go
// test ./... and .ci/run) rather than waiting for a review to notice.
//
// The rules are checked on the source of every *_test.go file below the
// repository root, nested modules included (directories the go tool
// ignores are skipped: testdata, vendor, and names starting with "." or
// "_"). The checker parses each file with go/parser and walks its syntax
// tree; it needs no type checking, and it follows renamed imports.
//
// # No wall clock
//
// A test's outcome must not depend on when, or how fast, it runs. So no
// test reads the wall clock, and every engine a test builds gets an
// injected clock (runtime.NewFixedClock, or a harness clock). The test
// fails, naming file and line, for:
//
//   - any reference to time.Now, time.Since or time.Until, called or passed
//     as a function value (runtime.WithClock(time.Now)), whatever name
//     package "time" is imported under;
//   - a call to a constructor whose clock defaults to time.Now without its
//     clock option among the arguments: runtime.New without
//     runtime.WithClock, version.NewCatalog without version.WithClock
//     (qualified by whatever name the package is imported under, or bare
//     in the package's own internal tests). A call that spreads a slice,
//     runtime.New(opts...), passes when the top-level declaration around it
//     calls the clock option somewhere, since that is where the slice is
//     built;
//   - such a constructor used as a function value (f := runtime.New), since
//     its calls can then not be checked.
//
// Constructors with a fixed default clock, such as sim.New (sim.DefaultNow),
// need no option. Benchmarks (a function BenchmarkX(b *testing.B)) may read
// the wall clock in their own body, since measuring time is what they are
// for (a latency percentile, say); their helpers may not, and their engines
// still need a clock. There is no other escape hatch: a test that needs time to pass
// advances a runtime.FixedClock, and a test that needs a deadline to fire
// uses a context that is already done, or one it cancels itself, instead of
// measuring how long something took.
package testrules
