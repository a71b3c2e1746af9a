package twilio

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
	"github.com/twilio/twilio-go/twiml"

	"github.com/studioflow/studioflow/runtime"
	"github.com/studioflow/studioflow/widgets"
)

// Voice is the adapter's widgets.Voice. It does not talk to Twilio: it
// buffers the verbs a run produces under the run's execution (from
// widgets.EffectOf on each call's context), and the webhook that ran the
// engine drains them into its TwiML response. Build it with New (it is
// Adapter.Voice).
//
// Say (say, play, digits), Gather, Connect (<Dial>), a voicemail Record,
// Enqueue of the live call (<Enqueue>), Redirect, Capture (<Pay>) and
// Hangup are buffered; Call places an outbound call and RecordCall
// records the call through the REST API; handing a contact without a
// call to Flex returns an error wrapping ErrUnsupported.
type Voice struct {
	rest   *restClient
	public string // Config.PublicURL, for the outbound calls' webhooks

	mu    sync.Mutex
	max   int
	bufs  map[string]*list.Element // execution id -> *voiceBuffer
	order *list.List               // oldest first
}

var (
	_ widgets.Voice        = (*Voice)(nil)
	_ widgets.Payments     = (*Voice)(nil)
	_ widgets.CallRecorder = (*Voice)(nil)
)

type voiceBuffer struct {
	id    string
	verbs []verb
}

type verbKind int

const (
	verbSay verbKind = iota
	verbGather
	verbDial
	verbRecord
	verbEnqueue
	verbRedirect
	verbPay
	verbHangup
)

// verb is one buffered TwiML verb.
type verb struct {
	kind     verbKind
	prompt   widgets.Prompt         // verbSay
	gather   widgets.Gather         // verbGather
	dial     widgets.Dial           // verbDial
	record   widgets.Recording      // verbRecord
	queue    widgets.Enqueue        // verbEnqueue
	redirect widgets.Redirect       // verbRedirect
	pay      widgets.PaymentRequest // verbPay
}

func newVoice(max int) *Voice {
	return &Voice{max: max, bufs: map[string]*list.Element{}, order: list.New()}
}

