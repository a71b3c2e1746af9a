package connect

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/widgets"
)

// Participant actions: what the customer hears or reads, and what they
// key in or say.

// say plays or sends the action's prompt (Text, SSML, PromptId or
// Media.Uri) on the contact's channel. ok is false, with the result to
// take, when the channel cannot take it.
func (n *node) say(sc widgets.StepContext, prompt widgets.Prompt, chatText string) (widgets.Result, bool, error) {
	switch channelOf(sc) {
	case ChannelVoice:
		v, res, ok, err := n.voice(sc)
		if !ok || err != nil {
			return res, ok, err
		}
		if prompt.Say == "" && prompt.Play == "" {
			return widgets.Result{}, true, nil
		}
		if err := v.Say(sc.Context(), sc.Call().Sid, prompt); err != nil {
			return n.failWith(err), false, nil
		}
	case ChannelChat:
		if chatText == "" {
			if prompt.Say != "" || prompt.Play != "" {
				// PromptId and SSML are voice only.
				return n.fail(ErrorNoMatchingError, "a chat contact takes only Text"), false, nil
			}
			return widgets.Result{}, true, nil
		}
		m := sc.Services().Messaging
		if m == nil {
			return widgets.Result{}, false, widgets.NotConfigured("messaging", "no messaging service is configured")
		}
		if _, err := m.Send(sc.Context(), widgets.Message{From: sc.FlowAddress(), To: sc.ContactAddress(), Body: chatText}); err != nil {
			return n.failWith(err), false, nil
		}
	default:
		// A task has nobody to speak to: Connect takes the success branch
		// with no effect.
	}
	return widgets.Result{}, true, nil
}

// defaultVoice is the text-to-speech voice of a contact no
// UpdateContactTextToSpeechVoice set one for: "This defaults to Joanna if
// this action is never run" (AWS, UpdateContactTextToSpeechVoice).
const defaultVoice = "Joanna"

// prompt builds the voice prompt of parameters (an action's, or one of
// MessageParticipantIteratively's Messages), and the text a chat takes.
func promptOf(sc widgets.StepContext, get func(string) any) (widgets.Prompt, string) {
	p := widgets.Prompt{Voice: sharedString(sc, keyTextToSpeechVoiceID), Language: sharedString(sc, keyLanguageCode)}
	if p.Voice == "" {
		p.Voice = defaultVoice
	} else {
		p.Engine = stringOf(sharedMap(sc, keyTextToSpeech)["TextToSpeechEngine"])
	}
	chat := ""
	if v := get("Text"); v != nil {
		p.Say = stringOf(v)
		chat = p.Say
	} else if v := get("SSML"); v != nil {
		p.Say = stringOf(v)
	} else if v := get("PromptId"); v != nil {
		p.Play = stringOf(v)
	} else if m, ok := get("Media").(map[string]any); ok {
		p.Play = stringOf(m["Uri"])
	}
	return p, chat
}

func (n *node) prompt(sc widgets.StepContext) (widgets.Prompt, string) {
	return promptOf(sc, func(k string) any { return n.param(sc, k) })
}

func runMessage(n *node, sc widgets.StepContext) (widgets.Result, error) {
	p, chat := n.prompt(sc)
	if res, ok, err := n.say(sc, p, chat); !ok || err != nil {
		return res, err
	}
	return n.next(nil), nil
}

