package jsonutil

import "bytes"

// byteOrderMark is UTF-8's byte order mark, which JSON does not allow and
// Windows editors save before a document.
var byteOrderMark = []byte("\xef\xbb\xbf")

// TrimByteOrderMark is data without a leading byte order mark, and how
// many bytes that took off (0 or 3), so that an offset into what is left
// can be told as one into data.
func TrimByteOrderMark(data []byte) ([]byte, int) {
	if bytes.HasPrefix(data, byteOrderMark) {
		return data[len(byteOrderMark):], len(byteOrderMark)
	}
	return data, 0
}
