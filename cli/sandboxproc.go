package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/ui"
)

// The apps share one sandbox, run as a process of its own (`tgphone
// sandbox`) so that no app's exit takes it away from the others: the first
// app that finds none starts it detached, in a session of its own (a Ctrl+C
// in that app's terminal does not reach it), and it keeps running after
// every app has quit, like a local server. Apps find it by sandbox.json in
// the data folder, checked for life: the process named in sandbox.pid is
// running and the address answers.

const (
	pidFile       = "sandbox.pid"
	sandboxLog    = "sandbox.log"
	lockFile      = "sandbox.lock"
	sandboxLaunch = 90 * time.Second // the child's start, @echo's sign-in included (echoStartTimeout) and a loaded machine
)

// errSandboxStart is a sandbox that could not be started; its message is
// the English sentence for the terminal, problem the same for the window
// to word in the user's language.
type errSandboxStart struct {
	sentence string
	problem  ui.SandboxProblem
	err      error
}

func (e *errSandboxStart) Error() string { return e.sentence }
func (e *errSandboxStart) Unwrap() error { return e.err }

// writePID records this process as the one serving the sandbox in dir.
func writePID(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return fmt.Errorf("sandbox pid file: %w", err)
	}
	return nil
}

// liveSandbox is the sandbox described in dir, if it is running: its
// sandbox.json reads, the process in sandbox.pid (when there is one; older
// sandboxes wrote none) is alive, and its address answers.
func liveSandbox(dir string) (sandbox.Info, bool) {
	info, err := sandbox.ReadInfo(dir)
	if err != nil {
		return info, false
	}
	if pid, err := readPID(dir); !errors.Is(err, os.ErrNotExist) && (err != nil || !processAlive(pid)) {
		return info, false
	}
	return info, reachable(info.MTProto)
}

// readPID reads dir's sandbox.pid.
func readPID(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("sandbox pid file holds %q", b)
	}
	return pid, nil
}

// processAlive tells whether pid names a running process (signal 0 checks
// without sending anything; EPERM is a live process of another user). A
// zombie, exited but not yet reaped by its parent, is not running.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: signal 0 is all there is
	}
	// "pid (comm) S …": the state follows the last ')'.
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// startLocalSandbox finds the shared sandbox in the data folder, or starts
// one listening on listen as a detached process. Apps starting at once take
// turns (a lock file), so only one of them starts it.
func startLocalSandbox(ctx context.Context, listen string, log *slog.Logger) (sandbox.Info, error) {
	dir := dataDir("sandbox")
	if info, ok := liveSandbox(dir); ok {
		log.Info("using the running sandbox", "mtproto", info.MTProto)
		return info, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sandbox.Info{}, &errSandboxStart{"tgphone cannot create its data folder " + dir + ".", ui.SandboxProblem{Step: ui.SandboxDataFolder, Path: dir}, err}
	}
	unlock, err := lockDir(ctx, dir)
	if err != nil {
		return sandbox.Info{}, &errSandboxStart{"tgphone cannot lock its data folder " + dir + ".", ui.SandboxProblem{Step: ui.SandboxLock, Path: dir}, err}
	}
	defer unlock()
	// Another app may have started it while this one waited for the lock.
	if info, ok := liveSandbox(dir); ok {
		log.Info("using the running sandbox", "mtproto", info.MTProto)
		return info, nil
	}
	if _, err := sandbox.ReadInfo(dir); err == nil {
		log.Info("replacing a stale sandbox.json: its sandbox is not running", "dir", dir)
	}
	return spawnSandbox(ctx, dir, listen, log)
}

