package twilio

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// The paths the handler serves, relative to Config.PublicURL.
const (
	// PathVoiceIncoming is the number's "A call comes in" webhook.
	PathVoiceIncoming = "/voice/incoming"
	// PathVoiceGather is the action URL of the <Gather> verbs the adapter
	// writes.
	PathVoiceGather = "/voice/gather"
	// PathVoiceDial is the action URL of the <Dial> verbs the adapter
	// writes.
	PathVoiceDial = "/voice/dial"
	// PathVoiceRecord is the action URL of the voicemail <Record> verbs
	// the adapter writes.
	PathVoiceRecord = "/voice/record"
	// PathVoiceEnqueue is the action URL of the <Enqueue> verbs the
	// adapter writes.
	PathVoiceEnqueue = "/voice/enqueue"
	// PathVoicePay is the action URL of the <Pay> verbs the adapter
	// writes.
	PathVoicePay = "/voice/pay"
	// PathVoiceReturn is where the TwiML an add-twiml-redirect handed the
	// call to returns it to the flow (<Redirect> there, with the number's
	// ?flow= when the engine's source does not resolve flows by number).
	PathVoiceReturn = "/voice/return"
	// PathVoiceAnswer is the webhook Twilio requests when an outbound
	// call the adapter placed is answered.
	PathVoiceAnswer = "/voice/answer"
	// PathVoiceStatus is the number's call status callback, and the
	// status callback of the outbound calls the adapter places.
	PathVoiceStatus = "/voice/status"
	// PathMessagingIncoming is the number's "A message comes in" webhook.
	PathMessagingIncoming = "/messaging/incoming"
	// PathConversationsEvents is the URL of a Conversations webhook
	// (onMessageAdded).
	PathConversationsEvents = "/conversations/events"
)

// Header names Twilio sends with webhooks (and honours on REST requests).
const (
	// HeaderSignature carries the request's signature.
	HeaderSignature = "X-Twilio-Signature"
	// HeaderIdempotencyToken names one webhook delivery across Twilio's
	// retries, and one REST request across the host's.
	HeaderIdempotencyToken = "I-Twilio-Idempotency-Token"
)

// DefaultAPIBaseURL is where Twilio's REST API is.
const DefaultAPIBaseURL = "https://api.twilio.com"

// DefaultConversationsBaseURL is where Twilio's Conversations API is.
const DefaultConversationsBaseURL = "https://conversations.twilio.com"

// DefaultReplayCacheSize is how many webhook responses the adapter keeps
// for retries by default.
const DefaultReplayCacheSize = 4096

// DefaultVoiceBuffers is how many executions' buffered voice verbs the
// Voice service keeps at most (verbs of a run whose webhook failed are
// dropped with the oldest).
const DefaultVoiceBuffers = 10000

// ErrUnsupported is wrapped by the errors of the voice operations whose
// callbacks this adapter does not deliver yet.
var ErrUnsupported = errors.New("not supported by the Twilio adapter yet")

