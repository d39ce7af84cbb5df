package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"sync"
)

// Sentinel errors, one per failed check, so callers and tests can tell them apart.
var (
	ErrPrimeSize           = errors.New("dh prime is not exactly 2048 bits")
	ErrNotPrime            = errors.New("dh prime is not prime")
	ErrNotSafePrime        = errors.New("dh prime is not a safe prime: (p-1)/2 is not prime")
	ErrBadGenerator        = errors.New("dh generator is not in 2..7")
	ErrGeneratorResidue    = errors.New("dh generator is not a quadratic residue mod p")
	ErrPublicSize          = errors.New("dh public value is empty or longer than 256 bytes")
	ErrPublicRange         = errors.New("dh public value is outside [2^1984, p-2^1984]")
	ErrGAHashSize          = errors.New("g_a_hash is not 32 bytes")
	ErrGAHashMismatch      = errors.New("g_a does not match g_a_hash")
	ErrFingerprintMismatch = errors.New("key fingerprint mismatch")
	ErrNoConfig            = errors.New("no dh config cached")
)

const (
	keySize = 256 // bytes of p, public values and the shared key (spec §2.5)
	// primeRounds matches tdlib's and gotd's Miller-Rabin round count.
	primeRounds = 64
	// maxSecretTries bounds the retry loop; a uniformly random exponent fails
	// the range check with probability ~2^-63, so hitting this means rnd is broken.
	maxSecretTries = 16
)

// telegramPrime is the 2048-bit safe prime Telegram's servers send; tdesktop
// skips the primality tests for it (spec §2.5, "tdesktop shortcut").
var telegramPrime, _ = new(big.Int).SetString(
	"C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"+
		"48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"+
		"20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"+
		"2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"+
		"A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"+
		"FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"+
		"E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"+
		"0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B", 16)

// TelegramPrime returns the 256 big-endian bytes of Telegram's DH prime
// (g = 3), as messages.getDhConfig carries it. The sandbox serves it.
func TelegramPrime() []byte { return telegramPrime.FillBytes(make([]byte, 256)) }

// rangeMargin is 2^(2048-64): public values must keep this distance from 0 and p (spec §2.5).
var rangeMargin = new(big.Int).Lsh(big.NewInt(1), 2048-64)

// DHConfig is a validated (g, p) pair with the server's config version.
type DHConfig struct {
	G       int
	P       *big.Int
	Version int
}

// ValidateConfig runs every check of spec §2.5 on (g, p) and returns p as a number.
func ValidateConfig(g int, p []byte) (*big.Int, error) {
	if g < 2 || g > 7 {
		return nil, fmt.Errorf("g=%d: %w", g, ErrBadGenerator)
	}
	n := new(big.Int).SetBytes(p)
	if n.BitLen() != 2048 {
		return nil, fmt.Errorf("p has %d bits: %w", n.BitLen(), ErrPrimeSize)
	}
	if !residueOK(g, n) {
		return nil, fmt.Errorf("g=%d: %w", g, ErrGeneratorResidue)
	}
	// tdesktop trusts its built-in prime for these generators; g=2 and g=6 are
	// not residues for it anyway, so they never reach this shortcut.
	if n.Cmp(telegramPrime) == 0 && (g == 3 || g == 4 || g == 5 || g == 7) {
		return n, nil
	}
	if !n.ProbablyPrime(primeRounds) {
		return nil, ErrNotPrime
	}
	q := new(big.Int).Rsh(n, 1) // (p-1)/2, since p is odd
	if !q.ProbablyPrime(primeRounds) {
		return nil, ErrNotSafePrime
	}
	return n, nil
}

// residueOK applies quadratic reciprocity: g generates the subgroup of order
// (p-1)/2 exactly when p mod 4g satisfies these conditions (spec §2.5).
func residueOK(g int, p *big.Int) bool {
	mod := func(m int64) int64 { return new(big.Int).Mod(p, big.NewInt(m)).Int64() }
	switch g {
	case 2:
		return mod(8) == 7
	case 3:
		return mod(3) == 2
	case 4:
		return true
	case 5:
		r := mod(5)
		return r == 1 || r == 4
	case 6:
		r := mod(24)
		return r == 19 || r == 23
	case 7:
		r := mod(7)
		return r == 3 || r == 5 || r == 6
	}
	return false
}

