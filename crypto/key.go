package crypto

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"log/slog"
)

// Key is the 256-byte shared call key, big-endian and left-padded (spec §2.5).
type Key [256]byte

// Value receivers so both Key and *Key stay redacted in fmt and slog.
func (Key) String() string       { return redacted }
func (Key) GoString() string     { return redacted }
func (Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// Fingerprint is SHA1(key)[12:20] read little-endian, so its TL long encoding
// is exactly those 8 bytes (spec §2.6).
func (k *Key) Fingerprint() int64 {
	sum := sha1.Sum(k[:])
	return int64(binary.LittleEndian.Uint64(sum[12:20]))
}

// CheckFingerprint compares the peer's key_fingerprint with ours.
func CheckFingerprint(k *Key, fp int64) error {
	if k.Fingerprint() != fp {
		return ErrFingerprintMismatch
	}
	return nil
}

// GAHash is SHA256(g_a) as sent in phone.requestCall; hash exactly the bytes you send.
func GAHash(ga []byte) []byte {
	sum := sha256.Sum256(ga)
	return sum[:]
}

// CheckGAHash is the callee's commitment check before computing the key (spec §2.5).
func CheckGAHash(ga, hash []byte) error {
	if len(hash) != sha256.Size {
		return fmt.Errorf("%d bytes: %w", len(hash), ErrGAHashSize)
	}
	if subtle.ConstantTimeCompare(GAHash(ga), hash) != 1 {
		return ErrGAHashMismatch
	}
	return nil
}