// Config configures an Adapter.
type Config struct {
	// AccountSid is the Twilio account the REST requests act for.
	AccountSid string
	// AuthToken authenticates the REST requests and is the key of the
	// webhooks' signatures. Without it (InsecureSkipSignature), the
	// Studio API takes only APIKeys.
	AuthToken string
	// APIKeys are API keys (the key's sid, "SK...", to its secret) that
	// authenticate the Studio API's requests (StudioAPI) beside AccountSid
	// and AuthToken, as Twilio recommends for production ("Use your API
	// key as the username and your API key secret as the password",
	// Studio REST API). New refuses a key with an empty sid or secret, a
	// sid holding ":" (Basic authentication splits there) or equal to
	// AccountSid.
	APIKeys map[string]string
	// PublicURL is the absolute URL at which Twilio reaches the handler,
	// such as "https://ivr.example.com/twilio" (no trailing slash). The
	// webhooks' signatures are computed against it plus the request's
	// path and query, so it must be what is configured in Twilio even
	// when the server sits behind a proxy; the action URLs the adapter
	// writes start with it.
	PublicURL string
	// APIBaseURL is where Twilio's REST API is (default
	// DefaultAPIBaseURL); tests point it at a local fake.
	APIBaseURL string
	// ConversationsBaseURL is where Twilio's Conversations API is (default
	// DefaultConversationsBaseURL); tests point it at a local fake.
	ConversationsBaseURL string
	// ConversationsAuthor is the author of the messages the flow posts
	// into a conversation (default "system", the Conversations API's own
	// default); conversation webhooks for messages of that author are not
	// delivered to the flow.
	ConversationsAuthor string
	// FunctionURLs maps the sids of Twilio Functions (a run-function
	// state's function_sid) to the URLs the adapter POSTs their
	// parameters to, for flows whose url is missing or a deployment
	// placeholder; see Functions.
	FunctionURLs map[string]string
	// HTTPClient sends the REST requests (default: a client with a 10 s
	// timeout).
	HTTPClient *http.Client
	// FlowSid is the flow an incoming call or message starts when its
	// webhook URL names none (?flow=); empty lets the engine's source
	// resolve the flow by the number called (runtime.AddressResolver).
	FlowSid string
	// InsecureSkipSignature turns the X-Twilio-Signature check off. For
	// local tests only: anyone who can reach the handler can then drive
	// flows.
	InsecureSkipSignature bool
	// ReplayCacheSize is how many webhook responses are kept for Twilio's
	// retries (default DefaultReplayCacheSize).
	ReplayCacheSize int
	// ReplayStore, when set, keeps webhook responses for retries across
	// the host's instances too (see ReplayStore); without it retries are
	// recognised by the instance that answered first only. A store that
	// is also a ReplayClaimer runs each delivery once across instances,
	// even while the first still runs.
	ReplayStore ReplayStore
	// VoiceBuffers bounds the executions whose voice verbs are buffered at
	// once (default DefaultVoiceBuffers).
	VoiceBuffers int
	// Logger receives what the adapter cannot answer Twilio with (default
	// slog.Default()).
	Logger *slog.Logger
}

// Adapter connects an engine to Twilio. Build one with New; it is safe for
// concurrent use.
type Adapter struct {
	cfg       Config
	public    string
	validator twclient.RequestValidator
	voice     *Voice
	messaging *Messaging
	replay    *replayCache
	logger    *slog.Logger
}

