package widgets

import "fmt"

// Param is one rendered {key, value} parameter of a parameters property
// (make-http-request, run-function, capture-payments, execute-action...).
type Param struct {
	// Key is the parameter's name, as written.
	Key string
	// Value is its rendered value.
	Value string
}

// RenderParams renders a parameters list in order; an error names the
// parameter whose template failed.
func RenderParams(sc StepContext, kvs []KeyValue) ([]Param, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	out := make([]Param, 0, len(kvs))
	for _, kv := range kvs {
		v, err := kv.Value.Render(sc)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", kv.Key, err)
		}
		out = append(out, Param{kv.Key, v})
	}
	return out, nil
}

// ParamMap returns params as a map; a later key wins. Nil for none.
func ParamMap(ps []Param) map[string]string {
	if len(ps) == 0 {
		return nil
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Key] = p.Value
	}
	return m
}
