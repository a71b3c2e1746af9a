package flow_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode"
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
		{"no-break space", "\u00a0", "U+00A0 (a space other than U+0020) at character 5 (byte 4)"},
		{"ogham space mark", "\u1680", "U+1680 (a space other than U+0020) at character 5 (byte 4)"},
		{"en quad", "\u2000", "U+2000 (a space other than U+0020) at character 5 (byte 4)"},
		{"thin space", "\u2009", "U+2009 (a space other than U+0020) at character 5 (byte 4)"},
		{"hair space", "\u200a", "U+200A (a space other than U+0020) at character 5 (byte 4)"},
		{"narrow no-break space", "\u202f", "U+202F (a space other than U+0020) at character 5 (byte 4)"},
		{"medium mathematical space", "\u205f", "U+205F (a space other than U+0020) at character 5 (byte 4)"},
		{"ideographic space", "\u3000", "U+3000 (a space other than U+0020) at character 5 (byte 4)"},
		{"hangul choseong filler", "\u115f", "U+115F (an invisible character) at character 5 (byte 4)"},
		{"hangul jungseong filler", "\u1160", "U+1160 (an invisible character) at character 5 (byte 4)"},
		{"hangul filler", "\u3164", "U+3164 (an invisible character) at character 5 (byte 4)"},
		{"halfwidth hangul filler", "\uffa0", "U+FFA0 (an invisible character) at character 5 (byte 4)"},
		{"combining grapheme joiner", "\u034f", "U+034F (an invisible character) at character 5 (byte 4)"},
		{"khmer inherent vowel", "\u17b4", "U+17B4 (an invisible character) at character 5 (byte 4)"},
		{"variation selector 1", "\ufe00", "U+FE00 (an invisible character) at character 5 (byte 4)"},
		{"variation selector 16", "\ufe0f", "U+FE0F (an invisible character) at character 5 (byte 4)"},
		{"variation selector 17", "\U000e0100", "U+E0100 (an invisible character) at character 5 (byte 4)"},
		{"variation selector 256", "\U000e01ef", "U+E01EF (an invisible character) at character 5 (byte 4)"},
		{"mongolian free variation selector 1", "\u180b", "U+180B (an invisible character) at character 5 (byte 4)"},
		{"mongolian free variation selector 4", "\u180f", "U+180F (an invisible character) at character 5 (byte 4)"},
		{"mongolian vowel separator", "\u180e", "U+180E (an invisible format character) at character 5 (byte 4)"},
		{"braille blank", "\u2800", "U+2800 (an invisible character) at character 5 (byte 4)"},
		// An emoji keycap written with its presentation selector:
		// "1" U+FE0F U+20E3 looks like "1" U+20E3.
		{"keycap with variation selector", "1\ufe0f\u20e3", "U+FE0F (an invisible character) at character 6 (byte 5)"},
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
		`a state name must hold no control, invisible, bidirectional-control or non-ASCII space character and be valid UTF-8`, got[0].Message)
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
		{name: "keycap_1\u20e3"},
		{name: "heart_\u2764"},
		{name: "braille_\u2801"},
		{name: "hangul_\ud55c\uae00"},
		{name: "a" + strings.Repeat("b", flow.MaxStateNameBytes-1)},
		{name: "a" + strings.Repeat("\u00e9", (flow.MaxStateNameBytes-2)/2) + "b"},
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

func TestCheckRefusesEveryInvisibleOrSpaceCharacter(t *testing.T) {
	// Every space separator but U+0020, every variation selector and every
	// other default-ignorable code point is state.name_unsafe, named by
	// code point and kind and never shown raw.
	tables := []struct {
		table *unicode.RangeTable
		kind  string
	}{
		{unicode.Zs, "a space other than U+0020"},
		{unicode.Variation_Selector, "an invisible character"},
		{unicode.Other_Default_Ignorable_Code_Point, "an invisible character"},
	}
	for _, tt := range tables {
		n := 0
		for _, r := range runesOf(tt.table) {
			if r == ' ' {
				continue
			}
			n++
			name := "good" + string(r) + "bye"
			if !assert.False(t, flow.ValidStateName(name), "%U", r) {
				continue
			}
			d := sound()
			rename(d, "bye", name)
			// Without the size bound, which writes the whole definition
			// as JSON for each of these thousands of names.
			got := flow.Check(d, flow.WithLimits(flow.Limits{MaxBytes: -1}))
			if assert.Equal(t, flow.Problems{p("#/states/3/name", name, flow.CodeStateNameUnsafe, errSev)}, withoutMessages(t, got), "%U", r) {
				assert.Contains(t, got[0].Message, fmt.Sprintf("%U (%s) at character 5 (byte 4)", r, tt.kind))
				assert.NotContains(t, got[0].Message, string(r), "%U is shown raw", r)
				assert.NotContains(t, got[0].String(), string(r), "%U is shown raw", r)
			}
		}
		assert.NotZero(t, n)
	}
}

// runesOf lists the characters of a range table.
func runesOf(table *unicode.RangeTable) []rune {
	var rs []rune
	for _, r := range table.R16 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			rs = append(rs, c)
		}
	}
	for _, r := range table.R32 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			rs = append(rs, c)
		}
	}
	return rs
}

