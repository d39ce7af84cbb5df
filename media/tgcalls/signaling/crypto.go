package signaling

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// KeySize is the size of the DH call key.
const KeySize = 256

// Packet size limits of tgcalls' EncryptedConnection (spec §6.2).
const (
	minPacket = 16 + 5 // msg_key + seq + at least one type byte
	maxPacket = 128 * 1024
	// replayWindow is kKeepIncomingCountersCount: counters this far below the
	// largest seen are rejected as replays.
	replayWindow = 64
)

// Sentinel errors for packets the receiver drops.
var (
	ErrPacketSize = errors.New("signaling: bad packet size")
	ErrMsgKey     = errors.New("signaling: msg_key mismatch")
	ErrReplay     = errors.New("signaling: replayed or too old packet")
	ErrMalformed  = errors.New("signaling: malformed packet")
)

// Seq flag bits; the low 30 bits are the counter.
const (
	singleMessageBit = uint32(1) << 31
	requiresAckBit   = uint32(1) << 30
	counterMask      = requiresAckBit - 1
)

func counterOf(seq uint32) uint32 { return seq & counterMask }

// Cipher is EncryptedConnection(Type::Signaling): AES-256-CTR keyed per packet
// from the call key and msg_key, with a replay window on the packet counter.
// It is not safe for concurrent use; Conn serialises access.
type Cipher struct {
	key      [KeySize]byte
	sendX    int
	recvX    int
	counters counterWindow
}

// NewCipher returns the signalling cipher for one side of a call. The +128
// selects the signalling key range (transport packets of v1 use +0), and the
// caller and callee use ranges 8 bytes apart so each direction has its own keys.
func NewCipher(key [KeySize]byte, outgoing bool) *Cipher {
	c := &Cipher{key: key, sendX: 128 + 8, recvX: 128}
	if outgoing {
		c.sendX, c.recvX = 128, 128+8
	}
	return c
}

// Seal encrypts plaintext (which starts with its uint32 seq) into
// msg_key ‖ AES-CTR(plaintext).
func (c *Cipher) Seal(plaintext []byte) []byte {
	out := make([]byte, 16+len(plaintext))
	mk := msgKey(c.key[:], c.sendX, plaintext)
	copy(out, mk[:])
	ctr(c.key[:], c.sendX, mk[:]).XORKeyStream(out[16:], plaintext)
	return out
}

// Open decrypts and authenticates a packet and registers its counter in the
// replay window. The returned plaintext starts with the packet seq.
func (c *Cipher) Open(packet []byte) ([]byte, error) {
	if len(packet) < minPacket || len(packet) > maxPacket {
		return nil, fmt.Errorf("%w: %d bytes", ErrPacketSize, len(packet))
	}
	plain := make([]byte, len(packet)-16)
	ctr(c.key[:], c.recvX, packet[:16]).XORKeyStream(plain, packet[16:])
	mk := msgKey(c.key[:], c.recvX, plain)
	if subtle.ConstantTimeCompare(mk[:], packet[:16]) != 1 {
		return nil, ErrMsgKey
	}
	counter := counterOf(binary.BigEndian.Uint32(plain))
	if !c.counters.register(counter) {
		return nil, fmt.Errorf("%w: counter %d", ErrReplay, counter)
	}
	return plain, nil
}

func msgKey(key []byte, x int, plaintext []byte) [16]byte {
	h := sha256.New()
	h.Write(key[88+x : 88+x+32])
	h.Write(plaintext)
	var sum [32]byte
	h.Sum(sum[:0])
	var mk [16]byte
	copy(mk[:], sum[8:24])
	return mk
}

// ctr derives the per-packet AES key and IV. The IV layout differs from
// MTProto 2.0's (tgcalls CryptoHelper PrepareAesKeyIv).
func ctr(key []byte, x int, mk []byte) cipher.Stream {
	a := sha256.New()
	a.Write(mk)
	a.Write(key[x : x+36])
	sa := a.Sum(nil)
	b := sha256.New()
	b.Write(key[40+x : 40+x+36])
	b.Write(mk)
	sb := b.Sum(nil)

	var aesKey [32]byte
	copy(aesKey[0:8], sa[0:8])
	copy(aesKey[8:24], sb[8:24])
	copy(aesKey[24:32], sa[24:32])
	var iv [16]byte
	copy(iv[0:4], sb[0:4])
	copy(iv[4:12], sa[8:16])
	copy(iv[12:16], sb[24:28])

	block, err := aes.NewCipher(aesKey[:])
	if err != nil {
		// Unreachable: the key is always 32 bytes.
		panic(err)
	}
	return cipher.NewCTR(block, iv[:])
}

// counterWindow remembers the largest counters seen, like tgcalls'
// registerIncomingCounter: duplicates and counters ≥ 64 below the largest are
// refused.
type counterWindow struct {
	largest uint32
	seen    uint64 // bit i: counter largest-i was seen
	any     bool
}

func (w *counterWindow) register(c uint32) bool {
	if !w.any {
		w.any, w.largest, w.seen = true, c, 1
		return true
	}
	if c > w.largest {
		shift := c - w.largest
		if shift >= replayWindow {
			w.seen = 0
		} else {
			w.seen <<= shift
		}
		w.seen |= 1
		w.largest = c
		return true
	}
	d := w.largest - c
	if d >= replayWindow {
		return false
	}
	if w.seen&(1<<d) != 0 {
		return false
	}
	w.seen |= 1 << d
	return true
}
