package twilio

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/beevik/etree"
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
// Say (say, play, digits), Gather and Hangup are buffered; Connect,
// Record, Enqueue, Redirect and Call return an error wrapping
// ErrUnsupported.
type Voice struct {
	mu    sync.Mutex
	max   int
	bufs  map[string]*list.Element // execution id -> *voiceBuffer
	order *list.List               // oldest first
}

var _ widgets.Voice = (*Voice)(nil)

type voiceBuffer struct {
	id    string
	verbs []verb
}

type verbKind int

const (
	verbSay verbKind = iota
	verbGather
	verbHangup
)

// verb is one buffered TwiML verb.
type verb struct {
	kind   verbKind
	prompt widgets.Prompt // verbSay
	gather widgets.Gather // verbGather
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

// Hangup implements widgets.Voice: <Hangup>.
func (s *Voice) Hangup(ctx context.Context, _ string) error {
	return s.add(ctx, verb{kind: verbHangup})
}

func unsupported(op, widget string) error {
	return fmt.Errorf("adapters/twilio: %s (%s): %w", op, widget, ErrUnsupported)
}

// Connect implements widgets.Voice; not supported yet.
func (s *Voice) Connect(context.Context, string, widgets.Dial) error {
	return unsupported("connect", "connect-call-to, forward-to-external-number")
}

// Record implements widgets.Voice; not supported yet.
func (s *Voice) Record(context.Context, string, widgets.Recording) error {
	return unsupported("record", "record-voicemail, record-call")
}

// Enqueue implements widgets.Voice; not supported yet.
func (s *Voice) Enqueue(context.Context, string, widgets.Enqueue) error {
	return unsupported("enqueue", "enqueue-call, send-to-flex")
}

// Redirect implements widgets.Voice; not supported yet.
func (s *Voice) Redirect(context.Context, string, widgets.Redirect) error {
	return unsupported("redirect", "add-twiml-redirect")
}

// Call implements widgets.Voice; not supported yet.
func (s *Voice) Call(context.Context, widgets.OutboundCall) (string, error) {
	return "", unsupported("outbound call", "make-outgoing-call")
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
		out = append(out, twiml.VoiceSay{Message: p.Say, Voice: p.Voice, Language: p.Language, Loop: loop})
	}
	if p.Play != "" {
		out = append(out, twiml.VoicePlay{Url: p.Play, Loop: loop})
	}
	if p.Digits != "" {
		out = append(out, twiml.VoicePlay{Digits: p.Digits})
	}
	return out
}

