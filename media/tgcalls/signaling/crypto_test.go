package signaling

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func testKey(seed byte) [KeySize]byte {
	var k [KeySize]byte
	for i := range k {
		k[i] = byte(i)*7 + seed
	}
	return k
}

func plain(seq uint32, body string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, seq), body...)
}

func TestCipherRoundTrip(t *testing.T) {
	key := testKey(1)
	for _, tc := range []struct {
		name     string
		outgoing bool
		body     string
	}{
		{"caller→callee/short", true, "\x7f"},
		{"callee→caller/short", false, "\x7f"},
		{"caller→callee/json", true, `{"@type":"MediaState","muted":true}`},
		{"callee→caller/large", false, strings.Repeat("x", 15000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := NewCipher(key, tc.outgoing)
			to := NewCipher(key, !tc.outgoing)
			p := plain(1, tc.body)
			pkt := from.Seal(p)
			if len(pkt) != 16+len(p) {
				t.Fatalf("packet size %d, want %d (no padding)", len(pkt), 16+len(p))
			}
			if bytes.Contains(pkt, []byte(tc.body)) && len(tc.body) > 4 {
				t.Fatal("plaintext visible in packet")
			}
			got, err := to.Open(pkt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, p) {
				t.Fatalf("got %q, want %q", got, p)
			}
		})
	}
}

func TestCipherRejects(t *testing.T) {
	key := testKey(2)
	good := NewCipher(key, true).Seal(plain(5, "hello world"))
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 1
		return b
	}
	for _, tc := range []struct {
		name     string
		outgoing bool // receiver's side
		packet   []byte
		want     error
	}{
		{"tampered msg_key", false, flip(3), ErrMsgKey},
		{"tampered body", false, flip(20), ErrMsgKey},
		{"wrong direction", true, good, ErrMsgKey},
		{"other key", false, NewCipher(testKey(3), true).Seal(plain(5, "hello world")), ErrMsgKey},
		{"too short", false, good[:20], ErrPacketSize},
		{"empty", false, nil, ErrPacketSize},
		{"too long", false, make([]byte, maxPacket+1), ErrPacketSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCipher(key, tc.outgoing).Open(tc.packet)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCipherReplay(t *testing.T) {
	key := testKey(4)
	tx, rx := NewCipher(key, true), NewCipher(key, false)
	p1 := tx.Seal(plain(1, "one"))
	p100 := tx.Seal(plain(100|requiresAckBit, "hundred"))
	p37 := tx.Seal(plain(37, "old"))
	p36 := tx.Seal(plain(36|singleMessageBit, "too old"))
	steps := []struct {
		name string
		pkt  []byte
		ok   bool
	}{
		{"first", p1, true},
		{"duplicate", p1, false},
		{"jump ahead", p100, true},
		{"flags ignored in counter", tx.Seal(plain(100, "same counter")), false},
		{"63 below largest", p37, true},
		{"64 below largest", p36, false},
		{"37 again", p37, false},
	}
	for _, s := range steps {
		_, err := rx.Open(s.pkt)
		if (err == nil) != s.ok {
			t.Fatalf("%s: err = %v, want ok=%v", s.name, err, s.ok)
		}
		if err != nil && !errors.Is(err, ErrReplay) {
			t.Fatalf("%s: err = %v, want ErrReplay", s.name, err)
		}
	}
}

func TestCounterWindow(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []uint32
		want []bool
	}{
		{"in order", []uint32{1, 2, 3}, []bool{true, true, true}},
		{"reorder", []uint32{3, 1, 2, 2}, []bool{true, true, true, false}},
		{"window edge", []uint32{100, 37, 36}, []bool{true, true, false}},
		{"big jump clears", []uint32{1, 1000, 999, 1}, []bool{true, true, true, false}},
		{"zero counter", []uint32{0, 0, 1}, []bool{true, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w counterWindow
			for i, c := range tc.in {
				if got := w.register(c); got != tc.want[i] {
					t.Fatalf("register(%d) #%d = %v, want %v", c, i, got, tc.want[i])
				}
			}
		})
	}
}

// TestSealSpec recomputes one packet straight from the formulas of spec §6.2,
// written out independently of crypto.go, and checks the stored golden bytes.
func TestSealSpec(t *testing.T) {
	key := testKey(9)
	p := plain(1|requiresAckBit, "\x7f\x00\x00\x00\x02{}")
	for _, outgoing := range []bool{true, false} {
		x := 128
		if !outgoing {
			x += 8
		}
		large := sha256.Sum256(append(bytes.Clone(key[88+x:88+x+32]), p...))
		mk := large[8:24]
		sa := sha256.Sum256(append(bytes.Clone(mk), key[x:x+36]...))
		sb := sha256.Sum256(append(bytes.Clone(key[40+x:40+x+36]), mk...))
		aesKey := append(append(append([]byte{}, sa[0:8]...), sb[8:24]...), sa[24:32]...)
		iv := append(append(append([]byte{}, sb[0:4]...), sa[8:16]...), sb[24:28]...)
		block, err := aes.NewCipher(aesKey)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]byte{}, mk...)
		enc := make([]byte, len(p))
		cipher.NewCTR(block, iv).XORKeyStream(enc, p)
		want = append(want, enc...)

		got := NewCipher(key, outgoing).Seal(p)
		if !bytes.Equal(got, want) {
			t.Fatalf("outgoing=%v:\n got %x\nwant %x", outgoing, got, want)
		}
		name := "seal-callee.hex"
		if outgoing {
			name = "seal-caller.hex"
		}
		golden(t, name, got)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(got)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	want, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s:\n got %x\nwant %x", name, got, want)
	}
}

func FuzzOpen(f *testing.F) {
	key := testKey(5)
	tx := NewCipher(key, true)
	f.Add(tx.Seal(plain(1, "\x7f\x00\x00\x00\x00")))
	f.Add(tx.Seal(plain(2|requiresAckBit, "\xfe")))
	f.Add(make([]byte, 21))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		rx := NewCipher(key, false)
		out, err := rx.Open(pkt)
		if err == nil && len(out) != len(pkt)-16 {
			t.Fatalf("plaintext %d bytes from packet of %d", len(out), len(pkt))
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	c := NewCipher(testKey(6), true)
	p := plain(1, strings.Repeat("j", 300))
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		c.Seal(p)
	}
}

func BenchmarkOpen(b *testing.B) {
	key := testKey(6)
	tx := NewCipher(key, true)
	pkts := make([][]byte, 1<<12)
	for i := range pkts {
		pkts[i] = tx.Seal(plain(uint32(i+1), strings.Repeat("j", 300)))
	}
	b.SetBytes(int64(len(pkts[0])))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i%len(pkts) == 0 {
			tx = NewCipher(key, false) // fresh replay window per pass
		}
		if _, err := tx.Open(pkts[i%len(pkts)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