// lockDir holds dir's lock file until unlock; it waits for another holder.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// spawnSandbox runs `tgphone sandbox` detached, its output appended to
// sandbox.log, and waits for the line it writes on --ready-fd once it
// serves (the same JSON line it prints on its own).
func spawnSandbox(ctx context.Context, dir, listen string, log *slog.Logger) (sandbox.Info, error) {
	exe, err := os.Executable()
	if err != nil {
		return sandbox.Info{}, &errSandboxStart{"tgphone cannot find its own program file to start the sandbox.", ui.SandboxProblem{Step: ui.SandboxSpawn}, err}
	}
	logPath := filepath.Join(dir, sandboxLog)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return sandbox.Info{}, &errSandboxStart{"tgphone cannot write the sandbox's log " + logPath + ".", ui.SandboxProblem{Step: ui.SandboxLog, Path: logPath}, err}
	}
	defer logf.Close()
	logStart, _ := logf.Seek(0, io.SeekEnd)
	r, w, err := os.Pipe()
	if err != nil {
		return sandbox.Info{}, &errSandboxStart{"tgphone cannot start the sandbox.", ui.SandboxProblem{Step: ui.SandboxSpawn}, err}
	}
	defer r.Close()
	cmd := exec.Command(exe, "sandbox", "--listen", listen, "--data", dir, "--ready-fd", "3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, logf, logf
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	_ = w.Close()
	if err != nil {
		return sandbox.Info{}, &errSandboxStart{"tgphone cannot start the sandbox.", ui.SandboxProblem{Step: ui.SandboxSpawn}, err}
	}
	log.Info("started the sandbox", "pid", cmd.Process.Pid, "listen", listen, "log", logPath)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // reaps it if it ends while this app runs

	type ready struct {
		line []byte
		err  error
	}
	lines := make(chan ready, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadBytes('\n')
		lines <- ready{line, err}
	}()
	var got ready
	select {
	case got = <-lines:
	case <-time.After(sandboxLaunch):
		_ = cmd.Process.Kill()
		return sandbox.Info{}, &errSandboxStart{fmt.Sprintf("The sandbox did not start within %s; its log is %s.", sandboxLaunch, logPath),
			ui.SandboxProblem{Step: ui.SandboxTimeout, Path: logPath, Wait: sandboxLaunch}, errors.New("sandbox start timed out")}
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		return sandbox.Info{}, ctx.Err()
	}
	if got.err != nil { // it exited without serving
		werr := <-exited
		why := logTail(logPath, logStart)
		log.Error("the sandbox did not start", "exit", werr, "log", why)
		if info, ok := liveSandbox(dir); ok { // one started meanwhile elsewhere
			return info, nil
		}
		return sandbox.Info{}, sandboxExited(why, listen, logPath)
	}
	var st struct {
		MTProto   string `json:"mtproto"`
		PublicKey string `json:"public_key"`
	}
	if err := json.Unmarshal(got.line, &st); err != nil || st.MTProto == "" {
		_ = cmd.Process.Kill()
		return sandbox.Info{}, &errSandboxStart{"The sandbox started but did not say where it listens; its log is " + logPath + ".",
			ui.SandboxProblem{Step: ui.SandboxNoAddress, Path: logPath}, fmt.Errorf("sandbox ready line %q: %v", got.line, err)}
	}
	info, err := sandbox.ReadInfo(dir)
	if err != nil || info.MTProto != st.MTProto {
		return sandbox.Info{}, &errSandboxStart{"The sandbox started but its sandbox.json in " + dir + " does not describe it.",
			ui.SandboxProblem{Step: ui.SandboxBadInfo, Path: dir}, fmt.Errorf("sandbox info %+v: %v", info.MTProto, err)}
	}
	return info, nil
}

// logTail is the last line the sandbox wrote to its log since offset: the
// error it exited with.
func logTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "no log"
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "no log"
	}
	b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// sandboxExited says why the sandbox exited without serving: its log's
// last line why.
func sandboxExited(why, listen, logPath string) *errSandboxStart {
	err := fmt.Errorf("sandbox: %s", why)
	if strings.Contains(why, "address already in use") {
		return &errSandboxStart{"Another program is using " + listen + ", where the sandbox listens. Stop that program, or start tgphone with --sandbox-listen 127.0.0.1:PORT to use another port.",
			ui.SandboxProblem{Step: ui.SandboxPortTaken, Listen: listen}, err}
	}
	return &errSandboxStart{"The sandbox could not start. Its log, " + logPath + ", says why.",
		ui.SandboxProblem{Step: ui.SandboxExited, Path: logPath}, err}
}
