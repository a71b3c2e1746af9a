package widgets

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Services are the host's side-effect implementations. The library does no
// I/O of its own: every call, message or request a widget makes goes
// through one of these. Package widgets/fake has in-memory versions that
// record every call.
type Services struct {
	// Voice drives the live call for the voice widgets. Without it, a
	// voice widget fails the execution.
	Voice Voice
	// Messaging sends messages for send-message and
	// send-and-wait-for-reply. Without it, they fail the execution.
	Messaging Messaging
	// HTTP sends make-http-request (and default run-function) requests.
	// An *http.Client satisfies it. Use safehttp.NewClient(): a flow, or
	// whoever shapes the values it renders into a URL, picks where these
	// requests go, and a plain client reaches 127.0.0.1, the cloud
	// metadata service (169.254.169.254) and the host's private network.
	// safehttp's client refuses those (checking the address actually
	// dialled, every redirect, and hosts written as 0x7f000001 or
	// 2130706433), ignores proxies from the environment, and takes
	// allow-lists for the internal hosts flows are meant to reach. A
	// refused request makes the widget take its failure event with the
	// reason as its error output.
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
	// ContactCenter answers what a flow asks of the contact center itself
	// rather than of the call or the conversation: Amazon Connect's Lambda
	// functions, hours of operation, queues and their metrics, Lex bots,
	// customer profiles, cases, tasks and callbacks (package
	// widgets/connect lists each request and what its answer holds).
	// Without it those actions take their error branch.
	ContactCenter ContactCenter
}

// ContactCenterRequest is one question or command a flow sends to the
// contact center.
type ContactCenterRequest struct {
	// Action is the type of the state asking, such as
	// "InvokeLambdaFunction" or "CheckHoursOfOperation".
	Action string `json:"action"`
	// Resource names what is asked, as the flow wrote it after its
	// references were resolved: a Lambda function's ARN, the id or ARN of
	// hours of operation, of a queue, of a Lex bot alias; empty when the
	// action names none.
	Resource string `json:"resource,omitempty"`
	// Parameters are the state's parameters, references resolved (a
	// Lambda's invocation attributes, a profile's request data ...).
	Parameters map[string]any `json:"parameters,omitempty"`
	// Contact is the contact as the flow sees it: ContactId, Channel,
	// Attributes, CustomerEndpoint ... (what Connect sends a Lambda
	// function as its event's ContactData).
	Contact map[string]any `json:"contact,omitempty"`
}

// ContactCenter answers ContactCenterRequests. An error takes the
// action's error branch; package widgets/connect gives the errors that
// pick a particular one (a full queue, say).
type ContactCenter interface {
	// Request sends r and returns the answer, JSON-like.
	Request(ctx context.Context, r ContactCenterRequest) (map[string]any, error)
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
	Voice string `json:"voice,omitempty"`
	// Language is the text-to-speech language, such as "en-US"; empty for
	// the voice service's default.
	Language string `json:"language,omitempty"`
	// Engine is the text-to-speech engine of Voice, as Amazon Connect's
	// UpdateContactTextToSpeechVoice names it ("Standard", "Neural",
	// "Generative"); empty for the voice's default.
	Engine string `json:"engine,omitempty"`
	// Loop is how many times the prompt plays, 1 to 99.
	Loop int `json:"loop,omitempty"`
}

