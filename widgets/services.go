package widgets

import (
	"context"
	"net/http"
	"time"
)

// Services are the host's side-effect implementations. The library does no
// I/O of its own: every call, message or request a widget makes goes
// through one of these. Package widgets/fake has in-memory versions that
// record every call.
type Services struct {
	Voice     Voice
	Messaging Messaging
	// HTTP sends make-http-request (and default run-function) requests.
	// An *http.Client satisfies it.
	HTTP HTTPDoer
	// Functions runs run-function handlers registered in Go; a function
	// without a handler is invoked over HTTP.
	Functions Functions
	// Actions runs execute-action integrations.
	Actions Actions
	// Payments captures card payments for capture-payments.
	Payments Payments
	// Streams starts and stops media streams for fork-stream.
	Streams Streams
}

// Prompt is what a voice widget says, plays or sends as tones.
type Prompt struct {
	// Say is text to speak.
	Say string `json:"say,omitempty"`
	// Play is the URL of audio to play.
	Play string `json:"play,omitempty"`
	// Digits are DTMF tones to send.
	Digits string `json:"digits,omitempty"`
	// Voice and Language select the text-to-speech voice.
	Voice    string `json:"voice,omitempty"`
	Language string `json:"language,omitempty"`
	// Loop is how many times the prompt plays, 1 to 99.
	Loop int `json:"loop,omitempty"`
}

// Gather asks the caller for input while a prompt plays.
type Gather struct {
	Prompt Prompt `json:"prompt"`
	// Input is "dtmf", "speech" or "dtmf speech".
	Input string `json:"input,omitempty"`
	// Timeout is how long to wait for input after the prompt.
	Timeout time.Duration `json:"timeout,omitempty"`
	// FinishOnKey ends the input; NumDigits stops after that many digits.
	FinishOnKey string `json:"finish_on_key,omitempty"`
	NumDigits   int    `json:"number_of_digits,omitempty"`
	// StopGather stops the prompt as soon as input starts.
	StopGather bool `json:"stop_gather,omitempty"`
	// Hints, SpeechModel and Language tune speech recognition.
	Hints       string `json:"hints,omitempty"`
	SpeechModel string `json:"speech_model,omitempty"`
	Language    string `json:"language,omitempty"`
	// ProfanityFilter masks profanity in speech results (default true).
	ProfanityFilter bool `json:"profanity_filter,omitempty"`
	// SpeechTimeout is how long silence ends speech: seconds, or "auto".
	SpeechTimeout string `json:"speech_timeout,omitempty"`
}

// Voice drives the live call. Methods that start an outcome the caller
// produces (gather, dial, record...) return once the request is placed; the
// host later resumes the execution with the outcome event.
type Voice interface {
	// Say speaks, plays or sends tones on the call. It returns once the
	// prompt is queued.
	Say(ctx context.Context, callSid string, p Prompt) error
	// Gather prompts for and collects keypresses or speech.
	Gather(ctx context.Context, callSid string, g Gather) error
	// Connect bridges the call to another party (connect-call-to,
	// forward-to-external-number). The outcome comes back as an event.
	Connect(ctx context.Context, callSid string, d Dial) error
	// Record records the caller (record-voicemail) or starts and stops
	// recording the call (record-call).
	Record(ctx context.Context, callSid string, r Recording) error
	// Enqueue places the call in a queue or hands it to a contact-center
	// workflow (enqueue-call, send-to-flex).
	Enqueue(ctx context.Context, callSid string, q Enqueue) error
	// Redirect hands the call to external TwiML (add-twiml-redirect).
	Redirect(ctx context.Context, callSid string, r Redirect) error
	// Hangup ends the call.
	Hangup(ctx context.Context, callSid string) error
	// Call places an outbound call and returns its sid; whether it is
	// answered comes back as an event.
	Call(ctx context.Context, c OutboundCall) (string, error)
}

// Dial describes a connect or forward.
type Dial struct {
	// Noun is "number", "client", "sip" or "conference".
	Noun     string        `json:"noun"`
	To       string        `json:"to"`
	CallerID string        `json:"caller_id,omitempty"`
	Timeout  time.Duration `json:"timeout,omitempty"`
	Record   bool          `json:"record,omitempty"`
	// SipUsername and SipPassword authenticate a sip dial. The password is
	// never serialized.
	SipUsername string `json:"sip_username,omitempty"`
	SipPassword string `json:"-"`
	// Extra carries widget-specific options.
	Extra map[string]any `json:"extra,omitempty"`
}

