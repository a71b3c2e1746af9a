package modules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studioflow/studioflow/widgets/modules"
)

func TestConvertArgument(t *testing.T) {
	cases := []struct {
		typ, in string
		want    any
		err     string
	}{
		{"String", "", "", ""},
		{"String", " 42 ", " 42 ", ""},
		{"String", "true", "true", ""},
		{"Boolean", "true", true, ""},
		{"Boolean", " TRUE ", true, ""},
		{"Boolean", "False", false, ""},
		{"Boolean", "1", true, ""},
		{"Boolean", "0", false, ""},
		{"Boolean", "yes", nil, `"yes" is not a Boolean (true or false)`},
		{"Boolean", "", nil, `"" is not a Boolean (true or false)`},
		{"Number", "42", 42.0, ""},
		{"Number", " -3.5 ", -3.5, ""},
		{"Number", "1e3", 1000.0, ""},
		{"Number", "abc", nil, `"abc" is not a Number`},
		{"Number", "", nil, `"" is not a Number`},
		{"Number", "NaN", nil, `"NaN" is not a Number`},
		{"Number", "Inf", nil, `"Inf" is not a Number`},
		{"Number", "1,000", nil, `"1,000" is not a Number`},
		{"Date", "2026-01-01", nil, `unknown argument type "Date"; use String, Boolean or Number`},
	}
	for _, c := range cases {
		t.Run(c.typ+"/"+c.in, func(t *testing.T) {
			got, err := modules.ConvertArgument(c.typ, c.in)
			if c.err != "" {
				assert.EqualError(t, err, c.err)
				assert.Nil(t, got)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}
