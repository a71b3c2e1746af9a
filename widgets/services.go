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
	// Loop repeats the prompt; 0 and 1 both mean once.
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
	// Hangup ends the call.
	Hangup(ctx context.Context, callSid string) error
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
