package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
)

func TestRunFunctionChecks(t *testing.T) {
	runChecks(t, "run-function", []check{
		{name: "url only", props: map[string]any{"url": "https://fn.example.com/a"}},
		{name: "function sid only (url empty, as exports have)", props: map[string]any{"function_sid": "ZH1", "url": ""}},
		{name: "every property", props: map[string]any{
			"service_sid": "ZS1", "environment_sid": "ZE1", "function_sid": "ZH1", "url": "https://fn.example.com/a",
			"parameters": []any{map[string]any{"key": "a", "value": "{{flow.data.a}}"}},
		}},
		{name: "neither url nor function sid: a warning", props: map[string]any{"service_sid": "", "url": ""}, key: "url", code: widgets.CodePropertyMissing, warn: true},
		{name: "url invalid", props: map[string]any{"url": "fn.example.com/a"}, key: "url", code: widgets.CodePropertyInvalid},
		{name: "url placeholder", props: map[string]any{"url": "https://${DOMAIN}/check"}, key: "url", code: widgets.CodePropertyTemplate, warn: true},
		{name: "parameters without key", props: map[string]any{"url": "https://fn.example.com/a", "parameters": []any{map[string]any{"value": "x"}}}, key: "parameters", code: widgets.CodePropertyMissing},
	})
}

func TestRunFunctionHandlers(t *testing.T) {
	tests := []struct {
		name      string
		handler   fake.FunctionHandler
		wantEvent string
		want      map[string]any
	}{
		{
			name: "2xx JSON object: success, parsed",
			handler: func(_ context.Context, c widgets.FunctionCall) (widgets.FunctionResult, error) {
				return fake.JSONResult(map[string]any{"sign": c.Parameters["sign"], "lucky": 7}), nil
			},
			wantEvent: "success",
			want: map[string]any{"status_code": 200.0, "content_type": "application/json", "body": `{"lucky":7,"sign":"leo"}`,
				"parsed": map[string]any{"sign": "leo", "lucky": 7.0}},
		},
		{
			name: "2xx text: success, no parsed",
			handler: func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
				return widgets.FunctionResult{StatusCode: 200, ContentType: "text/plain", Body: "ok"}, nil
			},
			wantEvent: "success",
			want:      map[string]any{"status_code": 200.0, "content_type": "text/plain", "body": "ok"},
		},
		{
			name: "5xx: fail with status and body",
			handler: func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
				return widgets.FunctionResult{StatusCode: 500, ContentType: "application/json", Body: `{"message":"boom"}`}, nil
			},
			wantEvent: "fail",
			want: map[string]any{"status_code": 500.0, "content_type": "application/json", "body": `{"message":"boom"}`,
				"parsed": map[string]any{"message": "boom"}},
		},
		{
			name: "a JSON body without a JSON content type: not parsed",
			handler: func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
				return widgets.FunctionResult{StatusCode: 200, Body: `{"message":"hi"}`}, nil
			},
			wantEvent: "success",
			want:      map[string]any{"status_code": 200.0, "content_type": "", "body": `{"message":"hi"}`},
		},
		{
			name: "an error: fail with error",
			handler: func(context.Context, widgets.FunctionCall) (widgets.FunctionResult, error) {
				return widgets.FunctionResult{}, errors.New("runtime error")
			},
			wantEvent: "fail",
			want:      map[string]any{"error": "function ZH1: runtime error"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fake.New()
			f.Functions.Handle("ZH1", tt.handler)
			n := mustCompile(t, "run-function", map[string]any{
				"service_sid": "ZS1", "environment_sid": "ZE1", "function_sid": "ZH1", "url": "",
				"parameters": []any{map[string]any{"key": "sign", "value": "{{widgets.ask.inbound.Body}}"}},
			})
			res := run(t, n, newStep(f.Services()).Set("widgets.ask.inbound.Body", "leo"))
			assert.Equal(t, tt.wantEvent, res.Event)
			assert.Equal(t, tt.want, res.Outputs)
			assert.Empty(t, f.HTTP.Requests(), "a handled function makes no HTTP request")
			e := f.T.Service("functions")
			require.Len(t, e, 1)
			assert.Equal(t, map[string]any{"sign": "leo"}, e[0].Detail["parameters"])
		})
	}
}