// Recording describes a voicemail or call recording.
type Recording struct {
	// Mode is "voicemail", "start" or "stop" (and "pause", "resume").
	Mode        string        `json:"mode"`
	Timeout     time.Duration `json:"timeout,omitempty"`
	MaxLength   time.Duration `json:"max_length,omitempty"`
	FinishOnKey string        `json:"finish_on_key,omitempty"`
	Transcribe  bool          `json:"transcribe,omitempty"`
	PlayBeep    bool          `json:"play_beep,omitempty"`
	// Trim is "trim-silence" or "do-not-trim".
	Trim string `json:"trim,omitempty"`
	// Channels is "mono" or "dual" (call recordings).
	Channels string `json:"channels,omitempty"`
	// StatusCallback, StatusCallbackMethod and StatusCallbackEvents ask the
	// voice service to report the recording's progress to a URL.
	StatusCallback       string `json:"status_callback,omitempty"`
	StatusCallbackMethod string `json:"status_callback_method,omitempty"`
	StatusCallbackEvents string `json:"status_callback_events,omitempty"`
	// TranscriptionCallback receives the transcription (voicemail).
	TranscriptionCallback string         `json:"transcription_callback,omitempty"`
	Extra                 map[string]any `json:"extra,omitempty"`
}

// CallRecorder is an optional extension of Voice. A voice service that
// implements it tells record-call which recording it started or stopped,
// so the widget can expose the recording's Sid, Status and StartTime;
// without it record-call calls Voice.Record and knows only that the
// request succeeded.
type CallRecorder interface {
	RecordCall(ctx context.Context, callSid string, r Recording) (RecordingInfo, error)
}

// RecordingInfo describes a call recording started or stopped by a
// CallRecorder.
type RecordingInfo struct {
	Sid       string    `json:"sid,omitempty"`
	Status    string    `json:"status,omitempty"`
	StartTime time.Time `json:"start_time,omitempty"`
	// Extra holds other values the widget exposes as outputs (AccountSid,
	// Channels ...), JSON-like.
	Extra map[string]any `json:"extra,omitempty"`
}

// Enqueue describes a queue hand-off.
type Enqueue struct {
	Queue      string        `json:"queue,omitempty"`
	Workflow   string        `json:"workflow,omitempty"`
	Channel    string        `json:"channel,omitempty"`
	Priority   int           `json:"priority,omitempty"`
	Timeout    time.Duration `json:"timeout,omitempty"`
	Attributes string        `json:"attributes,omitempty"`
	// WaitURL and WaitURLMethod name the TwiML played while the call waits.
	WaitURL       string `json:"wait_url,omitempty"`
	WaitURLMethod string `json:"wait_url_method,omitempty"`
	// Contact is the contact's address. send-to-flex hands a messaging
	// contact to the workflow with an empty call sid: the host routes the
	// contact's conversation, not a call.
	Contact string         `json:"contact,omitempty"`
	Extra   map[string]any `json:"extra,omitempty"`
}