// MessageParticipantIteratively plays its messages in order, over and
// over, while the contact waits in a queue or on hold: the flow waits,
// and leaves through MessagesInterrupted when InterruptFrequencySeconds
// pass, or ends when the contact leaves the queue (event "dequeued", an
// agent took it) or hangs up.
func runIterative(n *node, sc widgets.StepContext) (widgets.Result, error) {
	if channelOf(sc) != ChannelVoice {
		return n.fail(ErrorNoMatchingError, "messages loop only on a voice contact"), nil
	}
	msgs, _ := n.param(sc, "Messages").([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		p, _ := promptOf(sc, func(k string) any { return mm[k] })
		if res, ok, err := n.say(sc, p, ""); !ok || err != nil {
			return res, err
		}
	}
	w := widgets.Wait{Events: []string{"dequeued", "hangup"}, Prompt: map[string]any{"hold": true}}
	if d := n.limitOf(sc); d > 0 {
		w.Events = append(w.Events, widgets.TimeoutEvent)
		w.Timeout = d
	}
	return widgets.Suspend(w, nil), nil
}

func resumeIterative(n *node, sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	if ev.Name == widgets.TimeoutEvent {
		return n.choose(sc, "MessagesInterrupted", nil), nil
	}
	return widgets.EndExecution(false, "the contact left the queue"), nil
}

// GetParticipantInput: a menu (conditions on one key) or, with
// StoreInput "True", input stored as $.StoredCustomerInput. A voice
// contact keys it in (DTMF); a chat contact's reply is the entered
// string, as the flow language reference has it ("an entered string for
// other channels"; the console's block pages send chat to the error
// branch unless a Lex bot answers). A task takes NoMatchingError. With
// no input before InputTimeLimitSeconds, a menu takes
// InputTimeLimitExceeded, and stored input is "Timeout" on the success
// branch, as Connect documents.
//
// Stored input with InputEncryption ("allows you to encrypt it. This
// way, you can encrypt sensitive input such as credit card numbers",
// AWS) is never kept in clear: the wait is sensitive (late input is
// refused, never handed to the next wait), and the input goes to the
// host's ContactCenter as a request {Action: "GetParticipantInput",
// Resource: the EncryptionKeyId, Parameters: {"Input": the input,
// "InputEncryption": {EncryptionKeyId, Key}}}, whose answer's
// "EncryptedInput" (a non-empty string: the ciphertext, as Connect would
// store it) becomes $.StoredCustomerInput. Without a contact center, or
// without that answer, the state takes NoMatchingError and nothing is
// stored. An InputEncryption written as anything but an object with an
// EncryptionKeyId and a Key is a check error.
func compileInput(n *node, p *widgets.Props) {
	n.limit(p, firstKey(p, "InputTimeLimitSeconds", "InputTimeoutSeconds", "TimeLimitSeconds"), 5, 1, 86400)
	n.flag = strings.EqualFold(rawString(p.State.Properties["StoreInput"]), "true")
	if n.encrypt = n.flag && p.Has("InputEncryption"); n.encrypt {
		checkEncryption(p)
	}
	n.count = 1
	if n.flag {
		n.count = 20
		var v struct {
			CustomValidation struct{ MaximumLength json.RawMessage }
		}
		if p.Has("InputValidation") && p.Decode("InputValidation", &v) {
			if max, err := strconv.Atoi(rawString(v.CustomValidation.MaximumLength)); err == nil && max > 0 {
				n.count = max
			}
		}
	}
}

func runInput(n *node, sc widgets.StepContext) (widgets.Result, error) {
	p, chat := n.prompt(sc)
	ch := channelOf(sc)
	if ch != ChannelVoice && ch != ChannelChat {
		return n.fail(ErrorNoMatchingError, "a "+ch+" contact cannot give input"), nil
	}
	w := widgets.Wait{Timeout: n.limitOf(sc), Prompt: map[string]any{"input": "dtmf", "max_digits": n.count}}
	if n.encrypt {
		w.Sensitive = true
		w.Prompt["sensitive"] = true
	}
	if ch == ChannelVoice {
		g := widgets.Gather{Prompt: p, Input: "dtmf", Timeout: w.Timeout, NumDigits: n.count, FinishOnKey: n.terminator(sc)}
		if res, ok, err := n.gather(sc, g); !ok || err != nil {
			return res, err
		}
		w.Events = []string{"keypress", widgets.TimeoutEvent, "hangup"}
	} else {
		if res, ok, err := n.say(sc, p, chat); !ok || err != nil {
			return res, err
		}
		w.Events = []string{"incomingMessage", widgets.TimeoutEvent}
		w.Prompt["input"] = "text"
	}
	return widgets.Suspend(w, nil), nil
}

// gather asks the live call for input while the prompt plays. ok is
// false, with the result to take, when it cannot.
func (n *node) gather(sc widgets.StepContext, g widgets.Gather) (widgets.Result, bool, error) {
	v, res, ok, err := n.voice(sc)
	if !ok || err != nil {
		return res, ok, err
	}
	if err := v.Gather(sc.Context(), sc.Call().Sid, g); err != nil {
		return n.failWith(err), false, nil
	}
	return widgets.Result{}, true, nil
}

// voice is the voice service, when the call is live and there is one;
// ok is false, with the result to take or the error, when not.
func (n *node) voice(sc widgets.StepContext) (widgets.Voice, widgets.Result, bool, error) {
	if !sc.Call().Live {
		return nil, n.fail(ErrorNoMatchingError, "the customer is no longer on the call"), false, nil
	}
	v := sc.Services().Voice
	if v == nil {
		return nil, widgets.Result{}, false, widgets.NotConfigured("voice", "no voice service is configured")
	}
	return v, widgets.Result{}, true, nil
}

// encrypted is input encrypted by the host's ContactCenter with the
// InputEncryption the state gives. An InputEncryption that is not an
// object with an EncryptionKeyId (the check refuses one written so; a
// reference resolves to text) takes NoMatchingError: the input is never
// kept in clear.
func (n *node) encrypted(sc widgets.StepContext, input string) (string, *widgets.Result) {
	enc, _ := n.param(sc, "InputEncryption").(map[string]any)
	keyID := stringOf(enc["EncryptionKeyId"])
	if keyID == "" {
		res := n.fail(ErrorNoMatchingError, "InputEncryption is not an object with an EncryptionKeyId: the input is not stored")
		return "", &res
	}
	answer, err := n.ask(sc, keyID, map[string]any{"Input": input, "InputEncryption": enc})
	if err != nil {
		res := n.failWith(err)
		return "", &res
	}
	encrypted, _ := answer["EncryptedInput"].(string)
	if encrypted == "" {
		res := n.fail(ErrorNoMatchingError, "the contact center did not encrypt the input (no EncryptedInput in its answer)")
		return "", &res
	}
	return encrypted, nil
}

// checkEncryption refuses an InputEncryption written as anything but an
// object with an EncryptionKeyId and a Key ("An optional object that
// defines how to encrypt the customer input", AWS): its input would never
// be stored.
func checkEncryption(p *widgets.Props) {
	var enc struct{ EncryptionKeyId, Key string }
	raw := p.State.Properties["InputEncryption"]
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &enc) != nil || enc.EncryptionKeyId == "" || enc.Key == "" {
		p.Errorf("InputEncryption", widgets.CodePropertyInvalid, "InputEncryption must be an object with an EncryptionKeyId and a Key (the certificate), written as such")
	}
}

