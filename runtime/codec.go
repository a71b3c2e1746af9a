package runtime

import (
	"fmt"
	"strconv"
	"time"

	"github.com/studioflow/studioflow/internal/jsonutil"
	"github.com/studioflow/studioflow/widgets"
)

// The stored form of an execution (MarshalExecution, UnmarshalExecution).
//
// Format 3, which MarshalExecution writes, is the JSON of Execution's
// fields, written and read without reflection, with what the record
// repeats left out:
//
//   - "call" is left out when the execution has no call;
//   - a frame's "ref" is left out when it equals its "sid", its "sid" when
//     it equals the execution's "flow_sid", its "revision" when it equals
//     the execution's;
//   - a frame's context leaves out the entries the engine sets from the
//     execution and that still hold what it set: flow.sid (the id),
//     flow.flow_sid (the frame's sid), flow.channel.address (the address)
//     and contact.channel.address (the contact). The frame's "derived"
//     says which, a sum of derivedFlowSid, derivedFlowFlowSid,
//     derivedFlowAddress and derivedContactAddress; a map the removal
//     leaves empty is left out too, and comes back with its entry;
//   - the step log is "step_log", and a step is an array: [name,
//     transitioned_from, transitioned_to, type, time], then frame,
//     transition and published when they are set (each writes those
//     before it);
//   - "due_at" is left out when it is the wait's deadline.
//
// Format 4 is format 3 with "shared" (Execution.Shared). An execution
// with no shared values is still written as format 3: only records that
// hold what a format 3 engine would skip, and save back without, say 4.
//
// Format 2 is format 3 with the step log under "steps", and steps of at
// most 7 items (no published). Format 1 (and 0, before formats were
// numbered) is encoding/json's output for Execution. UnmarshalExecution
// reads them all. Keys are matched exactly, as the engines write them.
//
// What keeps a rolling upgrade safe is that an older engine refuses a
// newer record as newer, leaving the execution alone, and never reads it
// as corrupt (which would end the execution) or half (which would save it
// back without what it did not read):
//
//   - format 1 engines read with encoding/json, which fails on a step that
//     is an array but skips a key it does not know: so the arrays are
//     under a new key, and the format number says newer;
//   - the format 2 engine as released reads "steps" and skips other
//     keys, then refuses a format above 2: so format 3's step log, whose
//     steps may have 8 items, is not under "steps", and the number is 3.
//     (Unreleased builds wrote format 2 under "step_log" for a while;
//     this reader takes those too.)
//
// The derived bits and the positions in a step's array are the stored
// format: changing either is a new format number
// (testdata/executions/format2-every-field.json and
// format3-every-field.json pin them).

// The context entries a frame may leave out ("derived").
const (
	derivedFlowSid        = 1 << iota // flow.sid: the execution's id
	derivedFlowFlowSid                // flow.flow_sid: the frame's sid
	derivedFlowAddress                // flow.channel.address: the execution's address
	derivedContactAddress             // contact.channel.address: the execution's contact
	derivedAll            = derivedFlowSid | derivedFlowFlowSid | derivedFlowAddress | derivedContactAddress
)

// derivedEntry is one entry a frame's context may leave out: its path and
// the value the execution gives it.
type derivedEntry struct {
	bit  int
	path [3]string // a path of two or three keys; the last is the entry
	n    int       // how many of path are used
}

var derivedEntries = [...]derivedEntry{
	{derivedFlowSid, [3]string{"flow", "sid"}, 2},
	{derivedFlowFlowSid, [3]string{"flow", "flow_sid"}, 2},
	{derivedFlowAddress, [3]string{"flow", "channel", "address"}, 3},
	{derivedContactAddress, [3]string{"contact", "channel", "address"}, 3},
}

// derivedValue is the value the execution gives entry bit in frame f.
func derivedValue(bit int, e *Execution, f *Frame) string {
	switch bit {
	case derivedFlowSid:
		return e.ID
	case derivedFlowFlowSid:
		return f.Sid
	case derivedFlowAddress:
		return e.Address
	}
	return e.Contact
}

