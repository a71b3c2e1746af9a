package twilio

import (
	"slices"
	"strings"
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

// render renders the prompt into pr, which it fills in place: a Prompt is
// 88 bytes, and returning it by value copied it on every voice step.
func (pp *promptProps) render(sc widgets.StepContext, pr *widgets.Prompt) (err error) {
	if pr.Say, err = pp.say.Render(sc); err != nil {
		return err
	}
	if pr.Play, err = pp.play.Render(sc); err != nil {
		return err
	}
	if pr.Digits, err = pp.digits.Render(sc); err != nil {
		return err
	}
	pr.Voice, pr.Language, pr.Loop = pp.voice, pp.language, pp.loop
	return nil
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
	var pr widgets.Prompt
	if err := n.prompt.render(sc, &pr); err != nil {
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
// Speech recognition is on only when the speech transition leads
// somewhere, as in Studio: "Connecting a widget to the User Said
// Something transition will enable Speech Recognition" (Twilio, Gather
// Input On Call widget,
// https://www.twilio.com/docs/studio/widget-library/gather-input-call;
// with only User Pressed Keys connected "the widget will collect DTMF
// only", Twilio support, "Speech Recognition Caveats in the Gather Input
// on Call Widget"). Without it the gather asks for input "dtmf", and its
// wait takes keypress and timeout only: a caller who speaks is not heard,
// rather than sent down a speech branch that goes nowhere.
//
// stop_gather is Studio's "Stop Gathering On Keypress?": when false no key
// ends the input, which is "gathered and submitted once the Stop
// Gathering After timeout is reached or the expected Number of Digits are
// collected" (same page), so finish_on_key is not used and a # is one of
// the digits.
//
// Outputs are the parameters of Twilio's <Gather> action callback (Twilio,
// TwiML Voice: <Gather>, https://www.twilio.com/docs/voice/twiml/gather,
// and the request parameters every TwiML request carries,
// https://www.twilio.com/docs/voice/twiml#request-parameters):
//   - Digits (keypress): the keys pressed, without the finish-on key:
//     "12345#" with finish_on_key "#" stores "12345", as Twilio does.
//     FinishedOnKey, when the host reports it, says which key ended the
//     input ("" when none did).
//   - SpeechResult and Confidence (speech).
//   - The call's parameters, from the event when the host reports them:
//     CallSid, AccountSid, From, To, CallStatus, Direction, ApiVersion,
//     ForwardedFrom, CallerName, ParentCallSid, Caller, Called and the
//     From/To/Caller/Called City, State, Zip and Country. What the event
//     lacks comes from the call: CallSid from the execution's call,
//     CallStatus "in-progress" while it is live, and AccountSid, From, To,
//     Direction (and the rest) from trigger.call when the execution was
//     started by that same call.
//
// Nothing else of the host's event data is stored (the input of a
// sensitive gather can hide nowhere else).
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
				input:       "dtmf",
				events:      gatherKeyEvents,
			}
			if !n.stopGather {
				n.finishOnKey = ""
			}
			if t := p.State.Transition("speech"); t != nil && t.Next != "" {
				n.input, n.events = "dtmf speech", gatherEvents
			}
			return n
		},
	}
}

type gatherNode struct {
	prompt             promptProps
	timeout, numDigits int
	// finishOnKey is the keys that end the input: none when stop_gather
	// is false.
	finishOnKey                             string
	stopGather, sensitive, profanity        bool
	language, speechModel, hints, speechEnd string
	// input is what the gather listens for, "dtmf" or "dtmf speech", and
	// events what its wait takes: speech only when its transition is wired.
	input  string
	events []string
}

var (
	gatherEvents    = []string{"keypress", "speech", "timeout"}
	gatherKeyEvents = []string{"keypress", "timeout"}
)

func (n *gatherNode) Events() []string { return slices.Clone(gatherEvents) }

func (n *gatherNode) Run(sc widgets.StepContext) (widgets.Result, error) {
	v := sc.Services().Voice
	if v == nil {
		return widgets.Result{}, errNoVoice
	}
	g := widgets.Gather{
		Input: n.input, FinishOnKey: n.finishOnKey, NumDigits: n.numDigits,
		StopGather: n.stopGather, Hints: n.hints, SpeechModel: n.speechModel, Language: n.language,
		ProfanityFilter: n.profanity, SpeechTimeout: n.speechEnd,
		Timeout: widgets.Seconds(n.timeout),
	}
	if err := n.prompt.render(sc, &g.Prompt); err != nil {
		return widgets.Result{}, err
	}
	if err := v.Gather(sc.Context(), sc.Call().Sid, g); err != nil {
		return widgets.Result{}, &widgets.ServiceError{Service: "voice", Err: err}
	}
	return widgets.Result{Wait: &widgets.Wait{
		Events: n.events,
		// The gather timeout runs after the prompt and between digits, so
		// the host reports it; the engine's deadline is only a backstop.
		Timeout:   widgets.Seconds(n.timeout) + GatherGrace,
		Prompt:    map[string]any{"input": n.input, "number_of_digits": float64(n.numDigits), "sensitive": n.sensitive},
		Sensitive: n.sensitive,
	}}, nil
}

