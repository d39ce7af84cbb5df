package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/internal/tone"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// syncBuffer collects a command's stdout while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) events(t *testing.T) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stdout line is not JSON: %q", sc.Text())
		}
		if _, ok := m["t_ms"]; !ok {
			t.Errorf("event without t_ms: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func find(events []map[string]any, name string) map[string]any {
	for _, e := range events {
		if e["event"] == name {
			return e
		}
	}
	return nil
}

// startTestStack runs the sandbox stack (with @echo) in a temp folder.
func startTestStack(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := startStack(ctx, stackConfig{listen: "127.0.0.1:0", dataDir: dir}, newLogger(io.Discard, 0))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-st.done
	})
	return dir
}

func recordedTone(t *testing.T, path string) float64 {
	t.Helper()
	pcm, err := audio.ReadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) < 48000 {
		t.Fatalf("%s holds %d samples, want a second or more", path, len(pcm))
	}
	return tone.Dominant(pcm[len(pcm)/4:], 200, 1200)
}

// TestCallAndAnswerCommands: alice calls bob with the headless commands
// through the sandbox; tones pass both ways on each engine and path.
func TestCallAndAnswerCommands(t *testing.T) {
	dir := startTestStack(t)
	for _, tt := range []struct {
		version, p2p, path string // path: what the stats line must name (one of |-separated)
	}{
		{version: "8.0.0", p2p: "everyone"},
		{version: "8.0.0", p2p: "nobody", path: "turn|relay (Telegram reflector)"}, // V2 relays through either
		{version: "2.4.4", p2p: "everyone"},
		{version: "2.4.4", p2p: "nobody", path: "relay"},
	} {
		t.Run(tt.version+"/p2p="+tt.p2p, func(t *testing.T) {
			callAndAnswer(t, dir, tt.version, tt.p2p, tt.path)
		})
	}
}