// CheckPublic rejects a public value g_x that is empty, longer than 256 bytes
// or outside [2^1984, p-2^1984] (tdlib's inclusive bounds, spec §2.5).
func CheckPublic(gx []byte, p *big.Int) error {
	if len(gx) == 0 || len(gx) > keySize {
		return fmt.Errorf("%d bytes: %w", len(gx), ErrPublicSize)
	}
	x := new(big.Int).SetBytes(gx)
	upper := new(big.Int).Sub(p, rangeMargin)
	if x.Cmp(rangeMargin) < 0 || x.Cmp(upper) > 0 {
		return ErrPublicRange
	}
	return nil
}

// DHCache validates (p, g) once per config version and remembers the last
// good config. The zero value is empty and ready; it is safe for concurrent use.
type DHCache struct {
	mu  sync.Mutex
	cfg DHConfig
	raw []byte // p as received, to notice a changed prime under the same version
	// validate is ValidateConfig unless a test counts calls.
	validate func(g int, p []byte) (*big.Int, error)
}

// Version is what to send in messages.getDhConfig: 0 when nothing is cached.
func (c *DHCache) Version() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg.Version
}

// Update handles messages.dhConfig. A config identical to the cached one is not
// revalidated; a config that fails validation leaves the cache unchanged.
func (c *DHCache) Update(version, g int, p []byte) (DHConfig, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.P != nil && c.cfg.Version == version && c.cfg.G == g && bytes.Equal(c.raw, p) {
		return c.cfg, nil
	}
	validate := c.validate
	if validate == nil {
		validate = ValidateConfig
	}
	n, err := validate(g, p)
	if err != nil {
		return DHConfig{}, fmt.Errorf("dh config version %d: %w", version, err)
	}
	c.cfg = DHConfig{G: g, P: n, Version: version}
	c.raw = bytes.Clone(p)
	return c.cfg, nil
}

// Current handles messages.dhConfigNotModified.
func (c *DHCache) Current() (DHConfig, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.P == nil {
		return DHConfig{}, ErrNoConfig
	}
	return c.cfg, nil
}

const redacted = "[redacted]"

// Secret is one side's DH exponent (a or b) with its public value.
type Secret struct {
	x   *big.Int
	p   *big.Int
	pub []byte
}

// NewSecret draws 256 random bytes from rnd and XORs in serverRandom
// (tdesktop's way to mix server entropy, spec §2.5), retrying until g^x
// passes the range check.
func NewSecret(cfg DHConfig, serverRandom []byte, rnd io.Reader) (*Secret, error) {
	if cfg.P == nil {
		return nil, ErrNoConfig
	}
	buf := make([]byte, keySize)
	g := big.NewInt(int64(cfg.G))
	for range maxSecretTries {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return nil, fmt.Errorf("dh secret: read random: %w", err)
		}
		for i := 0; i < len(buf) && i < len(serverRandom); i++ {
			buf[i] ^= serverRandom[i]
		}
		x := new(big.Int).SetBytes(buf)
		pub := new(big.Int).Exp(g, x, cfg.P).FillBytes(make([]byte, keySize))
		if CheckPublic(pub, cfg.P) == nil {
			return &Secret{x: x, p: cfg.P, pub: pub}, nil
		}
	}
	return nil, fmt.Errorf("dh secret: %d exponents in a row out of range: %w", maxSecretTries, ErrPublicRange)
}

// Public returns g^x mod p as exactly 256 big-endian bytes, the form to send
// and to hash (spec §2.5 recommendation).
func (s *Secret) Public() []byte { return bytes.Clone(s.pub) }

// SharedKey computes peer^x mod p after checking the peer's value.
func (s *Secret) SharedKey(peerPublic []byte) (Key, error) {
	if err := CheckPublic(peerPublic, s.p); err != nil {
		return Key{}, fmt.Errorf("peer public value: %w", err)
	}
	var k Key
	new(big.Int).Exp(new(big.Int).SetBytes(peerPublic), s.x, s.p).FillBytes(k[:])
	return k, nil
}

// Value receivers so both Secret and *Secret stay redacted in fmt and slog.
func (Secret) String() string       { return redacted }
func (Secret) GoString() string     { return redacted }
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
