package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"strings"
	"testing"
)

// rfc3526Group14 is the 2048-bit MODP prime of RFC 3526 §3: a safe prime that is
// not Telegram's, so validating it runs the full primality path.
var rfc3526Group14, _ = new(big.Int).SetString(
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"+
		"29024E088A67CC74020BBEA63B139B22514A08798E3404DD"+
		"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"+
		"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"+
		"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"+
		"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"+
		"83655D23DCA3AD961C62F356208552BB9ED529077096966D"+
		"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"+
		"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"+
		"DE2BCBF6955817183995497CEA956AE515D2261898FA0510"+
		"15728E5A8AACAA68FFFFFFFFFFFFFFFF", 16)

// vectors is the part of the libtgvoip test vectors this package checks.
type vectors struct {
	KeyHex string `json:"key_hex"`
	FPLast string `json:"key_fingerprint_sha1_last8"`
}

func loadVectors(t testing.TB) (Key, string) {
	t.Helper()
	b, err := os.ReadFile("../testdata/libtgvoip-2.4.4-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(v.KeyHex)
	if err != nil || len(raw) != 256 {
		t.Fatalf("vector key: %d bytes, %v", len(raw), err)
	}
	var k Key
	copy(k[:], raw)
	return k, v.FPLast
}

// seeded is a deterministic random source for reproducible secrets.
func seeded(seed uint64) *mrand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return mrand.NewChaCha8(s)
}

func telegramConfig() DHConfig { return DHConfig{G: 3, P: telegramPrime, Version: 1} }

func pad(n *big.Int) []byte { return n.FillBytes(make([]byte, 256)) }

func TestFingerprintVector(t *testing.T) {
	k, want := loadVectors(t)
	var le [8]byte
	fp := uint64(k.Fingerprint())
	for i := range le {
		le[i] = byte(fp >> (8 * i))
	}
	if got := hex.EncodeToString(le[:]); got != want {
		t.Fatalf("fingerprint LE bytes = %s, want %s", got, want)
	}
	if err := CheckFingerprint(&k, k.Fingerprint()); err != nil {
		t.Fatalf("CheckFingerprint(own) = %v", err)
	}
}

func TestEmojiTableMatchesTestdata(t *testing.T) {
	b, err := os.ReadFile("../testdata/emoji-table.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(emojiTable) != 333 || len(want) != 333 {
		t.Fatalf("table sizes: embedded %d, testdata %d, want 333", len(emojiTable), len(want))
	}
	for i := range want {
		if emojiTable[i] != want[i] {
			t.Errorf("entry %d = %q, want %q", i, emojiTable[i], want[i])
		}
	}
	if emojiTable[0] != "😉" || emojiTable[332] != "🔷" {
		t.Errorf("ends = %q, %q", emojiTable[0], emojiTable[332])
	}
}

// rederiveIndexes is the spec §2.7 recipe written with math/big instead of
// uint64 arithmetic, to cross-check EmojiIndexes.
func rederiveIndexes(k *Key, ga []byte) [4]int {
	h := GAHash(append(append([]byte{}, k[:]...), ga...)) // SHA256(key ‖ g_a)
	var out [4]int
	for i := range out {
		v := new(big.Int).SetBytes(h[8*i : 8*i+8])
		v.SetBit(v, 63, 0)
		out[i] = int(v.Mod(v, big.NewInt(333)).Int64())
	}
	return out
}

func TestEmojiIndexesRederived(t *testing.T) {
	vk, _ := loadVectors(t)
	var zero, ones Key
	for i := range ones {
		ones[i] = 0xFF
	}
	ga := pad(new(big.Int).Lsh(big.NewInt(1), 2040))
	for _, tc := range []struct {
		name string
		key  Key
		ga   []byte
	}{
		{"vector-key", vk, ga},
		{"zero-key", zero, ga},
		{"ones-key", ones, ga},
		{"ones-key/short-ga", ones, []byte{1, 2, 3}},
		{"vector-key/empty-ga", vk, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, want := EmojiIndexes(&tc.key, tc.ga), rederiveIndexes(&tc.key, tc.ga)
			if got != want {
				t.Fatalf("EmojiIndexes = %v, re-derived %v", got, want)
			}
		})
	}
}

func TestEmojiGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/emoji-golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		GAHex   string    `json:"g_a_hex"`
		Indexes [4]int    `json:"indexes"`
		Emoji   [4]string `json:"emoji"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	ga, err := hex.DecodeString(g.GAHex)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := loadVectors(t)
	if got := EmojiIndexes(&k, ga); got != g.Indexes {
		t.Errorf("indexes = %v, golden %v", got, g.Indexes)
	}
	if got := Emoji(&k, ga); got != g.Emoji {
		t.Errorf("emoji = %v, golden %v", got, g.Emoji)
	}
}

func TestCallerCalleeAgree(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    DHConfig
		random []byte
	}{
		{"telegram/g3/full-random", telegramConfig(), bytes.Repeat([]byte{0xA5}, 256)},
		{"telegram/g3/short-random", telegramConfig(), []byte{1, 2, 3}},
		{"rfc3526/g2/no-random", DHConfig{G: 2, P: rfc3526Group14, Version: 7}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewSecret(tc.cfg, tc.random, seeded(1))
			if err != nil {
				t.Fatal(err)
			}
			b, err := NewSecret(tc.cfg, tc.random, seeded(2))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Public()) != 256 || bytes.Equal(a.Public(), b.Public()) {
				t.Fatalf("public values: len %d, equal %v", len(a.Public()), bytes.Equal(a.Public(), b.Public()))
			}
			ka, err := a.SharedKey(b.Public())
			if err != nil {
				t.Fatal(err)
			}
			kb, err := b.SharedKey(a.Public())
			if err != nil {
				t.Fatal(err)
			}
			if ka != kb {
				t.Fatal("caller and callee derived different keys")
			}
			// Independent check: key = g^(ab) mod p.
			ab := new(big.Int).Mul(a.x, b.x)
			want := pad(new(big.Int).Exp(big.NewInt(int64(tc.cfg.G)), ab, tc.cfg.P))
			if !bytes.Equal(ka[:], want) {
				t.Fatal("key != g^(ab) mod p")
			}
			if ka.Fingerprint() != kb.Fingerprint() {
				t.Fatal("fingerprints differ")
			}
			ga := a.Public() // both sides hash the caller's g_a
			if Emoji(&ka, ga) != Emoji(&kb, ga) {
				t.Fatal("emoji differ")
			}
			if err := CheckGAHash(ga, GAHash(ga)); err != nil {
				t.Fatalf("CheckGAHash(own) = %v", err)
			}
		})
	}
}

func TestServerRandomIsMixedIn(t *testing.T) {
	cfg := telegramConfig()
	a, err := NewSecret(cfg, nil, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret(cfg, []byte{0x80}, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	if diff := new(big.Int).Xor(a.x, b.x); diff.Cmp(new(big.Int).Lsh(big.NewInt(1), 2047)) != 0 {
		t.Fatalf("exponents differ by %x, want only the top bit", diff)
	}
}

func TestHostileInputs(t *testing.T) {
	safeNotTelegram := rfc3526Group14
	notSafe, err := rand.Prime(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	twoPow2047 := new(big.Int).Lsh(big.NewInt(1), 2047)
	composite := new(big.Int).Add(twoPow2047, big.NewInt(1)) // divisible by 3
	p := telegramPrime
	margin := new(big.Int).Lsh(big.NewInt(1), 1984)
	sec, err := NewSecret(telegramConfig(), nil, seeded(4))
	if err != nil {
		t.Fatal(err)
	}
	var key Key
	copy(key[:], "some key")
	ga := sec.Public()
	badHash := GAHash(ga)
	badHash[31] ^= 1

	config := func(g int, p *big.Int) func() error {
		return func() error { _, err := ValidateConfig(g, p.Bytes()); return err }
	}
	public := func(gx []byte) func() error {
		return func() error {
			if err := CheckPublic(gx, p); err != nil {
				return err
			}
			_, err := sec.SharedKey(gx)
			return err
		}
	}
	for _, tc := range []struct {
		name string
		run  func() error
		want error
	}{
		{"p-not-prime", config(4, composite), ErrNotPrime},
		{"p-prime-not-safe", config(4, notSafe), ErrNotSafePrime},
		{"p-2047-bits", config(4, new(big.Int).Rsh(safeNotTelegram, 1)), ErrPrimeSize},
		{"p-2049-bits", config(4, new(big.Int).Lsh(safeNotTelegram, 1)), ErrPrimeSize},
		{"g-1", config(1, safeNotTelegram), ErrBadGenerator},
		{"g-8", config(8, safeNotTelegram), ErrBadGenerator},
		{"g-2-not-residue-telegram", config(2, p), ErrGeneratorResidue},
		{"g-6-not-residue-telegram", config(6, p), ErrGeneratorResidue},
		{"gx-1", public([]byte{1}), ErrPublicRange},
		{"gx-p-1", public(pad(new(big.Int).Sub(p, big.NewInt(1)))), ErrPublicRange},
		{"gx-below-2^1984", public(pad(new(big.Int).Sub(margin, big.NewInt(1)))), ErrPublicRange},
		{"gx-above-p-2^1984", public(pad(new(big.Int).Add(new(big.Int).Sub(p, margin), big.NewInt(1)))), ErrPublicRange},
		{"gx-257-bytes", public(append([]byte{0}, ga...)), ErrPublicSize},
		{"gx-empty", public(nil), ErrPublicSize},
		{"ga-hash-31-bytes", func() error { return CheckGAHash(ga, GAHash(ga)[:31]) }, ErrGAHashSize},
		{"ga-hash-mismatch", func() error { return CheckGAHash(ga, badHash) }, ErrGAHashMismatch},
		{"fingerprint-mismatch", func() error { return CheckFingerprint(&key, key.Fingerprint()^1) }, ErrFingerprintMismatch},
		{"no-config", func() error { _, err := new(DHCache).Current(); return err }, ErrNoConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for _, other := range allErrors {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
		})
	}
}

var allErrors = []error{ErrPrimeSize, ErrNotPrime, ErrNotSafePrime, ErrBadGenerator, ErrGeneratorResidue,
	ErrPublicSize, ErrPublicRange, ErrGAHashSize, ErrGAHashMismatch, ErrFingerprintMismatch, ErrNoConfig}

func TestBoundsAccepted(t *testing.T) {
	p := telegramPrime
	margin := new(big.Int).Lsh(big.NewInt(1), 1984)
	for _, tc := range []struct {
		name string
		gx   []byte
	}{
		{"exactly-2^1984", pad(margin)},
		{"exactly-2^1984-minimal-bytes", margin.Bytes()},
		{"exactly-p-2^1984", pad(new(big.Int).Sub(p, margin))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckPublic(tc.gx, p); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidConfigs(t *testing.T) {
	for _, tc := range []struct {
		name string
		g    int
		p    *big.Int
	}{
		{"rfc3526/g2-full-path", 2, rfc3526Group14},
		{"telegram/g3-shortcut", 3, telegramPrime},
		{"telegram/g4-shortcut", 4, telegramPrime},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ValidateConfig(tc.g, tc.p.Bytes())
			if err != nil || n.Cmp(tc.p) != 0 {
				t.Fatalf("ValidateConfig = %v, %v", n, err)
			}
		})
	}
}

func TestDHCache(t *testing.T) {
	var c DHCache
	calls := 0
	c.validate = func(g int, p []byte) (*big.Int, error) {
		calls++
		return ValidateConfig(g, p)
	}
	if c.Version() != 0 {
		t.Fatalf("empty Version = %d", c.Version())
	}
	steps := []struct {
		name      string
		version   int
		g         int
		p         *big.Int
		wantErr   error
		wantCalls int
		wantVer   int
	}{
		{"first-config-validated", 5, 3, telegramPrime, nil, 1, 5},
		{"same-version-cached", 5, 3, telegramPrime, nil, 1, 5},
		{"same-version-again-cached", 5, 3, telegramPrime, nil, 1, 5},
		{"new-version-revalidated", 6, 2, rfc3526Group14, nil, 2, 6},
		{"bad-config-rejected", 7, 2, telegramPrime, ErrGeneratorResidue, 3, 6},
		{"same-version-changed-p-revalidated", 6, 4, telegramPrime, nil, 4, 6},
	}
	for _, s := range steps {
		cfg, err := c.Update(s.version, s.g, s.p.Bytes())
		if !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.wantErr)
		}
		if err == nil && (cfg.Version != s.version || cfg.G != s.g || cfg.P.Cmp(s.p) != 0) {
			t.Fatalf("%s: cfg = %+v", s.name, cfg)
		}
		if calls != s.wantCalls {
			t.Fatalf("%s: %d validations, want %d", s.name, calls, s.wantCalls)
		}
		if c.Version() != s.wantVer {
			t.Fatalf("%s: Version = %d, want %d", s.name, c.Version(), s.wantVer)
		}
		cur, err := c.Current()
		if err != nil || cur.Version != s.wantVer {
			t.Fatalf("%s: Current = %+v, %v", s.name, cur, err)
		}
	}
}

func TestDHCacheConcurrent(t *testing.T) {
	var c DHCache
	done := make(chan error)
	for i := range 4 {
		go func() {
			_, err := c.Update(1+i%2, 3, telegramPrime.Bytes())
			if err == nil {
				_, err = c.Current()
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestRedacted(t *testing.T) {
	sec, err := NewSecret(telegramConfig(), nil, seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	var k Key
	k[255] = 0x42
	var log strings.Builder
	// No time in the line: a clock reading 10:42 once passed for a leak of 0x42.
	noTime := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	slog.New(slog.NewTextHandler(&log, noTime)).Info("x", "key", k, "keyp", &k, "secret", sec, "secretv", *sec)
	outputs := []string{
		fmt.Sprint(k), fmt.Sprint(&k), fmt.Sprintf("%v %+v %#v %s", k, &k, k, &k),
		fmt.Sprint(sec), fmt.Sprintf("%v %+v %#v", *sec, sec, sec), log.String(),
	}
	for _, out := range outputs {
		if !strings.Contains(out, "[redacted]") || strings.Contains(out, "42") || strings.Contains(out, sec.x.String()[:12]) {
			t.Errorf("leaks or lacks redaction: %q", out)
		}
	}
}

func TestNewSecretErrors(t *testing.T) {
	if _, err := NewSecret(DHConfig{}, nil, seeded(6)); !errors.Is(err, ErrNoConfig) {
		t.Errorf("empty config: %v", err)
	}
	if _, err := NewSecret(telegramConfig(), nil, bytes.NewReader(make([]byte, 10))); err == nil {
		t.Error("short random source accepted")
	}
	// An all-zero source gives x=0, so g^x = 1 every time: must give up, not loop.
	if _, err := NewSecret(telegramConfig(), nil, zeros{}); !errors.Is(err, ErrPublicRange) {
		t.Errorf("zero source: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }
