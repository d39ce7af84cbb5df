package wire

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// TestTCPO2Header: the header is the nonce with bytes 56..63 replaced by the
// encryption, under key nonce[8:40] and IV nonce[40:56], of the nonce whose
// bytes 56..59 are EF EF EF EF (libtgvoip GenerateTCPO2States); nonces a
// relay could take for another protocol are drawn again.
func TestTCPO2Header(t *testing.T) {
	rng := rand.NewChaCha8([32]byte{1})
	good := make([]byte, 64)
	rng.Read(good)
	good[0], good[4] = 0x11, 0x22
	tests := []struct {
		name string
		bad  []byte // drawn first, must be skipped
	}{
		{"HEAD", append([]byte("HEAD"), good[4:]...)},
		{"POST", append([]byte("POST"), good[4:]...)},
		{"GET ", append([]byte("GET "), good[4:]...)},
		{"eeeeeeee", append([]byte{0xee, 0xee, 0xee, 0xee}, good[4:]...)},
		{"second word zero", append(append(append([]byte{}, good[:4]...), 0, 0, 0, 0), good[8:]...)},
		{"first byte ef", append([]byte{0xef}, good[1:]...)},
		{"none", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr, _, err := NewTCPO2(io.MultiReader(bytes.NewReader(tt.bad), bytes.NewReader(good)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(hdr[:56], good[:56]) {
				t.Fatalf("header drew % x…, want the good nonce", hdr[:8])
			}
			blk, _ := aes.NewCipher(good[8:40])
			want := append(append([]byte{}, good[:56]...), 0xef, 0xef, 0xef, 0xef)
			want = append(want, good[60:]...)
			cipher.NewCTR(blk, good[40:56]).XORKeyStream(want, want)
			if !bytes.Equal(hdr[56:], want[56:]) {
				t.Errorf("header tail % x, want % x", hdr[56:], want[56:])
			}
		})
	}
}

// TestTCPO2Frames: frames of every length form both ways between a client
// and a relay that accepted its header.
func TestTCPO2Frames(t *testing.T) {
	hdr, client, err := NewTCPO2(rand.NewChaCha8([32]byte{2}))
	if err != nil {
		t.Fatal(err)
	}
	relay, err := AcceptTCPO2(hdr)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 4, 40, 64, 504, 508, 512, 1500} {
		p := bytes.Repeat([]byte{byte(n)}, n)
		for _, dir := range []struct {
			name     string
			from, to *TCPO2
		}{{"client→relay", client, relay}, {"relay→client", relay, client}} {
			f, err := dir.from.AppendFrame(nil, p)
			if err != nil {
				t.Fatalf("%s %d: %v", dir.name, n, err)
			}
			if wantLen := n + 1 + 3*btoi(n/4 >= 0x7f); len(f) != wantLen {
				t.Errorf("%s %d: frame of %d bytes, want %d", dir.name, n, len(f), wantLen)
			}
			got, err := dir.to.ReadFrame(bytes.NewReader(f), make([]byte, 1500))
			if err != nil || !bytes.Equal(got, p) {
				t.Errorf("%s %d: read %d bytes, %v", dir.name, n, len(got), err)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestTCPO2Refuses(t *testing.T) {
	hdr, client, _ := NewTCPO2(rand.NewChaCha8([32]byte{3}))
	relay, _ := AcceptTCPO2(hdr)
	if _, err := client.AppendFrame(nil, make([]byte, 42)); !errors.Is(err, ErrLength) {
		t.Errorf("42-byte frame: %v", err)
	}
	if _, err := client.AppendFrame(nil, make([]byte, 1504)); !errors.Is(err, ErrLength) {
		t.Errorf("1504-byte frame: %v", err)
	}
	// A relay announcing 1504 bytes.
	f := []byte{0x7f, 1504 / 4 & 0xff, 1504 / 4 >> 8, 0}
	relay.send.XORKeyStream(f, f)
	if _, err := client.ReadFrame(bytes.NewReader(f), make([]byte, 1500)); !errors.Is(err, ErrLength) {
		t.Errorf("1504-byte frame read: %v", err)
	}
	hdr[57] ^= 1 // the encrypted abridged tag
	if _, err := AcceptTCPO2(hdr); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad tag: %v", err)
	}
}
