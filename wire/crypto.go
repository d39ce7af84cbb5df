package wire

import (
	"crypto/aes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/gotd/ige"
)

// Sentinel errors a receiver counts; the packet is dropped either way.
var (
	ErrShort     = errors.New("wire: packet too short")
	ErrMsgKey    = errors.New("wire: msg_key mismatch")
	ErrLength    = errors.New("wire: bad encrypted length")
	ErrMalformed = errors.New("wire: malformed packet")
)

// X returns the key offset used by packets sent by the given side (spec §2):
// 0 for the caller, 8 for the callee.
func X(outgoing bool) int {
	if outgoing {
		return 0
	}
	return 8
}

// KeyFingerprint is SHA1(key)[12:20].
func KeyFingerprint(key *[256]byte) [8]byte {
	h := sha1.Sum(key[:])
	var f [8]byte
	copy(f[:], h[12:20])
	return f
}

// CallID is SHA256(key)[16:32].
func CallID(key *[256]byte) [16]byte {
	h := sha256.Sum256(key[:])
	var id [16]byte
	copy(id[:], h[16:32])
	return id
}

// MsgKey computes SHA256(key[88+x:120+x] | plaintext)[8:24].
func MsgKey(key *[256]byte, x int, plaintext []byte) [16]byte {
	h := sha256.New()
	h.Write(key[88+x : 120+x])
	h.Write(plaintext)
	var sum [32]byte
	h.Sum(sum[:0])
	var mk [16]byte
	copy(mk[:], sum[8:24])
	return mk
}

// KeyIV derives the AES-256-IGE key and IV for one packet.
func KeyIV(key *[256]byte, x int, msgKey [16]byte) (aesKey, aesIV [32]byte) {
	ha := sha256.New()
	ha.Write(msgKey[:])
	ha.Write(key[x : x+36])
	var a [32]byte
	ha.Sum(a[:0])
	hb := sha256.New()
	hb.Write(key[40+x : 76+x])
	hb.Write(msgKey[:])
	var b [32]byte
	hb.Sum(b[:0])
	copy(aesKey[0:8], a[0:8])
	copy(aesKey[8:24], b[8:24])
	copy(aesKey[24:32], a[24:32])
	copy(aesIV[0:8], b[0:8])
	copy(aesIV[8:24], a[8:24])
	copy(aesIV[24:32], b[24:32])
	return aesKey, aesIV
}

// Cipher seals packets with our x and opens packets with the peer's x.
type Cipher struct {
	key          *[256]byte
	sendX, recvX int
}

// NewCipher returns the packet cipher for one side of a call.
func NewCipher(key *[256]byte, outgoing bool) *Cipher {
	return &Cipher{key: key, sendX: X(outgoing), recvX: X(!outgoing)}
}

// PaddingLen is how many padding bytes follow a plaintext of n bytes
// (2-byte length + inner) so that the total is a multiple of 16 with 16..31
// padding bytes.
func PaddingLen(innerLen int) int {
	n := 2 + innerLen
	return 16 + (16-n%16)%16
}

// Seal appends msg_key | AES-IGE(plaintext) to dst. rnd supplies the padding;
// pass a reader of fixed bytes to reproduce captured packets.
func (c *Cipher) Seal(dst, inner []byte, rnd io.Reader) ([]byte, error) {
	return seal(c.key, c.sendX, dst, inner, rnd)
}

// Open decrypts a body sent by the peer and returns the inner packet.
func (c *Cipher) Open(body []byte) ([]byte, error) {
	return open(c.key, c.recvX, body)
}

func seal(key *[256]byte, x int, dst, inner []byte, rnd io.Reader) ([]byte, error) {
	if len(inner) > 0xffff {
		return nil, fmt.Errorf("seal %d-byte packet: %w", len(inner), ErrLength)
	}
	pad := PaddingLen(len(inner))
	pt := make([]byte, 2+len(inner)+pad)
	binary.LittleEndian.PutUint16(pt, uint16(len(inner)))
	copy(pt[2:], inner)
	if _, err := io.ReadFull(rnd, pt[2+len(inner):]); err != nil {
		return nil, fmt.Errorf("seal: padding: %w", err)
	}
	mk := MsgKey(key, x, pt)
	k, iv := KeyIV(key, x, mk)
	blk, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	dst = append(dst, mk[:]...)
	start := len(dst)
	dst = append(dst, make([]byte, len(pt))...)
	ige.EncryptBlocks(blk, iv[:], dst[start:], pt)
	return dst, nil
}

func open(key *[256]byte, x int, body []byte) ([]byte, error) {
	if len(body) < 16+32 {
		return nil, fmt.Errorf("open %d bytes: %w", len(body), ErrShort)
	}
	ct := body[16:]
	if len(ct)%16 != 0 {
		return nil, fmt.Errorf("open %d bytes: %w", len(body), ErrLength)
	}
	var mk [16]byte
	copy(mk[:], body[:16])
	k, iv := KeyIV(key, x, mk)
	blk, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	pt := make([]byte, len(ct))
	ige.DecryptBlocks(blk, iv[:], pt, ct)
	got := MsgKey(key, x, pt)
	if subtle.ConstantTimeCompare(got[:], mk[:]) != 1 {
		return nil, ErrMsgKey
	}
	n := int(binary.LittleEndian.Uint16(pt))
	if pad := len(pt) - 2 - n; pad < 16 || pad > 31 {
		return nil, fmt.Errorf("open: inner length %d in %d: %w", n, len(pt), ErrLength)
	}
	return pt[2 : 2+n], nil
}