// gatherVerb renders a <Gather> whose action answers the wait token of
// execution id. actionOnEmptyResult makes Twilio post the action even
// without input, which the callback reports as timeout.
func (a *Adapter) gatherVerb(g widgets.Gather, id, token string) twiml.Element {
	q := url.Values{"execution": {id}, "token": {token}}
	el := twiml.VoiceGather{
		Input:               g.Input,
		Action:              a.public + PathVoiceGather + "?" + q.Encode(),
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
	if !g.StopGather {
		el.BargeIn = "false"
	}
	return el
}

// renderTwiML writes one TwiML document, attributes in a fixed order.
func renderTwiML(verbs []twiml.Element) ([]byte, error) {
	doc, resp := twiml.CreateDocument()
	twiml.AddAllVerbs(resp, verbs)
	sortAttrs(resp)
	doc.Indent(0)
	return doc.WriteToBytes()
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
// document. A wait this adapter answers (a gather) ends the document with
// its <Gather>; a flow that ended, or whose call ended, hangs up; a flow
// that waits on the call for something this adapter cannot deliver is
// ended, with a reason that says so, and hangs up.
func (a *Adapter) voiceResponse(ctx context.Context, e *runtime.Engine, x *runtime.Execution) response {
	var out []twiml.Element
	gathering := false
	hungUp := false
	for _, v := range a.voice.drain(x.ID) {
		switch v.kind {
		case verbSay:
			out = append(out, promptVerbs(v.prompt)...)
		case verbGather:
			if x.Status == runtime.StatusActive && x.Wait != nil && x.Wait.Accepts("keypress") {
				out = append(out, a.gatherVerb(v.gather, x.ID, x.Wait.Token))
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
func (a *Adapter) voiceIncoming(e *runtime.Engine, r *http.Request) response {
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
	if x.Status == runtime.StatusActive {
		a.calls.put(callSid, x.ID)
	}
	return a.voiceResponse(r.Context(), e, x)
}

// gatherEvent is the event a <Gather> action reports: speech when
// Twilio recognised speech, keypress when digits were pressed, timeout
// when neither (actionOnEmptyResult).
func gatherEvent(r *http.Request) widgets.Event {
	data := formData(r)
	name := widgets.TimeoutEvent
	switch {
	case r.PostForm.Get("SpeechResult") != "":
		name = "speech"
	case r.PostForm.Get("Digits") != "":
		name = "keypress"
	}
	return widgets.Event{Name: name, Data: data}
}

// voiceGather resumes the wait a <Gather> action answers.
func (a *Adapter) voiceGather(e *runtime.Engine, r *http.Request) response {
	q := r.URL.Query()
	id, token := q.Get("execution"), q.Get("token")
	if id == "" || token == "" {
		return textResponse(http.StatusBadRequest, "the action URL must carry execution and token")
	}
	ev := gatherEvent(r)
	ev.Token = token
	x, err := e.Resume(r.Context(), id, ev)
	if err != nil {
		a.voice.drain(id) // whatever a refused or failed run buffered is not said
		return a.engineError("gather", err)
	}
	if x.Status != runtime.StatusActive {
		a.calls.remove(r.PostForm.Get("CallSid"))
	}
	return a.voiceResponse(r.Context(), e, x)
}

// endedCallStatus are the CallStatus values of a call that is over.
var endedCallStatus = map[string]bool{"completed": true, "busy": true, "failed": true, "no-answer": true, "canceled": true}

// voiceStatus handles the call status callback: a call that is over
// delivers hangup where the execution's wait accepts it, and otherwise
// ends the execution.
func (a *Adapter) voiceStatus(e *runtime.Engine, r *http.Request) response {
	callSid, status := r.PostForm.Get("CallSid"), r.PostForm.Get("CallStatus")
	if callSid == "" {
		return textResponse(http.StatusBadRequest, "CallSid is required")
	}
	if !endedCallStatus[status] {
		return textResponse(http.StatusOK, "ok")
	}
	id := r.URL.Query().Get("execution")
	if id == "" {
		id = a.calls.get(callSid)
	}
	if id == "" {
		return textResponse(http.StatusOK, "ok: no execution for the call")
	}
	defer a.calls.remove(callSid)
	ctx := r.Context()
	for range 3 { // another run may change the wait between Get and Resume
		x, err := e.Get(ctx, id)
		if err != nil {
			return a.engineError("call status", err)
		}
		if x.Status != runtime.StatusActive || x.Call.Sid != callSid {
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

// callIndex maps the CallSids of live inbound calls to their executions,
// for the call status callback, whose URL (configured on the number)
// cannot carry the execution. It is per process and bounded: see the
// package documentation.
type callIndex struct {
	mu    sync.Mutex
	max   int
	m     map[string]*list.Element
	order *list.List // of [2]string{callSid, id}
}

func newCallIndex(max int) *callIndex {
	return &callIndex{max: max, m: map[string]*list.Element{}, order: list.New()}
}

func (c *callIndex) put(callSid, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[callSid]; ok {
		c.order.Remove(el)
	}
	c.m[callSid] = c.order.PushBack([2]string{callSid, id})
	for c.order.Len() > c.max {
		old := c.order.Remove(c.order.Front()).([2]string)
		delete(c.m, old[0])
	}
}

func (c *callIndex) get(callSid string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[callSid]; ok {
		return el.Value.([2]string)[1]
	}
	return ""
}

func (c *callIndex) remove(callSid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[callSid]; ok {
		c.order.Remove(el)
		delete(c.m, callSid)
	}
}