// New checks cfg and builds an Adapter.
func New(cfg Config) (*Adapter, error) {
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("adapters/twilio: PublicURL %q: want an absolute http or https URL without a query", cfg.PublicURL)
	}
	if cfg.AuthToken == "" && !cfg.InsecureSkipSignature {
		return nil, errors.New("adapters/twilio: AuthToken is required to check webhook signatures (set InsecureSkipSignature for local tests)")
	}
	for sid, secret := range cfg.APIKeys {
		if sid == "" || secret == "" || sid == cfg.AccountSid || strings.Contains(sid, ":") {
			return nil, fmt.Errorf("adapters/twilio: APIKeys: key %q: want a sid other than the AccountSid, without \":\", and a secret", sid)
		}
	}
	if cfg.APIBaseURL == "" {
		cfg.APIBaseURL = DefaultAPIBaseURL
	}
	if _, err := url.Parse(cfg.APIBaseURL); err != nil {
		return nil, fmt.Errorf("adapters/twilio: APIBaseURL: %w", err)
	}
	if cfg.ConversationsBaseURL == "" {
		cfg.ConversationsBaseURL = DefaultConversationsBaseURL
	}
	if _, err := url.Parse(cfg.ConversationsBaseURL); err != nil {
		return nil, fmt.Errorf("adapters/twilio: ConversationsBaseURL: %w", err)
	}
	if cfg.ConversationsAuthor == "" {
		cfg.ConversationsAuthor = "system"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.ReplayCacheSize <= 0 {
		cfg.ReplayCacheSize = DefaultReplayCacheSize
	}
	if cfg.VoiceBuffers <= 0 {
		cfg.VoiceBuffers = DefaultVoiceBuffers
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	a := &Adapter{
		cfg:       cfg,
		public:    strings.TrimSuffix(cfg.PublicURL, "/"),
		validator: twclient.NewRequestValidator(cfg.AuthToken),
		voice:     newVoice(cfg.VoiceBuffers),
		replay:    newReplayCache(cfg.ReplayCacheSize, cfg.ReplayStore, logger),
		logger:    logger,
	}
	rest := &restClient{
		base: strings.TrimSuffix(cfg.APIBaseURL, "/"), conversations: strings.TrimSuffix(cfg.ConversationsBaseURL, "/"),
		account: cfg.AccountSid, token: cfg.AuthToken, http: cfg.HTTPClient,
	}
	a.messaging = &Messaging{rest: rest, author: cfg.ConversationsAuthor}
	a.voice.rest, a.voice.public = rest, a.public
	return a, nil
}

// Voice returns the adapter's voice service.
func (a *Adapter) Voice() *Voice { return a.voice }

// Messaging returns the adapter's messaging service.
func (a *Adapter) Messaging() *Messaging { return a.messaging }

// Services returns a copy of base (nil for none) with the adapter's Voice
// and Messaging services, its Voice as the Payments service unless base
// has one, and, when Config.FunctionURLs maps any, its Functions
// behind base's (base's are asked first; a function they do not handle
// goes to the URL its sid maps to), for runtime.WithServices.
func (a *Adapter) Services(base *widgets.Services) *widgets.Services {
	s := &widgets.Services{}
	if base != nil {
		*s = *base
	}
	s.Voice, s.Messaging = a.voice, a.messaging
	if s.Payments == nil {
		s.Payments = a.voice
	}
	if len(a.cfg.FunctionURLs) > 0 {
		s.Functions = &Functions{urls: a.cfg.FunctionURLs, token: a.cfg.AuthToken, http: a.cfg.HTTPClient, next: s.Functions}
	}
	return s
}

// Handler serves Twilio's webhooks (see the package documentation for the
// paths) for the executions e runs: a *runtime.Engine, which must run with
// the adapter's Services, or any other runtime.Runner (adapters/temporal's
// Runner, whose workers run with them). Only POST is served. Mount it at the path of Config.PublicURL (with
// http.StripPrefix when that has a path).
func (a *Adapter) Handler(e runtime.Runner) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+PathVoiceIncoming, a.webhook(func(r *http.Request) response { return a.voiceIncoming(e, r) }))
	mux.Handle("POST "+PathVoiceGather, a.webhook(func(r *http.Request) response { return a.voiceGather(e, r) }))
	mux.Handle("POST "+PathVoiceAnswer, a.webhook(func(r *http.Request) response { return a.voiceAnswer(e, r) }))
	mux.Handle("POST "+PathVoiceRecord, a.webhook(func(r *http.Request) response { return a.voiceRecord(e, r) }))
	mux.Handle("POST "+PathVoiceEnqueue, a.webhook(func(r *http.Request) response { return a.voiceEnqueue(e, r) }))
	mux.Handle("POST "+PathVoiceReturn, a.webhook(func(r *http.Request) response { return a.voiceReturn(e, r) }))
	mux.Handle("POST "+PathVoicePay, a.webhook(func(r *http.Request) response { return a.voicePay(e, r) }))
	mux.Handle("POST "+PathVoiceDial, a.webhook(func(r *http.Request) response { return a.voiceDial(e, r) }))
	mux.Handle("POST "+PathVoiceStatus, a.webhook(func(r *http.Request) response { return a.voiceStatus(e, r) }))
	mux.Handle("POST "+PathConversationsEvents, a.webhook(func(r *http.Request) response { return a.conversationsEvent(e, r) }))
	mux.Handle("POST "+PathMessagingIncoming, a.webhook(func(r *http.Request) response { return a.messagingIncoming(e, r) }))
	return mux
}

// response is what a webhook answers, kept whole for retries.
type response struct {
	status      int
	contentType string
	body        []byte
	transient   bool // a refusal a retry may not get: not kept for retries
}

// kept reports whether resp is kept for the delivery's retries: not a
// 5xx (nothing was saved, and the retry runs again with the same effect
// keys), nor a transient refusal (a conflict, a rate limit).
func (resp response) kept() bool {
	return resp.status < 500 && !resp.transient
}