// terminator is the key sequence that ends stored input: the
// DTMFConfiguration's InputTerminationSequence ("Up to five digits to
// serve as the terminating sequence when gathering DTMF"), "#" by
// default. It ends the input and is no part of it: a host that reports
// the digits with it (one that cannot stop on a sequence of several keys)
// has it cut off.
func (n *node) terminator(sc widgets.StepContext) string {
	if seq := n.dtmf(sc, "InputTerminationSequence"); seq != "" {
		return seq
	}
	return "#"
}

// dtmf reads a DTMFConfiguration setting.
func (n *node) dtmf(sc widgets.StepContext, key string) string {
	m, _ := n.param(sc, "DTMFConfiguration").(map[string]any)
	return stringOf(m[key])
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func resumeInput(n *node, sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	var input string
	switch ev.Name {
	case widgets.TimeoutEvent:
		if n.flag {
			if err := sc.SetShared(keyStoredInput, "Timeout"); err != nil {
				return n.refused(err), nil
			}
			return n.next(nil), nil
		}
		return n.fail(ErrorInputTimeLimit, "no input before the time limit"), nil
	case "keypress":
		input = widgets.DataString(ev.Data, "Digits")
		if n.flag {
			input = strings.TrimSuffix(input, n.terminator(sc))
		}
	case "incomingMessage":
		input = widgets.DataString(ev.Data, "Body")
	}
	if !n.flag {
		if len(input) > 1 && ev.Name == "keypress" {
			input = input[:1] // a menu reads one key
		}
		return n.choose(sc, input, map[string]any{"Input": input}), nil
	}
	if n.count > 0 && len(input) > n.count {
		input = input[:n.count]
	}
	var v struct{ PhoneNumberValidation map[string]any }
	if m, ok := n.param(sc, "InputValidation").(map[string]any); ok {
		v.PhoneNumberValidation, _ = m["PhoneNumberValidation"].(map[string]any)
	}
	if v.PhoneNumberValidation != nil {
		number, ok := phoneNumber(input, stringOf(v.PhoneNumberValidation["NumberFormat"]), stringOf(v.PhoneNumberValidation["CountryCode"]))
		if !ok {
			return n.fail(ErrorInvalidPhoneNumber, "the input is not a phone number"), nil
		}
		input = number
	}
	if n.encrypt {
		var res *widgets.Result
		if input, res = n.encrypted(sc, input); res != nil {
			return *res, nil
		}
	}
	if err := sc.SetShared(keyStoredInput, input); err != nil {
		return n.refused(err), nil
	}
	return n.next(nil), nil
}

// phoneNumber checks a phone number keyed in: E164 wants "+" and the
// country code (keyed as "*" on a phone pad, or left out), "a fully
// defined e.164 phone number": 7 to 15 digits, the first not 0. Local
// wants "a local number (without the + and the country code)" (AWS,
// GetParticipantInput): a national number of the country, its trunk 0
// left out or not, made E.164 with the calling code. A North American
// number is its ten digits, area code and exchange each starting 2 to 9
// (a 1 keyed before them is the country code, and refused); another
// country's national number does not start with 0 once its trunk 0 is
// left out, and with the calling code it must make 7 to 15 digits, as
// E164's. What a numbering plan allows beyond that (which area codes
// exist) is not checked.
func phoneNumber(input, format, country string) (string, bool) {
	digits := strings.TrimPrefix(strings.TrimPrefix(input, "*"), "+")
	if strings.EqualFold(format, "Local") {
		code, ok := callingCodes[strings.ToUpper(country)]
		if !ok || !allDigits(digits) {
			return "", false
		}
		if code == "1" {
			if len(digits) != 10 || digits[0] < '2' || digits[3] < '2' {
				return "", false
			}
		} else if digits = strings.TrimPrefix(digits, "0"); digits == "" || digits[0] == '0' {
			return "", false
		}
		digits = code + digits
	}
	number := "+" + digits
	return number, e164.MatchString(number)
}

// allDigits reports whether s is made of ASCII digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// callingCodes are the calling codes of the countries whose local
// numbers Store customer input reads most often; another country's
// local number is refused as invalid.
var callingCodes = map[string]string{
	"US": "1", "CA": "1", "GB": "44", "IE": "353", "AU": "61", "NZ": "64", "DE": "49", "FR": "33", "ES": "34",
	"IT": "39", "NL": "31", "BE": "32", "SE": "46", "NO": "47", "DK": "45", "FI": "358", "PT": "351", "CH": "41",
	"AT": "43", "PL": "48", "JP": "81", "IN": "91", "SG": "65", "ZA": "27", "BR": "55", "MX": "52",
}

// ConnectParticipantWithLexBot: the customer's words (speech or keys on
// a call, a message on chat) go to the Lex bot through the host's
// ContactCenter, whose answer (IntentName, Slots, SessionAttributes,
// DialogState ...) becomes $.Lex; the conditions test the intent's name.
// When no bot names an intent (no contact center, or an answer without
// IntentName) the words themselves are the intent if they equal one of
// the conditions' (case aside), which is enough to simulate a bot.
func runLex(n *node, sc widgets.StepContext) (widgets.Result, error) {
	p, chat := n.prompt(sc)
	ch := channelOf(sc)
	w := widgets.Wait{Timeout: n.limitOf(sc), Prompt: map[string]any{"input": "lex"}}
	switch ch {
	case ChannelVoice:
		// # ends keyed input, as a voice service's gather does by default
		// (an empty FinishOnKey would say no key does).
		if res, ok, err := n.gather(sc, widgets.Gather{Prompt: p, Input: "dtmf speech", Timeout: w.Timeout, FinishOnKey: "#"}); !ok || err != nil {
			return res, err
		}
		w.Events = []string{"speech", "keypress", widgets.TimeoutEvent, "hangup"}
	case ChannelChat:
		if res, ok, err := n.say(sc, p, chat); !ok || err != nil {
			return res, err
		}
		w.Events = []string{"incomingMessage", widgets.TimeoutEvent}
	default:
		return n.fail(ErrorNoMatchingError, "a "+ch+" contact cannot talk to a bot"), nil
	}
	return widgets.Suspend(w, nil), nil
}

func resumeLex(n *node, sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	var words string
	switch ev.Name {
	case widgets.TimeoutEvent:
		return n.fail(ErrorInputTimeLimit, "the customer said nothing before the time limit"), nil
	case "speech":
		words = widgets.DataString(ev.Data, "SpeechResult")
	case "keypress":
		words = widgets.DataString(ev.Data, "Digits")
	case "incomingMessage":
		words = widgets.DataString(ev.Data, "Body")
	}
	bot := ""
	if m, ok := n.param(sc, "LexV2Bot").(map[string]any); ok {
		bot = stringOf(m["AliasArn"])
	} else if m, ok := n.param(sc, "LexBot").(map[string]any); ok {
		bot = stringOf(m["Name"])
	}
	lex := map[string]any{}
	if sc.Services().ContactCenter != nil {
		params := map[string]any{"Text": words}
		if s := n.param(sc, "LexSessionAttributes"); s != nil {
			params["SessionAttributes"] = s
		}
		ans, err := n.ask(sc, bot, params)
		if err != nil {
			return n.failWith(err), nil
		}
		if ans != nil {
			lex = widgets.CopyData(ans) // the host's map stays the host's
		}
	}
	if stringOf(lex["IntentName"]) == "" {
		// No bot named an intent: the words are one when they are an
		// intent's name.
		lex["IntentName"], lex["DialogState"] = "", "Failed"
		for _, c := range n.conds {
			for _, o := range c.operands {
				if name := o.render(sc); strings.EqualFold(strings.TrimSpace(words), name) {
					lex["IntentName"], lex["DialogState"] = name, "Fulfilled"
				}
			}
		}
	}
	lex["InputTranscript"] = words
	if err := sc.SetShared(keyLex, lex); err != nil {
		return n.refused(err), nil
	}
	return n.choose(sc, lex["IntentName"], nil), nil
}

// Wait waits for TimeoutSeconds (TimeLimitSeconds in exports) or for one
// of its Events (CustomerReturned, which a chat customer's message is):
// its conditions test "WaitCompleted" or the event's name.
func compileWait(n *node, p *widgets.Props) {
	n.limit(p, firstKey(p, "TimeoutSeconds", "TimeLimitSeconds"), 60, 1, 604800)
}

func runWait(n *node, sc widgets.StepContext) (widgets.Result, error) {
	w := widgets.Wait{Events: []string{widgets.TimeoutEvent}, Timeout: n.limitOf(sc), Prompt: map[string]any{"wait": true}}
	if evs, ok := n.param(sc, "Events").([]any); ok {
		for _, e := range evs {
			if s := stringOf(e); s != "" {
				w.Events = append(w.Events, s)
			}
		}
	}
	if sc.Call().Live {
		w.Events = append(w.Events, "hangup")
	}
	if slices.Contains(w.Events, eventCustomerReturned) && channelOf(sc) == ChannelChat {
		// A chat customer returns by writing.
		w.Events = append(w.Events, "incomingMessage")
	}
	return widgets.Suspend(w, nil), nil
}

// eventCustomerReturned is the Wait event of a chat customer who comes
// back (a message, on this library's chats).
const eventCustomerReturned = "CustomerReturned"

func resumeWait(n *node, sc widgets.StepContext, ev widgets.Event) (widgets.Result, error) {
	result := ev.Name
	switch result {
	case widgets.TimeoutEvent:
		result = "WaitCompleted"
	case "incomingMessage":
		result = eventCustomerReturned
	}
	return n.choose(sc, result, nil), nil
}
