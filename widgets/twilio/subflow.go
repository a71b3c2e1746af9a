package twilio

import (
	"slices"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// RunSubflow runs another flow inside the same execution and continues
// when it ends.
//
//	{ "name": "ask_questions", "type": "run-subflow",
//	  "transitions": [ {"event": "completed", "next": "save_answers"}, {"event": "failed", "next": "sorry"} ],
//	  "properties": { "flow_sid": "FW50120385f4d1e8dcf30c0bcd83695969", "flow_revision": "LatestPublished",
//	                  "parameters": [ {"key": "name", "value": "{{widgets.get_names.parsed.name}}"} ] } }
//
// Properties:
//   - flow_sid (required): the flow to run.
//   - flow_revision: LatestPublished (default), LatestDraft, or a revision
//     number (1 or more).
//   - parameters [{key, value}] (templates, rendered in the caller): the
//     subflow reads them as trigger.parent.parameters.KEY; its trigger
//     takes incomingParent. "By default, subflow parameters are parsed as
//     strings"; an item whose "Parse as JSON object" box is checked
//     ("type": "json", as Set Variables writes it) is parsed, so the
//     subflow reads trigger.parent.parameters.KEY.field (Twilio, Run
//     Subflow widget, https://www.twilio.com/docs/studio/widget-library/run-subflow).
//     Such a value that names an object alone ({{flow.variables.order}})
//     passes the object; text that is not a JSON object or array is passed
//     as it is, as Set Variables stores it.
//
// Events: completed (the subflow's last branch ended), failed ("the
// Subflow could not be loaded or executed": an unknown flow or revision, a
// flow with errors, or a step of the subflow, or of a module it runs,
// that failed, such as a template that does not render or a widget whose
// service failed; the subflow is left where it failed). A widget that
// panics still fails the execution: that is a bug, not the flow's doing.
//
// Outputs: on completed, the subflow's flow.variables, so the caller reads
// widgets.NAME.VARIABLE (they do not become the caller's flow.variables);
// on failed, error (why).
//
// Subflow steps count toward the execution's step limit. The engine bounds
// nesting (Twilio allows one level; the runtime's Limits.MaxDepth, default
// 3) and refuses a flow already running in the execution (a cycle, A -> B
// -> A, or a flow running itself): both end the execution as failed, with
// a reason naming the flows, rather than taking failed.
func RunSubflow() widgets.Type {
	return widgets.Type{
		Vendor: flow.VendorTwilio,
		Name:   "run-subflow",
		Compile: func(p *widgets.Props) widgets.Node {
			n := &subflowNode{
				sid:      p.RequiredText("flow_sid"),
				revision: p.String("flow_revision", widgets.RevisionLatestPublished),
				params:   p.KeyValues("parameters"),
			}
			n.objectPaths = make([]string, len(n.params))
			for i, kv := range n.params {
				if kv.Type == VariableJSON {
					n.objectPaths[i] = objectPath(kv.Value.Src)
				}
			}
			rev := strings.TrimSpace(n.revision)
			switch {
			case rev == "" || strings.EqualFold(rev, widgets.RevisionLatestPublished):
				n.revision = widgets.RevisionLatestPublished
			case strings.EqualFold(rev, widgets.RevisionLatestDraft):
				n.revision = widgets.RevisionLatestDraft
			default:
				if r, err := strconv.Atoi(rev); err != nil || r < 1 {
					p.Errorf("flow_revision", widgets.CodePropertyInvalid, "flow_revision must be LatestPublished, LatestDraft or a revision number, got %q", n.revision)
				}
				n.revision = rev
			}
			return n
		},
	}
}

type subflowNode struct {
	sid      widgets.Text
	revision string
	params   []widgets.KeyValue
	// objectPaths are, by parameter, the variable a "Parse as JSON object"
	// value names alone (objectPath), "" for the others.
	objectPaths []string
}

var subflowEvents = []string{"completed", "failed"}

func (n *subflowNode) Events() []string { return slices.Clone(subflowEvents) }

func (n *subflowNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	sid, err := n.sid.Render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	params, err := widgets.RenderParams(sc, n.params)
	if err != nil {
		return widgets.Result{}, err
	}
	pm := make(map[string]any, len(params))
	for i, p := range params {
		pm[p.Key] = p.Value
		if n.params[i].Type != VariableJSON {
			continue
		}
		if obj, ok := objectAt(sc, n.objectPaths[i]); ok {
			pm[p.Key] = obj
		} else if parsed := parseJSON(p.Value); parsed != nil {
			pm[p.Key] = parsed
		}
	}
	return widgets.Result{Enter: &widgets.Enter{Kind: widgets.FrameSubflow, Ref: strings.TrimSpace(sid), Revision: n.revision, Parameters: pm}}, nil
}

// Return implements Returner: the child's variables become the step's
// outputs.
func (n *subflowNode) Return(sc widgets.StepContext, ret widgets.Returned) (widgets.Result, error) {
	if ret.Failed {
		return widgets.Result{Event: "failed", Outputs: map[string]any{"error": ret.Reason}}, nil
	}
	out := widgets.CopyData(ret.Outputs)
	return widgets.Result{Event: "completed", Outputs: out}, nil
}
