package connect

import (
	"encoding/json"
	"maps"

	"github.com/studioflow/studioflow/widgets"
)

// Interactions: what the flow asks of the contact center's other
// services (Lambda, profiles, cases, tasks, callbacks, Voice ID, views),
// through the host's widgets.ContactCenter.

// InvokeLambdaFunction calls the function LambdaFunctionARN names with
// LambdaInvocationAttributes, within InvocationTimeLimitSeconds (at most
// 8): the answer replaces $.External (the latest result only). An answer
// over 32 KB takes NoMatchingError, as in Connect. With
// ResponseValidation STRING_MAP (the default) the answer must be a flat
// object, each value made text; JSON keeps it as it is. A failure, a
// timeout or an answer that does not validate takes NoMatchingError.
// maxLambdaResponse is the largest answer Connect takes from a Lambda
// function: 32 KB.
const maxLambdaResponse = 32 * 1024

func compileLambda(n *node, p *widgets.Props) {
	n.limit(p, "InvocationTimeLimitSeconds", 8, 1, 8)
	var rv struct{ ResponseType string }
	n.flag = true // STRING_MAP
	if p.Has("ResponseValidation") && p.Decode("ResponseValidation", &rv) && rv.ResponseType == "JSON" {
		n.flag = false
	}
}

func runLambda(n *node, sc widgets.StepContext) (widgets.Result, error) {
	arn := n.str(sc, "LambdaFunctionARN")
	params, _ := n.param(sc, "LambdaInvocationAttributes").(map[string]any)
	ans, err := n.ask(sc, arn, params)
	if err != nil {
		return n.failWith(err), nil
	}
	if b, err := json.Marshal(ans); err != nil || len(b) > maxLambdaResponse {
		return n.fail(ErrorNoMatchingError, "the function's answer is not a JSON object under 32 KB"), nil
	}
	if n.flag {
		flat := make(map[string]any, len(ans))
		for k, v := range ans {
			switch v.(type) {
			case map[string]any, []any:
				return n.fail(ErrorNoMatchingError, "the function's answer is not a flat object of strings (ResponseType STRING_MAP): "+k), nil
			}
			flat[k] = stringOf(v)
		}
		ans = flat
	}
	if err := sc.SetShared(keyExternal, ans); err != nil {
		return n.refused(err), nil
	}
	return n.next(nil), nil
}

// ask returns a runner for the interactions whose answer is kept on the
// contact under key (merged into what is there; "" keeps nothing), and
// whose conditions, if any, test the answer's "Result".
func ask(key string) func(n *node, sc widgets.StepContext) (widgets.Result, error) {
	return func(n *node, sc widgets.StepContext) (widgets.Result, error) {
		params := make(map[string]any, len(n.params))
		for k := range n.params {
			params[k] = n.param(sc, k)
		}
		resource := ""
		for _, k := range []string{"ContactFlowId", "QueueId", "ViewResource", "CaseTemplateId", "ProfileId"} {
			if v, ok := params[k]; ok {
				resource = stringOf(v)
				if m, ok := v.(map[string]any); ok {
					resource = stringOf(m["Id"])
				}
				break
			}
		}
		ans, err := n.ask(sc, resource, params)
		if err != nil {
			return n.failWith(err), nil
		}
		if key != "" {
			m := sharedMap(sc, key)
			if m == nil {
				m = map[string]any{}
			}
			maps.Copy(m, ans)
			if err := sc.SetShared(key, m); err != nil {
				return n.refused(err), nil
			}
		}
		if len(n.conds) > 0 {
			return n.choose(sc, ans["Result"], nil), nil
		}
		return n.next(nil), nil
	}
}
