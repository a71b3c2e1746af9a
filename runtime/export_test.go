package runtime

import "time"

// PutRaw stores data as the record of execution id, as it is, bypassing every
// check: for tests of what the engine does with a damaged record, or for
// importing records. The session key and due time given are indexed.
func (s *MemoryStore) PutRaw(id string, data []byte, key string, due time.Time) {
	rs := s.recShard(id)
	rs.mu.Lock()
	old, ok := rs.recs[id]
	version := int64(1)
	if ok {
		version = old.version + 1
	} else {
		old = &memRecord{}
	}
	rec := &memRecord{status: StatusActive, data: data, version: version, key: key, due: unixNano(due)}
	rs.install(id, rec)
	rs.mu.Unlock()
	s.released(id, old, rec)
}
