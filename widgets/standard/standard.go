// Package standard assembles the registry of every widget type this
// library ships: Twilio Studio's widgets (package twilio), Talkdesk
// Studio's components (package talkdesk), Amazon Connect's actions
// (package connect, with its rules for Connect's definitions) and the
// module state types (package modules). It is what an engine runs when its host names no
// registry.
package standard

import (
	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/connect"
	"github.com/studioflow/studioflow/widgets/modules"
	"github.com/studioflow/studioflow/widgets/talkdesk"
	"github.com/studioflow/studioflow/widgets/twilio"
)

// New returns a new registry holding every built-in widget type. Each call
// returns a registry of its own: what one caller registers never reaches
// another.
func New() *widgets.Registry {
	r := widgets.NewRegistry()
	for _, register := range []func(*widgets.Registry) error{twilio.Register, talkdesk.Register, connect.Register, modules.Register} {
		if err := register(r); err != nil {
			// The built-in sets have distinct names; a clash is a bug here.
			panic(err)
		}
	}
	return r
}
