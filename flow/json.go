package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/studioflow/studioflow/internal/jsonutil"
)

// DefaultMaxReadBytes bounds the documents Parse and Read take: a document
// larger than this is refused before it is decoded. ParseLimit takes
// another bound.
const DefaultMaxReadBytes = 8 << 20

// MaxNestingDepth bounds how deeply Parse lets arrays and objects nest,
// counting the document object as level 1, a state as level 3 and a
// property value as level 5. Twilio's exports nest about 8 levels; a bound
// keeps deep values from making the work of later steps, such as
// MarshalIndent whose output grows with the square of the depth, explode.
const MaxNestingDepth = 64

// SyntaxError reports malformed JSON, or JSON nested deeper than
// MaxNestingDepth, with the place of the fault: the offending character, or
// the end of the input when it ended too early.
type SyntaxError struct {
	// Line is the line of the fault, from 1.
	Line int
	// Column is the column of the fault on its line, from 1, counted in
	// characters (Unicode code points; a tab counts as one).
	Column int
	// Offset is the byte offset of the fault, from 0: data[Offset] is the
	// offending byte, or Offset is len(data) at an unexpected end.
	Offset int64
	// Msg is encoding/json's description of the fault.
	Msg string
}

// Error formats the error with line, column and byte offset.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("flow: malformed JSON at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *SyntaxError) Unwrap() error { return ErrInvalid }

// DecodeError reports well-formed JSON whose shape is wrong, such as a state
// name that is a number, with the JSON path of the fault.
type DecodeError struct {
	// Path is the JSON pointer of the faulty value, such as
	// "#/states/0/name".
	Path string
	// Msg says what was expected there.
	Msg string
}

// Error formats the error as "flow: PATH: MSG".
func (e *DecodeError) Error() string { return fmt.Sprintf("flow: %s: %s", e.Path, e.Msg) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *DecodeError) Unwrap() error { return ErrInvalid }

// Parse reads a definition from JSON bytes. Malformed JSON gives a
// *SyntaxError with line and column; a wrong shape gives a *DecodeError with
// the JSON path. Parse does not check the graph: call Check for that.
//
// Parse is lenient where Twilio is: a null or absent field reads as its zero
// value, allow_concurrent_calls may be "true" or "false", and a condition
// value may be a bare number or boolean, and a UTF-8 byte order mark before
// the document (as Windows editors save one) is skipped. A key written
// twice in the document, a state, its properties, a transition, a
// condition or the flags is refused with its path; inside a property's
// value the widget reads the JSON, and the last one wins, as with
// encoding/json. Unknown keys and every property are kept as compact
// JSON, byte for byte otherwise.
//
// Data longer than DefaultMaxReadBytes is refused, before it is decoded,
// with an error wrapping ErrInvalid; ParseLimit takes another bound. JSON
// nested deeper than MaxNestingDepth is refused with a *SyntaxError at the
// bracket that opens the level too many.
func Parse(data []byte) (*Definition, error) { return ParseLimit(data, DefaultMaxReadBytes) }

