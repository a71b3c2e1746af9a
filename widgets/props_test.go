package widgets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studioflow/studioflow/widgets"
)

// A Text holds its template parsed, so that rendering it parses nothing;
// plain text has none.
func TestNewTextParsesItsTemplate(t *testing.T) {
	tx := widgets.NewText("say", "Hello {{flow.data.first_name}}")
	require.NotNil(t, tx.Template)
	assert.Equal(t, tx.Src, tx.Template.Source())
	assert.NoError(t, tx.Template.Err())
	assert.Nil(t, widgets.NewText("say", "Hello").Template)
	broken := widgets.NewText("say", "{% if x %}never closed")
	require.NotNil(t, broken.Template)
	assert.Error(t, broken.Template.Err(), "a broken template keeps its parse error for the render")
}