// Gather asks the caller for input while a prompt plays.
type Gather struct {
	// Prompt is what plays while the gather listens.
	Prompt Prompt `json:"prompt"`
	// Input is "dtmf", "speech" or "dtmf speech".
	Input string `json:"input,omitempty"`
	// Timeout is how long to wait for input after the prompt.
	Timeout time.Duration `json:"timeout,omitempty"`
	// FinishOnKey is the keys that end the input; empty for none (the
	// widget's stop_gather false), when only the timeout or NumDigits
	// does.
	FinishOnKey string `json:"finish_on_key,omitempty"`
	// NumDigits ends the input after that many digits; 0 sets no count.
	NumDigits int `json:"number_of_digits,omitempty"`
	// StopGather is the widget's stop_gather, Studio's "Stop Gathering On
	// Keypress?": when false no key ends the input, and FinishOnKey is
	// empty.
	StopGather bool `json:"stop_gather,omitempty"`
	// Hints, SpeechModel and Language tune speech recognition.
	Hints string `json:"hints,omitempty"`
	// SpeechModel selects the speech recognition model; empty for the
	// voice service's default.
	SpeechModel string `json:"speech_model,omitempty"`
	// Language is the language of the expected speech (the widget's
	// gather_language), such as "en-US"; empty for the default.
	Language string `json:"language,omitempty"`
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
	// Noun is "number", "number-multi", "client", "sip" or "conference".
	Noun string `json:"noun"`
	// To is the party to connect to: a phone number (several,
	// comma-separated, for number-multi), a client identity, a SIP
	// endpoint or a conference name.
	To string `json:"to"`
	// CallerID is the caller id the called party sees (by default the
	// contact's address).
	CallerID string `json:"caller_id,omitempty"`
	// Timeout is how long the called party's phone rings.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Record records the bridged call.
	Record bool `json:"record,omitempty"`
	// SipUsername and SipPassword authenticate a sip dial. The password is
	// never serialized.
	SipUsername string `json:"sip_username,omitempty"`
	// SipPassword is the password of a sip dial; it is never serialized.
	SipPassword string `json:"-"`
}

// Recording describes a voicemail or call recording.
type Recording struct {
	// Mode is "voicemail", "start" or "stop" (and "pause", "resume").
	Mode string `json:"mode"`
	// Timeout is the silence that ends a voicemail; 0 never ends it on
	// silence.
	Timeout time.Duration `json:"timeout,omitempty"`
	// MaxLength is the longest a voicemail may last.
	MaxLength time.Duration `json:"max_length,omitempty"`
	// FinishOnKey lists the keys (0-9, * and #) that end a voicemail;
	// empty for none.
	FinishOnKey string `json:"finish_on_key,omitempty"`
	// Transcribe asks for a transcription of the voicemail.
	Transcribe bool `json:"transcribe,omitempty"`
	// PlayBeep plays a beep before the voicemail starts.
	PlayBeep bool `json:"play_beep,omitempty"`
	// Trim is "trim-silence" or "do-not-trim".
	Trim string `json:"trim,omitempty"`
	// Channels is "mono" or "dual" (call recordings).
	Channels string `json:"channels,omitempty"`
	// StatusCallback, StatusCallbackMethod and StatusCallbackEvents ask the
	// voice service to report the recording's progress to a URL.
	StatusCallback string `json:"status_callback,omitempty"`
	// StatusCallbackMethod is the HTTP method of the status callback, GET
	// or POST.
	StatusCallbackMethod string `json:"status_callback_method,omitempty"`
	// StatusCallbackEvents lists the progress events to report,
	// space-separated, such as "in-progress completed absent".
	StatusCallbackEvents string `json:"status_callback_events,omitempty"`
	// TranscriptionCallback receives the transcription (voicemail).
	TranscriptionCallback string `json:"transcription_callback,omitempty"`
}

// CallRecorder is an optional extension of Voice. A voice service that
// implements it tells record-call which recording it started or stopped,
// so the widget can expose the recording's Sid, Status and StartTime;
// without it record-call calls Voice.Record and knows only that the
// request succeeded.
type CallRecorder interface {
	// RecordCall starts or stops recording the call (Mode "start" or
	// "stop"), as Voice.Record would, and describes the recording.
	RecordCall(ctx context.Context, callSid string, r Recording) (RecordingInfo, error)
}