// ParseLimit is Parse with maxBytes in place of DefaultMaxReadBytes: data
// longer than maxBytes is refused, before it is decoded, with an error
// wrapping ErrInvalid that gives both sizes. A zero maxBytes takes
// DefaultMaxReadBytes; a negative one disables the bound.
func ParseLimit(data []byte, maxBytes int) (*Definition, error) {
	if maxBytes == 0 {
		maxBytes = DefaultMaxReadBytes
	}
	if maxBytes > 0 && len(data) > maxBytes {
		return nil, fmt.Errorf("flow: document is %d bytes, larger than the limit of %d bytes: %w", len(data), maxBytes, ErrInvalid)
	}
	// A byte order mark is skipped; a syntax error's Offset still counts
	// from the caller's first byte, its line and column as an editor
	// shows them.
	data, bom := jsonutil.TrimByteOrderMark(data)
	// One pass checks the whole document and compacts it into a copy:
	// the definition's raw values are slices of that copy (never of the
	// caller's buffer), already without white space between tokens.
	var doc bytes.Buffer
	doc.Grow(len(data))
	if err := json.Compact(&doc, data); err != nil {
		// encoding/json's message and offset for the syntax error.
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			e := syntaxError(data, se.Offset, se.Error())
			e.Offset += int64(bom)
			return nil, e
		}
		return nil, &DecodeError{Path: "#", Msg: "expected a JSON object"}
	}
	if off := jsonutil.Beyond(data, MaxNestingDepth); off >= 0 {
		e := syntaxError(data, int64(off)+1, fmt.Sprintf("nested deeper than %d levels", MaxNestingDepth))
		e.Offset += int64(bom)
		return nil, e
	}
	obj, err := decodeObject(doc.Bytes(), "#")
	if err != nil {
		return nil, err
	}
	d := &Definition{}
	if err := takeString(obj, "description", "#", &d.Description); err != nil {
		return nil, err
	}
	if err := takeString(obj, "initial_state", "#", &d.InitialState); err != nil {
		return nil, err
	}
	if raw, ok := take(obj, "flags"); ok {
		if err := d.Flags.decode(raw); err != nil {
			return nil, err
		}
	}
	if raw, ok := take(obj, "exposed_variables"); ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &d.ExposedVariables); err != nil {
			return nil, &DecodeError{Path: "#/exposed_variables", Msg: "expected an array of strings"}
		}
	}
	// States is never nil after Parse, as MarshalJSON always writes the
	// key: an absent or null "states" reads as no states.
	d.States = []State{}
	if raw, ok := take(obj, "states"); ok && !isNull(raw) {
		items, ok := splitArray(raw)
		if !ok {
			return nil, &DecodeError{Path: "#/states", Msg: "expected an array of states"}
		}
		d.States = make([]State, len(items))
		for i, item := range items {
			if err := d.States[i].decode(item, "#/states/"+strconv.Itoa(i)); err != nil {
				return nil, err
			}
		}
	}
	d.Extra = extra(obj)
	if raw, ok := d.Extra["vendor"]; ok {
		var v Vendor
		if json.Unmarshal(raw, &v) == nil && (v == VendorTwilio || v == VendorTalkdesk || v == VendorConnect) {
			d.Vendor = v
			delete(d.Extra, "vendor")
		}
	}
	return d, nil
}

