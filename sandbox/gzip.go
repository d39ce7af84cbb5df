package sandbox

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/proto"
)

// unpackGZIP reads a gzip_packed object. The schema says gzip, and gotd,
// tdlib and tdesktop send gzip; mtcute sends the same deflate stream with a
// zlib header, which Telegram accepts (its server inflates with header
// detection), so both are taken. Neither may grow past maxRequest.
func unpackGZIP(b *bin.Buffer) ([]byte, error) {
	if err := b.ConsumeID(proto.GZIPTypeID); err != nil {
		return nil, fmt.Errorf("gzip_packed: %w", err)
	}
	packed, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("gzip_packed: %w", err)
	}
	var r io.ReadCloser
	switch {
	case len(packed) >= 2 && packed[0] == 0x1f && packed[1] == 0x8b:
		r, err = gzip.NewReader(bytes.NewReader(packed))
	case len(packed) >= 2 && packed[0]&0x0f == 8 && (uint16(packed[0])<<8|uint16(packed[1]))%31 == 0:
		r, err = zlib.NewReader(bytes.NewReader(packed))
	default:
		return nil, errors.New("gzip_packed: neither gzip nor zlib")
	}
	if err != nil {
		return nil, fmt.Errorf("gzip_packed: %w", err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxRequest+1))
	if err != nil {
		return nil, fmt.Errorf("gzip_packed: %w", err)
	}
	if len(data) > maxRequest {
		return nil, fmt.Errorf("gzip_packed: more than %d bytes unpacked", maxRequest)
	}
	return data, nil
}
