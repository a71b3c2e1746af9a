package twilio_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
	"github.com/studioflow/studioflow/widgets/fake"
	"github.com/studioflow/studioflow/widgets/twilio"
)

func TestMakeHTTPRequestChecks(t *testing.T) {
	base := map[string]any{"url": "https://api.example.com/x"}
	runChecks(t, "make-http-request", []check{
		{name: "minimal", props: base},
		{name: "every method", props: props(base, map[string]any{"method": "PATCH"})},
		{name: "method in lower case", props: props(base, map[string]any{"method": "post"})},
		{name: "unknown method", props: props(base, map[string]any{"method": "TRACE"}), key: "method", code: widgets.CodePropertyInvalid},
		{name: "url missing", props: map[string]any{}, key: "url", code: widgets.CodePropertyMissing},
		{name: "url blank", props: map[string]any{"url": "  "}, key: "url", code: widgets.CodePropertyMissing},
		{name: "url not http", props: map[string]any{"url": "ftp://x.example.com/a"}, key: "url", code: widgets.CodePropertyInvalid},
		{name: "url relative", props: map[string]any{"url": "/v1/users"}, key: "url", code: widgets.CodePropertyInvalid},
		{name: "url template", props: map[string]any{"url": "{{flow.variables.base}}/voice"}},
		{name: "url placeholder", props: map[string]any{"url": "https://${DOMAIN}/x"}, key: "url", code: widgets.CodePropertyTemplate, warn: true},
		{name: "content type with charset", props: props(base, map[string]any{"content_type": "application/json;charset=utf-8"})},
		{name: "content type invalid", props: props(base, map[string]any{"content_type": "json;;"}), key: "content_type", code: widgets.CodePropertyInvalid},
		{name: "static JSON body invalid", props: props(base, map[string]any{"method": "POST", "content_type": "application/json", "body": "{nope"}), key: "body", code: widgets.CodePropertyInvalid, warn: true},
		{name: "templated JSON body", props: props(base, map[string]any{"method": "POST", "content_type": "application/json", "body": `{"a": {{flow.data.n}}}`})},
		{name: "timeout lowest", props: props(base, map[string]any{"timeout": 1})},
		{name: "timeout highest", props: props(base, map[string]any{"timeout": "60"})},
		{name: "timeout zero", props: props(base, map[string]any{"timeout": 0}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "timeout too long", props: props(base, map[string]any{"timeout": 61}), key: "timeout", code: widgets.CodePropertyRange},
		{name: "parameters without key", props: props(base, map[string]any{"parameters": []any{map[string]any{"value": "x"}}}), key: "parameters", code: widgets.CodePropertyMissing},
		{name: "parameters wrong shape", props: props(base, map[string]any{"parameters": "a=b"}), key: "parameters", code: widgets.CodePropertyInvalid},
	})
}

// received is what the test server saw.
type received struct {
	method, path, query, contentType, body string
}

// server answers every request with handler's status, content type and
// body, recording what it received.
func server(t *testing.T, status int, contentType, body string) (*httptest.Server, *[]received) {
	t.Helper()
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, received{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(b)})
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestMakeHTTPRequestAgainstAServer(t *testing.T) {
	big := strings.Repeat("a", twilio.MaxResponseBytes)
	tests := []struct {
		name        string
		props       map[string]any
		status      int
		contentType string
		body        string
		wantEvent   string
		want        received
		check       func(t *testing.T, out map[string]any)
	}{
		{
			name:   "GET with parameters: a query string, JSON object parsed",
			props:  map[string]any{"parameters": []any{map[string]any{"key": "caller", "value": "{{contact.channel.address}}"}, map[string]any{"key": "n", "value": 2}}},
			status: 200, contentType: "application/json", body: `{"name":"Ana","age":31,"tags":["a"]}`,
			wantEvent: "success",
			want:      received{method: "GET", path: "/api", query: "caller=%2B15550001111&n=2"},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, 200.0, out["status_code"])
				assert.Equal(t, "application/json", out["content_type"])
				assert.Equal(t, `{"name":"Ana","age":31,"tags":["a"]}`, out["body"])
				assert.Equal(t, map[string]any{"name": "Ana", "age": 31.0, "tags": []any{"a"}}, out["parsed"])
			},
		},
		{
			name:   "POST JSON body sent as is with its content type",
			props:  map[string]any{"method": "POST", "content_type": "application/json;charset=utf-8", "body": `{"caller": "{{contact.channel.address}}"}`, "parameters": []any{map[string]any{"key": "ignored", "value": "x"}}},
			status: 201, body: `{"ok":true}`,
			wantEvent: "success",
			want:      received{method: "POST", path: "/api", contentType: "application/json;charset=utf-8", body: `{"caller": "+15550001111"}`},
		},
		{
			name:   "POST parameters form-encoded",
			props:  map[string]any{"method": "POST", "content_type": "application/x-www-form-urlencoded;charset=utf-8", "parameters": []any{map[string]any{"key": "b", "value": "x y"}, map[string]any{"key": "a", "value": "1&2"}}},
			status: 200, body: "saved",
			wantEvent: "success",
			want:      received{method: "POST", path: "/api", contentType: "application/x-www-form-urlencoded;charset=utf-8", body: "b=x+y&a=1%262"},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, "saved", out["body"])
				assert.NotContains(t, out, "parsed", "a non-JSON body has no parsed")
			},
		},
		{
			name:      "POST JSON content type without body falls back to form parameters",
			props:     map[string]any{"method": "POST", "content_type": "application/json", "parameters": []any{map[string]any{"key": "a", "value": "1"}}},
			status:    200,
			wantEvent: "success",
			want:      received{method: "POST", path: "/api", contentType: "application/x-www-form-urlencoded", body: "a=1"},
		},
		{
			name:      "PUT parameters in the body",
			props:     map[string]any{"method": "PUT", "parameters": []any{map[string]any{"key": "a", "value": "1"}}},
			status:    204,
			wantEvent: "success",
			want:      received{method: "PUT", path: "/api", contentType: "application/x-www-form-urlencoded", body: "a=1"},
		},
		{
			name:      "DELETE parameters in the query, after the url's own",
			props:     map[string]any{"method": "DELETE", "url": "{{flow.variables.base}}/api?v=1", "parameters": []any{map[string]any{"key": "id", "value": "7"}}},
			status:    200,
			wantEvent: "success",
			want:      received{method: "DELETE", path: "/api", query: "v=1&id=7"},
		},
		{
			name:      "POST a raw body with the form type and no parameters",
			props:     map[string]any{"method": "POST", "body": "a=1&b=2"},
			status:    200,
			wantEvent: "success",
			want:      received{method: "POST", path: "/api", contentType: "application/x-www-form-urlencoded", body: "a=1&b=2"},
		},
		{
			name:      "POST text/plain body",
			props:     map[string]any{"method": "POST", "content_type": "text/plain", "body": "hello {{contact.channel.address}}"},
			status:    200,
			wantEvent: "success",
			want:      received{method: "POST", path: "/api", contentType: "text/plain", body: "hello +15550001111"},
		},
		{
			name:   "a body that only looks like JSON is not parsed",
			status: 200, contentType: "application/json", body: `{"broken":`,
			wantEvent: "success",
			want:      received{method: "GET", path: "/api"},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, `{"broken":`, out["body"])
				assert.NotContains(t, out, "parsed")
			},
		},
		{
			name:   "a JSON array is not parsed",
			status: 200, contentType: "application/json", body: `[1,2]`,
			wantEvent: "success",
			want:      received{method: "GET", path: "/api"},
			check:     func(t *testing.T, out map[string]any) { assert.NotContains(t, out, "parsed") },
		},
		{
			name:   "4xx fails with status and body",
			status: 404, contentType: "application/json", body: `{"error":"no such user"}`,
			wantEvent: "failed",
			want:      received{method: "GET", path: "/api"},
			check: func(t *testing.T, out map[string]any) {
				assert.Equal(t, 404.0, out["status_code"])
				assert.Equal(t, `{"error":"no such user"}`, out["body"])
				assert.Equal(t, map[string]any{"error": "no such user"}, out["parsed"])
			},
		},
		{
			name:   "5xx fails",
			status: 503, body: "down",
			wantEvent: "failed",
			want:      received{method: "GET", path: "/api"},
			check:     func(t *testing.T, out map[string]any) { assert.Equal(t, 503.0, out["status_code"]) },
		},
		{
			name:   "a body of exactly 64 KB is read",
			status: 200, body: big,
			wantEvent: "success",
			want:      received{method: "GET", path: "/api"},
			check:     func(t *testing.T, out map[string]any) { assert.Len(t, out["body"], twilio.MaxResponseBytes) },
		},
		{
			name:   "an oversized body fails, nothing truncated",
			status: 200, contentType: "application/json", body: `{"a":"` + big + `"}`,
			wantEvent: "failed",
			want:      received{method: "GET", path: "/api"},
			check: func(t *testing.T, out map[string]any) {
				assert.Contains(t, out["error"], "larger than 65536 bytes")
				assert.NotContains(t, out, "body")
				assert.NotContains(t, out, "parsed")
				assert.Equal(t, 200.0, out["status_code"])
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := server(t, tt.status, tt.contentType, tt.body)
			p := props(map[string]any{"url": "{{flow.variables.base}}/api"}, tt.props)
			n := mustCompile(t, "make-http-request", p)
			sc := newStep(&widgets.Services{HTTP: srv.Client()}).Set("flow.variables.base", srv.URL)
			res := run(t, n, sc)
			assert.Equal(t, tt.wantEvent, res.Event)
			require.Len(t, *got, 1)
			assert.Equal(t, tt.want, (*got)[0])
			if tt.check != nil {
				tt.check(t, res.Outputs)
			}
		})
	}
}

