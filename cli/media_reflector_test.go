package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/sandbox/reflector"
)

const testTagHex = "000102030405060708090a0b0c0d0e0f"

func TestServerFlagsReflector(t *testing.T) {
	tag := [16]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	for _, tc := range []struct {
		name    string
		in      []string
		refl    []media.Reflector
		servers int
		ok      bool
	}{
		{"udp reflector", []string{"127.0.0.1:599:reflector:" + testTagHex}, []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 599, PeerTag: tag}}, 0, true},
		{"tcp reflector", []string{"127.0.0.1:443:reflector:" + testTagHex + ":tcp"}, []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 443, PeerTag: tag, TCP: true}}, 0, true},
		{"numbered in order, with a TURN server", []string{"10.0.0.1:599:reflector:" + testTagHex, "127.0.0.1:3478:u:p", "10.0.0.2:599:reflector:" + testTagHex},
			[]media.Reflector{{ID: 1, IP: "10.0.0.1", Port: 599, PeerTag: tag}, {ID: 2, IP: "10.0.0.2", Port: 599, PeerTag: tag}}, 1, true},
		{"short tag", []string{"127.0.0.1:599:reflector:0001"}, nil, 0, false},
		{"tag not hex", []string{"127.0.0.1:599:reflector:" + testTagHex[:30] + "zz"}, nil, 0, false},
		{"bad port", []string{"127.0.0.1:0:reflector:" + testTagHex}, nil, 0, false},
		{"host name", []string{"reflector.example:599:reflector:" + testTagHex}, nil, 0, false},
		{"unknown suffix", []string{"127.0.0.1:599:reflector:" + testTagHex + ":sctp"}, nil, 0, false},
		{"missing tag", []string{"127.0.0.1:599:reflector"}, nil, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var servers []media.WebRTCServer
			var refl []media.Reflector
			f := serverFlags{list: &servers, refl: &refl, turn: true}
			var err error
			for _, v := range tc.in {
				if err = f.Set(v); err != nil {
					break
				}
			}
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (!reflect.DeepEqual(refl, tc.refl) || len(servers) != tc.servers) {
				t.Fatalf("reflectors %+v, servers %+v", refl, servers)
			}
		})
	}
}

func FuzzServerFlags(f *testing.F) {
	f.Add("127.0.0.1:599:reflector:" + testTagHex)
	f.Add("127.0.0.1:599:reflector:" + testTagHex + ":tcp")
	f.Add("127.0.0.1:3478:user:pass")
	f.Fuzz(func(t *testing.T, v string) {
		var servers []media.WebRTCServer
		var refl []media.Reflector
		if err := (serverFlags{list: &servers, refl: &refl, turn: true}).Set(v); err != nil {
			return
		}
		for _, r := range refl {
			if r.Port <= 0 || r.Port > 0xffff || net.ParseIP(r.IP).To4() == nil {
				t.Fatalf("accepted %q as %+v", v, r)
			}
		}
	})
}

// TestMediaV2Reflector: two `tgphone media --engine v2` whose only relay is
// a reflector given as tdesktop gives it to tgcalls, over UDP and TCP.
func TestMediaV2Reflector(t *testing.T) {
	if testing.Short() {
		t.Skip("two 3 s calls")
	}
	r, err := reflector.New(reflector.Options{TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, bytes.Repeat([]byte{7}, 256), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, suffix := range []string{"", ":tcp"} {
		turn := r.Addr().Addr().String() + ":" + strconv.Itoa(int(r.Addr().Port())) + ":reflector:" + testTagHex + suffix
		sock := filepath.Join(dir, "sig"+strconv.Itoa(i))
		errs := make(chan error, 2)
		var outs [2]bytes.Buffer
		run := func(n int, role, signal string) {
			var errOut bytes.Buffer
			err := RunMedia(context.Background(), []string{"--engine", "v2", "--key-file", keyFile, role, "--signal", signal,
				"--turn", turn, "--input", "tone:440", "--duration", "3s"}, &outs[n], &errOut)
			if err != nil {
				t.Logf("%s stderr:\n%s", role, errOut.String())
			}
			errs <- err
		}
		go run(0, "--incoming", "unix-listen:"+sock)
		for j := 0; ; j++ {
			if _, err := os.Stat(sock); err == nil {
				break
			}
			if j > 500 {
				t.Fatal("callee never listened")
			}
			waitABit()
		}
		go run(1, "--outgoing", "unix:"+sock)
		for range 2 {
			if err := <-errs; err != nil {
				t.Errorf("reflector%s: %v", suffix, err)
			}
		}
		for n := range outs {
			if !bytes.Contains(outs[n].Bytes(), []byte(`relay (Telegram reflector)`)) {
				t.Errorf("reflector%s: side %d never went through the reflector:\n%s", suffix, n, outs[n].String())
			}
		}
	}
}
