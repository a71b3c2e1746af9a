package sim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/runtime/sim"
)

func TestReadHTTPMocks(t *testing.T) {
	mocks, err := sim.ReadHTTPMocks(strings.NewReader(`[
	  {"method": "GET", "url": "https://a.example.com/x", "status": 200, "body": {"name": "Ana"}},
	  {"url": "https://a.example.com/y", "body": "plain text"},
	  {"method": "POST", "url": "https://a.example.com/z", "status": 500, "body": [1, 2], "content_type": "application/problem+json"},
	  {"url": "https://a.example.com/empty", "body": null}
	]`))
	require.NoError(t, err)
	assert.Equal(t, []sim.HTTPMock{
		{Method: "GET", URL: "https://a.example.com/x", Status: 200, Body: `{"name": "Ana"}`},
		{URL: "https://a.example.com/y", Body: "plain text"},
		{Method: "POST", URL: "https://a.example.com/z", Status: 500, Body: "[1, 2]", ContentType: "application/problem+json"},
		{URL: "https://a.example.com/empty"},
	}, mocks)

	for src, want := range map[string]string{
		`{"url": "x"}`:                  "want a JSON array",
		`[{"url": ""}]`:                 "mock 0 has no url",
		`[{"url": "u", "status": 99}]`:  "status 99 is not an HTTP status",
		`[{"url": "u", "headers": {}}]`: `unknown field "headers"`,
		`[{"url": "u", "status": "x"}]`: "want a JSON array",
		`not json`:                      "want a JSON array",
	} {
		_, err := sim.ReadHTTPMocks(strings.NewReader(src))
		assert.ErrorContains(t, err, want, src)
	}
}
