package fake

import (
	"context"
	"encoding/json"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/studioflow/studioflow/widgets"
)

// FunctionHandler is a Go implementation of a function.
type FunctionHandler func(ctx context.Context, c widgets.FunctionCall) (widgets.FunctionResult, error)

// Functions runs functions registered as Go handlers, by function sid or
// URL, and records each invocation. A call with no handler reports
// handled false (the widget then falls back to HTTP) and is not recorded
// here.
//
// FailNth counts every invocation, handled or not, and fails one as its
// handler would: handled, with the error, recorded; the function's handler
// (if any) does not run, and no HTTP fallback happens.
type Functions struct {
	// T is the transcript every invocation is recorded in. It must not be nil
	// (New sets it).
	T *Transcript
	// Failures counts the invocations and fails those FailNth chooses.
	Failures

	mu       sync.Mutex
	handlers map[string]FunctionHandler
}

var _ widgets.Functions = (*Functions)(nil)

// Handle registers h for a function sid, URL or name (the last element of
// its URL's path, "get-assignment" for https://x.twil.io/get-assignment).
func (f *Functions) Handle(sidOrURL string, h FunctionHandler) *Functions {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.handlers == nil {
		f.handlers = map[string]FunctionHandler{}
	}
	f.handlers[sidOrURL] = h
	return f
}

// Invoke implements widgets.Functions.
func (f *Functions) Invoke(ctx context.Context, c widgets.FunctionCall) (widgets.FunctionResult, bool, error) {
	injected := f.next()
	f.mu.Lock()
	key := c.Sid
	h, ok := f.handlers[c.Sid]
	if !ok || c.Sid == "" {
		key = c.URL
		h, ok = f.handlers[c.URL]
	}
	if (!ok || key == "") && c.URL != "" {
		key = urlName(c.URL)
		h, ok = f.handlers[key]
	}
	f.mu.Unlock()
	if injected != nil {
		if key == "" || !ok {
			key = functionName(c)
		}
		h = func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
			return widgets.FunctionResult{}, injected
		}
	} else if !ok || key == "" {
		return widgets.FunctionResult{}, false, nil
	}
	params := make(map[string]any, len(c.Parameters))
	for k, v := range c.Parameters {
		params[k] = v
	}
	e := Entry{Service: "functions", Op: "invoke", Text: key, Detail: map[string]any{"parameters": params}}
	if err := ctx.Err(); err != nil {
		e.Detail["error"] = err.Error()
		f.T.Add(e)
		return widgets.FunctionResult{}, true, err
	}
	res, err := h(ctx, c)
	if err != nil {
		e.Detail["error"] = err.Error()
	} else {
		e.Detail["status"] = res.StatusCode
	}
	f.T.Add(e)
	return res, true, err
}

// urlName is a function's name: the last element of its URL's path.
func urlName(url string) string {
	return path.Base(strings.TrimRight(strings.SplitN(url, "?", 2)[0], "/"))
}

// functionName names a call no handler answers: its sid, else the name
// in its URL.
func functionName(c widgets.FunctionCall) string {
	if c.Sid != "" || c.URL == "" {
		return c.Sid
	}
	return urlName(c.URL)
}

// JSONResult is a 200 function result whose body is v as JSON.
func JSONResult(v any) widgets.FunctionResult {
	b, err := json.Marshal(v)
	if err != nil {
		return widgets.FunctionResult{StatusCode: http.StatusInternalServerError, ContentType: "text/plain", Body: err.Error()}
	}
	return widgets.FunctionResult{StatusCode: http.StatusOK, ContentType: "application/json", Body: string(b)}
}

// ActionHandler is a Go implementation of an execute-action integration.
type ActionHandler func(ctx context.Context, params map[string]string) (map[string]any, error)

// Actions runs named action handlers and records each execution. An
// unknown action is an error. FailNth fails one execution, recorded with
// the error, without running its handler.
type Actions struct {
	// T is the transcript every execution is recorded in. It must not be nil
	// (New sets it).
	T *Transcript
	// Failures counts the executions and fails those FailNth chooses.
	Failures

	mu       sync.Mutex
	handlers map[string]ActionHandler
}

var _ widgets.Actions = (*Actions)(nil)

// Handle registers h as the action called name.
func (a *Actions) Handle(name string, h ActionHandler) *Actions {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.handlers == nil {
		a.handlers = map[string]ActionHandler{}
	}
	a.handlers[name] = h
	return a
}

// Execute implements widgets.Actions.
func (a *Actions) Execute(ctx context.Context, action string, params map[string]string) (map[string]any, error) {
	a.mu.Lock()
	h, ok := a.handlers[action]
	a.mu.Unlock()
	p := make(map[string]any, len(params))
	for k, v := range params {
		p[k] = v
	}
	e := Entry{Service: "actions", Op: "execute", Text: action, Detail: map[string]any{"parameters": p}}
	var out map[string]any
	var err error
	switch injected := a.next(); {
	case injected != nil:
		err = injected
	case !ok:
		err = &UnknownActionError{Action: action}
	case ctx.Err() != nil:
		err = ctx.Err()
	default:
		out, err = h(ctx, params)
	}
	if err != nil {
		e.Detail["error"] = err.Error()
	}
	a.T.Add(e)
	return out, err
}

// UnknownActionError is returned for an action with no handler.
type UnknownActionError struct {
	// Action is the name of the action that has no handler.
	Action string
}

// Error says that no action has that name.
func (e *UnknownActionError) Error() string { return "fake: no action named " + e.Action }
