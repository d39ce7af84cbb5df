package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/sandbox"
)

// longSecret matches what a leaked key would look like in a log: a run of
// 64+ hex digits or 64+ base64 characters.
var longSecret = regexp.MustCompile(`[0-9a-fA-F]{64,}|[A-Za-z0-9+/]{64,}={0,2}`)

// TestNoSecretsInLogs runs a whole call at debug level — sandbox, caller
// with a 2FA password, callee — and greps every log: no key material, no
// auth key, no password, no login code except the sandbox's own "login
// code" line (its SMS), no audio. Then it checks the data files' modes.
func TestNoSecretsInLogs(t *testing.T) {
	dir := t.TempDir()
	var sandboxLog, aliceLog, carolLog syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sctx, stop := context.WithCancel(ctx)
	st, err := startStack(sctx, stackConfig{listen: "127.0.0.1:0", dataDir: dir}, newLogger(&sandboxLog, -4))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		stop()
		<-st.done
	}()
	answered := make(chan error, 1)
	var aliceOut syncBuffer
	go func() {
		answered <- runAnswer(ctx, []string{"--as", "alice", "--sandbox-dir", dir, "--duration", "2s", "-v",
			"--input", "tone:440"}, &aliceOut, &aliceLog)
	}()
	for find(aliceOut.events(t), "waiting") == nil {
		time.Sleep(20 * time.Millisecond)
	}
	var carolOut syncBuffer
	if err := runCall(ctx, []string{"--as", "carol", "--password", sandbox.DemoPassword, "--to", "@alice",
		"--sandbox-dir", dir, "--duration", "2s", "-v", "--input", "tone:660"}, &carolOut, &carolLog); err != nil {
		t.Fatalf("call: %v\n%s", err, carolLog.String())
	}
	if err := <-answered; err != nil {
		t.Fatal(err)
	}

	var state struct {
		Keys map[string]struct {
			Key json.RawMessage `json:"key"`
		} `json:"keys"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &state); err != nil {
		t.Fatal(err)
	}
	var authKeys []string
	for _, k := range state.Keys {
		var v struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(k.Key, &v); err != nil || len(v.Value) < 24 {
			t.Fatalf("state.json key %s: %v", k.Key, err)
		}
		authKeys = append(authKeys, v.Value[:24])
	}
	if len(authKeys) < 3 {
		t.Fatalf("%d auth keys in state.json, want one per client", len(authKeys))
	}
	for name, log := range map[string]string{"sandbox": sandboxLog.String(), "alice": aliceLog.String(), "carol": carolLog.String()} {
		if len(log) < 1000 {
			t.Fatalf("%s's debug log is only %d bytes: the test would prove nothing", name, len(log))
		}
		if strings.Contains(log, sandbox.DemoPassword) {
			t.Errorf("%s's log contains the 2FA password", name)
		}
		for _, k := range authKeys {
			if strings.Contains(log, k) {
				t.Errorf("%s's log contains an auth key", name)
			}
		}
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "22222") && !strings.Contains(line, `msg="login code"`) {
				t.Errorf("%s's log shows the login code outside the sandbox's code line: %s", name, line)
			}
			if m := longSecret.FindString(line); m != "" {
				t.Errorf("%s's log has %d characters that look like key material or audio: %.120s", name, len(m), line)
			}
		}
	}
	for _, f := range []string{"state.json", "server_key.pem", "sandbox.json", "echo.session"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data folder mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
}
