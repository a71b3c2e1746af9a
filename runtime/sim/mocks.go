package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/studioflow/studioflow/widgets/fake"
)

// HTTPMock answers one HTTP request: method and URL, with status and body.
// In JSON:
//
//	{"method": "GET", "url": "https://api.example.com/users", "status": 200, "body": {"name": "Ana"}}
//
// The body may be a JSON string (sent as is) or any other JSON value (sent
// as its JSON text). An empty method matches any method; a URL without a
// query string matches any query; status defaults to 200. The latest
// matching mock wins (see fake.HTTP).
type HTTPMock struct {
	// Method is the request method to answer; empty matches any method.
	Method string `json:"method"`
	// URL is the request URL to answer; without a query string it
	// matches any query.
	URL string `json:"url"`
	// Status is the response's HTTP status; 0 means 200.
	Status int `json:"status"`
	// Body is the response body, sent as is.
	Body string `json:"body"`
	// ContentType overrides the content type guessed from the body.
	ContentType string `json:"content_type,omitempty"`
}

// UnmarshalJSON reads a mock whose body is a string or any JSON value.
func (m *HTTPMock) UnmarshalJSON(data []byte) error {
	var raw struct {
		Method      string          `json:"method"`
		URL         string          `json:"url"`
		Status      int             `json:"status"`
		Body        json.RawMessage `json:"body"`
		ContentType string          `json:"content_type"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*m = HTTPMock{Method: raw.Method, URL: raw.URL, Status: raw.Status, ContentType: raw.ContentType}
	if len(raw.Body) > 0 && string(raw.Body) != "null" {
		if err := json.Unmarshal(raw.Body, &m.Body); err != nil {
			m.Body = string(raw.Body)
		}
	}
	return nil
}

func (m HTTPMock) install(h *fake.HTTP) {
	h.MockResponse(m.Method, m.URL, fake.HTTPResponse{Status: m.Status, Body: m.Body, ContentType: m.ContentType})
}

// ReadHTTPMocks reads a JSON array of mocks, as flowrun's -http-mocks file
// holds. Every mock needs a url; a status, when given, is 100-599.
func ReadHTTPMocks(r io.Reader) ([]HTTPMock, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var mocks []HTTPMock
	if err := json.Unmarshal(data, &mocks); err != nil {
		return nil, fmt.Errorf("http mocks: want a JSON array of {\"method\", \"url\", \"status\", \"body\"}: %w", err)
	}
	for i, m := range mocks {
		if strings.TrimSpace(m.URL) == "" {
			return nil, fmt.Errorf("http mocks: mock %d has no url", i)
		}
		if m.Status != 0 && (m.Status < 100 || m.Status > 599) {
			return nil, fmt.Errorf("http mocks: mock %d (%s): status %d is not an HTTP status", i, m.URL, m.Status)
		}
	}
	return mocks, nil
}
