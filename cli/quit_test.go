package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestMain lets this test binary be tgphone itself, for the tests that run
// the real app in a child process (TGPHONE_TEST_AS_APP=1): no separate
// build, and the app is the code under test.
func TestMain(m *testing.M) {
	if os.Getenv("TGPHONE_TEST_AS_APP") == "1" {
		os.Exit(Main(append([]string{"tgphone"}, os.Args[1:]...), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// desktop is an Xvfb display and a sandbox for running the real app.
type desktop struct {
	display string
	x       *x11
	env     []string
	stack   string // the sandbox's data folder
}

// startDesktop starts Xvfb and a sandbox the apps find in their data
// folder; it skips the test when Xvfb is not installed.
func startDesktop(t *testing.T) *desktop {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real app under Xvfb")
	}
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("Xvfb not installed (scripts/deps.sh test installs xvfb)")
	}
	var display string
	for n := 150 + os.Getpid()%50; ; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); os.IsNotExist(err) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); os.IsNotExist(err) {
				display = ":" + strconv.Itoa(n)
				break
			}
		}
	}
	x := exec.Command(xvfb, display, "-screen", "0", "1024x768x24", "-nolisten", "tcp")
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = x.Process.Kill()
		_ = x.Wait()
	})
	var conn *x11
	deadline := time.Now().Add(10 * time.Second)
	for conn == nil {
		conn, err = dialX11(display)
		if err != nil {
			if time.Now().After(deadline) {
				t.Fatalf("Xvfb %s: %v", display, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Cleanup(func() { _ = conn.Close() })

	home := t.TempDir()
	data := filepath.Join(home, "data")
	stackDir := filepath.Join(data, "tgphone", "sandbox")
	ctx, cancel := context.WithCancel(context.Background())
	st, err := startStack(ctx, stackConfig{listen: "127.0.0.1:0", dataDir: stackDir}, newLogger(io.Discard, 0))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-st.done
	})
	runtime := filepath.Join(home, "run")
	if err := os.MkdirAll(runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TGPHONE_TEST_AS_APP=1", "DISPLAY="+display,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_DATA_HOME="+data,
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"), "XDG_RUNTIME_DIR="+runtime)
	return &desktop{display: display, x: conn, env: env, stack: stackDir}
}

// appRun is one run of the real app.
type appRun struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// startApp runs tgphone with args and waits for its contacts.
func (d *desktop) startApp(t *testing.T, args ...string) *appRun {
	t.Helper()
	a := d.launchApp(t, args...)
	deadline := time.After(60 * time.Second)
	for !strings.Contains(a.stderr.String(), "contacts shown") {
		select {
		case <-a.done:
			t.Fatalf("the app exited before showing contacts: %v\n%s", a.err, a.stderr)
		case <-deadline:
			t.Fatalf("the app showed no contacts in 60 s:\n%s", a.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return a
}

// launchApp runs tgphone with args on the desktop; the test's end kills it
// if it is still running.
func (d *desktop) launchApp(t *testing.T, args ...string) *appRun {
	t.Helper()
	a := &appRun{stderr: &syncBuffer{}, done: make(chan struct{})}
	a.cmd = exec.Command(os.Args[0], args...)
	a.cmd.Env = d.env
	a.cmd.Stderr = a.stderr
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		a.err = a.cmd.Wait()
		close(a.done)
	}()
	t.Cleanup(func() {
		select {
		case <-a.done:
		default:
			_ = a.cmd.Process.Kill()
			<-a.done
		}
	})
	return a
}

// exit waits for the app to end and returns its exit status.
func (a *appRun) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-a.done:
	case <-time.After(20 * time.Second):
		_ = a.cmd.Process.Signal(syscall.SIGQUIT) // a goroutine dump, to see where it hangs
		<-a.done
		t.Fatalf("the app did not exit in 20 s:\n%s", a.stderr)
	}
	return a.cmd.ProcessState.ExitCode()
}

// quitPaths are the ways a user ends the app that a test can drive; the
// tray's Quit needs a status notifier host, which Xvfb has not (the UI
// test covers it).
var quitPaths = map[string]func(t *testing.T, d *desktop, a *appRun){
	"window-close": func(t *testing.T, d *desktop, a *appRun) {
		w, err := d.x.find("tgphone — Alice Archer", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.x.closeWindow(w); err != nil {
			t.Fatal(err)
		}
	},
	"SIGTERM": func(t *testing.T, d *desktop, a *appRun) { _ = a.cmd.Process.Signal(syscall.SIGTERM) },
	"SIGINT":  func(t *testing.T, d *desktop, a *appRun) { _ = a.cmd.Process.Signal(syscall.SIGINT) },
}

// cleanExit fails the test unless the app exited 0 without Fyne's
// threading warnings or a panic.
func cleanExit(t *testing.T, a *appRun, how string) bool {
	t.Helper()
	code := a.exit(t)
	log := a.stderr.String()
	for _, bad := range []string{"panic:", "not migrated to the fyne.Do", "Error in Fyne call thread", "GLFW library is not initialized"} {
		if strings.Contains(log, bad) {
			t.Errorf("%s: exit status %d, the log says %q:\n%s", how, code, bad, log)
			return false
		}
	}
	if code != 0 {
		t.Errorf("%s: exit status %d:\n%s", how, code, log)
		return false
	}
	return true
}

// TestQuitIsClean runs the real app under Xvfb and quits it by closing its
// window, by SIGTERM and by SIGINT, each TGPHONE_QUIT_RUNS times (3 unless
// set): every quit must exit 0 with no panic. Quitting used to panic 4–8
// times in 10 ("The GLFW library is not initialized"): the app called
// Quit from a goroutine after Fyne had shut GLFW down.
func TestQuitIsClean(t *testing.T) {
	d := startDesktop(t)
	runs := 3
	if n, err := strconv.Atoi(os.Getenv("TGPHONE_QUIT_RUNS")); err == nil && n > 0 {
		runs = n
	}
	for _, how := range []string{"window-close", "SIGTERM", "SIGINT"} {
		t.Run(how, func(t *testing.T) {
			clean := 0
			for i := range runs {
				a := d.startApp(t, "--as", "alice")
				quitPaths[how](t, d, a)
				if cleanExit(t, a, fmt.Sprintf("%s run %d", how, i+1)) {
					clean++
				}
			}
			t.Logf("%s: %d of %d quits exited 0 cleanly", how, clean, runs)
		})
	}
}

// TestSignalHangsUpFirst: SIGTERM while a call rings hangs it up before
// the app exits, so the caller hears "busy" at once instead of ringing on
// to the timeout, and the app still exits 0.
func TestSignalHangsUpFirst(t *testing.T) {
	d := startDesktop(t)
	info, err := sandbox.ReadInfo(d.stack)
	if err != nil {
		t.Fatal(err)
	}
	bob := sandboxtest.Attach(t, info).SignIn(t, "bob")
	engines, versions, err := calling.DefaultEngines("")
	if err != nil {
		t.Fatal(err)
	}
	m := calling.NewManager(calling.Config{API: bob.API(), SelfID: bob.Self.ID, Engines: engines, Versions: versions,
		OpenAudio: calling.AudioOpener(audio.Config{Input: "silence", Output: "null", Ring: "null"}, sandboxtest.Logger())})
	m.Attach(bob.Client)
	a := d.startApp(t, "--as", "alice")
	alice, err := bob.Resolve(bob.Ctx, "@alice")
	if err != nil {
		t.Fatal(err)
	}
	call, err := m.Dial(alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.x.find("Incoming call from Bob Baker", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	cleanExit(t, a, "SIGTERM while ringing")
	select {
	case <-call.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("the caller still %s 10 s after the app quit", call.Snapshot().State)
	}
	if s := call.Snapshot(); s.State != calling.StateBusy {
		t.Errorf("the caller's call ended %s (%v), want busy: the app hung up", s.State, s.Err)
	}
	// Either Shutdown hung up ("hanging up before quitting") or the quitting
	// window did (event=user-hangup); which of the server's two answers to
	// discardCall (its reply or the phoneCallDiscarded update) came first
	// does not matter: the caller's end state above shows the server knew.
	if log := a.stderr.String(); !strings.Contains(log, "hanging up before quitting") && !strings.Contains(log, "event=user-hangup") {
		t.Errorf("the log does not say the call was hung up:\n%s", a.stderr)
	}
}
