package flow_test

import (
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/flow"
)

func TestCheckUnsafeStateNames(t *testing.T) {
	tests := []struct {
		name string
		// bad is inserted between "good" and "bye": it is character 5,
		// byte 4 of the name.
		bad string
		// want is the description the message must hold.
		want string
	}{
		{"NUL", "\x00", "U+0000 (a control character) at character 5 (byte 4)"},
		{"newline", "\n", "U+000A (a control character) at character 5 (byte 4)"},
		{"carriage return", "\r", "U+000D (a control character) at character 5 (byte 4)"},
		{"escape", "\x1b", "U+001B (a control character) at character 5 (byte 4)"},
		{"DEL", "\x7f", "U+007F (a control character) at character 5 (byte 4)"},
		{"C1 next line", "\u0085", "U+0085 (a control character) at character 5 (byte 4)"},
		{"C1 last", "\u009f", "U+009F (a control character) at character 5 (byte 4)"},
		{"zero-width space", "\u200b", "U+200B (an invisible format character) at character 5 (byte 4)"},
		{"zero-width non-joiner", "\u200c", "U+200C (an invisible format character) at character 5 (byte 4)"},
		{"zero-width joiner", "\u200d", "U+200D (an invisible format character) at character 5 (byte 4)"},
		{"word joiner", "\u2060", "U+2060 (an invisible format character) at character 5 (byte 4)"},
		{"BOM", "\ufeff", "U+FEFF (an invisible format character) at character 5 (byte 4)"},
		{"soft hyphen", "\u00ad", "U+00AD (an invisible format character) at character 5 (byte 4)"},
		{"left-to-right embedding", "\u202a", "U+202A (a bidirectional control) at character 5 (byte 4)"},
		{"right-to-left override", "\u202e", "U+202E (a bidirectional control) at character 5 (byte 4)"},
		{"left-to-right isolate", "\u2066", "U+2066 (a bidirectional control) at character 5 (byte 4)"},
		{"pop directional isolate", "\u2069", "U+2069 (a bidirectional control) at character 5 (byte 4)"},
		{"left-to-right mark", "\u200e", "U+200E (a bidirectional control) at character 5 (byte 4)"},
		{"right-to-left mark", "\u200f", "U+200F (a bidirectional control) at character 5 (byte 4)"},
		{"arabic letter mark", "\u061c", "U+061C (a bidirectional control) at character 5 (byte 4)"},
		{"line separator", "\u2028", "U+2028 (a line or paragraph separator) at character 5 (byte 4)"},
		{"paragraph separator", "\u2029", "U+2029 (a line or paragraph separator) at character 5 (byte 4)"},
		{"invalid byte", "\xff", "the invalid UTF-8 byte 0xFF at character 5 (byte 4)"},
		{"truncated sequence", "\xc3", "the invalid UTF-8 byte 0xC3 at character 5 (byte 4)"},
		{"overlong encoding", "\xc0\xaf", "the invalid UTF-8 byte 0xC0 at character 5 (byte 4)"},
		{"encoded surrogate", "\xed\xa0\x80", "the invalid UTF-8 byte 0xED at character 5 (byte 4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "good" + tt.bad + "bye"
			d := sound()
			rename(d, "bye", name)
			got := flow.Check(d)
			require.Equal(t, flow.Problems{p("#/states/3/name", name, flow.CodeStateNameUnsafe, errSev)}, withoutMessages(t, got),
				"one problem only: not also state.name_invalid, and the renamed transitions still resolve")
			msg := got[0].Message
			assert.Contains(t, msg, tt.want)
			assert.True(t, utf8.ValidString(msg), "message %q is not valid UTF-8", msg)
			assert.NotContains(t, msg, tt.bad, "the message shows the character raw")
			assert.NotContains(t, got[0].String(), tt.bad, "String shows the character raw")
			assert.False(t, flow.ValidStateName(name))
		})
	}
}

func TestCheckUnsafeStateNameMessage(t *testing.T) {
	d := sound()
	rename(d, "bye", "café\u202eeyb")
	got := flow.Check(d)
	require.Len(t, got, 1)
	assert.Equal(t, `state name "café\u202eeyb" holds U+202E (a bidirectional control) at character 5 (byte 5); `+
		`a state name must hold no control, invisible or bidirectional-control character and be valid UTF-8`, got[0].Message)
	assert.Equal(t, `error #/states/3/name (state "café\u202eeyb"): `+got[0].Message+` [state.name_unsafe]`, got[0].String())
}