// Read reads a definition from r as Parse does. A document over
// DefaultMaxReadBytes is refused with an error wrapping ErrInvalid, without
// being read further or decoded; a read failure is returned wrapped. For
// another bound, read the bytes and call ParseLimit.
func Read(r io.Reader) (*Definition, error) {
	data, err := io.ReadAll(io.LimitReader(r, DefaultMaxReadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("flow: read: %w", err)
	}
	if len(data) > DefaultMaxReadBytes {
		return nil, fmt.Errorf("flow: document larger than %d bytes: %w", DefaultMaxReadBytes, ErrInvalid)
	}
	return Parse(data)
}

// Marshal writes d as compact Flow JSON, without HTML escaping; see
// MarshalJSON for the layout.
func Marshal(d *Definition) ([]byte, error) { return d.MarshalJSON() }

// MarshalIndent writes d as Flow JSON indented like Twilio's exports (two
// spaces, a final newline), without HTML escaping.
func MarshalIndent(d *Definition) ([]byte, error) {
	data, err := d.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// MarshalJSON writes d as Flow JSON: the modelled keys in Twilio's order,
// then every kept unknown key in sorted order. "states", "transitions" and
// "properties" are always written; "next" only when set; "flags" when the
// document had it or it holds something; "exposed_variables" when not nil.
//
// HTML characters such as <, > and & are not escaped. Note that json.Marshal
// escapes them again in whatever MarshalJSON returns: use Marshal, or a
// json.Encoder with SetEscapeHTML(false), to keep them.
func (d *Definition) MarshalJSON() ([]byte, error) {
	var w objectWriter
	w.field("description", d.Description)
	w.key("states")
	w.buf.WriteByte('[')
	for i := range d.States {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		d.States[i].write(&w.buf)
	}
	w.buf.WriteByte(']')
	w.field("initial_state", d.InitialState)
	if d.Flags.Present || d.Flags.AllowConcurrentCalls || len(d.Flags.Extra) > 0 {
		w.key("flags")
		var f objectWriter
		f.field("allow_concurrent_calls", d.Flags.AllowConcurrentCalls)
		f.extras(d.Flags.Extra)
		w.buf.Write(f.close())
	}
	if d.ExposedVariables != nil {
		w.field("exposed_variables", d.ExposedVariables)
	}
	if d.Vendor != "" {
		w.field("vendor", string(d.Vendor))
	}
	w.extras(d.Extra)
	return w.close(), nil
}

// UnmarshalJSON reads Flow JSON into d, as Parse does, DefaultMaxReadBytes
// included.
func (d *Definition) UnmarshalJSON(data []byte) error {
	p, err := Parse(data)
	if err != nil {
		return err
	}
	*d = *p
	return nil
}

func (f *Flags) decode(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	obj, err := decodeObject(raw, "#/flags")
	if err != nil {
		return err
	}
	f.Present = true
	if v, ok := take(obj, "allow_concurrent_calls"); ok {
		b, err := looseBool(v)
		if err != nil {
			return &DecodeError{Path: "#/flags/allow_concurrent_calls", Msg: err.Error()}
		}
		f.AllowConcurrentCalls = b
	}
	f.Extra = extra(obj)
	return nil
}

func (s *State) decode(raw json.RawMessage, path string) error {
	obj, err := decodeObject(raw, path)
	if err != nil {
		return err
	}
	if err := takeString(obj, "name", path, &s.Name); err != nil {
		return err
	}
	if err := takeString(obj, "type", path, &s.Type); err != nil {
		return err
	}
	s.Transitions = []Transition{}
	if v, ok := take(obj, "transitions"); ok && !isNull(v) {
		items, ok := splitArray(v)
		if !ok {
			return &DecodeError{Path: path + "/transitions", Msg: "expected an array of transitions"}
		}
		s.Transitions = make([]Transition, len(items))
		for i, item := range items {
			if err := s.Transitions[i].decode(item, path+"/transitions/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	s.Properties = map[string]json.RawMessage{}
	if v, ok := take(obj, "properties"); ok && !isNull(v) {
		props, err := decodeObject(v, path+"/properties")
		if err != nil {
			return err
		}
		s.Properties = props // a fresh map of its own
	}
	s.Extra = extra(obj)
	return nil
}

func (s *State) write(buf *bytes.Buffer) {
	var w objectWriter
	w.field("name", s.Name)
	w.field("type", s.Type)
	w.key("transitions")
	w.buf.WriteByte('[')
	for i := range s.Transitions {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		s.Transitions[i].write(&w.buf)
	}
	w.buf.WriteByte(']')
	w.key("properties")
	var p objectWriter
	p.extras(s.Properties)
	w.buf.Write(p.close())
	w.extras(s.Extra)
	buf.Write(w.close())
}

func (t *Transition) decode(raw json.RawMessage, path string) error {
	obj, err := decodeObject(raw, path)
	if err != nil {
		return err
	}
	if err := takeString(obj, "event", path, &t.Event); err != nil {
		return err
	}
	if err := takeString(obj, "next", path, &t.Next); err != nil {
		return err
	}
	if v, ok := take(obj, "conditions"); ok && !isNull(v) {
		items, ok := splitArray(v)
		if !ok {
			return &DecodeError{Path: path + "/conditions", Msg: "expected an array of conditions"}
		}
		t.Conditions = make([]Condition, len(items))
		for i, item := range items {
			if err := t.Conditions[i].decode(item, path+"/conditions/"+strconv.Itoa(i)); err != nil {
				return err
			}
		}
	}
	t.Extra = extra(obj)
	return nil
}

func (t *Transition) write(buf *bytes.Buffer) {
	var w objectWriter
	if t.Next != "" {
		w.field("next", t.Next)
	}
	w.field("event", t.Event)
	if t.Conditions != nil {
		w.key("conditions")
		w.buf.WriteByte('[')
		for i := range t.Conditions {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			t.Conditions[i].write(&w.buf)
		}
		w.buf.WriteByte(']')
	}
	w.extras(t.Extra)
	buf.Write(w.close())
}

func (c *Condition) decode(raw json.RawMessage, path string) error {
	obj, err := decodeObject(raw, path)
	if err != nil {
		return err
	}
	if err := takeString(obj, "friendly_name", path, &c.FriendlyName); err != nil {
		return err
	}
	if err := takeString(obj, "type", path, &c.Type); err != nil {
		return err
	}
	if v, ok := take(obj, "value"); ok && !isNull(v) {
		s, err := looseString(v)
		if err != nil {
			return &DecodeError{Path: path + "/value", Msg: err.Error()}
		}
		c.Value = s
	}
	if v, ok := take(obj, "arguments"); ok && !isNull(v) {
		if err := json.Unmarshal(v, &c.Arguments); err != nil {
			return &DecodeError{Path: path + "/arguments", Msg: "expected an array of strings"}
		}
	}
	c.Extra = extra(obj)
	return nil
}

func (c *Condition) write(buf *bytes.Buffer) {
	var w objectWriter
	w.field("friendly_name", c.FriendlyName)
	if c.Arguments != nil {
		w.field("arguments", c.Arguments)
	}
	w.field("type", c.Type)
	w.field("value", c.Value)
	w.extras(c.Extra)
	buf.Write(w.close())
}

// decodeObject decodes a JSON object into its members, as slices of
// data. A key written twice is refused: encoding/json would keep the last
// value and another reader the first, so the flow would run as one of
// them and read as the other. data is
// valid compact JSON (ParseLimit compacts the whole document once,
// first), so that equal documents decode to equal bytes.
func decodeObject(data []byte, path string) (map[string]json.RawMessage, error) {
	d := jsonutil.NewDecoder(data)
	if d.Null() {
		return nil, &DecodeError{Path: path, Msg: "expected a JSON object, got null"}
	}
	if d.ObjectStart() != nil {
		return nil, &DecodeError{Path: path, Msg: "expected a JSON object"}
	}
	obj := map[string]json.RawMessage{}
	for i := 0; ; i++ {
		key, ok, err := d.ObjectKey(i)
		if err != nil {
			return nil, &DecodeError{Path: path, Msg: err.Error()}
		}
		if !ok {
			return obj, nil
		}
		k := string(key)
		if _, twice := obj[k]; twice {
			return nil, &DecodeError{Path: path, Msg: fmt.Sprintf("key %q is written twice", k)}
		}
		v, err := d.Raw()
		if err != nil {
			return nil, &DecodeError{Path: path + "/" + k, Msg: err.Error()}
		}
		obj[k] = v[:len(v):len(v)] // an append to one value must not write over the next
	}
}

// splitArray returns the elements of the JSON array raw (valid JSON), as
// slices of it; false when raw is not an array.
func splitArray(raw []byte) ([]json.RawMessage, bool) {
	d := jsonutil.NewDecoder(raw)
	if d.ArrayStart() != nil {
		return nil, false
	}
	items := []json.RawMessage{}
	for i := 0; ; i++ {
		more, err := d.ArrayNext(i)
		if err != nil {
			return nil, false
		}
		if !more {
			return items, true
		}
		v, err := d.Raw()
		if err != nil {
			return nil, false
		}
		items = append(items, v[:len(v):len(v)])
	}
}

func take(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	v, ok := obj[key]
	if ok {
		delete(obj, key)
	}
	return v, ok
}

func takeString(obj map[string]json.RawMessage, key, path string, dst *string) error {
	v, ok := take(obj, key)
	if !ok || isNull(v) {
		return nil
	}
	// The common case: a string without escapes, whose bytes are its text.
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v[1:len(v)-1], '\\') < 0 && bytes.IndexByte(v[1:len(v)-1], '"') < 0 && utf8.Valid(v) {
		*dst = string(v[1 : len(v)-1])
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return &DecodeError{Path: path + "/" + key, Msg: "expected a string, got " + jsonKind(v)}
	}
	return nil
}

func extra(obj map[string]json.RawMessage) map[string]json.RawMessage {
	if len(obj) == 0 {
		return nil
	}
	return obj
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

func jsonKind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// looseBool accepts true, false and their string forms "true" / "false".
func looseBool(raw json.RawMessage) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if v, err := strconv.ParseBool(s); err == nil {
			return v, nil
		}
	}
	return false, fmt.Errorf("expected a boolean, got %s", raw)
}

// looseString accepts a string, or a number or boolean written bare.
func looseString(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	switch raw[0] {
	case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw), nil
	}
	return "", fmt.Errorf("expected a string, got %s", jsonKind(raw))
}

// syntaxError locates the fault of a *json.SyntaxError. json's Offset
// counts the bytes read when the scanner stopped: that includes the
// offending byte, or is len(data) when the input ended too early. The fault
// is therefore the byte before Offset, except at an unexpected end, where it
// is the end of the input itself. Counting the offending byte as read put
// the column one too far right and, for a raw newline inside a string, on
// the next line.
func syntaxError(data []byte, offset int64, msg string) *SyntaxError {
	pos := min(max(offset, 0), int64(len(data)))
	if pos > 0 && !(pos == int64(len(data)) && strings.HasPrefix(msg, "unexpected end of JSON input")) {
		pos--
	}
	before := data[:pos]
	line := 1 + bytes.Count(before, []byte{'\n'})
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	col := 1 + utf8.RuneCount(before[lineStart:])
	return &SyntaxError{Line: line, Column: col, Offset: pos, Msg: msg}
}

// marshalCompact encodes v without HTML escaping and without a trailing
// newline.
func marshalCompact(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// objectWriter writes a JSON object key by key, each key once.
type objectWriter struct {
	buf bytes.Buffer
	n   int
	// written are the keys written, which extras skips: a definition
	// built in Go may hold a key in Extra under a name Flow JSON models
	// ("description"; package flow/connect refuses such keys in the
	// documents it reads), and writing it too would write the key twice,
	// which Parse refuses.
	written []string
}

func (w *objectWriter) key(k string) {
	if w.n == 0 {
		w.buf.WriteByte('{')
	} else {
		w.buf.WriteByte(',')
	}
	w.n++
	w.written = append(w.written, k)
	kb, _ := marshalCompact(k)
	w.buf.Write(kb)
	w.buf.WriteByte(':')
}

func (w *objectWriter) field(k string, v any) {
	w.key(k)
	b, err := marshalCompact(v)
	if err != nil {
		b = []byte("null")
	}
	w.buf.Write(b)
}

func (w *objectWriter) extras(m map[string]json.RawMessage) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if slices.Contains(w.written, k) {
			continue
		}
		w.key(k)
		if len(m[k]) == 0 {
			w.buf.WriteString("null")
			continue
		}
		w.buf.Write(m[k])
	}
}

func (w *objectWriter) close() []byte {
	if w.n == 0 {
		return []byte("{}")
	}
	w.buf.WriteByte('}')
	return w.buf.Bytes()
}
