package widgets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studioflow/studioflow/widgets"
)

func TestResultsAreValidByConstruction(t *testing.T) {
	for name, res := range map[string]widgets.Result{
		"take":       widgets.Take("next", map[string]any{"a": "b"}),
		"transition": widgets.TakeTransition(2, "match", nil),
		"suspend":    widgets.Suspend(widgets.Wait{Events: []string{"keypress"}}, nil),
		"end":        widgets.EndExecution(true, "done"),
		"enter":      widgets.EnterFrame(widgets.Enter{Kind: widgets.FrameModule, Ref: "m"}),
		"return":     widgets.ReturnToCaller(widgets.Return{Exit: "open"}),
	} {
		assert.NoError(t, res.Validate(), name)
	}
	for _, tt := range []struct {
		res  widgets.Result
		want string
	}{
		{widgets.Result{}, "empty result"},
		{widgets.Result{Event: "next", Wait: &widgets.Wait{}}, "setting Event and Wait"},
		{widgets.Result{End: &widgets.End{}, Enter: &widgets.Enter{}, Return: &widgets.Return{}}, "setting End and Enter and Return"},
		{widgets.Result{Wait: &widgets.Wait{}, Transition: 1}, "transition 1 without an event"},
	} {
		assert.ErrorContains(t, tt.res.Validate(), tt.want)
	}
}