// transient marks resp as a refusal a retry may not get: it is not kept.
func transient(resp response) response {
	resp.transient = true
	return resp
}

func textResponse(status int, msg string) response {
	return response{status: status, contentType: "text/plain; charset=utf-8", body: []byte(msg + "\n")}
}

// maxForm bounds a webhook's body.
const maxForm = 64 << 10

// webhook wraps a handler with the signature check and the retry cache.
func (a *Adapter) webhook(h func(*http.Request) response) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			write(w, textResponse(http.StatusBadRequest, "bad form: "+err.Error()))
			return
		}
		if !a.cfg.InsecureSkipSignature && !a.signed(r) {
			write(w, textResponse(http.StatusForbidden, "invalid "+HeaderSignature))
			return
		}
		token := r.Header.Get(HeaderIdempotencyToken)
		if token == "" {
			write(w, h(r))
			return
		}
		resp, err := a.replay.do(r.Context(), replayKey(r.URL.Path, token), func() response { return h(r) })
		if err != nil && resp.status == 0 { // the request's context ended while a first delivery ran
			write(w, textResponse(http.StatusServiceUnavailable, "the first delivery of this webhook is still running"))
			return
		}
		if err != nil {
			a.logger.Error("adapters/twilio: the replay store failed", "path", r.URL.Path, "error", err)
		}
		write(w, resp)
	})
}

func write(w http.ResponseWriter, resp response) {
	w.Header().Set("Content-Type", resp.contentType)
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// webhookURL is the URL Twilio signed: the public URL, then the path and
// query the request came with.
func (a *Adapter) webhookURL(r *http.Request) string {
	u := a.public + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// signed checks X-Twilio-Signature: the URL and the POST parameters,
// signed with the auth token.
func (a *Adapter) signed(r *http.Request) bool {
	sig := r.Header.Get(HeaderSignature)
	if sig == "" {
		return false
	}
	params := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		// The validator signs each key followed by its value; a repeated
		// key is signed before each of its values, sorted (Signature), so
		// its values are joined with the key between them.
		v = slices.Clone(v)
		slices.Sort(v)
		params[k] = strings.Join(v, k)
	}
	return a.validator.Validate(a.webhookURL(r), params, sig)
}

// flowSid is the flow a start webhook names (?flow=), else the configured
// one.
func (a *Adapter) flowSid(r *http.Request) string {
	if f := r.URL.Query().Get("flow"); f != "" {
		return f
	}
	return a.cfg.FlowSid
}

// formData returns the request's POST parameters as event or payload
// data, one value per key (the first).
func formData(r *http.Request) map[string]any {
	m := make(map[string]any, len(r.PostForm))
	for k, v := range r.PostForm {
		if len(v) > 0 {
			m[k] = v[0]
		}
	}
	return m
}

// engineError maps an engine error to a response. Errors the caller's
// request caused are 4xx and kept for retries; the engine's or store's
// faults are 5xx, and a conflict with another run or a rate limit a 409
// or 429 that passes: the retry cache keeps none of those, so Twilio's
// retry runs again.
func (a *Adapter) engineError(op string, err error) response {
	a.logger.Warn("adapters/twilio: webhook refused", "op", op, "error", err)
	switch {
	case errors.Is(err, runtime.ErrStale):
		return textResponse(http.StatusConflict, op+": the callback answers a wait that is no longer current")
	case errors.Is(err, runtime.ErrNotFound):
		return textResponse(http.StatusNotFound, op+": "+err.Error())
	case errors.Is(err, runtime.ErrConflict):
		return transient(textResponse(http.StatusConflict, op+": "+err.Error()))
	case errors.Is(err, runtime.ErrRefused):
		return textResponse(http.StatusConflict, op+": "+err.Error())
	case errors.Is(err, runtime.ErrRateLimited):
		return transient(textResponse(http.StatusTooManyRequests, op+": "+err.Error()))
	}
	return textResponse(http.StatusInternalServerError, op+": the flow could not run")
}
