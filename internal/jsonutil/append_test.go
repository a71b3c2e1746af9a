package jsonutil

import (
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appendCases are values whose JSON AppendValue must write exactly as
// json.Marshal does.
var appendCases = []any{
	nil, true, false, "", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "José ✓ 日本", "bad \xff utf-8 \xc3", "line\u2028para\u2029", "\U0001F600",
	0.0, math.Copysign(0, -1), 1.0, -2.5, 1e20, 1e21, 123456789e15, 1e-6, 1e-7, 9.999999e-7, 3.14159, -1e-300, math.MaxFloat64, math.SmallestNonzeroFloat64,
	int(-7), int64(math.MaxInt64), int32(5), uint8(200), json.Number("12.50"),
	map[string]any{}, map[string]any(nil), []any{}, []any(nil),
	map[string]any{"b": 1.0, "a": []any{"x", nil, map[string]any{"z": true, "<": "&"}}, "": "empty key", "é": 2.0},
	[]string{"a", "<"}, map[string]string{"k": "v"}, struct{ A int }{1},
	manyKeys(20), map[string]any{"outer": manyKeys(13)},
}

// manyKeys is a map of n entries, more than the few sortedEntries sorts
// by insertion.
func manyKeys(n int) map[string]any {
	m := map[string]any{}
	for i := range n {
		m[string(rune('z'-i))+"key"] = float64(i)
	}
	return m
}

// TestEveryByteIsWrittenAsMarshalWritesIt: AppendString's table of bytes
// it writes as they are, byte by byte, alone and between others.
func TestEveryByteIsWrittenAsMarshalWritesIt(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string([]byte{byte(c)}), "a" + string([]byte{byte(c)}) + "z"} {
			want, err := json.Marshal(s)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(AppendString(nil, s)), "byte %#x", c)
		}
	}
}

func TestAppendValueWritesWhatMarshalWrites(t *testing.T) {
	for _, v := range appendCases {
		want, werr := json.Marshal(v)
		got, gerr := AppendValue(nil, v)
		require.Equal(t, werr == nil, gerr == nil, "%#v: errors %v / %v", v, werr, gerr)
		assert.Equal(t, string(want), string(got), "%#v", v)
	}
}

func TestAppendValueRefusesWhatMarshalRefuses(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), map[string]any{"x": []any{math.Inf(-1)}}, func() {}} {
		_, err := AppendValue(nil, v)
		assert.Error(t, err, "%#v", v)
	}
	cycle := map[string]any{}
	cycle["self"] = cycle
	_, err := AppendValue(nil, cycle)
	assert.ErrorContains(t, err, "cycle")
}

// randomValue is a random tree of the values decoded JSON holds.
func randomValue(r *rand.Rand, depth int) any {
	switch k := r.IntN(8); {
	case k == 0 || depth > 4 && k < 6:
		return randomString(r)
	case k == 1:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
	case k == 2:
		return r.IntN(2) == 0
	case k == 3:
		return nil
	case k < 6:
		m := map[string]any{}
		for range r.IntN(5) {
			m[randomString(r)] = randomValue(r, depth+1)
		}
		return m
	default:
		l := make([]any, r.IntN(4))
		for i := range l {
			l[i] = randomValue(r, depth+1)
		}
		return l
	}
}

func randomString(r *rand.Rand) string {
	const pieces = "ab<>&\"\\\n\t\x00\x1f\x7fé✓\u2028\xff\xc3 "
	b := make([]byte, r.IntN(8))
	for i := range b {
		b[i] = pieces[r.IntN(len(pieces))]
	}
	return string(b)
}

func TestAppendValueOnRandomTrees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		v := randomValue(r, 0)
		want, err := json.Marshal(v)
		require.NoError(t, err)
		got, err := AppendValue(nil, v)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%#v", v)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a<b", "\xff\xfe", "\u2028", "\"\\\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, json.Marshal = %s", s, got, want)
		}
		var f64 float64
		if len(s) >= 8 {
			f64 = math.Float64frombits(uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 | uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56)
		}
		want, werr := json.Marshal(f64)
		got, gerr := AppendValue(nil, f64)
		if (werr == nil) != (gerr == nil) || string(got) != string(want) {
			t.Fatalf("float %v: AppendValue = %s, %v; json.Marshal = %s, %v", f64, got, gerr, want, werr)
		}
	})
}

func TestAppendTimeWritesWhatMarshalJSONWrites(t *testing.T) {
	zone := time.FixedZone("odd", -(3*3600 + 30*60))
	for _, tm := range []time.Time{
		{}, time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 9, 0, 0, 120, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 1, 30, 0, 0, zone),
	} {
		want, werr := tm.MarshalJSON()
		got, gerr := AppendTime(nil, tm)
		require.Equal(t, werr == nil, gerr == nil, "%v: %v / %v", tm, werr, gerr)
		assert.Equal(t, string(want), string(got), "%v", tm)
	}
}

// withoutReference is what AppendMapWithout must write: a copy of m with
// each path removed and the maps a removal empties removed in turn.
func withoutReference(m map[string]any, omit [][]string) map[string]any {
	out := maps.Clone(m)
	for _, p := range omit {
		removeRef(out, p)
	}
	return out
}

func removeRef(m map[string]any, path []string) bool {
	if len(path) == 1 {
		_, ok := m[path[0]]
		delete(m, path[0])
		return ok
	}
	child, ok := m[path[0]].(map[string]any)
	if !ok {
		return false
	}
	child = maps.Clone(child)
	removed := removeRef(child, path[1:])
	if removed && len(child) == 0 {
		delete(m, path[0])
	} else {
		m[path[0]] = child
	}
	return removed
}

func TestAppendMapWithout(t *testing.T) {
	ctx := map[string]any{
		"flow":    map[string]any{"sid": "FN1", "channel": map[string]any{"address": "+2"}, "data": map[string]any{}},
		"contact": map[string]any{"channel": map[string]any{"address": "+1"}},
		"empty":   map[string]any{},
	}
	omit := [][]string{{"flow", "sid"}, {"flow", "channel", "address"}, {"contact", "channel", "address"}, {"nowhere", "x"}, {"empty", "x"}}
	got, err := AppendMapWithout(nil, ctx, omit)
	require.NoError(t, err)
	assert.Equal(t, `{"empty":{},"flow":{"data":{}}}`, string(got))
	assert.Equal(t, "FN1", ctx["flow"].(map[string]any)["sid"], "the map is not changed")

	// Random trees, random paths through them.
	r := rand.New(rand.NewPCG(3, 4))
	keys := []string{"a", "b", "c"}
	for range 3000 {
		m := map[string]any{}
		for range r.IntN(4) {
			m[keys[r.IntN(3)]] = map[string]any{keys[r.IntN(3)]: randomValue(r, 3), keys[r.IntN(3)]: map[string]any{keys[r.IntN(3)]: "x"}}
		}
		var omit [][]string
		for range r.IntN(4) {
			p := make([]string, 1+r.IntN(3))
			for i := range p {
				p[i] = keys[r.IntN(3)]
			}
			omit = append(omit, p)
		}
		want, err := json.Marshal(withoutReference(m, omit))
		require.NoError(t, err)
		got, err := AppendMapWithout(nil, m, omit)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%#v without %v", m, omit)
	}
}
