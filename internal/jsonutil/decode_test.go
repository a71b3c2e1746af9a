package jsonutil

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeCases are JSON texts Value must read as json.Unmarshal into an any
// does: the same value, or an error for both.
var decodeCases = []string{
	`null`, `true`, `false`, `0`, `-0`, `1`, `-12.5e3`, `1E+2`, `1e400`, `123456789012345678901234567890`,
	`""`, `"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u2028\uD83D\uDE00"`, `"lone \uD83D x"`, `"lone \uDE00"`,
	`"\uD83D\u0041"`, `"\uD83D\uD83D\uDE00"`, `"bad \xff utf8 \xc3"`, "\"raw é ✓ \U0001F600\"",
	`{}`, `[]`, ` { "a" : [ 1 , { "b" : null } ] , "a" : "last" } `, `{"":1,"é":{"x":[[],{}]}}`,
	// Bytes that are not UTF-8 (real bytes, in a Go string): each is read
	// as U+FFFD, in values and in keys, as encoding/json does. Overlong
	// forms, surrogates written in UTF-8, code points past U+10FFFF, a stray
	// continuation byte, sequences cut short before the quote or the end.
	"\"bad \xff utf8 \xc3\"", "\"overlong \xc0\xaf \xe0\x80\xaf \xf0\x80\x80\xaf\"", "\"surrogate \xed\xa0\x80 \xed\xbf\xbf\"",
	"\"past max \xf4\x90\x80\x80\"", "\"stray \x80 byte\"", "\"real \xef\xbf\xbd\"", "\"cut \xe2\x9c\"", "\"cut at the end \xe2\x9c",
	"{\"k\xff\": \"v\xe2\x9c\x93\"}", "[\"\xf0\x9f\x98\"]",
	// Errors.
	``, ` `, `nul`, `tru`, `01`, `1.`, `.5`, `-`, `1e`, `+1`, `"abc`, `"ctl ` + "\x01" + `"`, `"\x"`, `"\u12"`, `"\u12G4"`,
	`{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `[1,]`, `[,1]`, `{1:2}`, `[1 2]`, `{"a":1 "b":2}`, `{} {}`, `[] x`, `{"a":1}}`,
	strings.Repeat("[", MaxDecodeDepth) + strings.Repeat("]", MaxDecodeDepth),
	strings.Repeat("[", MaxDecodeDepth+1) + strings.Repeat("]", MaxDecodeDepth+1),
}

// decodeLikeUnmarshal reads data with Value and End, as one text.
func decodeLikeUnmarshal(data []byte) (any, error) {
	d := NewDecoder(data)
	v, err := d.Value()
	if err == nil {
		err = d.End()
	}
	return v, err
}

// TestEveryByteIsReadAsUnmarshalReadsIt: the decoder's table of bytes a
// string holds as they are, byte by byte, alone and between others.
func TestEveryByteIsReadAsUnmarshalReadsIt(t *testing.T) {
	for c := range 256 {
		for _, src := range []string{"\"" + string([]byte{byte(c)}) + "\"", "\"a" + string([]byte{byte(c)}) + "z\""} {
			var want any
			werr := json.Unmarshal([]byte(src), &want)
			got, gerr := decodeLikeUnmarshal([]byte(src))
			require.Equal(t, werr == nil, gerr == nil, "byte %#x: errors %v / %v", c, werr, gerr)
			if werr == nil {
				assert.Equal(t, want, got, "byte %#x", c)
			}
		}
	}
}

func TestValueReadsWhatUnmarshalReads(t *testing.T) {
	for _, src := range decodeCases {
		var want any
		werr := json.Unmarshal([]byte(src), &want)
		got, gerr := decodeLikeUnmarshal([]byte(src))
		require.Equal(t, werr == nil, gerr == nil, "%.60q: errors %v / %v", src, werr, gerr)
		if werr == nil {
			assert.Equal(t, want, got, "%.60q", src)
		} else {
			var de *DecodeError
			assert.True(t, errors.As(gerr, &de), "%.60q: %T is not a *DecodeError", src, gerr)
		}
	}
}

// An error names its offset.
func TestDecodeErrorsSayWhere(t *testing.T) {
	_, err := decodeLikeUnmarshal([]byte(`{"a": [1, 2,, 3]}`))
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, 12, de.Offset)
	assert.Contains(t, err.Error(), "offset 12")
}

// The typed readers: nulls read as zero values, as encoding/json leaves
// a field untouched by one; wrong kinds and out-of-range numbers are
// errors.
func TestTypedReaders(t *testing.T) {
	read := func(src string, f func(d *Decoder) (any, error)) (any, error) {
		d := NewDecoder([]byte(src))
		v, err := f(d)
		if err == nil {
			err = d.End()
		}
		return v, err
	}
	str := func(d *Decoder) (any, error) { return d.String() }
	i32 := func(d *Decoder) (any, error) { return d.Int(32) }
	bl := func(d *Decoder) (any, error) { return d.Bool() }
	tm := func(d *Decoder) (any, error) { return d.Time() }
	mp := func(d *Decoder) (any, error) { return d.Map() }
	for _, c := range []struct {
		src  string
		f    func(d *Decoder) (any, error)
		want any
	}{
		{`"x\n"`, str, "x\n"}, {`null`, str, ""}, {`-7`, i32, int64(-7)}, {`null`, i32, int64(0)}, {`true`, bl, true}, {`null`, bl, false},
		{`"2026-03-01T09:00:30.0000005+01:00"`, tm, time.Date(2026, 3, 1, 9, 0, 30, 500, time.FixedZone("", 3600))},
		{`null`, tm, time.Time{}}, {`{"a":1}`, mp, map[string]any{"a": 1.0}}, {`null`, mp, map[string]any(nil)},
	} {
		got, err := read(c.src, c.f)
		require.NoError(t, err, c.src)
		if tw, ok := c.want.(time.Time); ok {
			assert.True(t, tw.Equal(got.(time.Time)), c.src)
			continue
		}
		assert.Equal(t, c.want, got, c.src)
	}
	for _, c := range []struct {
		src string
		f   func(d *Decoder) (any, error)
	}{
		{`1`, str}, {`"1"`, i32}, {`1.5`, i32}, {`1e2`, i32}, {`2147483648`, i32}, {`"true"`, bl}, {`"2026-13-01T00:00:00Z"`, tm}, {`1`, tm}, {`[]`, mp},
	} {
		_, err := read(c.src, c.f)
		assert.Error(t, err, c.src)
	}
	d := NewDecoder([]byte(`9223372036854775807`))
	n, err := d.Int(64)
	require.NoError(t, err)
	assert.Equal(t, int64(math.MaxInt64), n)
}

// Raw returns a value's text as it stands, white space around it left
// out, and moves past it.
func TestRawReturnsTheValuesText(t *testing.T) {
	d := NewDecoder([]byte(` { "a" : [ 1, {"b": "x y"} ] , "c": null }`))
	require.NoError(t, d.ObjectStart())
	var got []string
	for i := 0; ; i++ {
		_, ok, err := d.ObjectKey(i)
		require.NoError(t, err)
		if !ok {
			break
		}
		raw, err := d.Raw()
		require.NoError(t, err)
		got = append(got, string(raw))
	}
	require.NoError(t, d.End())
	assert.Equal(t, []string{`[ 1, {"b": "x y"} ]`, `null`}, got)
	_, err := NewDecoder([]byte(`[1,`)).Raw()
	assert.Error(t, err)
}

// FuzzDecodeValue: whatever the input, Value reads what json.Unmarshal
// reads into an any, or both refuse it.
func FuzzDecodeValue(f *testing.F) {
	for _, src := range decodeCases {
		if len(src) < 1000 {
			f.Add([]byte(src))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want any
		werr := json.Unmarshal(data, &want)
		got, gerr := decodeLikeUnmarshal(data)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: json.Unmarshal error %v, Value error %v", data, werr, gerr)
		}
		if werr == nil {
			assert.Equal(t, want, got, "%q", data)
		}
	})
}
