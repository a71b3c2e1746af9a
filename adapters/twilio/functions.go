package twilio

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/studioflow/studioflow/widgets"
)

// maxFunctionResponse bounds what a function's response is read to: the
// run-function widget takes fail for a larger one (twilio.MaxResponseBytes).
const maxFunctionResponse = 64<<10 + 1

// Functions is the adapter's widgets.Functions: it runs a run-function
// state whose function sid the host mapped to a URL (Config.FunctionURLs)
// by POSTing the state's parameters there, form-encoded and signed with
// X-Twilio-Signature as Twilio signs its requests to a protected
// Function. A function it has no URL for is left to the services the
// host gave (Adapter.Services's base), and then to the widget's own POST
// to the state's url.
type Functions struct {
	urls  map[string]string
	token string
	http  *http.Client
	next  widgets.Functions // the host's, tried first
}

var _ widgets.Functions = (*Functions)(nil)

// Invoke implements widgets.Functions.
func (f *Functions) Invoke(ctx context.Context, c widgets.FunctionCall) (widgets.FunctionResult, bool, error) {
	if f.next != nil {
		if res, handled, err := f.next.Invoke(ctx, c); handled {
			return res, handled, err
		}
	}
	target, ok := f.urls[c.Sid]
	if !ok || c.Sid == "" {
		return widgets.FunctionResult{}, false, nil
	}
	form := url.Values{}
	for k, v := range c.Parameters {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return widgets.FunctionResult{}, true, fmt.Errorf("function %s at %s: %w", c.Sid, target, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(HeaderSignature, Signature(f.token, target, form))
	resp, err := f.http.Do(req)
	if err != nil {
		return widgets.FunctionResult{}, true, fmt.Errorf("function %s: %w", c.Sid, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFunctionResponse))
	if err != nil {
		return widgets.FunctionResult{}, true, fmt.Errorf("function %s: read the response: %w", c.Sid, err)
	}
	return widgets.FunctionResult{StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(body)}, true, nil
}

// Signature computes X-Twilio-Signature for a form POST to u as Twilio
// does (and as the adapter checks webhooks): the base64 HMAC-SHA1, keyed
// by the auth token, of the URL followed by each parameter's name and
// value, sorted by name, and a repeated parameter's name before each of
// its values, sorted (as Twilio's helper libraries compute it).
func Signature(authToken, u string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(u)
	for _, k := range keys {
		values := slices.Clone(form[k])
		slices.Sort(values)
		for _, v := range values {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
