package runtime

import (
	_ "embed" // the Pacific zone's rules
	"time"
)

// losAngeles is the IANA time zone database's America/Los_Angeles (its
// TZif file, public domain), kept here so that the engine's default
// template zone is the same on every host, whether or not it has a zone
// database.
//
//go:embed zoneinfo/America/Los_Angeles
var losAngeles []byte

// pacificZone is US Pacific time (America/Los_Angeles), the zone in
// which Twilio Studio shows dates: "When you're using Liquid time and
// date templates in Studio, the timezone used is PST" (Twilio Support,
// "How do I use Liquid with Twilio Studio?"). It is the engine's
// template zone unless WithTemplateZone says otherwise.
var pacificZone = mustLoadZone("America/Los_Angeles", losAngeles)

// mustLoadZone loads an embedded zone; the file is part of the package,
// so a failure is a broken build.
func mustLoadZone(name string, data []byte) *time.Location {
	loc, err := time.LoadLocationFromTZData(name, data)
	if err != nil {
		panic("runtime: the embedded zone " + name + " does not load: " + err.Error())
	}
	return loc
}