func TestCheckPlainSpaceIsInvalidNotUnsafe(t *testing.T) {
	d := sound()
	rename(d, "bye", "good bye")
	assert.Equal(t, flow.Problems{p("#/states/3/name", "good bye", flow.CodeStateNameInvalid, errSev)}, withoutMessages(t, flow.Check(d)))
}

func TestCheckStateNameLength(t *testing.T) {
	tests := []struct {
		name    string
		state   string
		tooLong bool
	}{
		{"at the bound", "a" + strings.Repeat("b", flow.MaxStateNameBytes-1), false},
		{"one byte over", "a" + strings.Repeat("b", flow.MaxStateNameBytes), true},
		{"two-byte characters at the bound", "a" + strings.Repeat("\u00e9", (flow.MaxStateNameBytes-2)/2) + "b", false},
		{"two-byte characters over", "a" + strings.Repeat("\u00e9", flow.MaxStateNameBytes/2), true},
		{"100 KB", "a" + strings.Repeat("x", 100<<10), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sound()
			rename(d, "bye", tt.state)
			got := flow.Check(d)
			assert.Equal(t, !tt.tooLong, flow.ValidStateName(tt.state))
			if !tt.tooLong {
				assert.Empty(t, got)
				return
			}
			// Compared field by field: a failure would print the name.
			require.Len(t, got, 1, "%s", got)
			assert.Equal(t, "#/states/3/name", got[0].Path)
			assert.Equal(t, flow.CodeStateNameTooLong, got[0].Code)
			assert.Equal(t, errSev, got[0].Severity)
			assert.True(t, got[0].State == tt.state, "State is not the name as spelled")
			msg := got[0].Message
			assert.Contains(t, msg, fmt.Sprintf("is %d bytes long; a state name may be at most %d bytes", len(tt.state), flow.MaxStateNameBytes))
			assert.Less(t, len(msg), 200, "the message holds the whole name: %s", msg)
			assert.Less(t, len(got[0].String()), 400, "String holds the whole name")
			assert.True(t, utf8.ValidString(msg))
		})
	}
}

func TestCheckStateNameTooLongMessage(t *testing.T) {
	name := "a" + strings.Repeat("\u00e9", 300)
	d := sound()
	rename(d, "bye", name)
	got := flow.Check(d)
	require.Len(t, got, 1)
	// 40 characters, cut between characters, not bytes.
	shown := `"a` + strings.Repeat("\u00e9", 39) + `"…`
	assert.Equal(t, `state name `+shown+` is 601 bytes long; a state name may be at most 256 bytes (UTF-8)`, got[0].Message)
	assert.Equal(t, `error #/states/3/name (state `+shown+`): `+got[0].Message+` [state.name_too_long]`, got[0].String())
}

func TestCheckTooLongIsReportedBeforeUnsafe(t *testing.T) {
	// A long name that is also unsafe is reported once, as too long, and
	// the part shown escapes the unsafe character.
	name := "go\u202eod" + strings.Repeat("x", flow.MaxStateNameBytes)
	d := sound()
	rename(d, "bye", name)
	got := flow.Check(d)
	require.Equal(t, flow.Problems{p("#/states/3/name", name, flow.CodeStateNameTooLong, errSev)}, withoutMessages(t, got))
	assert.Contains(t, got[0].Message, `"go\u202eod`+strings.Repeat("x", 35)+`"…`)
	assert.NotContains(t, got[0].Message, "\u202e")
}

func TestCheckLongNamesAreShortenedInEveryMessage(t *testing.T) {
	long := "a" + strings.Repeat("x", 2*flow.MaxStateNameBytes)
	shown := `"a` + strings.Repeat("x", 39) + `"…`

	// A duplicate.
	d := sound()
	rename(d, "bye", long)
	d.States = append(d.States, st(long, "say-play"))
	got := flow.Check(d)
	require.Equal(t, flow.Problems{
		p("#/states/3/name", long, flow.CodeStateNameTooLong, errSev),
		p("#/states/4/name", long, flow.CodeStateNameTooLong, errSev),
		p("#/states/4/name", long, flow.CodeStateNameDuplicate, errSev),
	}, withoutMessages(t, got))
	for _, pr := range got {
		assert.Less(t, len(pr.String()), 400, "%s", pr.Code)
	}
	assert.Equal(t, `state name `+shown+` is already used by state 3`, got[2].Message)

	// A dangling next and an unknown initial state.
	d = sound()
	d.States[3].Transitions[0].Next = long
	d.InitialState = long
	got = flow.Check(d)
	require.Equal(t, flow.Problems{
		p("#/initial_state", long, flow.CodeInitialStateUnknown, errSev),
		p("#/states/3/transitions/0/next", "bye", flow.CodeNextUnknown, errSev),
	}, withoutMessages(t, got))
	assert.Equal(t, `initial_state names `+shown+`, which is not a state of this definition`, got[0].Message)
	assert.Equal(t, `event "audioComplete" goes to `+shown+`, which is not a state of this definition`, got[1].Message)
}

func TestTwilioExportsFitTheNameBound(t *testing.T) {
	for _, file := range twilioTestdata(t) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		d, err := flow.Parse(data)
		require.NoError(t, err)
		for _, s := range d.States {
			assert.LessOrEqual(t, len(s.Name), flow.MaxStateNameBytes/4, "%s: %q", file, s.Name)
		}
	}
}
