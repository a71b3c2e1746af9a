package template

import (
	_ "embed" // the Pacific zone's rules
	"time"
)

// losAngeles is the IANA time zone database's America/Los_Angeles (its
// TZif file, public domain), kept here so that Pacific time is the same
// on every host, whether or not it has a zone database.
//
//go:embed zoneinfo/America/Los_Angeles
var losAngeles []byte

// pacific is PacificTime's zone, loaded once.
var pacific = mustLoadZone("America/Los_Angeles", losAngeles)

// PacificTime is US Pacific time (America/Los_Angeles, daylight saving
// time included), the zone in which Twilio Studio shows dates: "When
// you're using Liquid time and date templates in Studio, the timezone
// used is PST" (Twilio Support, "How do I use Liquid with Twilio
// Studio?"). Give it as Options.Zone to show "now" as Twilio does; the
// runtime's engines do by default. It is the same on every host, whether
// or not the host has a zone database.
func PacificTime() *time.Location { return pacific }

// mustLoadZone loads an embedded zone; the file is part of the package,
// so a failure is a broken build.
func mustLoadZone(name string, data []byte) *time.Location {
	loc, err := time.LoadLocationFromTZData(name, data)
	if err != nil {
		panic("template: the embedded zone " + name + " does not load: " + err.Error())
	}
	return loc
}