func TestCheckUnsafeStateNameFromJSON(t *testing.T) {
	// JSON escapes reach the name as the characters themselves.
	d, err := flow.Parse([]byte(`{"initial_state":"Trigger","states":[
		{"name":"Trigger","type":"trigger","transitions":[{"event":"incomingCall","next":"a\u202eb"}]},
		{"name":"a\u202eb","type":"say-play"}]}`))
	require.NoError(t, err)
	got := flow.Check(d)
	assert.Equal(t, flow.Problems{p("#/states/1/name", "a\u202eb", flow.CodeStateNameUnsafe, errSev)}, withoutMessages(t, got))
}

func TestCheckUnsafeNextIsReportedOnce(t *testing.T) {
	// A next holding such a character names no state: it is reported as
	// dangling, with the name quoted, and nothing more.
	d := sound()
	d.States[3].Transitions[0].Next = "gr\u200beet"
	got := flow.Check(d)
	require.Equal(t, flow.Problems{p("#/states/3/transitions/0/next", "bye", flow.CodeNextUnknown, errSev)}, withoutMessages(t, got))
	assert.Contains(t, got[0].Message, `"gr\u200beet"`)
	assert.NotContains(t, got[0].Message, "\u200b")
}

func TestCheckOrdinaryStateNames(t *testing.T) {
	tests := []struct {
		name string
		// invalid is true for names that are safe but fail the older
		// ValidStateName rule (a leading ASCII letter, no space or
		// period): state.name_invalid, never state.name_unsafe.
		invalid bool
	}{
		{name: "split_1"},
		{name: "Say_Hello"},
		{name: "send_to_flex_2"},
		{name: "say-play-3"},
		{name: "café"},
		{name: "Zürich_menu"},
		{name: "greet_🎉"},
		{name: "wave_👋🏽"},
		{name: "flag_🇫🇷"},
		{name: "keycap_1️⃣"},
		{name: "menu_日本語"},
		{name: "menu_مرحبا"},
		{name: "menu_שלום"},
		{name: "Say Hello", invalid: true},
		{name: "日本語", invalid: true},
		{name: "Été", invalid: true},
		{name: "good.bye", invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sound()
			rename(d, "bye", tt.name)
			got := flow.Check(d)
			if tt.invalid {
				assert.Equal(t, flow.Problems{p("#/states/3/name", tt.name, flow.CodeStateNameInvalid, errSev)}, withoutMessages(t, got))
			} else {
				assert.Empty(t, got)
			}
			assert.Equal(t, !tt.invalid, flow.ValidStateName(tt.name))
		})
	}
}

func TestCheckDuplicateAfterNormalization(t *testing.T) {
	tests := []struct {
		name          string
		first, second string
		dup           bool
	}{
		{"composed then decomposed", "caf\u00e9", "cafe\u0301", true},
		{"decomposed then composed", "cafe\u0301", "caf\u00e9", true},
		{"angstrom sign and A with ring", "x\u212b", "x\u00c5", true},
		{"combining marks in another order", "qa\u0323\u0307", "qa\u0307\u0323", true},
		// NFC leaves compatibility forms alone: a ligature is another name.
		{"ligature is not a duplicate", "profile", "pro\ufb01le", false},
		{"case differs", "greet_x", "Greet_x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sound()
			rename(d, "bye", tt.first)
			// The second state is wired, so that it is reachable.
			d.States[3].Transitions[0].Next = tt.second
			d.States = append(d.States, st(tt.second, "say-play", tr("audioComplete", "")))
			got := flow.Check(d)
			if !tt.dup {
				assert.Empty(t, got)
				return
			}
			require.Equal(t, flow.Problems{p("#/states/4/name", tt.second, flow.CodeStateNameDuplicate, errSev)}, withoutMessages(t, got))
			assert.Equal(t, `state name `+strconv.Quote(tt.second)+` is the same as `+strconv.Quote(tt.first)+` of state 3 once Unicode-normalized (NFC)`, got[0].Message)
		})
	}
}

func TestCheckNormalizationDuplicateIsStillResolvedExactly(t *testing.T) {
	// Transitions resolve names byte for byte: the later spelling is its
	// own state, so it is reported unreachable when nothing leads to it.
	d := sound()
	rename(d, "bye", "caf\u00e9")
	d.States = append(d.States, st("cafe\u0301", "say-play"))
	got := flow.Check(d)
	assert.Equal(t, flow.Problems{
		p("#/states/4/name", "cafe\u0301", flow.CodeStateNameDuplicate, errSev),
		p("#/states/4", "cafe\u0301", flow.CodeStateUnreachable, warnSev),
	}, withoutMessages(t, got))
}