func TestRunFunctionHandlerByURL(t *testing.T) {
	f := fake.New()
	var got widgets.FunctionCall
	f.Functions.Handle("https://fn.example.com/check", func(_ context.Context, c widgets.FunctionCall) (widgets.FunctionResult, error) {
		got = c
		return fake.JSONResult(map[string]any{"open": true}), nil
	})
	n := mustCompile(t, "run-function", map[string]any{"service_sid": "ZS1", "environment_sid": "ZE1", "function_sid": "ZHother", "url": "https://fn.example.com/check"})
	res := run(t, n, newStep(f.Services()))
	assert.Equal(t, "success", res.Event)
	assert.Equal(t, widgets.FunctionCall{Sid: "ZHother", URL: "https://fn.example.com/check", ServiceSid: "ZS1", EnvironmentSid: "ZE1"}, got)
}

func TestRunFunctionOverHTTP(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantEvent string
	}{
		{"2xx", 200, `{"coordinates":"1,2"}`, "success"},
		{"4xx", 401, "unauthorized", "fail"},
		{"5xx", 502, "bad gateway", "fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := server(t, tt.status, "application/json; charset=utf-8", tt.body)
			f := fake.New()
			services := f.Services()
			services.HTTP = srv.Client()
			n := mustCompile(t, "run-function", map[string]any{
				"function_sid": "ZHnohandler", "url": srv.URL + "/coords",
				"parameters": []any{map[string]any{"key": "place", "value": "{{widgets.ask.SpeechResult}}"}},
			})
			res := run(t, n, newStep(services).Set("widgets.ask.SpeechResult", "Lisbon, Portugal"))
			assert.Equal(t, tt.wantEvent, res.Event)
			assert.Equal(t, float64(tt.status), res.Outputs["status_code"])
			assert.Equal(t, tt.body, res.Outputs["body"])
			require.Len(t, *got, 1)
			assert.Equal(t, received{method: "POST", path: "/coords", contentType: "application/x-www-form-urlencoded", body: "place=Lisbon%2C+Portugal"}, (*got)[0])
			if tt.wantEvent == "success" {
				assert.Equal(t, map[string]any{"coordinates": "1,2"}, res.Outputs["parsed"])
			}
		})
	}
}

func TestRunFunctionFailures(t *testing.T) {
	t.Run("no handler and no url", func(t *testing.T) {
		n, _ := compile(t, "run-function", map[string]any{"function_sid": "", "url": ""})
		res := run(t, n, newStep(fake.New().Services()))
		assert.Equal(t, "fail", res.Event)
		assert.Contains(t, res.Outputs["error"], "no handler and no url")
	})
	t.Run("no functions and no HTTP client", func(t *testing.T) {
		n := mustCompile(t, "run-function", map[string]any{"url": "https://fn.example.com/a"})
		_, err := n.Run(newStep(&widgets.Services{}))
		assert.ErrorContains(t, err, "no HTTP client configured")
	})
	t.Run("rendered url invalid", func(t *testing.T) {
		n := mustCompile(t, "run-function", map[string]any{"url": "{{flow.variables.host}}/a"})
		res := run(t, n, newStep(fake.New().Services()))
		assert.Equal(t, "fail", res.Event)
		assert.Contains(t, res.Outputs["error"], "url:")
	})
	t.Run("a handler past its deadline", func(t *testing.T) {
		f := fake.New()
		f.Functions.Handle("ZH1", func(ctx context.Context, _ widgets.FunctionCall) (widgets.FunctionResult, error) {
			<-ctx.Done()
			return widgets.FunctionResult{}, ctx.Err()
		})
		n := mustCompile(t, "run-function", map[string]any{"function_sid": "ZH1"})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		res := run(t, n, newStep(f.Services()).WithContext(ctx))
		assert.Equal(t, "fail", res.Event)
		assert.Contains(t, res.Outputs["error"], "deadline exceeded")
	})
	t.Run("an HTTP function past its deadline", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer srv.Close()
		n := mustCompile(t, "run-function", map[string]any{"url": srv.URL})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		res := run(t, n, newStep(&widgets.Services{HTTP: srv.Client()}).WithContext(ctx))
		assert.Equal(t, "fail", res.Event)
		assert.Contains(t, res.Outputs["error"], "timeout")
	})
	t.Run("events", func(t *testing.T) {
		n := mustCompile(t, "run-function", map[string]any{"url": "https://fn.example.com/a"})
		assert.Equal(t, []string{"success", "fail"}, n.Events())
	})
}
