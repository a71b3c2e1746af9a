package connect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/studioflow/studioflow/internal/jsonutil"
)

// refuseRepeatedKeys refuses a document (valid JSON) that writes a key
// twice in one object, anywhere in it (flow.Parse refuses one in the
// objects it reads itself: the document, its states and transitions, a
// state's properties): encoding/json keeps the last value and another
// reader (Connect's own import, an editor) may keep the first, so the
// flow would run as one of them and read as the other, and no lossless
// round trip can keep both. The error says which key and where.
func refuseRepeatedKeys(data []byte, path string) error {
	w := keyWalker{d: jsonutil.NewDecoder(data)}
	if err := w.value(); err != nil {
		return invalid(path+w.where(), err.Error())
	}
	return nil
}

// keyWalker walks one document, keeping the path to the value it reads.
type keyWalker struct {
	d    *jsonutil.Decoder
	path []string
}

// where is the walker's path as the rest of a JSON pointer.
func (w *keyWalker) where() string {
	var b strings.Builder
	for _, p := range w.path {
		b.WriteByte('/')
		b.WriteString(jsonutil.PointerEscape(p))
	}
	return b.String()
}

func (w *keyWalker) value() error {
	switch w.d.Peek() {
	case '{':
		if err := w.d.ObjectStart(); err != nil {
			return err
		}
		var seen map[string]bool
		for i := 0; ; i++ {
			key, ok, err := w.d.ObjectKey(i)
			if err != nil || !ok {
				return err
			}
			k := string(key)
			if seen[k] {
				return fmt.Errorf("key %q is written twice", k)
			}
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[k] = true
			w.path = append(w.path, k)
			if err := w.value(); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
	case '[':
		if err := w.d.ArrayStart(); err != nil {
			return err
		}
		for i := 0; ; i++ {
			more, err := w.d.ArrayNext(i)
			if err != nil || !more {
				return err
			}
			w.path = append(w.path, strconv.Itoa(i))
			if err := w.value(); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
	}
	return w.d.Skip()
}
