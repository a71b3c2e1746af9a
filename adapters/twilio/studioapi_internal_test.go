package twilio

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Date filters as Twilio's clients send them: RFC 3339, with a "+" that
// arrived unencoded (a space), or a bare date.
func TestAPITimesAreReadAsClientsSendThem(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-01-05T10:00:00Z":      time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC),
		"2026-01-05T11:00:00+01:00": time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC),
		"2026-01-05T11:00:00 01:00": time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC),
		"2026-01-05":                time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
	} {
		got, err := parseAPITime(in)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got), "%s: %s", in, got)
	}
	for _, bad := range []string{"yesterday", "2026-13-01", ""} {
		_, err := parseAPITime(bad)
		assert.Error(t, err, bad)
	}
}
