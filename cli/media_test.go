package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/internal/tone"
)

// TestMediaV2 runs two `tgphone media --engine v2` against each other over
// a unix signalling socket, as an external engine would be run against one:
// each exits 0 and records the other's tone; on every V2 version, one run
// per framing: 7.0.0 raw, 8.0.0 reliable, 9.0.0 following the peer
// (InstanceV2Impl), 13.0.0 SCTP, and the SDP reference implementation's
// 10.0.0 (reliable) and 11.0.0 (SCTP). 12.0.0 is 13.0.0's framing and code.
func TestMediaV2(t *testing.T) {
	for _, v := range []string{"7.0.0", "8.0.0", "9.0.0", "13.0.0", "10.0.0", "11.0.0"} {
		t.Run(v, func(t *testing.T) { testMediaV2(t, v, false) })
	}
	// --long-frames: both offer as a Telegram app does, so each sends
	// tgcalls' 60 ms packets.
	t.Run("8.0.0 long frames", func(t *testing.T) { testMediaV2(t, "8.0.0", true) })
}

func testMediaV2(t *testing.T, version string, long bool) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	key := make([]byte, 256)
	for i := range key {
		key[i] = byte(i * 7)
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sig")
	type result struct {
		err error
		out string
	}
	run := func(role, signal, input, rec string, done chan<- result) {
		var out, errOut bytes.Buffer
		args := []string{"--engine", "v2", "--version", version, "--key-file", keyFile,
			role, "--signal", signal, "--p2p", "--input", input, "--record", rec, "--duration", "4s"}
		if long {
			args = append(args, "--long-frames")
		}
		err := RunMedia(context.Background(), args, &out, &errOut)
		if err != nil {
			t.Logf("%s stderr:\n%s", role, errOut.String())
		}
		done <- result{err, out.String()}
	}
	callee, caller := make(chan result, 1), make(chan result, 1)
	go run("--incoming", "unix-listen:"+sock, "tone:660", filepath.Join(dir, "callee.wav"), callee)
	// The caller connects once the callee listens.
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i > 500 {
			t.Fatal("callee never listened")
		}
		waitABit()
	}
	go run("--outgoing", "unix:"+sock, "tone:440", filepath.Join(dir, "caller.wav"), caller)
	for _, c := range []struct {
		name string
		ch   chan result
		rec  string
		want float64
	}{{"caller", caller, "caller.wav", 660}, {"callee", callee, "callee.wav", 440}} {
		r := <-c.ch
		if r.err != nil {
			t.Errorf("%s: %v\n%s", c.name, r.err, r.out)
			continue
		}
		states := map[string]bool{}
		var sent, ms float64
		sc := bufio.NewScanner(strings.NewReader(r.out))
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: not JSON: %q", c.name, sc.Text())
			}
			if s, ok := m["state"].(string); ok {
				states[s] = true
			}
			if m["event"] == "end" {
				sent, _ = m["sent"].(float64)
				ms, _ = m["t_ms"].(float64)
			}
		}
		// 60 ms packets come no more often than one per 60 ms of the run
		// (the time before the path was up sent none); 20 ms ones would
		// show as about one per 20–30 ms.
		if long && (sent == 0 || ms/sent < 45) {
			t.Errorf("%s: sent %.0f packets in %.0f ms with --long-frames, want one per 60 ms", c.name, sent, ms)
		}
		if !states["connected"] {
			t.Errorf("%s: never printed state connected:\n%s", c.name, r.out)
		}
		pcm, err := audio.ReadWAV(filepath.Join(dir, c.rec))
		if err != nil {
			t.Fatal(err)
		}
		if len(pcm) < 48000 {
			t.Fatalf("%s recorded %d samples", c.name, len(pcm))
		}
		tail := pcm[len(pcm)-48000:]
		if got := tone.Dominant(tail, 200, 1000); math.Abs(got-c.want) > 2 {
			t.Errorf("%s heard %.1f Hz, want %.0f", c.name, got, c.want)
		}
	}
}

func TestMediaV2Flags(t *testing.T) {
	for _, args := range [][]string{
		{"--engine", "v2", "--outgoing", "--key-file", "k"},                                    // no --signal
		{"--engine", "v2", "--outgoing", "--signal", "unix:/x", "--key-file", "k"},             // no --p2p, no --turn
		{"--engine", "v2", "--version", "6.0.0", "--outgoing", "--signal", "unix:/x", "--p2p"}, // InstanceV2_4_0_0Impl: not built
		{"--engine", "v2", "--outgoing", "--signal", "unix:/x", "--turn", "127.0.0.1:3478"},    // bad --turn
		{"--engine", "v2", "--outgoing", "--signal", "tcp:1", "--p2p", "--key-file", "/dev/null"},
		{"--engine", "v3", "--outgoing"},
	} {
		var out, errOut bytes.Buffer
		if err := RunMedia(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

func waitABit() { time.Sleep(10 * time.Millisecond) }
