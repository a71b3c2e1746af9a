// Package flowtest runs flow tests kept beside the flows, as a pipeline
// does (flowrun test): each test file names a flow (Flow JSON or an
// Amazon Connect flow), the modules and flows it reaches, mocks for what
// it asks of the world, and cases: a simulated contact's start and
// script, and what must come of it (status, path, variables, Connect
// attributes, transcript lines). Cases run in parallel on the simulator
// of package runtime/sim; the report gives each result, a summary, JUnit
// XML for CI systems, and the coverage of every flow and module (states
// reached, transitions taken).
//
// Test files end in ".test.json" (Discover); see File for the format.
// The format is JSON only: the library's core takes no YAML dependency.
package flowtest