// add buffers v for the execution whose step made the call.
func (s *Voice) add(ctx context.Context, v verb) error {
	eff, ok := widgets.EffectOf(ctx)
	if !ok || eff.Execution == "" {
		return errors.New("adapters/twilio: a voice operation outside an execution's step (no widgets.EffectOf on its context)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.bufs[eff.Execution]
	if !ok {
		el = s.order.PushBack(&voiceBuffer{id: eff.Execution})
		s.bufs[eff.Execution] = el
		for s.order.Len() > s.max {
			old := s.order.Remove(s.order.Front()).(*voiceBuffer)
			delete(s.bufs, old.id)
		}
	}
	b := el.Value.(*voiceBuffer)
	b.verbs = append(b.verbs, v)
	return nil
}

// drain returns and forgets the verbs buffered for execution id.
func (s *Voice) drain(id string) []verb {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.bufs[id]
	if !ok {
		return nil
	}
	s.order.Remove(el)
	delete(s.bufs, id)
	return el.Value.(*voiceBuffer).verbs
}

// Say implements widgets.Voice: <Say>, <Play> or <Play digits>.
func (s *Voice) Say(ctx context.Context, _ string, p widgets.Prompt) error {
	return s.add(ctx, verb{kind: verbSay, prompt: p})
}

// Gather implements widgets.Voice: <Gather> around its prompt, whose
// action URL the webhook writes with the wait's token.
func (s *Voice) Gather(ctx context.Context, _ string, g widgets.Gather) error {
	return s.add(ctx, verb{kind: verbGather, gather: g})
}

// Capture implements widgets.Payments: a <Pay>, whose action URL the
// webhook writes with the wait's token. The card data goes from the
// caller to the payment connector through Twilio; the adapter sees only
// the outcome.
func (s *Voice) Capture(ctx context.Context, _ string, p widgets.PaymentRequest) error {
	return s.add(ctx, verb{kind: verbPay, pay: p})
}

// Hangup implements widgets.Voice: <Hangup>.
func (s *Voice) Hangup(ctx context.Context, _ string) error {
	return s.add(ctx, verb{kind: verbHangup})
}

func unsupported(op, widget string) error {
	return fmt.Errorf("adapters/twilio: %s (%s): %w", op, widget, ErrUnsupported)
}

// Connect implements widgets.Voice: <Dial>, whose action URL the webhook
// writes with the wait's token.
func (s *Voice) Connect(ctx context.Context, _ string, d widgets.Dial) error {
	return s.add(ctx, verb{kind: verbDial, dial: d})
}

// Record implements widgets.Voice: a voicemail is a <Record>, whose
// action URL the webhook writes with the wait's token; recording the call
// is RecordCall's.
func (s *Voice) Record(ctx context.Context, callSid string, r widgets.Recording) error {
	if r.Mode != "voicemail" {
		_, err := s.RecordCall(ctx, callSid, r)
		return err
	}
	return s.add(ctx, verb{kind: verbRecord, record: r})
}

// RecordCall implements widgets.CallRecorder (record-call): it starts
// recording the live call through the REST API (POST
// /Calls/{sid}/Recordings.json, with the widget's channels, trim and
// status callback), or stops the call's current recording (POST
// /Calls/{sid}/Recordings/Twilio.CURRENT.json, Status stopped).
func (s *Voice) RecordCall(ctx context.Context, callSid string, r widgets.Recording) (widgets.RecordingInfo, error) {
	if callSid == "" {
		return widgets.RecordingInfo{}, errors.New("adapters/twilio: record-call needs a call")
	}
	token := ""
	if eff, ok := widgets.EffectOf(ctx); ok {
		token = IdempotencyToken(eff.Key)
	}
	rctx, cancel := detach(ctx)
	defer cancel()
	api := s.rest.api(rctx, token)
	var rec *openapi.ApiV2010CallRecording
	var err error
	switch r.Mode {
	case "start":
		p := &openapi.CreateCallRecordingParams{}
		if r.Channels != "" {
			p.SetRecordingChannels(r.Channels)
		}
		if r.Trim != "" {
			p.SetTrim(r.Trim)
		}
		if r.StatusCallback != "" {
			p.SetRecordingStatusCallback(r.StatusCallback)
			if r.StatusCallbackMethod != "" {
				p.SetRecordingStatusCallbackMethod(r.StatusCallbackMethod)
			}
			if ev := strings.Fields(r.StatusCallbackEvents); len(ev) > 0 {
				p.SetRecordingStatusCallbackEvent(ev)
			}
		}
		rec, err = api.CreateCallRecording(callSid, p)
	case "stop", "pause", "resume":
		status := map[string]string{"stop": "stopped", "pause": "paused", "resume": "in-progress"}[r.Mode]
		rec, err = api.UpdateCallRecording(callSid, "Twilio.CURRENT", (&openapi.UpdateCallRecordingParams{}).SetStatus(status))
	default:
		return widgets.RecordingInfo{}, unsupported("record "+r.Mode, "record-call")
	}
	if err != nil {
		return widgets.RecordingInfo{}, fmt.Errorf("adapters/twilio: %s the call's recording: %w", r.Mode, err)
	}
	info := widgets.RecordingInfo{Extra: map[string]any{}}
	if rec.Sid != nil {
		info.Sid = *rec.Sid
	}
	if rec.Status != nil {
		info.Status = *rec.Status
	}
	if rec.StartTime != nil {
		if t, err := time.Parse(time.RFC1123Z, *rec.StartTime); err == nil {
			info.StartTime = t
		}
	}
	if rec.Channels != 0 {
		info.Extra["Channels"] = float64(rec.Channels)
	}
	return info, nil
}

// Enqueue implements widgets.Voice: the live call is an <Enqueue> into
// the named queue, or into the TaskRouter workflow with a <Task> of the
// widget's attributes, priority and timeout; its action URL the webhook
// writes with the wait's token. A contact without a call (send-to-flex
// from a message) is not supported yet: that needs Flex's Interactions
// API.
func (s *Voice) Enqueue(ctx context.Context, callSid string, q widgets.Enqueue) error {
	if callSid == "" {
		return unsupported("enqueue a contact without a call", "send-to-flex from a message")
	}
	return s.add(ctx, verb{kind: verbEnqueue, queue: q})
}

// Redirect implements widgets.Voice: a <Redirect> that hands the call to
// the external TwiML, which returns it to the flow by redirecting to the
// adapter's PathVoiceReturn.
func (s *Voice) Redirect(ctx context.Context, _ string, r widgets.Redirect) error {
	return s.add(ctx, verb{kind: verbRedirect, redirect: r})
}

// Call implements widgets.Voice: it creates the call through Twilio's
// REST API (POST /2010-04-01/Accounts/{sid}/Calls.json), with the step's
// effect key as the idempotency token. Twilio requests the adapter's
// answer webhook (PathVoiceAnswer) when the call is answered, and posts
// the call's end to its status callback (PathVoiceStatus); both name the
// execution, and the call's sid ties them to the wait that placed it.
func (s *Voice) Call(ctx context.Context, c widgets.OutboundCall) (string, error) {
	eff, ok := widgets.EffectOf(ctx)
	if !ok || eff.Execution == "" {
		return "", errors.New("adapters/twilio: an outbound call outside an execution's step (no widgets.EffectOf on its context)")
	}
	q := "?" + url.Values{"execution": {eff.Execution}}.Encode()
	p := &openapi.CreateCallParams{}
	p.SetTo(c.To).SetFrom(c.From).
		SetUrl(s.public + PathVoiceAnswer + q).SetMethod(http.MethodPost).
		SetStatusCallback(s.public + PathVoiceStatus + q).SetStatusCallbackMethod(http.MethodPost)
	if c.Timeout > 0 {
		p.SetTimeout(int(c.Timeout.Seconds()))
	}
	if c.Record {
		p.SetRecord(true)
	}
	if c.MachineDetection != "" {
		p.SetMachineDetection(c.MachineDetection)
	}
	if c.SendDigits != "" {
		p.SetSendDigits(c.SendDigits)
	}
	if c.SipAuthUsername != "" {
		p.SetSipAuthUsername(c.SipAuthUsername).SetSipAuthPassword(c.SipAuthPassword)
	}
	for key, set := range map[string]func(int){
		"machine_detection_timeout":              func(n int) { p.SetMachineDetectionTimeout(n) },
		"machine_detection_speech_threshold":     func(n int) { p.SetMachineDetectionSpeechThreshold(n) },
		"machine_detection_speech_end_threshold": func(n int) { p.SetMachineDetectionSpeechEndThreshold(n) },
		"machine_detection_silence_timeout":      func(n int) { p.SetMachineDetectionSilenceTimeout(n) },
	} {
		if v, ok := c.Extra[key].(float64); ok {
			set(int(v))
		}
	}
	for key, set := range map[string]func(string){
		"trim":                      func(v string) { p.SetTrim(v) },
		"recording_channels":        func(v string) { p.SetRecordingChannels(v) },
		"recording_status_callback": func(v string) { p.SetRecordingStatusCallback(v) },
	} {
		if v, ok := c.Extra[key].(string); ok && v != "" {
			set(v)
		}
	}
	rctx, cancel := detach(ctx)
	defer cancel()
	call, err := s.rest.api(rctx, IdempotencyToken(eff.Key)).CreateCall(p)
	if err != nil {
		return "", fmt.Errorf("adapters/twilio: create call: %w", err)
	}
	if call.Sid == nil || *call.Sid == "" {
		return "", errors.New("adapters/twilio: create call: Twilio returned no call sid")
	}
	return *call.Sid, nil
}

// placedCallWait returns the wait of execution x for the outcome of the
// outbound call callSid (make-outgoing-call), nil when it waits for
// something else.
func placedCallWait(x *runtime.Execution, callSid string) *runtime.WaitState {
	if x.Status != runtime.StatusActive || x.Wait == nil || !x.Wait.Accepts("answered") {
		return nil
	}
	if sid, _ := x.Wait.Prompt["call_sid"].(string); sid == "" || sid != callSid {
		return nil
	}
	return x.Wait
}

// voiceAnswer is the answer webhook of an outbound call: the wait that
// placed it takes answered (answeredByMachine, where the widget has it,
// when answering-machine detection says a machine answered), and the
// flow's voice steps after it are the call's TwiML. A call whose
// execution no longer waits for it is hung up.
func (a *Adapter) voiceAnswer(e runtime.Runner, r *http.Request) response {
	id, callSid := r.URL.Query().Get("execution"), r.PostForm.Get("CallSid")
	if id == "" || callSid == "" {
		return textResponse(http.StatusBadRequest, "the answer URL must carry execution, and the request CallSid")
	}
	ctx := r.Context()
	// Settled: Twilio may request this before the run that placed the
	// call has saved its wait.
	x, err := settled(ctx, e, id)
	if err != nil {
		return a.engineError("answer", err)
	}
	w := placedCallWait(x, callSid)
	if w == nil {
		a.logger.Warn("adapters/twilio: an answered call its execution no longer waits for; hanging up", "execution", id, "call", callSid)
		return twimlResponse([]twiml.Element{twiml.VoiceHangup{}})
	}
	ev := widgets.Event{Name: "answered", Data: formData(r), Token: w.Token}
	if strings.HasPrefix(r.PostForm.Get("AnsweredBy"), "machine") && w.Accepts("answeredByMachine") {
		ev.Name = "answeredByMachine"
	}
	x, err = e.Resume(ctx, id, ev)
	if errors.Is(err, runtime.ErrRefused) {
		// Another callback (the call's status, a retry) took the wait
		// first: nothing waits for this call any more. (What that run
		// buffered is its own to answer with: see dropUnsaid.)
		dropUnsaid(a.voice, id, err)
		a.logger.Warn("adapters/twilio: an answered call its execution stopped waiting for; hanging up", "execution", id, "call", callSid, "error", err)
		return twimlResponse([]twiml.Element{twiml.VoiceHangup{}})
	}
	if err != nil {
		a.voice.drain(id)
		return a.engineError("answer", err)
	}
	return a.voiceResponse(ctx, e, x)
}

// dropUnsaid drops what a failed run of execution id buffered for its
// call, which is not said, as it drops what a late callback's run said
// first (runtime.ErrLate: the wait's timeout, which the callback's refusal
// does not answer with). Any other refusal (a stale or duplicate callback)
// ran nothing: the buffer holds another run's verbs, which that run's own
// response is about to answer with, so they are left to it.
func dropUnsaid(v *Voice, id string, err error) {
	if !errors.Is(err, runtime.ErrRefused) || errors.Is(err, runtime.ErrLate) {
		v.drain(id)
	}
}

// settleTimeout bounds how long a callback waits for the run that holds
// its execution (settled): a run that is stuck is the engine's problem,
// and Twilio gives a webhook 15 seconds.
const settleTimeout = 10 * time.Second

// settled is e.Settled(ctx, id), waiting at most settleTimeout.
func settled(ctx context.Context, e runtime.Runner, id string) (*runtime.Execution, error) {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	return e.Settled(ctx, id)
}

// placedCallEvents are the outcomes of an outbound call that was never
// answered, by CallStatus (Twilio's make-outgoing-call events).
var placedCallEvents = map[string]string{"busy": "busy", "no-answer": "noAnswer", "failed": "failed", "canceled": "failed"}

// placedCallEvent is the event wait w takes for an outbound call that
// ended unanswered with CallStatus status. A wait without failed
// (Talkdesk's make-outbound-call) takes noAnswer for a canceled call and
// invalidNumber for one that failed.
func placedCallEvent(w *runtime.WaitState, status string) string {
	name := placedCallEvents[status]
	if name == "" {
		name = "failed"
	}
	if name != "failed" || w.Accepts("failed") {
		return name
	}
	if status == "canceled" && w.Accepts("noAnswer") {
		return "noAnswer"
	}
	if w.Accepts("invalidNumber") {
		return "invalidNumber"
	}
	return name
}

// promptVerbs renders a prompt: <Say>, <Play> and <Play digits>, each
// present part in that order.
func promptVerbs(p widgets.Prompt) []twiml.Element {
	loop := ""
	if p.Loop > 1 {
		loop = strconv.Itoa(p.Loop)
	}
	var out []twiml.Element
	if p.Say != "" {
		out = append(out, twiml.VoiceSay{Message: p.Say, Voice: sayVoice(p.Voice, p.Engine), Language: p.Language, Loop: loop})
	}
	if p.Play != "" {
		out = append(out, twiml.VoicePlay{Url: p.Play, Loop: loop})
	}
	if p.Digits != "" {
		out = append(out, twiml.VoicePlay{Digits: p.Digits})
	}
	return out
}

// sayVoice is a prompt's voice (and engine) as <Say>'s voice attribute
// takes it (TwiML Voice: <Say>): "man", "woman" or "alice" (in any case),
// or a provider's voice as written ("Polly.Joanna", "Polly.Joanna-Neural",
// "Google.en-US-Standard-C"). A bare Amazon Polly voice id, as Amazon
// Connect names voices (UpdateContactTextToSpeechVoice's "Joanna", the
// default), is Polly's, with "-Neural" or "-Generative" for that engine.
// Studio's "default" (and none) leaves the attribute out, for Twilio's
// default voice. Space around the voice is dropped.
func sayVoice(voice, engine string) string {
	v := strings.TrimSpace(voice)
	switch lower := strings.ToLower(v); {
	case v == "" || lower == "default":
		return ""
	case lower == "man" || lower == "woman" || lower == "alice":
		return lower
	case strings.Contains(v, "."):
		return v
	}
	switch strings.ToLower(strings.TrimSpace(engine)) {
	case "neural":
		return "Polly." + v + "-Neural"
	case "generative":
		return "Polly." + v + "-Generative"
	}
	return "Polly." + v
}

// gatherVerb renders a <Gather> whose action answers the wait token of
// execution id. actionOnEmptyResult makes Twilio post the action even
// without input, which the callback reports as timeout.
func (a *Adapter) gatherVerb(g widgets.Gather, id, token string) twiml.Element {
	el := twiml.VoiceGather{
		Input:               g.Input,
		Action:              a.actionURL(PathVoiceGather, id, token),
		Method:              http.MethodPost,
		Timeout:             strconv.Itoa(int(g.Timeout.Seconds())),
		FinishOnKey:         g.FinishOnKey,
		SpeechTimeout:       g.SpeechTimeout,
		Language:            g.Language,
		Hints:               g.Hints,
		SpeechModel:         g.SpeechModel,
		ProfanityFilter:     strconv.FormatBool(g.ProfanityFilter),
		ActionOnEmptyResult: "true",
		InnerElements:       promptVerbs(g.Prompt),
	}
	if g.NumDigits > 0 {
		el.NumDigits = strconv.Itoa(g.NumDigits)
	}
	if g.FinishOnKey == "" {
		// No key ends the input: TwiML says so with an empty finishOnKey,
		// which twilio-go does not write (it drops empty attributes), and
		// without which # would. renderTwiML writes it.
		el.OptionalAttributes = map[string]string{noFinishKey: "true"}
	}
	return el
}

// noFinishKey marks a <Gather> that no key ends; renderTwiML replaces it
// with finishOnKey="".
const noFinishKey = "studioflowNoFinishKey"

// dialVerb renders a <Dial> with action URL action: one noun for the
// party (several <Number>s for number-multi, which Twilio rings at once).
func (a *Adapter) dialVerb(d widgets.Dial, action string) twiml.Element {
	el := twiml.VoiceDial{
		Action:   action,
		Method:   http.MethodPost,
		CallerId: d.CallerID,
	}
	if d.Timeout > 0 {
		el.Timeout = strconv.Itoa(int(d.Timeout.Seconds()))
	}
	if d.Record {
		el.Record = "record-from-answer"
	}
	switch d.Noun {
	case "client":
		el.InnerElements = []twiml.Element{twiml.VoiceClient{Identity: d.To}}
	case "sip":
		el.InnerElements = []twiml.Element{twiml.VoiceSip{SipUrl: d.To, Username: d.SipUsername, Password: d.SipPassword}}
	case "conference":
		el.InnerElements = []twiml.Element{twiml.VoiceConference{Name: d.To}}
	default: // number, number-multi
		for _, n := range strings.Split(d.To, ",") {
			if n = strings.TrimSpace(n); n != "" {
				el.InnerElements = append(el.InnerElements, twiml.VoiceNumber{PhoneNumber: n})
			}
		}
	}
	return el
}

// recordVerbs renders a voicemail: a <Record> whose action answers the
// wait token of execution id, then a <Redirect> to the same URL marked
// empty, which Twilio follows only when the recording was empty (it
// requests no action then, and goes on to the next verb). A widget
// without finish_on_key (Studio's "None") writes no finishOnKey, so
// <Record>'s own default applies: any key (1234567890*#) ends the
// recording. Twilio accepts only keys there (warning 13613) and documents
// no value that no key ends, so a recording no key ends cannot be asked.
func (a *Adapter) recordVerbs(r widgets.Recording, id, token string) []twiml.Element {
	q := url.Values{"execution": {id}, "token": {token}}
	action := a.public + PathVoiceRecord + "?" + q.Encode()
	q.Set("empty", "true")
	el := twiml.VoiceRecord{
		Action:                  action,
		Method:                  http.MethodPost,
		Timeout:                 strconv.Itoa(int(r.Timeout.Seconds())),
		FinishOnKey:             r.FinishOnKey,
		PlayBeep:                strconv.FormatBool(r.PlayBeep),
		Trim:                    r.Trim,
		RecordingStatusCallback: r.StatusCallback,
		TranscribeCallback:      r.TranscriptionCallback,
	}
	if r.MaxLength > 0 {
		el.MaxLength = strconv.Itoa(int(r.MaxLength.Seconds()))
	}
	if r.Transcribe {
		el.Transcribe = "true"
	}
	return []twiml.Element{el, twiml.VoiceRedirect{Url: a.public + PathVoiceRecord + "?" + q.Encode(), Method: http.MethodPost}}
}

// enqueueVerb renders an <Enqueue> whose action answers the wait token
// of execution id: into the queue by name, or into the workflow with a
// <Task> (attributes as its body, priority, timeout).
func (a *Adapter) enqueueVerb(q widgets.Enqueue, id, token string) twiml.Element {
	el := twiml.VoiceEnqueue{
		Action:        a.actionURL(PathVoiceEnqueue, id, token),
		Method:        http.MethodPost,
		WaitUrl:       q.WaitURL,
		WaitUrlMethod: q.WaitURLMethod,
	}
	if q.WaitURL == "" {
		el.WaitUrlMethod = ""
	}
	if q.Workflow == "" {
		el.Name = q.Queue
		return el
	}
	el.WorkflowSid = q.Workflow
	task := twiml.VoiceTask{Body: q.Attributes}
	if task.Body == "" {
		task.Body = "{}"
	}
	if q.Priority > 0 {
		task.Priority = strconv.Itoa(q.Priority)
	}
	if q.Timeout > 0 {
		task.Timeout = strconv.Itoa(int(q.Timeout.Seconds()))
	}
	el.InnerElements = []twiml.Element{task}
	return el
}

// payVerb renders a <Pay> whose action answers the wait token of
// execution id, with the connector's parameters as <Parameter>s.
func (a *Adapter) payVerb(p widgets.PaymentRequest, id, token string) twiml.Element {
	el := twiml.VoicePay{
		Action:           a.actionURL(PathVoicePay, id, token),
		PaymentConnector: p.Connector,
		ChargeAmount:     p.Amount,
		Currency:         p.Currency,
		PaymentMethod:    p.PaymentMethod,
		TokenType:        p.TokenType,
		SecurityCode:     strconv.FormatBool(p.SecurityCode),
		PostalCode:       p.PostalCode,
		ValidCardTypes:   strings.Join(p.ValidCardTypes, " "),
		Language:         p.Language,
		Description:      p.Description,
	}
	if p.MaxAttempts > 0 {
		el.MaxAttempts = strconv.Itoa(p.MaxAttempts)
	}
	if p.Timeout > 0 {
		el.Timeout = strconv.Itoa(int(p.Timeout.Seconds()))
	}
	if p.MinPostalCodeLength > 0 {
		el.MinPostalCodeLength = strconv.Itoa(p.MinPostalCodeLength)
	}
	names := make([]string, 0, len(p.Parameters))
	for k := range p.Parameters {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		el.InnerElements = append(el.InnerElements, twiml.VoiceParameter{Name: k, Value: p.Parameters[k]})
	}
	return el
}

// actionURL is the action URL of a verb whose callback answers the wait
// token of execution id, served at path.
func (a *Adapter) actionURL(path, id, token string) string {
	return a.public + path + "?" + url.Values{"execution": {id}, "token": {token}}.Encode()
}

// renderTwiML writes one TwiML document, attributes in a fixed order.
func renderTwiML(verbs []twiml.Element) ([]byte, error) {
	doc, resp := twiml.CreateDocument()
	twiml.AddAllVerbs(resp, verbs)
	writeNoFinishKey(resp)
	sortAttrs(resp)
	doc.Indent(0)
	return doc.WriteToBytes()
}

// writeNoFinishKey turns each noFinishKey mark into finishOnKey="".
func writeNoFinishKey(e *etree.Element) {
	if e.RemoveAttr(noFinishKey) != nil {
		e.CreateAttr("finishOnKey", "")
	}
	for _, c := range e.ChildElements() {
		writeNoFinishKey(c)
	}
}

func sortAttrs(e *etree.Element) {
	e.SortAttrs()
	for _, c := range e.ChildElements() {
		sortAttrs(c)
	}
}

func twimlResponse(verbs []twiml.Element) response {
	body, err := renderTwiML(verbs)
	if err != nil {
		return textResponse(http.StatusInternalServerError, "could not write TwiML")
	}
	return response{status: http.StatusOK, contentType: "text/xml; charset=utf-8", body: body}
}

// voiceResponse drains what execution x's run buffered into one TwiML
// document. A wait this adapter answers (a gather, dial, voicemail,
// enqueue, pay or redirect) ends the document with its verb; a flow that
// ended, or whose call ended, hangs up; a flow that waits on the call
// for something this adapter cannot deliver is ended, with a reason that
// says so, and hangs up.
func (a *Adapter) voiceResponse(ctx context.Context, e runtime.Runner, x *runtime.Execution) response {
	var out []twiml.Element
	gathering := false // the document ends with the verb whose callback answers the wait
	hungUp := false
	waiting := x.Status == runtime.StatusActive && x.Wait != nil
	for _, v := range a.voice.drain(x.ID) {
		switch v.kind {
		case verbSay:
			out = append(out, promptVerbs(v.prompt)...)
		case verbGather:
			if waiting && x.Wait.Accepts("keypress") {
				out = append(out, a.gatherVerb(v.gather, x.ID, x.Wait.Token))
				gathering = true
			}
		case verbDial:
			switch {
			case waiting && x.Wait.Accepts("callCompleted"): // connect-call-to
				out = append(out, a.dialVerb(v.dial, a.actionURL(PathVoiceDial, x.ID, x.Wait.Token)))
				gathering = true
			case waiting && x.Wait.Prompt["outcome"] == "forward": // Talkdesk's forward-to-external-number
				out = append(out, a.dialVerb(v.dial, a.actionURL(PathVoiceDial, x.ID, x.Wait.Token)+"&forward=true"))
				gathering = true
			}
		case verbEnqueue:
			if waiting && x.Wait.Accepts("failedToEnqueue") {
				out = append(out, a.enqueueVerb(v.queue, x.ID, x.Wait.Token))
				gathering = true
			}
		case verbRedirect:
			if waiting && x.Wait.Accepts("return") {
				out = append(out, twiml.VoiceRedirect{Url: v.redirect.URL, Method: v.redirect.Method})
				gathering = true
			}
		case verbPay:
			if waiting && x.Wait.Accepts("maxFailedAttempts") {
				out = append(out, a.payVerb(v.pay, x.ID, x.Wait.Token))
				gathering = true
			}
		case verbRecord:
			if waiting && x.Wait.Accepts("recordingComplete") {
				out = append(out, a.recordVerbs(v.record, x.ID, x.Wait.Token)...)
				gathering = true
			}
		case verbHangup:
			out = append(out, twiml.VoiceHangup{})
			hungUp = true
		}
	}
	if x.Status == runtime.StatusActive && x.Call.Live && !gathering && !hungUp {
		state, events := "", []string(nil)
		if x.Wait != nil {
			state, events = x.Wait.State, x.Wait.Events
		}
		reason := fmt.Sprintf("adapters/twilio: state %q waits on the call for %v, which the Twilio adapter cannot deliver yet", state, events)
		if _, err := e.End(ctx, x.ID, reason); err != nil {
			a.logger.Error("adapters/twilio: could not end an execution the adapter cannot serve", "execution", x.ID, "error", err)
		} else {
			a.logger.Warn(reason, "execution", x.ID)
		}
		x = nil
	}
	if (x == nil || x.Status != runtime.StatusActive || !x.Call.Live) && !hungUp {
		out = append(out, twiml.VoiceHangup{})
	}
	return twimlResponse(out)
}

// voiceIncoming starts an execution for an incoming call.
func (a *Adapter) voiceIncoming(e runtime.Runner, r *http.Request) response {
	callSid := r.PostForm.Get("CallSid")
	if callSid == "" {
		return textResponse(http.StatusBadRequest, "CallSid is required")
	}
	contact, address := runtime.TwilioAddresses(runtime.TriggerCall, r.PostForm.Get("From"), r.PostForm.Get("To"))
	x, err := e.Start(r.Context(), runtime.StartRequest{
		FlowSid: a.flowSid(r), Trigger: runtime.TriggerCall,
		Contact: contact, FlowAddress: address, CallSid: callSid,
		Payload: formData(r), Account: r.PostForm.Get("AccountSid"),
	})
	if err != nil {
		return a.engineError("incoming call", err)
	}
	return a.voiceResponse(r.Context(), e, x)
}

// gatherEvent is the event a <Gather> action reports: speech when
// Twilio recognised speech, keypress when digits were pressed, timeout
// when neither (actionOnEmptyResult).
func gatherEvent(r *http.Request) string {
	switch {
	case r.PostForm.Get("SpeechResult") != "":
		return "speech"
	case r.PostForm.Get("Digits") != "":
		return "keypress"
	}
	return widgets.TimeoutEvent
}

// voiceGather resumes the wait a <Gather> action answers.
func (a *Adapter) voiceGather(e runtime.Runner, r *http.Request) response {
	return a.answerWait(e, r, "gather", gatherEvent(r))
}

// answerWait resumes the wait whose verb's action URL r requests (its
// execution and token query parameters) with event name and Twilio's
// parameters as the event's data, and answers with the TwiML of what the
// flow does next. A refused event (stale, or not accepted) says nothing:
// it ran nothing, or (late, after its wait's deadline) only the timeout
// owed first, whose verbs are dropped (dropUnsaid).
func (a *Adapter) answerWait(e runtime.Runner, r *http.Request, op, name string) response {
	q := r.URL.Query()
	id, token := q.Get("execution"), q.Get("token")
	if id == "" || token == "" {
		return textResponse(http.StatusBadRequest, "the action URL must carry execution and token")
	}
	x, err := e.Resume(r.Context(), id, widgets.Event{Name: name, Data: formData(r), Token: token})
	if err != nil {
		dropUnsaid(a.voice, id, err)
		return a.engineError(op, err)
	}
	return a.voiceResponse(r.Context(), e, x)
}

// voiceDial resumes the wait a <Dial> action answers: hangup when the
// caller's call is over (Twilio posts the action with the parent call's
// CallStatus completed when the caller hangs up), callCompleted when the
// dialled leg ended and the caller is still on the line; Twilio's
// parameters (DialCallStatus, DialCallSid, DialCallDuration, DialBridged,
// RecordingUrl ...) are the event's data.
//
// A Talkdesk forward-to-external-number's <Dial> (?forward=true) takes
// its own events: noAnswer when the number was busy or did not answer,
// invalidNumber when Twilio could not route to it (DialCallStatus
// failed), completed otherwise, and whenever the caller's call is over.
func (a *Adapter) voiceDial(e runtime.Runner, r *http.Request) response {
	callOver := endedCallStatus[r.PostForm.Get("CallStatus")]
	if r.URL.Query().Get("forward") == "true" {
		name := forwardEvents[r.PostForm.Get("DialCallStatus")]
		if name == "" || callOver {
			name = "completed"
		}
		return a.answerWait(e, r, "forward", name)
	}
	name := "callCompleted"
	if callOver {
		name = "hangup"
	}
	return a.answerWait(e, r, "dial", name)
}

// forwardEvents are forward-to-external-number's events by the
// DialCallStatus of its <Dial>, where not completed.
var forwardEvents = map[string]string{"busy": "noAnswer", "no-answer": "noAnswer", "canceled": "noAnswer", "failed": "invalidNumber"}

// voiceRecord resumes the wait a voicemail's <Record> answers:
// recordingComplete with RecordingUrl, RecordingDuration, RecordingSid
// and Digits; hangup when the caller hung up (the recording so far is
// the data); noAudio when Twilio followed the <Redirect> after an empty
// recording.
func (a *Adapter) voiceRecord(e runtime.Runner, r *http.Request) response {
	name := "recordingComplete"
	switch {
	case r.URL.Query().Get("empty") == "true":
		name = "noAudio"
	case endedCallStatus[r.PostForm.Get("CallStatus")]:
		name = "hangup"
	}
	return a.answerWait(e, r, "record", name)
}

// enqueueEvents are the enqueue widgets' events by the QueueResult
// Twilio posts to the <Enqueue> action, as Studio's Enqueue Call widget
// documents them: Failed to Enqueue for queue-full, Call Failed for
// system-error, and Call Complete whenever else the action is requested
// (bridged, hangup, leave, redirected, error ...).
var enqueueEvents = map[string]string{"queue-full": "failedToEnqueue", "system-error": "callFailure"}

// voiceEnqueue resumes the wait an <Enqueue> action answers, with
// QueueResult, QueueSid, QueueTime, DequeuedCallSid, CallStatus ... as
// the data. A caller still on the line (CallStatus in-progress: it left
// through <Leave>, or the agent hung up first) stays with the flow after
// callComplete, as Studio regains control of the call.
func (a *Adapter) voiceEnqueue(e runtime.Runner, r *http.Request) response {
	name := enqueueEvents[r.PostForm.Get("QueueResult")]
	if name == "" {
		name = "callComplete"
	}
	return a.answerWait(e, r, "enqueue", name)
}

// voiceReturn takes a call back from the TwiML an add-twiml-redirect
// handed it to: the execution (named by ?execution=, or found through the
// engine as the call's session, as the status callback finds it) takes
// return, with the request's query and form parameters as the data, if it
// still waits for one; a call it no longer waits for is hung up.
func (a *Adapter) voiceReturn(e runtime.Runner, r *http.Request) response {
	ctx := r.Context()
	id, err := a.callExecution(ctx, e, r)
	if errors.Is(err, runtime.ErrNotFound) {
		return twimlResponse([]twiml.Element{twiml.VoiceHangup{}})
	}
	if err != nil {
		return a.engineError("return", err)
	}
	x, err := e.Get(ctx, id)
	if err != nil {
		return a.engineError("return", err)
	}
	if x.Status != runtime.StatusActive || x.Wait == nil || !x.Wait.Accepts("return") || x.Call.Sid != r.PostForm.Get("CallSid") {
		a.logger.Warn("adapters/twilio: a call returned to an execution that does not wait for it; hanging up", "execution", id)
		return twimlResponse([]twiml.Element{twiml.VoiceHangup{}})
	}
	data := formData(r)
	for k, v := range r.URL.Query() {
		if _, ok := data[k]; !ok && k != "execution" && k != "flow" && len(v) > 0 {
			data[k] = v[0]
		}
	}
	x, err = e.Resume(ctx, id, widgets.Event{Name: "return", Data: data, Token: x.Wait.Token})
	if err != nil {
		dropUnsaid(a.voice, id, err)
		return a.engineError("return", err)
	}
	return a.voiceResponse(ctx, e, x)
}

// callExecution is the execution a call's callback is for: the one its
// URL names (?execution=), or the call's session's, found through the
// engine (the request's From, To and CallSid, and its ?flow=). An
// outbound call (Direction outbound-api, placed by a REST-started
// execution) is the session of its To, the contact, and its From, the
// flow's number: the execution is found when the call's From is the
// number the execution was started from.
func (a *Adapter) callExecution(ctx context.Context, e runtime.Runner, r *http.Request) (string, error) {
	if id := r.URL.Query().Get("execution"); id != "" {
		return id, nil
	}
	kind := runtime.TriggerCall
	if strings.HasPrefix(r.PostForm.Get("Direction"), "outbound") {
		kind = runtime.TriggerRequest
	}
	contact, address := runtime.TwilioAddresses(kind, r.PostForm.Get("From"), r.PostForm.Get("To"))
	return e.FindActive(ctx, runtime.StartRequest{
		FlowSid: a.flowSid(r), Trigger: kind, Contact: contact, FlowAddress: address, CallSid: r.PostForm.Get("CallSid"),
	})
}

// PushAfterExpiry returns the function for runtime.ExpiryWorker.OnChanged
// that hands what a timeout's run did on a live call to that call: no
// webhook is waiting for it (the call is with the TwiML an
// add-twiml-redirect handed it to, say), so the adapter updates the call
// through the REST API (POST /Calls/{sid}.json with the TwiML). An
// execution without a live call is left alone.
func (a *Adapter) PushAfterExpiry(e runtime.Runner) func(ctx context.Context, id string) {
	return func(ctx context.Context, id string) {
		x, err := e.Get(ctx, id)
		if err != nil || x.Call.Sid == "" || !x.Call.Live {
			a.voice.drain(id)
			return
		}
		doc := a.voiceResponse(ctx, e, x)
		if doc.status != http.StatusOK {
			return
		}
		p := &openapi.UpdateCallParams{}
		p.SetTwiml(string(doc.body))
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := a.voice.rest.api(rctx, "").UpdateCall(x.Call.Sid, p); err != nil {
			a.logger.Error("adapters/twilio: could not hand a timeout's run to its call", "execution", id, "call", x.Call.Sid, "error", err)
		}
	}
}

// payEvents are capture-payments' events by the Result Twilio posts to
// the <Pay> action (TwiML <Pay> reference).
var payEvents = map[string]string{
	"success": "success", "too-many-failed-attempts": "maxFailedAttempts",
	"payment-connector-error": "providerError", "internal-error": "providerError",
	"caller-interrupted-with-star": "payInterrupted", "caller-hung-up": "hangup",
	"validation-error": "validationError",
}

// voicePay resumes the wait a <Pay> action answers. The widget keeps
// only the outcome's safe parameters (the token, the masked card number
// ...); an unknown Result is a provider error.
func (a *Adapter) voicePay(e runtime.Runner, r *http.Request) response {
	name := payEvents[r.PostForm.Get("Result")]
	if name == "" {
		name = "providerError"
	}
	return a.answerWait(e, r, "pay", name)
}

// endedCallStatus are the CallStatus values of a call that is over.
var endedCallStatus = map[string]bool{"completed": true, "busy": true, "failed": true, "no-answer": true, "canceled": true}

// voiceStatus handles the call status callback: a call that is over
// delivers hangup where the execution's wait accepts it, and otherwise
// ends the execution; an execution already done with the call (a flow
// going on after hangup, with messages, say) is left alone.
func (a *Adapter) voiceStatus(e runtime.Runner, r *http.Request) response {
	callSid, status := r.PostForm.Get("CallSid"), r.PostForm.Get("CallStatus")
	if callSid == "" {
		return textResponse(http.StatusBadRequest, "CallSid is required")
	}
	if !endedCallStatus[status] {
		return textResponse(http.StatusOK, "ok")
	}
	ctx := r.Context()
	// An outbound call's callback names its execution; an inbound call's
	// (configured on the number) is found by the engine, as the session
	// the call started.
	id, err := a.callExecution(ctx, e, r)
	if errors.Is(err, runtime.ErrNotFound) {
		return textResponse(http.StatusOK, "ok: no execution for the call")
	}
	if err != nil {
		return a.engineError("call status", err)
	}
	// One bound for all the tries' waits.
	sctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	for range 3 { // another run may change the wait between Settled and Resume
		// Settled: a fast busy may arrive before the run that placed the
		// call has saved its wait.
		x, err := e.Settled(sctx, id)
		if err != nil {
			return a.engineError("call status", err)
		}
		if w := placedCallWait(x, callSid); w != nil {
			// An outbound call that was never answered: its outcome.
			name := placedCallEvent(w, status)
			_, err = e.Resume(ctx, id, widgets.Event{Name: name, Data: formData(r), Token: w.Token})
			if errors.Is(err, runtime.ErrRefused) {
				continue
			}
			if err != nil {
				return a.engineError("call status", err)
			}
			return textResponse(http.StatusOK, "ok")
		}
		if x.Status != runtime.StatusActive || x.Call.Sid != callSid || !x.Call.Live {
			// Done with the call already: an event that ended it (a
			// <Dial> action the caller's hangup posted, say) came first,
			// and the flow goes on without it.
			return textResponse(http.StatusOK, "ok: the execution is done with the call")
		}
		if x.Wait != nil && x.Wait.Accepts("hangup") {
			_, err = e.Resume(ctx, id, widgets.Event{Name: "hangup", Data: formData(r), Token: x.Wait.Token})
		} else {
			_, err = e.End(ctx, id, "the call ended (CallStatus "+status+")")
		}
		a.voice.drain(id) // the call is over: nothing more is said
		switch {
		case err == nil:
			return textResponse(http.StatusOK, "ok")
		case errors.Is(err, runtime.ErrRefused):
			continue // stale, or ended meanwhile: look again
		default:
			return a.engineError("call status", err)
		}
	}
	return textResponse(http.StatusConflict, "call status: the execution kept changing")
}