func callAndAnswer(t *testing.T, dir, version, p2p, wantPath string) {
	rec := t.TempDir()
	var bobOut, aliceOut syncBuffer
	// Bounded, so a call that never arrives fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bobErr := make(chan error, 1)
	go func() {
		bobErr <- runAnswer(ctx, []string{"--as", "bob", "--sandbox-dir", dir, "--duration", "3s", "--p2p", p2p,
			"--input", "tone:660", "--record", filepath.Join(rec, "bob.wav")}, &bobOut, io.Discard)
	}()
	// Bob signs in first, which under a loaded machine has taken over 20 s:
	// wait as long as the call may take, or until his command gives up.
	for find(bobOut.events(t), "waiting") == nil {
		select {
		case <-ctx.Done():
			t.Fatalf("answer never started waiting: %v\n%s", ctx.Err(), bobOut.String())
		case err := <-bobErr:
			t.Fatalf("answer ended before waiting: %v\n%s", err, bobOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	err := runCall(ctx, []string{"--as", "alice", "--to", "@bob", "--sandbox-dir", dir, "--protocol", version,
		"--p2p", p2p, "--duration", "2s", "--input", "tone:440", "--record", filepath.Join(rec, "alice.wav")}, &aliceOut, io.Discard)
	if err != nil {
		t.Fatalf("call: %v\n%s", err, aliceOut.b.String())
	}
	if err := <-bobErr; err != nil {
		t.Fatalf("answer: %v\n%s", err, bobOut.b.String())
	}
	a, b := aliceOut.events(t), bobOut.events(t)
	ka, kb := find(a, "keys"), find(b, "keys")
	if ka == nil || kb == nil {
		t.Fatalf("no keys line: alice %v, bob %v", a, b)
	}
	if ka["key_fingerprint"] != kb["key_fingerprint"] || !equalJSON(ka["emoji"], kb["emoji"]) || ka["library_version"] != version {
		t.Errorf("keys: alice %v, bob %v (want version %s)", ka, kb, version)
	}
	if in := find(b, "incoming"); in == nil || in["from"] != "Alice Archer" {
		t.Errorf("bob's incoming line: %v", in)
	}
	if last := a[len(a)-1]; last["event"] != "ended" || last["state"] != "ended" || last["error"] != "" {
		t.Errorf("alice's last line: %v", last)
	}
	st := find(a, "stats")
	if st == nil {
		t.Fatal("no stats line")
	}
	if path, _ := st["path"].(string); wantPath != "" && !slices.ContainsFunc(strings.Split(wantPath, "|"), func(w string) bool {
		return strings.HasPrefix(path, w)
	}) {
		t.Errorf("media path %q, want %s", path, wantPath)
	}
	if f := recordedTone(t, filepath.Join(rec, "alice.wav")); math.Abs(f-660) > 2 {
		t.Errorf("alice heard %.2f Hz, bob sent 660", f)
	}
	if f := recordedTone(t, filepath.Join(rec, "bob.wav")); math.Abs(f-440) > 2 {
		t.Errorf("bob heard %.2f Hz, alice sent 440", f)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestEchoContact: @echo answers and plays your voice back, on both engines.
func TestEchoContact(t *testing.T) {
	dir := startTestStack(t)
	for _, version := range []string{"8.0.0", "2.4.4"} {
		t.Run(version, func(t *testing.T) {
			var out syncBuffer
			wav := filepath.Join(t.TempDir(), "heard.wav")
			err := runCall(context.Background(), []string{"--as", "alice", "--to", "@echo", "--sandbox-dir", dir,
				"--duration", "3s", "--protocol", version, "--input", "tone:523", "--record", wav}, &out, io.Discard)
			if err != nil {
				t.Fatalf("call @echo: %v\n%s", err, out.b.String())
			}
			if k := find(out.events(t), "keys"); k == nil || k["library_version"] != version {
				t.Errorf("keys line %v, want library_version %s", k, version)
			}
			if f := recordedTone(t, wav); math.Abs(f-523) > 2 {
				t.Errorf("heard %.2f Hz back from @echo, sent 523", f)
			}
		})
	}
}

func TestCallErrorsExitNonZero(t *testing.T) {
	dir := startTestStack(t)
	for _, tt := range []struct{ to, code string }{
		{"@private", "privacy_restricted"}, {"@blocked", "blocked"}, {"@old", "peer_outdated"}, {"@nobody_here", "not_found"},
	} {
		var out syncBuffer
		err := runCall(context.Background(), []string{"--as", "alice", "--to", tt.to, "--sandbox-dir", dir}, &out, io.Discard)
		ev := out.events(t)
		if err == nil || len(ev) == 0 {
			t.Fatalf("call %s: err %v, output %v", tt.to, err, ev)
		}
		if last := ev[len(ev)-1]; last["error"] != tt.code || last["message"] == "" {
			t.Errorf("call %s: last line %v, want error %s with a message", tt.to, last, tt.code)
		}
	}
}

// TestStoppedCallHangsUp: `tgphone call` stopped (SIGTERM, Ctrl+C) before
// the call is answered discards it, so the callee stops ringing at once.
// The stopping used to close the connection with the call and the discard
// failed ("client closed"): the callee rang on until the server's timeout,
// an hour here.
func TestStoppedCallHangsUp(t *testing.T) {
	hour := time.Hour
	env := sandboxtest.Start(t, sandboxtest.Options{Timeouts: sandbox.CallTimeouts{Receive: hour, Ring: hour, Connect: hour, Packet: hour}})
	dir := t.TempDir()
	if err := sandbox.WriteInfo(dir, env.Info); err != nil {
		t.Fatal(err)
	}
	updates := make(chan tg.PhoneCallClass, 16)
	env.SignIn(t, "alice", func(c *account.Client) {
		c.OnPhoneCall(func(u account.PhoneCallUpdate) { updates <- u.Call })
	})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- runCall(ctx, []string{"--as", "bob", "--to", "@alice", "--sandbox-dir", dir}, io.Discard, io.Discard)
	}()
	next := func(what string) tg.PhoneCallClass {
		t.Helper()
		select {
		case u := <-updates:
			return u
		case <-time.After(30 * time.Second):
			t.Fatalf("alice never got %s", what)
			return nil
		}
	}
	req, ok := next("the call").(*tg.PhoneCallRequested)
	if !ok {
		t.Fatalf("alice's first update is not a requested call")
	}
	stop() // SIGTERM
	// Never answered, the call exits 1 (exitError), having said so on stdout.
	var ex *exitError
	if err := <-done; err != nil && !errors.As(err, &ex) && !errors.Is(err, context.Canceled) {
		t.Errorf("the stopped call: %v", err)
	}
	for {
		u := next("the hang-up: her phone rings on")
		if d, ok := u.(*tg.PhoneCallDiscarded); ok {
			if d.ID != req.ID {
				t.Errorf("discarded call %d, want %d", d.ID, req.ID)
			}
			return
		}
	}
}