// RecordingInfo describes a call recording started or stopped by a
// CallRecorder.
type RecordingInfo struct {
	// Sid is the recording's id; empty when none was started.
	Sid string `json:"sid,omitempty"`
	// Status is the recording's status, such as "in-progress" or
	// "stopped"; empty lets record-call derive it from the mode.
	Status string `json:"status,omitempty"`
	// StartTime is when the recording started; zero lets record-call use
	// the engine's clock for a start.
	StartTime time.Time `json:"start_time,omitempty"`
	// Extra holds other values the widget exposes as outputs (AccountSid,
	// Channels ...), JSON-like.
	Extra map[string]any `json:"extra,omitempty"`
}

// Enqueue describes a queue hand-off.
type Enqueue struct {
	// Queue is the name of the queue to place the call in; empty when
	// Workflow is set.
	Queue string `json:"queue,omitempty"`
	// Workflow is the sid of the TaskRouter workflow to hand the contact
	// to; empty when Queue is set.
	Workflow string `json:"workflow,omitempty"`
	// Channel is the task channel's sid or name (send-to-flex); empty for
	// enqueue-call.
	Channel string `json:"channel,omitempty"`
	// Priority is the task's priority, 0 to 2147483647.
	Priority int `json:"priority,omitempty"`
	// Timeout is how long the task may live, at most two weeks.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Attributes are the task's attributes as JSON object text; empty for
	// none.
	Attributes string `json:"attributes,omitempty"`
	// WaitURL and WaitURLMethod name the TwiML played while the call waits.
	WaitURL string `json:"wait_url,omitempty"`
	// WaitURLMethod is the HTTP method used to fetch WaitURL, GET or POST.
	WaitURLMethod string `json:"wait_url_method,omitempty"`
	// Contact is the contact's address. send-to-flex hands a messaging
	// contact to the workflow with an empty call sid: the host routes the
	// contact's conversation, not a call.
	Contact string `json:"contact,omitempty"`
}

// Redirect describes a hand-off to external TwiML.
type Redirect struct {
	// URL is the absolute http or https URL of the TwiML to hand the call
	// to.
	URL string `json:"url"`
	// Method is the HTTP method used to fetch URL, GET or POST.
	Method string `json:"method,omitempty"`
	// Timeout is how long the flow waits for the TwiML to return the call;
	// 0 sets no deadline.
	Timeout time.Duration `json:"timeout,omitempty"`
}

// OutboundCall describes a call to place.
type OutboundCall struct {
	// From is the caller id of the call; the widgets default it to the
	// flow's address.
	From string `json:"from"`
	// To is the number to call; the widgets default it to the contact's
	// address.
	To string `json:"to"`
	// Timeout is how long the call rings before it counts as unanswered.
	// make-outgoing-call sends its timeout property (60 s when the flow
	// gives none); zero, which that property allows, asks for the
	// provider's own default.
	Timeout time.Duration `json:"timeout,omitempty"`
	// Record records the call.
	Record bool `json:"record,omitempty"`
	// MachineDetection is "", "Enable" or "DetectMessageEnd".
	MachineDetection string `json:"machine_detection,omitempty"`
	// SendDigits are tones sent once the call is answered.
	SendDigits string `json:"send_digits,omitempty"`
	// SipAuthUsername and SipAuthPassword authenticate a sip call. The
	// password is never serialized.
	SipAuthUsername string `json:"sip_auth_username,omitempty"`
	// SipAuthPassword is the password of a sip call; it is never
	// serialized.
	SipAuthPassword string `json:"-"`
	// Extra carries the other call options by property name, such as
	// machine_detection_timeout, trim, recording_channels and
	// recording_status_callback (make-outgoing-call-v2).
	Extra map[string]any `json:"extra,omitempty"`
}

// FunctionCall is one run-function invocation.
type FunctionCall struct {
	// Sid and URL identify the function (either may be empty).
	Sid string `json:"sid,omitempty"`
	// URL is the function's rendered URL; empty if the state has none.
	URL string `json:"url,omitempty"`
	// ServiceSid and EnvironmentSid name the function's service and
	// environment, as in a Twilio export.
	ServiceSid string `json:"service_sid,omitempty"`
	// EnvironmentSid is the function's environment sid; see ServiceSid.
	EnvironmentSid string `json:"environment_sid,omitempty"`
	// Parameters are the rendered parameters by key; a key given twice
	// takes the later value.
	Parameters map[string]string `json:"parameters,omitempty"`
}