// formatOf is the format e is written in: 4 when it has shared values,
// which a format 3 engine would skip, 3 otherwise.
func formatOf(e *Execution) int {
	if len(e.Shared) > 0 {
		return ExecutionFormat
	}
	return 3
}

// appendExecution writes e in format 3, or 4 when it has shared values.
func appendExecution(b []byte, e *Execution) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = jsonutil.AppendString(b, e.ID)
	b = append(b, `,"flow_sid":`...)
	b = jsonutil.AppendString(b, e.FlowSid)
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, int64(e.Revision), 10)
	b = append(b, `,"status":`...)
	b = jsonutil.AppendString(b, string(e.Status))
	b = appendStringField(b, "reason", e.Reason)
	b = appendStringField(b, "failure_code", string(e.FailureCode))
	b = append(b, `,"trigger":`...)
	b = jsonutil.AppendString(b, string(e.Trigger))
	b = appendStringField(b, "key", e.Key)
	b = appendStringField(b, "contact", e.Contact)
	b = appendStringField(b, "address", e.Address)
	if e.Call != (widgets.Call{}) {
		b = append(b, `,"call":{"Sid":`...)
		b = jsonutil.AppendString(b, e.Call.Sid)
		b = append(b, `,"Live":`...)
		b = strconv.AppendBool(b, e.Call.Live)
		b = append(b, '}')
	}
	b = append(b, `,"frames":`...)
	if e.Frames == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range e.Frames {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendFrame(b, e, &e.Frames[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if e.Wait != nil {
		if b, err = appendWait(b, e.Wait); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"step_log":`...)
	if e.Steps == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range e.Steps {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendStep(b, &e.Steps[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = appendIntField(b, "repeats", int64(e.Repeats))
	b = appendIntField(b, "format", int64(e.Format))
	b = appendIntField(b, "waits", int64(e.Waits))
	if len(e.Exposed) > 0 {
		b = append(b, `,"exposed":`...)
		if b, err = jsonutil.AppendValue(b, e.Exposed); err != nil {
			return nil, err
		}
	}
	if len(e.Shared) > 0 {
		b = append(b, `,"shared":`...)
		if b, err = jsonutil.AppendValue(b, e.Shared); err != nil {
			return nil, err
		}
	}
	if !dueAtIsDeadline(e) {
		if b, err = appendTimeField(b, "due_at", e.DueAt); err != nil {
			return nil, err
		}
	}
	if b, err = appendTimeField(b, "created_at", e.CreatedAt); err != nil {
		return nil, err
	}
	if b, err = appendTimeField(b, "updated_at", e.UpdatedAt); err != nil {
		return nil, err
	}
	if e.EndedAt != nil {
		if b, err = appendTimeField(b, "ended_at", *e.EndedAt); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, e.Version, 10)
	return append(b, '}'), nil
}

// dueAtIsDeadline reports whether e's due time is its wait's deadline, as
// written: then format 2 leaves it out.
func dueAtIsDeadline(e *Execution) bool {
	if e.Wait == nil || e.Wait.Deadline == nil {
		return false
	}
	// The same text reads back as the same time.
	var b1, b2 [64]byte
	t1, err1 := jsonutil.AppendTime(b1[:0], *e.Wait.Deadline)
	t2, err2 := jsonutil.AppendTime(b2[:0], e.DueAt)
	return err1 == nil && err2 == nil && string(t1) == string(t2)
}

func appendStringField(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return jsonutil.AppendString(b, s)
}

func appendIntField(b []byte, name string, n int64) []byte {
	if n == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, n, 10)
}

func appendTimeField(b []byte, name string, t time.Time) ([]byte, error) {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return jsonutil.AppendTime(b, t)
}

func appendFrame(b []byte, e *Execution, f *Frame) ([]byte, error) {
	b = append(b, `{"kind":`...)
	b = jsonutil.AppendString(b, string(f.Kind))
	if f.Ref != f.Sid {
		b = append(b, `,"ref":`...)
		b = jsonutil.AppendString(b, f.Ref)
	}
	if f.Sid != e.FlowSid {
		b = append(b, `,"sid":`...)
		b = jsonutil.AppendString(b, f.Sid)
	}
	if f.Revision != e.Revision {
		b = append(b, `,"revision":`...)
		b = strconv.AppendInt(b, int64(f.Revision), 10)
	}
	b = append(b, `,"state":`...)
	b = jsonutil.AppendString(b, f.State)
	derived := derivedIn(e, f)
	if derived != 0 {
		b = append(b, `,"derived":`...)
		b = strconv.AppendInt(b, int64(derived), 10)
	}
	b = append(b, `,"context":`...)
	var omit [len(derivedEntries)][]string
	n := 0
	for i := range derivedEntries {
		if d := &derivedEntries[i]; derived&d.bit != 0 {
			omit[n] = d.path[:d.n]
			n++
		}
	}
	b, err := jsonutil.AppendMapWithout(b, f.Context, omit[:n])
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// derivedIn returns the entries of f's context that hold what the
// execution gives them, and so are left out of the record.
func derivedIn(e *Execution, f *Frame) int {
	derived := 0
	for i := range derivedEntries {
		d := &derivedEntries[i]
		parent := frameMap(f.Context, d.path[:d.n-1]...)
		if v, ok := parent[d.path[d.n-1]].(string); ok && v == derivedValue(d.bit, e, f) {
			derived |= d.bit
		}
	}
	return derived
}

// restoreDerived puts back the context entries a frame left out (see
// derivedIn); a path that is not made of maps is a corrupt record.
func restoreDerived(e *Execution, f *Frame, derived int) error {
	if derived&^derivedAll != 0 {
		return fmt.Errorf("derived entries %d are not all known", derived)
	}
	if f.Context == nil {
		return fmt.Errorf("derived entries %d but no context", derived)
	}
	for i := range derivedEntries {
		d := &derivedEntries[i]
		if derived&d.bit == 0 {
			continue
		}
		m := f.Context
		for _, k := range d.path[:d.n-1] {
			v, ok := m[k]
			if !ok {
				v = map[string]any{}
				m[k] = v
			}
			next, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("derived entry %s: %s is not an object", d.path[d.n-1], k)
			}
			m = next
		}
		leaf := d.path[d.n-1]
		if _, ok := m[leaf]; ok {
			// The writer leaves an entry out or writes it, never both.
			return fmt.Errorf("derived entry %s is also written", leaf)
		}
		m[leaf] = derivedValue(d.bit, e, f)
	}
	return nil
}

func appendWait(b []byte, w *WaitState) ([]byte, error) {
	var err error
	b = append(b, `,"wait":{"state":`...)
	b = jsonutil.AppendString(b, w.State)
	b = appendStringField(b, "token", w.Token)
	b = append(b, `,"events":`...)
	b = appendStrings(b, w.Events)
	if w.Deadline != nil {
		if b, err = appendTimeField(b, "deadline", *w.Deadline); err != nil {
			return nil, err
		}
	}
	b = appendStringField(b, "timeout_event", w.TimeoutEvent)
	if len(w.Prompt) > 0 {
		b = append(b, `,"prompt":`...)
		if b, err = jsonutil.AppendValue(b, w.Prompt); err != nil {
			return nil, err
		}
	}
	if w.Sensitive {
		b = append(b, `,"sensitive":true`...)
	}
	if w.Guard != nil {
		b = append(b, `,"guard":{"until":`...)
		if b, err = jsonutil.AppendTime(b, w.Guard.Until); err != nil {
			return nil, err
		}
		b = append(b, `,"events":`...)
		b = appendStrings(b, w.Guard.Events)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func appendStrings(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonutil.AppendString(b, s)
	}
	return append(b, ']')
}

// appendStep writes a step as an array (see the format's comment).
func appendStep(b []byte, s *Step) ([]byte, error) {
	b = append(b, '[')
	b = jsonutil.AppendString(b, s.Name)
	b = append(b, ',')
	b = jsonutil.AppendString(b, s.From)
	b = append(b, ',')
	b = jsonutil.AppendString(b, s.To)
	b = append(b, ',')
	b = jsonutil.AppendString(b, s.Type)
	b = append(b, ',')
	b, err := jsonutil.AppendTime(b, s.Time)
	if err != nil {
		return nil, err
	}
	published := s.Published != nil // {} too: the widget published nothing then
	if s.Frame != "" || s.Transition != 0 || published {
		b = append(b, ',')
		b = jsonutil.AppendString(b, s.Frame)
	}
	if s.Transition != 0 || published {
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(s.Transition), 10)
	}
	if published {
		b = append(b, ',')
		if b, err = jsonutil.AppendValue(b, s.Published); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// frameRead is what decoding a frame learned besides its fields: which
// of them the record left out, to be derived once the whole record is
// read.
type frameRead struct {
	ref, sid, revision bool // present
	derived            int
}

// decodeExecution reads an execution in any format.
func decodeExecution(data []byte) (*Execution, error) {
	e := &Execution{}
	d := jsonutil.NewDecoder(data)
	var reads []frameRead
	hasDueAt := false
	err := d.ObjectStart()
	for i := 0; err == nil; i++ {
		var key []byte
		var ok bool
		if key, ok, err = d.ObjectKey(i); err != nil || !ok {
			break
		}
		var n int64
		switch string(key) {
		case "id":
			e.ID, err = d.String()
		case "flow_sid":
			e.FlowSid, err = d.String()
		case "revision":
			n, err = d.Int(strconv.IntSize)
			e.Revision = int(n)
		case "status":
			var s string
			s, err = d.String()
			e.Status = Status(s)
		case "reason":
			e.Reason, err = d.String()
		case "failure_code":
			var s string
			s, err = d.String()
			e.FailureCode = FailureCode(s)
		case "trigger":
			var s string
			s, err = d.String()
			e.Trigger = TriggerKind(s)
		case "key":
			e.Key, err = d.String()
		case "contact":
			e.Contact, err = d.String()
		case "address":
			e.Address, err = d.String()
		case "call":
			e.Call, err = decodeCall(d)
		case "frames":
			e.Frames, reads, err = decodeFrames(d)
		case "wait":
			e.Wait, err = decodeWait(d)
		case "steps", "step_log": // formats 0 to 2, format 3
			e.Steps, err = decodeSteps(d)
		case "repeats":
			n, err = d.Int(strconv.IntSize)
			e.Repeats = int(n)
		case "format":
			n, err = d.Int(strconv.IntSize)
			e.Format = int(n)
		case "waits":
			n, err = d.Int(strconv.IntSize)
			e.Waits = int(n)
		case "exposed":
			e.Exposed, err = d.Map()
		case "shared":
			e.Shared, err = d.Map()
		case "due_at":
			hasDueAt = true
			e.DueAt, err = d.Time()
		case "created_at":
			e.CreatedAt, err = d.Time()
		case "updated_at":
			e.UpdatedAt, err = d.Time()
		case "ended_at":
			e.EndedAt, err = decodeTimePtr(d)
		case "version":
			e.Version, err = d.Int(64)
		default:
			err = d.Skip()
		}
	}
	if err == nil {
		err = d.End()
	}
	if err != nil {
		return nil, err
	}
	for i := range reads {
		f, r := &e.Frames[i], &reads[i]
		if !r.sid {
			f.Sid = e.FlowSid
		}
		if !r.ref {
			f.Ref = f.Sid
		}
		if !r.revision {
			f.Revision = e.Revision
		}
		if r.derived != 0 {
			if err := restoreDerived(e, f, r.derived); err != nil {
				return nil, fmt.Errorf("frame %d: %w", i, err)
			}
		}
	}
	if !hasDueAt && e.Wait != nil && e.Wait.Deadline != nil {
		e.DueAt = *e.Wait.Deadline
	}
	return e, nil
}

// storedFormat reads only the "format" of a record, skipping the rest:
// for a record that decodeExecution refused.
func storedFormat(data []byte) (int, bool) {
	d := jsonutil.NewDecoder(data)
	format, found := int64(0), false
	err := d.ObjectStart()
	for i := 0; err == nil; i++ {
		var key []byte
		var ok bool
		if key, ok, err = d.ObjectKey(i); err != nil || !ok {
			break
		}
		if string(key) == "format" {
			format, err = d.Int(strconv.IntSize)
			found = err == nil
		} else {
			err = d.Skip()
		}
	}
	return int(format), found
}

func decodeCall(d *jsonutil.Decoder) (widgets.Call, error) {
	var c widgets.Call
	if d.Null() {
		return c, nil
	}
	err := d.ObjectStart()
	for i := 0; err == nil; i++ {
		var key []byte
		var ok bool
		if key, ok, err = d.ObjectKey(i); err != nil || !ok {
			break
		}
		switch string(key) {
		case "Sid":
			c.Sid, err = d.String()
		case "Live":
			c.Live, err = d.Bool()
		default:
			err = d.Skip()
		}
	}
	return c, err
}

func decodeFrames(d *jsonutil.Decoder) ([]Frame, []frameRead, error) {
	if d.Null() {
		return nil, nil, nil
	}
	frames, reads := []Frame{}, []frameRead{}
	err := d.ArrayStart()
	for i := 0; err == nil; i++ {
		var ok bool
		if ok, err = d.ArrayNext(i); err != nil || !ok {
			break
		}
		var f Frame
		var r frameRead
		f, r, err = decodeFrame(d)
		frames, reads = append(frames, f), append(reads, r)
	}
	return frames, reads, err
}

func decodeFrame(d *jsonutil.Decoder) (Frame, frameRead, error) {
	var f Frame
	var r frameRead
	if d.Null() {
		return f, frameRead{ref: true, sid: true, revision: true}, nil
	}
	err := d.ObjectStart()
	for i := 0; err == nil; i++ {
		var key []byte
		var ok bool
		if key, ok, err = d.ObjectKey(i); err != nil || !ok {
			break
		}
		var n int64
		switch string(key) {
		case "kind":
			var s string
			s, err = d.String()
			f.Kind = FrameKind(s)
		case "ref":
			r.ref = true
			f.Ref, err = d.String()
		case "sid":
			r.sid = true
			f.Sid, err = d.String()
		case "revision":
			r.revision = true
			n, err = d.Int(strconv.IntSize)
			f.Revision = int(n)
		case "state":
			f.State, err = d.String()
		case "derived":
			n, err = d.Int(32)
			r.derived = int(n)
		case "context":
			f.Context, err = d.Map()
		default:
			err = d.Skip()
		}
	}
	return f, r, err
}

func decodeWait(d *jsonutil.Decoder) (*WaitState, error) {
	if d.Null() {
		return nil, nil
	}
	w := &WaitState{}
	err := d.ObjectStart()
	for i := 0; err == nil; i++ {
		var key []byte
		var ok bool
		if key, ok, err = d.ObjectKey(i); err != nil || !ok {
			break
		}
		switch string(key) {
		case "state":
			w.State, err = d.String()
		case "token":
			w.Token, err = d.String()
		case "events":
			w.Events, err = decodeStrings(d)
		case "deadline":
			w.Deadline, err = decodeTimePtr(d)
		case "timeout_event":
			w.TimeoutEvent, err = d.String()
		case "prompt":
			w.Prompt, err = d.Map()
		case "sensitive":
			w.Sensitive, err = d.Bool()
		case "guard":
			w.Guard, err = decodeGuard(d)
		default:
			err = d.Skip()
		}
	}
	return w, err
}

func decodeGuard(d *jsonutil.Decoder) (*LateGuard, error) {
	if d.Null() {
		return nil, nil
	}
	g := &LateGuard{}
	err := d.ObjectStart()
	for i := 0; err == nil; i++ {
		var key []byte
		var ok bool
		if key, ok, err = d.ObjectKey(i); err != nil || !ok {
			break
		}
		switch string(key) {
		case "until":
			g.Until, err = d.Time()
		case "events":
			g.Events, err = decodeStrings(d)
		default:
			err = d.Skip()
		}
	}
	return g, err
}

func decodeStrings(d *jsonutil.Decoder) ([]string, error) {
	if d.Null() {
		return nil, nil
	}
	list := []string{}
	err := d.ArrayStart()
	for i := 0; err == nil; i++ {
		var ok bool
		if ok, err = d.ArrayNext(i); err != nil || !ok {
			break
		}
		var s string
		s, err = d.String()
		list = append(list, s)
	}
	return list, err
}

func decodeTimePtr(d *jsonutil.Decoder) (*time.Time, error) {
	if d.Null() {
		return nil, nil
	}
	t, err := d.Time()
	return &t, err
}

func decodeSteps(d *jsonutil.Decoder) ([]Step, error) {
	if d.Null() {
		return nil, nil
	}
	steps := []Step{}
	err := d.ArrayStart()
	for i := 0; err == nil; i++ {
		var ok bool
		if ok, err = d.ArrayNext(i); err != nil || !ok {
			break
		}
		var s Step
		if s, err = decodeStep(d); err == nil {
			steps = append(steps, s)
		}
	}
	return steps, err
}

// decodeStep reads a step written as an array (formats 2 and 3) or an
// object (formats 0 and 1).
func decodeStep(d *jsonutil.Decoder) (Step, error) {
	var s Step
	if d.Null() {
		return s, nil
	}
	if d.Peek() == '[' {
		return decodeStepArray(d)
	}
	err := d.ObjectStart()
	for i := 0; err == nil; i++ {
		var key []byte
		var ok bool
		if key, ok, err = d.ObjectKey(i); err != nil || !ok {
			break
		}
		var n int64
		switch string(key) {
		case "name":
			s.Name, err = d.String()
		case "transitioned_from":
			s.From, err = d.String()
		case "transitioned_to":
			s.To, err = d.String()
		case "type":
			s.Type, err = d.String()
		case "time":
			s.Time, err = d.Time()
		case "frame":
			s.Frame, err = d.String()
		case "transition":
			n, err = d.Int(strconv.IntSize)
			s.Transition = int(n)
		case "published":
			s.Published, err = d.Map()
		default:
			err = d.Skip()
		}
	}
	return s, err
}

func decodeStepArray(d *jsonutil.Decoder) (Step, error) {
	var s Step
	err := d.ArrayStart()
	items := 0
	for ; err == nil; items++ {
		var ok bool
		if ok, err = d.ArrayNext(items); err != nil || !ok {
			break
		}
		var n int64
		switch items {
		case 0:
			s.Name, err = d.String()
		case 1:
			s.From, err = d.String()
		case 2:
			s.To, err = d.String()
		case 3:
			s.Type, err = d.String()
		case 4:
			s.Time, err = d.Time()
		case 5:
			s.Frame, err = d.String()
		case 6:
			n, err = d.Int(strconv.IntSize)
			s.Transition = int(n)
		case 7:
			s.Published, err = d.Map()
		default:
			err = d.Errorf("a step has at most 8 items")
		}
	}
	if err == nil && items < 5 {
		err = d.Errorf("a step has at least 5 items, not %d", items)
	}
	return s, err
}
