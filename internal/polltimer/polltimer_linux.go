//go:build linux

package polltimer

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ticker is a timerfd read through the network poller. One goroutine at a
// time may Wait; Interrupt and Close may come from any.
type Ticker struct {
	f  *os.File
	rc syscall.RawConn
	// The read's buffer and result, kept here so the function handed to
	// RawConn.Read is made once: waiting allocates nothing.
	read   func(fd uintptr) bool
	buf    [8]byte
	errno  syscall.Errno
	closed atomic.Bool
}

// NewTicker makes a ticker that is not armed yet.
func NewTicker() (*Ticker, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("polltimer: timerfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "timerfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("polltimer: %w", err)
	}
	t := &Ticker{f: f, rc: rc}
	t.read = t.readFd
	return t, nil
}

func (t *Ticker) start(first time.Time, period time.Duration) error {
	// The timerfd counts on CLOCK_MONOTONIC, the clock of the runtime's
	// monotonic readings, whose origin Go does not expose: first is placed
	// by its distance from a reading taken just before the clock is read,
	// so it can come late by the gap between the two, never early.
	base := time.Now()
	var now unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
		return fmt.Errorf("polltimer: clock_gettime: %w", err)
	}
	at := now.Nano() + int64(max(first.Sub(base), 1))
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(at), Interval: unix.NsecToTimespec(int64(period))}
	if err := unix.TimerfdSettime(int(t.f.Fd()), unix.TFD_TIMER_ABSTIME, &spec, nil); err != nil {
		return fmt.Errorf("polltimer: timerfd_settime: %w", err)
	}
	return nil
}

// readFd reads the expiration count with a raw system call: the runtime's
// syscall accounting would wake sysmon, which this package exists to spare.
func (t *Ticker) readFd(fd uintptr) bool {
	for {
		_, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&t.buf[0])), uintptr(len(t.buf)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // not expired yet: wait in the poller
		}
		t.errno = e
		return true
	}
}

// Wait blocks until the ticker has expired since the last Wait returned
// (at once if it has). It returns ErrInterrupted after an Interrupt and
// os.ErrClosed once the ticker is closed.
func (t *Ticker) Wait() error {
	t.errno = 0
	err := t.rc.Read(t.read)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// Interrupt's doing: clear it for the next Wait.
		if err := t.f.SetReadDeadline(time.Time{}); err != nil {
			return fmt.Errorf("polltimer: %w", err)
		}
		return ErrInterrupted
	}
	if err != nil {
		if t.closed.Load() { // RawConn says "use of closed file", unwrapped
			return os.ErrClosed
		}
		return fmt.Errorf("polltimer: %w", err)
	}
	if t.errno != 0 {
		return os.NewSyscallError("read timerfd", t.errno)
	}
	return nil
}

// Interrupt makes a Wait in progress, or else the next one, return
// ErrInterrupted. An Interrupt that comes while a Wait is returning
// ErrInterrupted may be absorbed by it: a caller that interrupts to say
// something sets that first, and the waiter looks for it after every Wait.
func (t *Ticker) Interrupt() {
	_ = t.f.SetReadDeadline(aLongTimeAgo)
}

// aLongTimeAgo is a deadline already past, as net/http uses to unblock a read.
var aLongTimeAgo = time.Unix(1, 0)

// Close disarms the ticker; a Wait in progress returns os.ErrClosed.
func (t *Ticker) Close() error {
	t.closed.Store(true)
	return t.f.Close()
}