// Redirect describes a hand-off to external TwiML.
type Redirect struct {
	URL     string        `json:"url"`
	Method  string        `json:"method,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
}

// OutboundCall describes a call to place.
type OutboundCall struct {
	From    string        `json:"from"`
	To      string        `json:"to"`
	Timeout time.Duration `json:"timeout,omitempty"`
	Record  bool          `json:"record,omitempty"`
	// MachineDetection is "", "Enable" or "DetectMessageEnd".
	MachineDetection string `json:"machine_detection,omitempty"`
	// SendDigits are tones sent once the call is answered.
	SendDigits string `json:"send_digits,omitempty"`
	// SipAuthUsername and SipAuthPassword authenticate a sip call. The
	// password is never serialized.
	SipAuthUsername string         `json:"sip_auth_username,omitempty"`
	SipAuthPassword string         `json:"-"`
	Extra           map[string]any `json:"extra,omitempty"`
}

// FunctionCall is one run-function invocation.
type FunctionCall struct {
	// Sid and URL identify the function (either may be empty).
	Sid string `json:"sid,omitempty"`
	URL string `json:"url,omitempty"`
	// ServiceSid and EnvironmentSid name the function's service and
	// environment, as in a Twilio export.
	ServiceSid     string            `json:"service_sid,omitempty"`
	EnvironmentSid string            `json:"environment_sid,omitempty"`
	Parameters     map[string]string `json:"parameters,omitempty"`
}

// FunctionResult is what a function returned, read like an HTTP response.
type FunctionResult struct {
	StatusCode  int    `json:"status_code"`
	ContentType string `json:"content_type,omitempty"`
	Body        string `json:"body,omitempty"`
}

// Functions runs functions registered as Go handlers. Invoke reports
// handled false when it has no handler for the call, so the widget falls
// back to an HTTP POST to the function's URL.
type Functions interface {
	Invoke(ctx context.Context, c FunctionCall) (res FunctionResult, handled bool, err error)
}

// Actions runs a configured integration for execute-action. An error
// wrapping context.DeadlineExceeded is a timeout.
type Actions interface {
	Execute(ctx context.Context, action string, params map[string]string) (map[string]any, error)
}

// PaymentRequest asks the payment provider to capture a card on the call.
type PaymentRequest struct {
	Connector   string        `json:"connector,omitempty"`
	Amount      string        `json:"amount,omitempty"`
	Currency    string        `json:"currency,omitempty"`
	MaxAttempts int           `json:"max_attempts,omitempty"`
	Timeout     time.Duration `json:"timeout,omitempty"`
	// PaymentMethod is "credit-card" or "ach-debit".
	PaymentMethod string `json:"payment_method,omitempty"`
	// TokenType is "one-time" or "reusable" (a tokenization, amount 0).
	TokenType string `json:"token_type,omitempty"`
	// SecurityCode asks for the card's security code; PostalCode is
	// "true", "false" or the postal code itself; MinPostalCodeLength
	// bounds what the caller types.
	SecurityCode        bool   `json:"security_code"`
	PostalCode          string `json:"postal_code,omitempty"`
	MinPostalCodeLength int    `json:"min_postal_code_length,omitempty"`
	// ValidCardTypes lists accepted card brands (visa, mastercard, amex...).
	ValidCardTypes []string `json:"valid_card_types,omitempty"`
	Language       string   `json:"language,omitempty"`
	Description    string   `json:"description,omitempty"`
	// Parameters are passed to the payment connector as is.
	Parameters map[string]string `json:"parameters,omitempty"`
	Extra      map[string]any    `json:"extra,omitempty"`
}

// Payments captures card payments. The provider collects the card data
// itself; the library only ever sees what it returns (a token, the last
// four digits), never the card number or security code.
type Payments interface {
	Capture(ctx context.Context, callSid string, p PaymentRequest) error
}

// Stream describes a media stream to start or stop.
type Stream struct {
	// Action is "start" or "stop".
	Action string `json:"action"`
	Name   string `json:"name,omitempty"`
	URL    string `json:"url,omitempty"`
	Track  string `json:"track,omitempty"`
	// Transport is "websocket" (default) or "siprec"; Connector names the
	// SIPREC connector.
	Transport string `json:"transport,omitempty"`
	Connector string `json:"connector,omitempty"`
	// Parameters are custom parameters sent to the stream's receiver.
	Parameters map[string]string `json:"parameters,omitempty"`
	Extra      map[string]any    `json:"extra,omitempty"`
}

// Streams starts and stops media streams.
type Streams interface {
	Stream(ctx context.Context, callSid string, s Stream) error
}

// Message is one outbound message.
type Message struct {
	From     string   `json:"from,omitempty"`
	To       string   `json:"to"`
	Body     string   `json:"body"`
	MediaURL []string `json:"media_url,omitempty"`
	// Channel is "sms", "whatsapp", "conversation" ...; empty means the
	// channel the execution came in on.
	Channel string `json:"channel,omitempty"`
}

// Sent is the messaging service's receipt for a sent message.
type Sent struct {
	Sid    string `json:"sid"`
	Status string `json:"status,omitempty"`
}

// Messaging sends messages.
type Messaging interface {
	Send(ctx context.Context, m Message) (Sent, error)
}

// HTTPDoer sends HTTP requests. *http.Client satisfies it.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}
