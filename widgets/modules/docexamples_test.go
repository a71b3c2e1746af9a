package modules_test

import (
	"testing"

	"github.com/studioflow/studioflow/widgets"

	"github.com/studioflow/studioflow/widgets/modules"
	"github.com/studioflow/studioflow/widgets/standard"
	"github.com/studioflow/studioflow/widgets/widgettest"
)

// TestModulesGodocExamples compiles the JSON example in the godoc of every
// module state type, so the documented format cannot drift from the code.
func TestModulesGodocExamples(t *testing.T) {
	widgettest.DocExamples(t, ".", standard.New(), map[string]func() widgets.Type{
		"BeginModule":  modules.BeginModule,
		"ReturnToFlow": modules.ReturnToFlow,
		"RunModule":    modules.RunModule,
	})
}
