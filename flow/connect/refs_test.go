package connect_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/studioflow/studioflow/flow/connect"
)

// References are found with their place in the text; what is not one
// stays text.
func TestFindReferences(t *testing.T) {
	s := "Hi $.Attributes.['first name'], balance $.External.x. ${REGION} $5 $.50 $.Attributes['broken"
	got := connect.FindReferences(s)
	assert.Equal(t, []connect.Reference{
		{Start: 3, End: 30, Path: []string{"Attributes", "first name"}},
		{Start: 40, End: 52, Path: []string{"External", "x"}},
	}, got)
	assert.Equal(t, "$.Attributes.['first name']", s[got[0].Start:got[0].End])
	assert.True(t, connect.ValidRoot("Attributes"))
	assert.False(t, connect.ValidRoot("$caller"))
	assert.False(t, connect.ValidRoot(""))
}
