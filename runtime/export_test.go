package runtime

import "time"

// PutRaw stores data as the record of execution id, as it is, bypassing every
// check: for tests of what the engine does with a damaged record, or for
// importing records. The session key and due time given are indexed.
func (s *MemoryStore) PutRaw(id string, data []byte, key string, due time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.recs[id]
	version := int64(1)
	if ok {
		version = old.version + 1
	}
	s.install(id, &memRecord{status: StatusActive, data: data, version: version, key: key, active: true, due: unixNano(due)})
}