// FunctionResult is what a function returned, read like an HTTP response.
type FunctionResult struct {
	// StatusCode is the HTTP status; 2xx takes success, anything else
	// fail.
	StatusCode int `json:"status_code"`
	// ContentType is the body's media type, such as "application/json".
	ContentType string `json:"content_type,omitempty"`
	// Body is the response body. A JSON object body is also exposed
	// parsed; one over 64 KB (twilio.MaxResponseBytes) makes the widget take fail.
	Body string `json:"body,omitempty"`
}

// Functions runs functions registered as Go handlers. Invoke reports
// handled false when it has no handler for the call, so the widget falls
// back to an HTTP POST to the function's URL.
type Functions interface {
	// Invoke runs the handler registered for c. It reports handled false,
	// with no error, when there is none; err is the handler's failure,
	// and the widget takes fail.
	Invoke(ctx context.Context, c FunctionCall) (res FunctionResult, handled bool, err error)
}

// Actions runs a configured integration for execute-action. An error
// wrapping context.DeadlineExceeded is a timeout.
type Actions interface {
	// Execute runs the action called action with the rendered params and
	// returns its result, which becomes the step's outputs. ctx carries
	// the step's timeout.
	Execute(ctx context.Context, action string, params map[string]string) (map[string]any, error)
}

// PaymentRequest asks the payment provider to capture a card on the call.
type PaymentRequest struct {
	// Connector is the name of the payment connector; capture-payments
	// defaults it to "Default".
	Connector string `json:"connector,omitempty"`
	// Amount is the decimal amount to charge, such as "10.50"; empty or 0
	// tokenizes the card without charging it.
	Amount string `json:"amount,omitempty"`
	// Currency is the three-letter currency code, lower case, such as
	// "usd" (the default).
	Currency string `json:"currency,omitempty"`
	// MaxAttempts is how many times the caller may try, 1 to 3.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// Timeout is how long to wait for each keypress.
	Timeout time.Duration `json:"timeout,omitempty"`
	// PaymentMethod is "credit-card" or "ach-debit".
	PaymentMethod string `json:"payment_method,omitempty"`
	// TokenType is "one-time", "reusable" or "payment-method" (a
	// tokenization, amount 0).
	TokenType string `json:"token_type,omitempty"`
	// SecurityCode asks for the card's security code; PostalCode is
	// "true", "false" or the postal code itself; MinPostalCodeLength
	// bounds what the caller types.
	SecurityCode bool `json:"security_code"`
	// PostalCode is "true" to ask for the postal code, "false" not to, or
	// the postal code itself.
	PostalCode string `json:"postal_code,omitempty"`
	// MinPostalCodeLength is the fewest characters a postal code may have,
	// 0 to 10; 0 sets no minimum.
	MinPostalCodeLength int `json:"min_postal_code_length,omitempty"`
	// ValidCardTypes lists accepted card brands (visa, mastercard, amex...).
	ValidCardTypes []string `json:"valid_card_types,omitempty"`
	// Language is the language of the payment prompts, such as "en-US";
	// empty for the provider's default.
	Language string `json:"language,omitempty"`
	// Description describes the payment; empty for none.
	Description string `json:"description,omitempty"`
	// Parameters are passed to the payment connector as is.
	Parameters map[string]string `json:"parameters,omitempty"`
}

// Payments captures card payments. The provider collects the card data
// itself; the library only ever sees what it returns (a token, the last
// four digits), never the card number or security code.
type Payments interface {
	// Capture asks the provider to collect a card on the call and returns
	// once the request is placed; the outcome comes back as an event. An
	// error makes capture-payments take providerError.
	Capture(ctx context.Context, callSid string, p PaymentRequest) error
}

// Stream describes a media stream to start or stop.
type Stream struct {
	// Action is "start" or "stop".
	Action string `json:"action"`
	// Name names the stream; it is needed to stop one.
	Name string `json:"name,omitempty"`
	// URL is the receiver's wss:// or ws:// URL (websocket transport).
	URL string `json:"url,omitempty"`
	// Track is "inbound_track" (default), "outbound_track" or
	// "both_tracks".
	Track string `json:"track,omitempty"`
	// Transport is "websocket" (default) or "siprec"; Connector names the
	// SIPREC connector.
	Transport string `json:"transport,omitempty"`
	// Connector is the name of the SIPREC connector (siprec transport).
	Connector string `json:"connector,omitempty"`
	// Parameters are custom parameters sent to the stream's receiver.
	Parameters map[string]string `json:"parameters,omitempty"`
}

// Streams starts and stops media streams.
type Streams interface {
	// Stream starts or stops (s.Action) a media stream on the call. An
	// error does not fail fork-stream: it becomes its error output.
	Stream(ctx context.Context, callSid string, s Stream) error
}

// Message is one outbound message.
type Message struct {
	// From is the sender's address; the widgets default it to the flow's
	// address.
	From string `json:"from,omitempty"`
	// To is the recipient's address; the widgets default it to the
	// contact's address.
	To string `json:"to"`
	// Body is the message text.
	Body string `json:"body"`
	// MediaURL lists the URLs of media to attach, if any.
	MediaURL []string `json:"media_url,omitempty"`
	// Channel is "sms", "whatsapp", "conversation" ...; empty means the
	// channel the execution came in on.
	Channel string `json:"channel,omitempty"`
	// ConversationSid, when set, is the conversation the message goes
	// into (To is then the contact, for the record): the message widgets
	// set it in an execution a conversation's message started, for a
	// reply that names neither recipient nor channel.
	ConversationSid string `json:"conversation_sid,omitempty"`
}

// Sent is the messaging service's receipt for a sent message.
type Sent struct {
	// Sid is the message's id.
	Sid string `json:"sid"`
	// Status is the message's status as the service reports it, such as
	// "queued" or "sent".
	Status string `json:"status,omitempty"`
}

// Messaging sends messages.
type Messaging interface {
	// Send sends m and returns the service's receipt. An error makes the
	// widget take its failure event (failed, deliveryFailure).
	Send(ctx context.Context, m Message) (Sent, error)
}

// HTTPDoer sends HTTP requests. *http.Client satisfies it.
type HTTPDoer interface {
	// Do sends req and returns the response, as http.Client.Do does.
	Do(req *http.Request) (*http.Response, error)
}

// ServiceError is a step's error from a service it needs: the service
// failed a call the step cannot go on without, or is not configured. The
// engine fails the execution with the service-error failure code. Services
// whose failure a widget has an event for (a send that fails takes
// send-message's failed) do not surface as errors at all.
type ServiceError struct {
	// Service names the service: "voice", "messaging", "http", ...
	Service string
	// Err is the service's error.
	Err error
}

// Error names the service and its error.
func (e *ServiceError) Error() string {
	if _, ok := e.Err.(notConfiguredError); ok {
		return e.Err.Error() // it names the service
	}
	return e.Service + ": " + e.Err.Error()
}

// Unwrap returns the service's error.
func (e *ServiceError) Unwrap() error { return e.Err }

// ErrNotConfigured is the error of a ServiceError for a service the engine
// was built without.
var ErrNotConfigured = errors.New("service not configured")

// NotConfigured is the error of a step that needs a service the engine was
// built without: a *ServiceError for service whose text is msg ("no voice
// service is configured"), and ErrNotConfigured to errors.Is.
func NotConfigured(service, msg string) error {
	return &ServiceError{Service: service, Err: notConfiguredError(msg)}
}

// notConfiguredError says which service is missing, and is
// ErrNotConfigured to errors.Is.
type notConfiguredError string

func (e notConfiguredError) Error() string        { return string(e) }
func (e notConfiguredError) Is(target error) bool { return target == ErrNotConfigured }
