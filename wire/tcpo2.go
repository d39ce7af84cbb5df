package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
)

// TCP relay transport (spec telegram-calls.md §4.2; libtgvoip 2.4.4
// NetworkSocketTCPObfuscated): the connection opens with a 64-byte header
// that carries the AES-256-CTR keys of both directions, then every relay
// datagram travels as an abridged frame — its length in 4-byte words as one
// byte (< 0x7F) or 0x7F and three bytes little-endian — with the whole
// stream encrypted.

// TCPO2HeaderLen is the length of the obfuscated2 opening header.
const TCPO2HeaderLen = 64

// maxTCPFrame is the largest frame libtgvoip accepts (its receive buffer).
const maxTCPFrame = 1500

// TCPO2 holds one TCP connection's two AES-256-CTR streams.
type TCPO2 struct {
	send, recv cipher.Stream
}

// NewTCPO2 draws a client header from rnd with libtgvoip's constraints (not
// a plain-text HTTP verb or another MTProto transport's tag, second word
// nonzero, first byte not 0xEF) and returns it with the client's streams.
func NewTCPO2(rnd io.Reader) ([TCPO2HeaderLen]byte, *TCPO2, error) {
	var nonce [TCPO2HeaderLen]byte
	for {
		if _, err := io.ReadFull(rnd, nonce[:]); err != nil {
			return nonce, nil, fmt.Errorf("tcp relay header: %w", err)
		}
		first, second := binary.LittleEndian.Uint32(nonce[0:]), binary.LittleEndian.Uint32(nonce[4:])
		switch first {
		case 0x44414548, 0x54534f50, 0x20544547, 0xeeeeeeee: // HEAD, POST, GET , padded intermediate
			continue
		}
		if second != 0 && nonce[0] != 0xef {
			break
		}
	}
	binary.LittleEndian.PutUint32(nonce[56:], 0xefefefef) // abridged
	send, recv, err := tcpo2Streams(nonce[8:56])
	if err != nil {
		return nonce, nil, err
	}
	var enc [TCPO2HeaderLen]byte
	send.XORKeyStream(enc[:], nonce[:]) // the send stream starts past the header
	hdr := nonce
	copy(hdr[56:], enc[56:])
	return hdr, &TCPO2{send: send, recv: recv}, nil
}

// AcceptTCPO2 is the relay's side of NewTCPO2: it checks a client header and
// returns the relay's streams (what the client sends, the relay reads).
func AcceptTCPO2(hdr [TCPO2HeaderLen]byte) (*TCPO2, error) {
	recv, send, err := tcpo2Streams(hdr[8:56])
	if err != nil {
		return nil, err
	}
	var dec [TCPO2HeaderLen]byte
	recv.XORKeyStream(dec[:], hdr[:])
	if binary.LittleEndian.Uint32(dec[56:]) != 0xefefefef {
		return nil, fmt.Errorf("tcp relay header: not abridged: %w", ErrMalformed)
	}
	return &TCPO2{send: send, recv: recv}, nil
}

// tcpo2Streams derives the stream keyed by keyIV (32-byte key, 16-byte IV)
// and the one keyed by the same 48 bytes reversed.
func tcpo2Streams(keyIV []byte) (fwd, rev cipher.Stream, err error) {
	mk := func(b []byte) (cipher.Stream, error) {
		blk, err := aes.NewCipher(b[:32])
		if err != nil {
			return nil, fmt.Errorf("tcp relay keys: %w", err)
		}
		return cipher.NewCTR(blk, b[32:48]), nil
	}
	if fwd, err = mk(keyIV); err != nil {
		return nil, nil, err
	}
	r := slices.Clone(keyIV)
	slices.Reverse(r)
	rev, err = mk(r)
	return fwd, rev, err
}

// AppendFrame appends datagram p as one encrypted abridged frame. p's length
// must be a multiple of 4 (relay datagrams are: 16 + 16 + 16·n, or the
// 40-byte self-info request).
func (t *TCPO2) AppendFrame(dst, p []byte) ([]byte, error) {
	if len(p)%4 != 0 || len(p) > maxTCPFrame {
		return dst, fmt.Errorf("tcp frame of %d bytes: %w", len(p), ErrLength)
	}
	start := len(dst)
	if w := len(p) / 4; w < 0x7f {
		dst = append(dst, byte(w))
	} else {
		dst = append(dst, 0x7f, byte(w), byte(w>>8), byte(w>>16))
	}
	dst = append(dst, p...)
	t.send.XORKeyStream(dst[start:], dst[start:])
	return dst, nil
}

// ReadFrame reads one frame from r into buf (at least 1500 bytes) and returns
// the datagram. A frame longer than 1500 bytes is an error, as in libtgvoip;
// the stream cannot be resynchronised after one.
func (t *TCPO2) ReadFrame(r io.Reader, buf []byte) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:1]); err != nil {
		return nil, err
	}
	t.recv.XORKeyStream(l[:1], l[:1])
	n := int(l[0]) * 4
	if l[0] >= 0x7f {
		if _, err := io.ReadFull(r, l[1:4]); err != nil {
			return nil, err
		}
		t.recv.XORKeyStream(l[1:4], l[1:4])
		n = int(uint32(l[1])|uint32(l[2])<<8|uint32(l[3])<<16) * 4
	}
	if n > maxTCPFrame || n > len(buf) {
		return nil, fmt.Errorf("tcp frame of %d bytes: %w", n, ErrLength)
	}
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return nil, err
	}
	t.recv.XORKeyStream(buf[:n], buf[:n])
	return buf[:n], nil
}