func TestMakeHTTPRequestTimesOut(t *testing.T) {
	// The server never answers: it holds each request until the request's
	// context is done, and reports how it ended. So the widget returns only
	// if the deadline abandons the request.
	ended := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		ended <- r.Context().Err()
	}))
	defer srv.Close()
	n := mustCompile(t, "make-http-request", map[string]any{"url": srv.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res := run(t, n, newStep(&widgets.Services{HTTP: srv.Client()}).WithContext(ctx))
	// Close waits for the handler; the request reached the server, which
	// held it until the client gave up on it.
	srv.Close()
	select {
	case err := <-ended:
		assert.ErrorIs(t, err, context.Canceled)
	default:
		t.Fatal("the request never reached the server")
	}
	assert.Equal(t, "failed", res.Event)
	assert.Contains(t, res.Outputs["error"], "timeout")
	assert.NotContains(t, res.Outputs, "status_code")
}

func TestMakeHTTPRequestRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"moved":true}`)
	}))
	defer srv.Close()
	n := mustCompile(t, "make-http-request", map[string]any{"url": srv.URL + "/old"})

	// An *http.Client follows redirects.
	res := run(t, n, newStep(&widgets.Services{HTTP: srv.Client()}))
	assert.Equal(t, "success", res.Event)
	assert.Equal(t, map[string]any{"moved": true}, res.Outputs["parsed"])

	// A doer that hands back the 3xx makes the step fail.
	noFollow := srv.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res = run(t, n, newStep(&widgets.Services{HTTP: noFollow}))
	assert.Equal(t, "failed", res.Event)
	assert.Equal(t, 302.0, res.Outputs["status_code"])
}

func TestMakeHTTPRequestFailures(t *testing.T) {
	t.Run("network error", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		n := mustCompile(t, "make-http-request", map[string]any{"url": url})
		res := run(t, n, newStep(&widgets.Services{HTTP: http.DefaultClient}))
		assert.Equal(t, "failed", res.Event)
		assert.NotEmpty(t, res.Outputs["error"])
	})
	t.Run("rendered url is not a URL", func(t *testing.T) {
		f := fake.New()
		n := mustCompile(t, "make-http-request", map[string]any{"url": "{{flow.variables.base}}/x"})
		res := run(t, n, newStep(f.Services()))
		assert.Equal(t, "failed", res.Event)
		assert.Contains(t, res.Outputs["error"], "not an absolute http or https URL")
		assert.Empty(t, f.HTTP.Requests())
	})
	t.Run("unmocked fake request", func(t *testing.T) {
		f := fake.New()
		n := mustCompile(t, "make-http-request", map[string]any{"url": "https://api.example.com/x"})
		res := run(t, n, newStep(f.Services()))
		assert.Equal(t, "failed", res.Event)
		assert.Contains(t, res.Outputs["error"], "no HTTP mock for GET https://api.example.com/x")
	})
	t.Run("a template that fails to render ends the step with an error", func(t *testing.T) {
		n := mustCompile(t, "make-http-request", map[string]any{"url": "https://api.example.com/x",
			"parameters": []any{map[string]any{"key": "a", "value": "{{ flow.data.a | divided_by: 0 }}"}}})
		_, err := n.Run(newStep(fake.New().Services()))
		assert.ErrorContains(t, err, `parameter "a"`)
	})
	t.Run("no HTTP client", func(t *testing.T) {
		n := mustCompile(t, "make-http-request", map[string]any{"url": "https://api.example.com/x"})
		_, err := n.Run(newStep(&widgets.Services{}))
		assert.ErrorContains(t, err, "no HTTP client configured")
	})
}

func TestMakeHTTPRequestDefaults(t *testing.T) {
	f := fake.New()
	f.HTTP.Mock("GET", "https://api.example.com/x", 200, "ok")
	n := mustCompile(t, "make-http-request", map[string]any{"url": "https://api.example.com/x", "body": "ignored for GET"})
	res := run(t, n, newStep(f.Services()))
	assert.Equal(t, "success", res.Event)
	req := f.HTTP.Requests()[0]
	assert.Equal(t, "GET", req.Method, "GET is the default method")
	assert.Empty(t, req.Body)
	assert.Equal(t, []string{"make-http-request"}, []string{typeOf(t, "make-http-request").Name})
	assert.Equal(t, []string{"success", "failed"}, n.Events())
}
