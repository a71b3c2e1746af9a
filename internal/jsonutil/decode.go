package jsonutil

import (
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDecodeDepth is how deeply objects and arrays may nest in what a
// Decoder reads: encoding/json's own bound.
const MaxDecodeDepth = 10000

// Decoder reads one JSON text token by token, for decoders that know the
// shape they read and want neither reflection nor a first pass that only
// validates. It accepts the JSON texts encoding/json accepts. Value and
// Map give what json.Unmarshal into an any gives (maps of string keys,
// []any, strings, float64, bools, nil; invalid UTF-8 and lone surrogates
// become U+FFFD; a repeated key keeps its last value). The typed readers
// (String, Bool, Int, Time, ...) read a null as their zero value, as
// json.Unmarshal leaves a field untouched by a null; a decoder that calls
// one for each key it meets lets a repeated key replace the earlier value.
//
// A Decoder reports the first problem with its offset (*DecodeError);
// after an error its state is undefined.
//
//	d := jsonutil.NewDecoder(data)
//	if err := d.ObjectStart(); err != nil { ... }
//	for i := 0; ; i++ {
//		key, ok, err := d.ObjectKey(i)
//		if err != nil || !ok { ... }
//		switch string(key) {
//		case "id":
//			id, err = d.String()
//		default:
//			err = d.Skip()
//		}
//	}
//	err = d.End()
type Decoder struct {
	data  []byte
	pos   int
	depth int
}

// NewDecoder returns a Decoder reading data.
func NewDecoder(data []byte) *Decoder { return &Decoder{data: data} }

// DecodeError is a JSON text that does not read: what was wrong and the
// byte offset where it was found.
type DecodeError struct {
	Offset int
	Msg    string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("json: offset %d: %s", e.Offset, e.Msg)
}

// Errorf returns a *DecodeError at the decoder's offset: for a decoder
// built on it to report a value of the wrong shape.
func (d *Decoder) Errorf(format string, args ...any) error {
	return &DecodeError{Offset: d.pos, Msg: fmt.Sprintf(format, args...)}
}

func (d *Decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// Peek returns the next byte that is not white space, without consuming
// it: 0 at the end.
func (d *Decoder) Peek() byte { return d.peek() }

// peek returns the next byte that is not white space, 0 at the end (or
// at a NUL, which no JSON text holds outside a string).
func (d *Decoder) peek() byte {
	d.skipSpace()
	if d.pos == len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

func (d *Decoder) unexpected(what string) error {
	if d.pos >= len(d.data) {
		return d.Errorf("unexpected end of JSON input, want %s", what)
	}
	return d.Errorf("invalid character %q, want %s", d.data[d.pos], what)
}

// End reports an error unless only white space is left.
func (d *Decoder) End() error {
	if d.skipSpace(); d.pos < len(d.data) {
		return d.Errorf("invalid character %q after top-level value", d.data[d.pos])
	}
	return nil
}

// Null consumes a null if one is next, and reports whether it did.
func (d *Decoder) Null() bool {
	if d.peek() == 'n' && d.literal("null") == nil {
		return true
	}
	return false
}

func (d *Decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.unexpected("a value")
	}
	d.pos += len(word)
	return nil
}

// ObjectStart consumes the { that opens an object.
func (d *Decoder) ObjectStart() error {
	if d.peek() != '{' {
		return d.unexpected("an object")
	}
	if d.depth++; d.depth > MaxDecodeDepth {
		return d.Errorf("exceeded max depth")
	}
	d.pos++
	return nil
}

// ObjectKey reads the object's next key and the colon after it, the
// value being next; i counts the keys read before (0 for the first). It
// reports false, having consumed the closing }, when the object ends.
// The key is the decoder's buffer when it has no escapes, valid only
// until the next call: compare it (switch string(key)), or copy it.
func (d *Decoder) ObjectKey(i int) (key []byte, ok bool, err error) {
	c := d.peek()
	if c == '}' {
		d.pos++
		d.depth--
		return nil, false, nil
	}
	if i > 0 {
		if c != ',' {
			return nil, false, d.unexpected("',' or '}' after an object's value")
		}
		d.pos++
		c = d.peek()
	}
	if c != '"' {
		return nil, false, d.unexpected("a string for an object's key")
	}
	key, err = d.stringBytes()
	if err != nil {
		return nil, false, err
	}
	if d.peek() != ':' {
		return nil, false, d.unexpected("':' after an object's key")
	}
	d.pos++
	return key, true, nil
}

// ArrayStart consumes the [ that opens an array.
func (d *Decoder) ArrayStart() error {
	if d.peek() != '[' {
		return d.unexpected("an array")
	}
	if d.depth++; d.depth > MaxDecodeDepth {
		return d.Errorf("exceeded max depth")
	}
	d.pos++
	return nil
}

// ArrayNext moves to the array's next element; i counts the elements read
// before. It reports false, having consumed the closing ], when the array
// ends.
func (d *Decoder) ArrayNext(i int) (bool, error) {
	c := d.peek()
	if c == ']' {
		d.pos++
		d.depth--
		return false, nil
	}
	if i > 0 {
		if c != ',' {
			return false, d.unexpected("',' or ']' after an array element")
		}
		d.pos++
	}
	return true, nil
}

// String reads a string; a null reads as "".
func (d *Decoder) String() (string, error) {
	if d.Null() {
		return "", nil
	}
	if d.peek() != '"' {
		return "", d.unexpected("a string")
	}
	b, err := d.stringBytes()
	return string(b), err
}

// Bool reads true or false; a null reads as false.
func (d *Decoder) Bool() (bool, error) {
	switch d.peek() {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return false, d.literal("null")
	}
	return false, d.unexpected("true or false")
}

// Int reads an integer that fits in bits bits, as encoding/json reads
// one into an int of that size: a number with a fraction or an exponent
// is refused. A null reads as 0.
func (d *Decoder) Int(bits int) (int64, error) {
	if d.Null() {
		return 0, nil
	}
	start := d.pos
	num, err := d.number()
	if err != nil {
		return 0, err
	}
	n, perr := strconv.ParseInt(string(num), 10, bits)
	if perr != nil {
		d.pos = start
		return 0, d.Errorf("cannot read number %s as a %d-bit integer", num, bits)
	}
	return n, nil
}

// Time reads a time as time.Time's UnmarshalJSON does (RFC 3339); a null
// reads as the zero time.
func (d *Decoder) Time() (time.Time, error) {
	var t time.Time
	if d.Null() {
		return t, nil
	}
	if d.peek() != '"' {
		return t, d.unexpected("a time")
	}
	start := d.pos
	b, err := d.stringBytes()
	if err != nil {
		return t, err
	}
	if err := t.UnmarshalText(b); err != nil {
		d.pos = start
		return t, d.Errorf("%v", err)
	}
	return t, nil
}

// Skip reads a value of any kind and drops it.
func (d *Decoder) Skip() error {
	_, err := d.value(false)
	return err
}

// Raw reads a value of any kind and returns its text: a slice of the
// decoder's data, white space around it excluded, valid until the data
// changes.
func (d *Decoder) Raw() ([]byte, error) {
	d.skipSpace()
	start := d.pos
	if err := d.Skip(); err != nil {
		return nil, err
	}
	return d.data[start:d.pos], nil
}

// Value reads a value of any kind as json.Unmarshal into an any does.
func (d *Decoder) Value() (any, error) {
	return d.value(true)
}

// Map reads an object as Value does; a null reads as nil.
func (d *Decoder) Map() (map[string]any, error) {
	if d.Null() {
		return nil, nil
	}
	if d.peek() != '{' {
		return nil, d.unexpected("an object")
	}
	v, err := d.value(true)
	m, _ := v.(map[string]any)
	return m, err
}

// value reads a value, building it when keep is set.
func (d *Decoder) value(keep bool) (any, error) {
	switch c := d.peek(); c {
	case '{':
		if err := d.ObjectStart(); err != nil {
			return nil, err
		}
		var m map[string]any
		if keep {
			m = map[string]any{}
		}
		for i := 0; ; i++ {
			key, ok, err := d.ObjectKey(i)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			var k string
			if keep {
				k = string(key)
			}
			v, err := d.value(keep)
			if err != nil {
				return nil, err
			}
			if keep {
				m[k] = v
			}
		}
		if !keep {
			return nil, nil
		}
		return m, nil
	case '[':
		if err := d.ArrayStart(); err != nil {
			return nil, err
		}
		var list []any
		if keep {
			list = []any{}
		}
		for i := 0; ; i++ {
			ok, err := d.ArrayNext(i)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			v, err := d.value(keep)
			if err != nil {
				return nil, err
			}
			if keep {
				list = append(list, v)
			}
		}
		if !keep {
			return nil, nil
		}
		return list, nil
	case '"':
		b, err := d.stringBytes()
		if err != nil || !keep {
			return nil, err
		}
		return string(b), nil
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	}
	start := d.pos
	num, err := d.number()
	if err != nil || !keep {
		return nil, err
	}
	f, perr := strconv.ParseFloat(string(num), 64)
	if perr != nil {
		d.pos = start
		return nil, d.Errorf("cannot read number %s as a float64", num)
	}
	return f, nil
}

// number reads a number's text, checked against JSON's grammar.
func (d *Decoder) number() ([]byte, error) {
	data, start := d.data, d.pos
	i := d.pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return nil, d.unexpected("a value")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, d.unexpected("a digit after a decimal point")
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return nil, d.unexpected("a digit in an exponent")
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return data[start:i], nil
}

// readAsIs tells the bytes a string holds as they are: printable ASCII
// but the quote and the backslash. A table, because stringBytes' loop runs
// once per byte of every string an execution loads.
var readAsIs = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// stringBytes reads a string, d.pos at its opening quote. A string with
// nothing to unescape or replace is returned as a slice of the input.
func (d *Decoder) stringBytes() ([]byte, error) {
	data := d.data
	start := d.pos + 1
	for i := start; i < len(data); i++ {
		c := data[i]
		if readAsIs[c] {
			continue
		}
		switch {
		case c == '"':
			d.pos = i + 1
			return data[start:i], nil
		case c >= utf8.RuneSelf:
			// Valid UTF-8 reads as itself, with nothing to copy; anything
			// else is unquote's to replace.
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return d.unquote(start, i)
			}
			i += size - 1
		case c == '\\' || c < 0x20:
			return d.unquote(start, i)
		}
	}
	d.pos = len(data)
	return nil, d.unexpected("a closing quote")
}

// unquote reads the rest of a string that needs work, from i; data[start:i]
// is plain.
func (d *Decoder) unquote(start, i int) ([]byte, error) {
	data := d.data
	b := make([]byte, 0, i-start+16)
	b = append(b, data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return b, nil
		case c < 0x20:
			d.pos = i
			return nil, d.Errorf("invalid character %q in string literal", c)
		case c == '\\':
			if i+1 >= len(data) {
				d.pos = len(data)
				return nil, d.unexpected("an escape")
			}
			switch e := data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b, i = append(b, '\b'), i+2
			case 'f':
				b, i = append(b, '\f'), i+2
			case 'n':
				b, i = append(b, '\n'), i+2
			case 'r':
				b, i = append(b, '\r'), i+2
			case 't':
				b, i = append(b, '\t'), i+2
			case 'u':
				r := hex4(data[i+2:])
				if r < 0 {
					d.pos = i
					return nil, d.Errorf("invalid \\u escape in string literal")
				}
				i += 6
				// As encoding/json: a valid surrogate pair is one rune, and
				// any other surrogate is U+FFFD (the next escape then read on
				// its own).
				if utf16.IsSurrogate(r) {
					if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(data[i+2:])); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							i += 6
							break
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
			default:
				d.pos = i
				return nil, d.Errorf("invalid escape \\%c in string literal", e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, unicode.ReplacementChar)
			} else {
				b = append(b, data[i:i+size]...)
			}
			i += size
		}
	}
	d.pos = len(data)
	return nil, d.unexpected("a closing quote")
}

// hex4 reads four hex digits as a rune, -1 if they are not.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
