package signaling

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"
)

// MaxDecompressed is tgcalls' limit for a gunzipped signalling message
// (gunzipData(data, 2 MiB) in InstanceV2Impl::processSignalingMessage).
const MaxDecompressed = 2 * 1024 * 1024

// gzipMagic starts every gzip stream; tgcalls' isGzip looks at these bytes.
var gzipMagic = []byte{0x1f, 0x8b}

// IsGzip reports whether b starts like a gzip stream.
func IsGzip(b []byte) bool { return bytes.HasPrefix(b, gzipMagic) }

// gzip's compressor state is about 800 KiB and its decompressor's about
// 40 KiB: made afresh for every signalling message (each ICE candidate is
// one), they were a third of all a call allocated (44 MiB over 7 calls in
// the UI soak), garbage that raised the Go heap's peak and so the app's
// resident memory. Both are reset and reused instead.
var (
	gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}
	gzipReaders sync.Pool // *gzip.Reader; gzip.NewReader needs a stream to make one
)

// Gunzip decompresses one gzip stream of at most MaxDecompressed bytes.
func Gunzip(b []byte) ([]byte, error) {
	var zr *gzip.Reader
	var err error
	if r, ok := gzipReaders.Get().(*gzip.Reader); ok {
		zr, err = r, r.Reset(bytes.NewReader(b))
	} else {
		zr, err = gzip.NewReader(bytes.NewReader(b))
	}
	if err != nil {
		if zr != nil {
			gzipReaders.Put(zr)
		}
		return nil, fmt.Errorf("%w: gzip: %v", ErrMalformed, err)
	}
	defer gzipReaders.Put(zr)
	zr.Multistream(false)
	out, err := io.ReadAll(io.LimitReader(zr, MaxDecompressed+1))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrMalformed, err)
	}
	if len(out) > MaxDecompressed {
		return nil, fmt.Errorf("%w: gzip: more than %d bytes", ErrTooLarge, MaxDecompressed)
	}
	return out, nil
}

// Gzip compresses msg as one gzip stream (any gzip decoder reads it; the bytes
// differ from zlib's, which tgcalls uses).
func Gzip(msg []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(msg) // writes to a bytes.Buffer do not fail
	zw.Close()
	zw.Reset(nil) // the pool does not keep buf
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// Raw is tgcalls' encryptRawPacket framing (spec §6.2): every message is one
// packet msg_key ‖ AES-CTR(seq ‖ body) with seq = ++counter (no flag bits),
// no acks, no resends. Signalling V1 (library 7.0.0) sends it as the
// signalling packet itself with body = JSON; signalling V3 (9.0.0 as tgcalls
// 2024 speaks it, 11.0.0, 12.0.0, 13.0.0) puts it inside SCTP user messages
// (package sigsctp) with body = gzip(JSON), or sends it bare when the call's
// custom_parameters set network_signaling_nosctp. The receiver takes either
// body: gzip is recognised by its magic bytes, as tgcalls does.
//
// Raw is a Transport for the bare use; sigsctp uses Seal and Open.
type Raw struct {
	cipher   *Cipher
	counter  uint32
	compress bool
	closed   bool
}

// NewRaw returns the raw framing for one side of a call; compress selects
// gzip bodies (signalling V3) over plain JSON (V1).
func NewRaw(key [KeySize]byte, outgoing, compress bool) *Raw {
	return &Raw{cipher: NewCipher(key, outgoing), compress: compress}
}

// Seal frames one message as the next packet.
func (r *Raw) Seal(msg []byte) ([]byte, error) {
	body := msg
	if r.compress {
		body = Gzip(msg)
	}
	return r.SealBody(body)
}

// SealBody frames body (already compressed or not) as the next packet.
func (r *Raw) SealBody(body []byte) ([]byte, error) {
	if 16+4+len(body) > maxPacket {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(body))
	}
	if r.counter == counterMask {
		return nil, fmt.Errorf("signaling: outgoing counter exhausted")
	}
	r.counter++
	plain := make([]byte, 4, 4+len(body))
	binary.BigEndian.PutUint32(plain, r.counter)
	return r.cipher.Seal(append(plain, body...)), nil
}

// Open decrypts one packet, checks its msg_key and counter (duplicates and
// counters 64 or more below the largest are refused, as tgcalls'
// registerIncomingCounter does) and returns the message, gunzipped when the
// body is gzip.
func (r *Raw) Open(packet []byte) ([]byte, error) {
	plain, err := r.cipher.Open(packet)
	if err != nil {
		return nil, err
	}
	body := plain[4:]
	if IsGzip(body) {
		return Gunzip(body)
	}
	return body, nil
}

// Send implements Transport: one packet per message.
func (r *Raw) Send(msg []byte, now time.Time) ([][]byte, error) {
	if r.closed {
		return nil, ErrClosed
	}
	pkt, err := r.Seal(msg)
	if err != nil {
		return nil, err
	}
	return [][]byte{pkt}, nil
}

// Receive implements Transport: the packet's one message.
func (r *Raw) Receive(packet []byte, now time.Time) ([][]byte, error) {
	if r.closed {
		return nil, ErrClosed
	}
	if packet == nil {
		return nil, nil
	}
	msg, err := r.Open(packet)
	if err != nil {
		return nil, err
	}
	return [][]byte{msg}, nil
}

// Poll implements Transport: the raw framing never sends on its own.
func (r *Raw) Poll(now time.Time) ([][]byte, error) {
	if r.closed {
		return nil, ErrClosed
	}
	return nil, nil
}

// NextPoll implements Transport: nothing is ever scheduled.
func (r *Raw) NextPoll() time.Time { return time.Time{} }

// Wake implements Transport: nil.
func (r *Raw) Wake() <-chan struct{} { return nil }

// Close implements Transport.
func (r *Raw) Close() error {
	r.closed = true
	return nil
}