// Resume turns the voice service's report into the step's outputs: the
// <Gather> callback parameters (see GatherInputOnCall).
func (n *gatherNode) Resume(sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	out := gatherCallParams(sc, ev.Data)
	switch ev.Name {
	case "keypress":
		finished, reported := ev.Data["FinishedOnKey"]
		digits := stripFinishKey(widgets.DataString(ev.Data, "Digits"), n.finishOnKey, widgets.ValueString(finished), reported)
		out["Digits"] = n.redact(digits)
		if reported {
			out["FinishedOnKey"] = widgets.ValueString(finished)
		}
	case "speech":
		out["SpeechResult"] = n.redact(widgets.DataString(ev.Data, "SpeechResult"))
		out["Confidence"] = widgets.DataString(ev.Data, "Confidence")
	}
	return widgets.Take(ev.Name, out), nil
}

func (n *gatherNode) redact(s string) string {
	if n.sensitive && s != "" {
		return widgets.Redacted
	}
	return s
}

// stripFinishKey removes the key that ended the input from digits: Twilio's
// Digits never holds the finish-on key. When the host reported which key
// ended the input (FinishedOnKey), only that key is removed, and nothing
// when it says none did; otherwise a last key that is one of the finish
// keys is.
func stripFinishKey(digits, finishKeys, finished string, reported bool) string {
	if digits == "" {
		return digits
	}
	last := digits[len(digits)-1:]
	switch {
	case reported && finished != "" && last == finished:
		return digits[:len(digits)-1]
	case !reported && finishKeys != "" && strings.Contains(finishKeys, last):
		return digits[:len(digits)-1]
	}
	return digits
}

// gatherCallKeys are the request parameters of a TwiML callback that
// describe the call, which a gather's outputs carry.
var gatherCallKeys = func() map[string]bool {
	keys := map[string]bool{}
	for _, k := range []string{
		"CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "ApiVersion",
		"ForwardedFrom", "CallerName", "ParentCallSid", "Caller", "Called",
		"FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry",
		"CallerCity", "CallerState", "CallerZip", "CallerCountry", "CalledCity", "CalledState", "CalledZip", "CalledCountry",
	} {
		keys[k] = true
	}
	return keys
}()

// gatherCallParams returns the call's parameters of a <Gather> callback:
// those the host reported in data, completed from the execution's call and
// from trigger.call when that call started the execution. It walks the
// maps it is given rather than the keys it wants: a gather's event holds a
// few parameters, and a resume should not cost two dozen lookups.
func gatherCallParams(sc widgets.StepContext, data map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range data {
		if p, ok := callParam(v); ok && gatherCallKeys[k] {
			out[k] = p
		}
	}
	call := sc.Call()
	if _, ok := out["CallSid"]; !ok && call.Sid != "" {
		out["CallSid"] = call.Sid
	}
	if _, ok := out["CallStatus"]; !ok && call.Live {
		out["CallStatus"] = "in-progress"
	}
	// trigger.call describes the call that started the execution; it is the
	// gather's call only when the sids agree.
	tc, _ := sc.Lookup("trigger.call")
	trigger, _ := tc.(map[string]any)
	if trigger == nil || call.Sid == "" || widgets.DataString(trigger, "CallSid") != call.Sid {
		return out
	}
	for k, v := range trigger {
		// The status at the start is stale.
		if k == "CallStatus" || !gatherCallKeys[k] {
			continue
		}
		if _, ok := out[k]; ok {
			continue
		}
		if p, ok := callParam(v); ok {
			out[k] = p
		}
	}
	return out
}

// callParam is v as a call parameter, a text: a call parameter is a
// scalar, and nothing else hides here. A text is returned as it was given,
// not boxed again.
func callParam(v any) (any, bool) {
	switch v.(type) {
	case string:
		return v, true
	case float64, bool:
		return widgets.ValueString(v), true
	}
	return nil, false
}
