package version

import (
	"strconv"
	"strings"
)

// Selector picks a version of an item for resolution: the latest published,
// the latest draft, or a revision by number. The zero Selector is
// LatestPublished. Its text form is the one of run-subflow's flow_revision
// property: "LatestPublished", "LatestDraft" or a decimal number.
type Selector struct {
	pick     pick
	revision int
}

type pick uint8

const (
	pickPublished pick = iota
	pickDraft
	pickRevision
)

var (
	// LatestPublished selects the published version.
	LatestPublished = Selector{}
	// LatestDraft selects the draft, or the published version when there is
	// no draft (the latest revision that exists).
	LatestDraft = Selector{pick: pickDraft}
)

// Revision selects the version with revision n, whatever its status.
// Resolve refuses n < 1 with ErrInvalid.
func Revision(n int) Selector { return Selector{pick: pickRevision, revision: n} }

// ParseSelector reads "LatestPublished", "LatestDraft" (any case, spaces
// around ignored), "" (LatestPublished) or a positive decimal number.
func ParseSelector(s string) (Selector, error) {
	t := strings.TrimSpace(s)
	switch {
	case t == "" || strings.EqualFold(t, "LatestPublished"):
		return LatestPublished, nil
	case strings.EqualFold(t, "LatestDraft"):
		return LatestDraft, nil
	}
	for _, c := range t {
		if c < '0' || c > '9' {
			return Selector{}, invalid("selector %q is not LatestPublished, LatestDraft or a revision number", s)
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 1 {
		return Selector{}, invalid("selector %q is not a revision number from 1", s)
	}
	return Revision(n), nil
}

// Number returns the revision number of a Revision selector, and whether s
// is one.
func (s Selector) Number() (int, bool) { return s.revision, s.pick == pickRevision }

// String returns "LatestPublished", "LatestDraft" or the revision number.
func (s Selector) String() string {
	switch s.pick {
	case pickRevision:
		return strconv.Itoa(s.revision)
	case pickDraft:
		return "LatestDraft"
	default:
		return "LatestPublished"
	}
}

// MarshalText writes String, so that a Selector stored on an execution
// reads back the same.
func (s Selector) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the text form as ParseSelector does.
func (s *Selector) UnmarshalText(b []byte) error {
	v, err := ParseSelector(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
