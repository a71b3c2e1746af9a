package flowtest_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/studioflow/studioflow/flowtest"
)

// Run the test files of a folder: the IVR example's menu and a Connect
// flow, each with its cases, then print the summary and the coverage.
func Example() {
	fixed := func() time.Time { return time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC) }
	rep, err := flowtest.Run(context.Background(), []string{"testdata/pass"}, flowtest.Options{Clock: fixed})
	if err != nil {
		panic(err)
	}
	_ = rep.WriteSummary(os.Stdout)
	_ = rep.WriteCoverage(os.Stdout)
	// Output:
	// 6 passed, 0 failed in 0s
	// coverage  64.3% testdata/pass/connect_menu.json (9/9 states, 9/19 transitions)
	// coverage  54.2% ../examples/ivr/menu.json (6/9 states, 7/15 transitions)
}

// Find the flows of a folder, as flowrun check does, and what the test
// files beside them leave untested in one of them.
func ExampleReport_CoverageOf() {
	flows, err := flowtest.DiscoverFlows("testdata/pass")
	if err != nil {
		panic(err)
	}
	fmt.Println(flows)
	rep, err := flowtest.Run(context.Background(), []string{"testdata/pass"}, flowtest.Options{})
	if err != nil {
		panic(err)
	}
	cov, _ := rep.CoverageOf("../examples/ivr/menu.json")
	fmt.Println(cov.Unreached())
	// Output:
	// [testdata/pass/connect_menu.json]
	// [support_sms support_bye invalid]
}
