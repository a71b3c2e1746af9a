package flow_test

import (
	"os"
	"testing"

	"github.com/studioflow/studioflow/flow"
)

// BenchmarkParse parses the largest shared Twilio export (127 states).
//
//	go test -run '^$' -bench BenchmarkParse -benchmem ./flow
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../../shared/testdata/twilio/23_accfb-foodnow-bot.json")
	if os.IsNotExist(err) {
		b.Skip("../shared/testdata/twilio/23_accfb-foodnow-bot.json is absent")
	}
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := flow.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
