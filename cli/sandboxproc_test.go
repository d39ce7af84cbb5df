package cli

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tgphone/tgphone/sandbox"
)

// freeAddr is a loopback address nobody listens on (just now).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// deadPID is the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

// TestLiveSandbox: sandbox.json counts only while the process in
// sandbox.pid runs and its address answers.
func TestLiveSandbox(t *testing.T) {
	dir := t.TempDir()
	if _, ok := liveSandbox(dir); ok {
		t.Error("an empty folder has a live sandbox")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := sandbox.WriteInfo(dir, sandbox.Info{MTProto: ln.Addr().String(), DC: 2, PublicKey: "k"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := liveSandbox(dir); !ok {
		t.Error("an answering sandbox without a pid file (older sandboxes) is not live")
	}
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(deadPID(t))), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := liveSandbox(dir); ok {
		t.Error("a sandbox whose process has exited is live (something else answers on its address)")
	}
	if err := writePID(dir); err != nil {
		t.Fatal(err)
	}
	if _, ok := liveSandbox(dir); !ok {
		t.Error("a running, answering sandbox is not live")
	}
	_ = ln.Close()
	if _, ok := liveSandbox(dir); ok {
		t.Error("a sandbox that does not answer is live")
	}
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := liveSandbox(dir); ok {
		t.Error("an unreadable pid file counts as live")
	}
}

// withData is d with its apps' data folder (where they look for the shared
// sandbox) moved to a new one.
func withData(t *testing.T, d *desktop) (*desktop, string) {
	data := t.TempDir()
	d2 := *d
	d2.env = append(slices.Clone(d.env), "XDG_DATA_HOME="+data)
	dir := filepath.Join(data, "tgphone", "sandbox")
	t.Cleanup(func() {
		if b, err := os.ReadFile(filepath.Join(dir, sandboxLog)); err == nil && t.Failed() {
			t.Logf("sandbox.log:\n%s", b)
		}
	})
	return &d2, dir
}

var startedPID = regexp.MustCompile(`msg="started the sandbox" pid=(\d+)`)

// TestSharedSandboxOutlivesApps: the first app finds a stale sandbox.json
// (its process gone), replaces it with a sandbox process of its own, the
// second app joins that sandbox, and quitting the first leaves it running
// for the second. The sandbox used to run inside the first app, so quitting
// Alice stranded Bob.
func TestSharedSandboxOutlivesApps(t *testing.T) {
	d, dir := withData(t, startDesktop(t))
	stale := freeAddr(t)
	if err := sandbox.WriteInfo(dir, sandbox.Info{MTProto: stale, DC: 2, PublicKey: "stale"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(deadPID(t))), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := freeAddr(t)
	alice := d.startApp(t, "--as", "alice", "--sandbox-listen", listen)
	m := startedPID.FindStringSubmatch(alice.stderr.String())
	if m == nil {
		t.Fatalf("alice started no sandbox process:\n%s", alice.stderr)
	}
	pid, _ := strconv.Atoi(m[1])
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGTERM) })
	info, ok := liveSandbox(dir)
	if !ok || info.MTProto != listen {
		t.Fatalf("after alice's start sandbox.json says %q (live %v), want %s", info.MTProto, ok, listen)
	}
	bob := d.startApp(t, "--as", "bob", "--sandbox-listen", listen)
	if log := bob.stderr.String(); !strings.Contains(log, "using the running sandbox") || strings.Contains(log, "started the sandbox") {
		t.Errorf("bob did not join alice's sandbox:\n%s", log)
	}
	_ = alice.cmd.Process.Signal(syscall.SIGTERM)
	cleanExit(t, alice, "alice's SIGTERM")
	if !processAlive(pid) {
		t.Fatal("the sandbox process ended with the app that started it")
	}
	if _, ok := liveSandbox(dir); !ok {
		t.Fatal("the sandbox does not answer after alice quit")
	}
	select {
	case <-bob.done:
		t.Fatalf("bob's app ended with alice's: %v\n%s", bob.err, bob.stderr)
	default:
	}
	// A new app still finds it.
	third := d.startApp(t, "--as", "private", "--sandbox-listen", listen)
	if !strings.Contains(third.stderr.String(), "using the running sandbox") {
		t.Errorf("a third app did not find the running sandbox:\n%s", third.stderr)
	}
	for _, a := range []*appRun{bob, third} {
		_ = a.cmd.Process.Signal(syscall.SIGTERM)
		cleanExit(t, a, "SIGTERM")
	}
	if !processAlive(pid) {
		t.Fatal("the sandbox ended when the last app quit")
	}
	// Its data folder gone (a script's temporary folder), it stops by itself.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatal("the sandbox still runs 60 s after its data folder was removed")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSandboxCannotStartSaysSo: when the sandbox cannot start (its port
// taken by another program) the app says why in a window, not only on a
// terminal the user may not have, and exits 1 once it is closed.
func TestSandboxCannotStartSaysSo(t *testing.T) {
	d, _ := withData(t, startDesktop(t))
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	a := d.launchApp(t, "--as", "bob", "--sandbox-listen", taken.Addr().String())
	w, err := d.x.find("tgphone: the sandbox cannot start", 60*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, a.stderr)
	}
	if err := d.x.closeWindow(w); err != nil {
		t.Fatal(err)
	}
	if code := a.exit(t); code != 1 {
		t.Errorf("exit status %d, want 1:\n%s", code, a.stderr)
	}
	if log := a.stderr.String(); !strings.Contains(log, "Another program is using "+taken.Addr().String()) {
		t.Errorf("the reason is not given in words:\n%s", log)
	}
}
