package twilio

import (
	"slices"
	"time"

	"github.com/studioflow/studioflow/flow"
	"github.com/studioflow/studioflow/widgets"
)

// errNoVoice is returned by voice widgets on an engine without a voice
// service.
var errNoVoice = widgets.NotConfigured("voice", "no voice service is configured")

// compilePrompt reads the say / play / digits properties shared by voice
// widgets.
func compilePrompt(p *widgets.Props) promptProps {
	return promptProps{
		say:      p.Text("say"),
		play:     p.Text("play"),
		digits:   p.Text("digits"),
		voice:    p.String("voice", ""),
		language: p.String("language", ""),
		loop:     p.Int("loop", 1, 1, 99),
	}
}

type promptProps struct {
	say, play, digits widgets.Text
	voice, language   string
	loop              int
}

func (pp *promptProps) render(sc widgets.StepContext) (widgets.Prompt, error) {
	var pr widgets.Prompt
	var err error
	if pr.Say, err = sc.Render(pp.say); err != nil {
		return pr, err
	}
	if pr.Play, err = sc.Render(pp.play); err != nil {
		return pr, err
	}
	if pr.Digits, err = sc.Render(pp.digits); err != nil {
		return pr, err
	}
	pr.Voice, pr.Language, pr.Loop = pp.voice, pp.language, pp.loop
	return pr, nil
}

// SayPlay speaks text, plays audio or sends tones on the call (say, play or
// digits; voice, language, loop 1-99). It does not wait: the audio is
// queued and the step takes audioComplete at once.
//
//	{ "name": "greeting", "type": "say-play",
//	  "transitions": [ {"event": "audioComplete", "next": "main_menu"} ],
//	  "properties": { "say": "Thanks for calling {{flow.variables.company}}.",
//	                  "voice": "Polly.Amy", "language": "en-GB", "loop": 1 } }
func SayPlay() widgets.Type {
	return widgets.Type{
		Vendor:    flow.VendorTwilio,
		Name:      "say-play",
		NeedsCall: true,
		Compile: func(p *widgets.Props) widgets.Node {
			n := &sayPlayNode{prompt: compilePrompt(p)}
			if n.prompt.say.IsZero() && n.prompt.play.IsZero() && n.prompt.digits.IsZero() {
				p.Errorf("say", widgets.CodePropertyMissing, "a say-play needs one of say, play or digits")
			}
			return n
		},
	}
}

type sayPlayNode struct{ prompt promptProps }

var sayPlayEvents = []string{"audioComplete"}

func (n *sayPlayNode) Events() []string { return slices.Clone(sayPlayEvents) }

func (n *sayPlayNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	pr, err := n.prompt.render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	if err := v.Say(sc.Context(), sc.Call().Sid, pr); err != nil {
		return widgets.Result{}, &widgets.ServiceError{Service: "voice", Err: err}
	}
	return widgets.Result{Event: "audioComplete"}, nil
}

// GatherGrace is added to a gather's timeout to form the engine's deadline
// for it: the voice service measures the timeout itself, after the prompt
// has played and between keypresses, and reports timeout; the deadline
// only catches a host that never does.
const GatherGrace = time.Minute

// GatherInputOnCall plays a prompt and collects keypresses or speech.
//
//	{ "name": "main_menu", "type": "gather-input-on-call",
//	  "transitions": [ {"event": "keypress", "next": "split_digits"},
//	                   {"event": "speech", "next": "split_speech"},
//	                   {"event": "timeout", "next": "main_menu_again"} ],
//	  "properties": { "say": "Press 1 or say sales. Press 2 or say support.",
//	                  "voice": "Polly.Salli", "language": "en-US", "timeout": 5,
//	                  "number_of_digits": 1, "speech_timeout": "auto", "hints": "sales,support" } }
//
// Events: keypress (outputs Digits), speech (SpeechResult, Confidence),
// timeout (reported by the voice service; the engine delivers it itself
// one GatherGrace after the timeout if the host never does).
//
// Properties: say / play, voice, language, loop, timeout 0-30 seconds
// (default 5), finish_on_key (default #), number_of_digits, stop_gather
// (default true), gather_language, speech_model, hints, profanity_filter
// (default true), speech_timeout (seconds or "auto"); and, beyond
// Twilio, `sensitive` (default false): when true the digits and speech are
// never stored, only "[redacted]".
func GatherInputOnCall() widgets.Type {
	return widgets.Type{
		Vendor:     flow.VendorTwilio,
		Name:       "gather-input-on-call",
		NeedsCall:  true,
		EndsCallOn: nil,
		Compile: func(p *widgets.Props) widgets.Node {
			n := &gatherNode{
				prompt:      compilePrompt(p),
				timeout:     p.Int("timeout", 5, 0, 30),
				finishOnKey: p.String("finish_on_key", "#"),
				numDigits:   p.Int("number_of_digits", 0, 0, 100),
				stopGather:  p.Bool("stop_gather", true),
				language:    p.String("gather_language", ""),
				speechModel: p.String("speech_model", ""),
				hints:       p.String("hints", ""),
				profanity:   p.Bool("profanity_filter", true),
				speechEnd:   p.String("speech_timeout", ""),
				sensitive:   p.Bool("sensitive", false),
			}
			return n
		},
	}
}

type gatherNode struct {
	prompt                                  promptProps
	timeout, numDigits                      int
	finishOnKey                             string
	stopGather, sensitive, profanity        bool
	language, speechModel, hints, speechEnd string
}

var gatherEvents = []string{"keypress", "speech", "timeout"}

func (n *gatherNode) Events() []string { return slices.Clone(gatherEvents) }

func (n *gatherNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	pr, err := n.prompt.render(sc)
	if err != nil {
		return widgets.Result{}, err
	}
	g := widgets.Gather{
		Prompt: pr, Input: "dtmf speech", FinishOnKey: n.finishOnKey, NumDigits: n.numDigits,
		StopGather: n.stopGather, Hints: n.hints, SpeechModel: n.speechModel, Language: n.language,
		ProfanityFilter: n.profanity, SpeechTimeout: n.speechEnd,
		Timeout: secondsDuration(n.timeout),
	}
	if err := v.Gather(sc.Context(), sc.Call().Sid, g); err != nil {
		return widgets.Result{}, &widgets.ServiceError{Service: "voice", Err: err}
	}
	return widgets.Result{Wait: &widgets.Wait{
		Events: gatherEvents,
		// The gather timeout runs after the prompt and between digits, so
		// the host reports it; the engine's deadline is only a backstop.
		Timeout:   secondsDuration(n.timeout) + GatherGrace,
		Prompt:    map[string]any{"input": "dtmf speech", "number_of_digits": float64(n.numDigits), "sensitive": n.sensitive},
		Sensitive: n.sensitive,
	}}, nil
}

func (n *gatherNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	switch ev.Name {
	case "keypress":
		return widgets.Result{Event: ev.Name, Outputs: map[string]any{"Digits": n.redact(widgets.DataString(ev.Data, "Digits"))}}, nil
	case "speech":
		return widgets.Result{Event: ev.Name, Outputs: map[string]any{
			"SpeechResult": n.redact(widgets.DataString(ev.Data, "SpeechResult")),
			"Confidence":   widgets.DataString(ev.Data, "Confidence"),
		}}, nil
	}
	return widgets.Result{Event: ev.Name}, nil
}

func (n *gatherNode) redact(s string) string {
	if n.sensitive && s != "" {
		return widgets.Redacted
	}
	return s
}
