package twilio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
	conversations "github.com/twilio/twilio-go/rest/conversations/v1"
)

// restClient sends twilio-go's REST requests to the configured base URLs.
// twilio-go's API services fix their base URLs (https://api.twilio.com,
// https://conversations.twilio.com), take no context and no per-request
// headers; so each service call gets its own API service over a
// callClient that carries the call's context and idempotency token, and
// moves the request to the configured base URL of its product.
type restClient struct {
	base          string // for api.twilio.com (Config.APIBaseURL)
	conversations string // for conversations.twilio.com (Config.ConversationsBaseURL)
	account       string
	token         string
	http          *http.Client
}

// conversationsAPI returns twilio-go's Conversations v1 API service for
// one call.
func (c *restClient) conversationsAPI(ctx context.Context, idempotencyToken string) *conversations.ApiService {
	cc := &callClient{restClient: c, ctx: ctx, idempotencyToken: idempotencyToken}
	return conversations.NewApiService(&twclient.RequestHandler{Client: cc})
}

// api returns twilio-go's v2010 API service for one call.
func (c *restClient) api(ctx context.Context, idempotencyToken string) *openapi.ApiService {
	cc := &callClient{restClient: c, ctx: ctx, idempotencyToken: idempotencyToken}
	// A RequestHandler built by hand: NewRequestHandler would read
	// TWILIO_EDGE and TWILIO_REGION from the environment and rewrite the
	// host.
	return openapi.NewApiService(&twclient.RequestHandler{Client: cc})
}

// callClient is a twilio-go client.BaseClient for one service call.
type callClient struct {
	*restClient
	ctx              context.Context
	idempotencyToken string
}

var _ twclient.BaseClient = (*callClient)(nil)

// AccountSid implements client.BaseClient.
func (c *callClient) AccountSid() string { return c.account }

// SetTimeout implements client.BaseClient; the context and the HTTP
// client bound the request instead.
func (c *callClient) SetTimeout(time.Duration) {}

// SetOauth implements client.BaseClient; the adapter authenticates with
// the account sid and auth token.
func (c *callClient) SetOauth(twclient.OAuth) {}

// OAuth implements client.BaseClient.
func (c *callClient) OAuth() twclient.OAuth { return nil }

// SendRequest implements client.BaseClient: the request goes to the base
// URL with the call's context, basic authentication, and the idempotency
// token; an error status becomes a *client.TwilioRestError as twilio-go's
// own client makes it.
func (c *callClient) SendRequest(method, rawURL string, data url.Values, headers map[string]any, _ ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	target := c.base
	if u.Host == "conversations.twilio.com" {
		target = c.conversations
	}
	base, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host = base.Scheme, base.Host
	u.Path = strings.TrimSuffix(base.Path, "/") + u.Path
	var body io.Reader
	if method == http.MethodGet || method == http.MethodDelete {
		u.RawQuery = data.Encode()
	} else {
		body = strings.NewReader(data.Encode())
	}
	req, err := http.NewRequestWithContext(c.ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, fmt.Sprint(v))
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "studioflow-twilio twilio-go/"+twclient.LibraryVersion)
	if c.idempotencyToken != "" {
		req.Header.Set(HeaderIdempotencyToken, c.idempotencyToken)
	}
	req.SetBasicAuth(c.account, c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		defer resp.Body.Close()
		rerr := &twclient.TwilioRestError{}
		if derr := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(rerr); derr != nil || rerr.Status == 0 {
			rerr.Status = resp.StatusCode
			if rerr.Message == "" {
				rerr.Message = resp.Status
			}
		}
		return nil, rerr
	}
	return resp, nil
}
