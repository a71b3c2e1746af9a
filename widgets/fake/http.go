package fake

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/studioflow/studioflow/widgets"
)

// HTTPRequest is one request the fake HTTP doer received.
type HTTPRequest struct {
	// Method is the request method, such as "GET" or "POST".
	Method string `json:"method"`
	// URL is the full request URL, query string included.
	URL string `json:"url"`
	// ContentType is the request's Content-Type header, if any.
	ContentType string `json:"content_type,omitempty"`
	// Body is the request body, read in full; empty if there was none.
	Body string `json:"body,omitempty"`
	// Header is a copy of the request headers.
	Header http.Header `json:"header,omitempty"`
}

// HTTPResponse is a mocked answer.
type HTTPResponse struct {
	// Status is the HTTP status code; zero means 200 OK.
	Status int
	// Body is the response body, sent as is.
	Body string
	// ContentType defaults to application/json when Body is a JSON object
	// or array, else text/plain.
	ContentType string
	// Header holds extra response headers; a Content-Type set here takes
	// precedence over ContentType.
	Header http.Header
	// Err, if set, is returned instead of a response (a network error).
	Err error
}

// HTTP is a mock widgets.HTTPDoer: requests are answered from mocks keyed
// by method and URL, and every request is recorded. An unmocked request
// gets an error; the fake never touches the network.
//
// A mock's URL matches a request's URL exactly, or, when the mock's URL
// has no query string, the request's URL without its query. The latest
// matching mock wins, so a test may override an earlier one. An empty
// method matches any method.
//
// FailNth fails one request as a network error would: the request is
// recorded, with the error, and no mock answers it.
type HTTP struct {
	// T is the transcript every request is recorded in. It must not be nil
	// (New sets it).
	T *Transcript
	// Failures counts the requests and fails those FailNth chooses.
	Failures

	mu    sync.Mutex
	mocks []httpMock
	reqs  []HTTPRequest
}

type httpMock struct {
	method, url string
	fn          func(HTTPRequest) HTTPResponse
}

var _ widgets.HTTPDoer = (*HTTP)(nil)

// Mock answers method url with status and body.
func (h *HTTP) Mock(method, url string, status int, body string) *HTTP {
	return h.MockResponse(method, url, HTTPResponse{Status: status, Body: body})
}

// MockResponse answers method url with r.
func (h *HTTP) MockResponse(method, url string, r HTTPResponse) *HTTP {
	return h.MockFunc(method, url, func(HTTPRequest) HTTPResponse { return r })
}

// MockFunc answers method url with what fn returns for the request.
func (h *HTTP) MockFunc(method, url string, fn func(HTTPRequest) HTTPResponse) *HTTP {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mocks = append(h.mocks, httpMock{method: strings.ToUpper(method), url: url, fn: fn})
	return h
}

// Requests returns the requests received so far, oldest first.
func (h *HTTP) Requests() []HTTPRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]HTTPRequest(nil), h.reqs...)
}

func (h *HTTP) find(method, url string) (func(HTTPRequest) HTTPResponse, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	bare, _, _ := strings.Cut(url, "?")
	for i := len(h.mocks) - 1; i >= 0; i-- {
		m := h.mocks[i]
		if m.method != "" && m.method != method {
			continue
		}
		if m.url == url || (!strings.Contains(m.url, "?") && m.url == bare) {
			return m.fn, true
		}
	}
	return nil, false
}

// Do implements widgets.HTTPDoer.
func (h *HTTP) Do(req *http.Request) (*http.Response, error) {
	injected := h.next()
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	r := HTTPRequest{
		Method: req.Method, URL: req.URL.String(), ContentType: req.Header.Get("Content-Type"),
		Body: string(body), Header: req.Header.Clone(),
	}
	h.mu.Lock()
	h.reqs = append(h.reqs, r)
	h.mu.Unlock()
	e := Entry{Service: "http", Op: "request", Text: r.URL, Detail: map[string]any{"method": r.Method}, Effect: effectOf(req.Context())}
	if r.ContentType != "" {
		e.Detail["content_type"] = r.ContentType
	}
	if r.Body != "" {
		e.Detail["body"] = r.Body
	}
	fn, ok := h.find(r.Method, r.URL)
	var resp HTTPResponse
	switch {
	case injected != nil:
		resp.Err = injected
	case !ok:
		resp.Err = fmt.Errorf("fake: no HTTP mock for %s %s", r.Method, r.URL)
	default:
		resp = fn(r)
	}
	if resp.Err != nil {
		e.Detail["error"] = resp.Err.Error()
		h.T.Add(e)
		return nil, resp.Err
	}
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	e.Detail["status"] = resp.Status
	h.T.Add(e)
	header := resp.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Content-Type") == "" {
		ct := resp.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
			if t := strings.TrimSpace(resp.Body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
				ct = "application/json"
			}
		}
		header.Set("Content-Type", ct)
	}
	return &http.Response{
		Status:        strconv.Itoa(resp.Status) + " " + http.StatusText(resp.Status),
		StatusCode:    resp.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader([]byte(resp.Body))),
		ContentLength: int64(len(resp.Body)),
		Request:       req,
	}, nil
}
