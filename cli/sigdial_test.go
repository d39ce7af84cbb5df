package cli

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDialSignalWaitsForListener: the dialling side of `tgphone media
// --signal unix:PATH` started before its peer has made the socket (no file
// yet, then a stale file with nobody behind it) connects once the peer
// listens, instead of failing at once as it did when a loaded machine
// started the two sides in the other order.
func TestDialSignalWaitsForListener(t *testing.T) {
	for _, stale := range []bool{false, true} {
		name := "no socket yet"
		if stale {
			name = "stale socket file"
		}
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sig")
			if stale {
				ln, err := net.Listen("unix", path)
				if err != nil {
					t.Fatal(err)
				}
				ln.(*net.UnixListener).SetUnlinkOnClose(false)
				ln.Close() // the file stays, nobody listens
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				c   net.Conn
				err error
			}
			retrying := make(chan struct{}, 1)
			dialRetrying = func() {
				select {
				case retrying <- struct{}{}:
				default:
				}
			}
			defer func() { dialRetrying = nil }()
			done := make(chan result, 1)
			go func() {
				c, err := dialUnixWaiting(ctx, path, time.Millisecond)
				done <- result{c, err}
			}()
			// The listener appears only after the dial has found nobody.
			select {
			case <-retrying:
			case r := <-done:
				t.Fatalf("the dial ended before anyone listened: %v", r.err)
			}
			if stale {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			}
			ln, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			accepted := make(chan net.Conn, 1)
			go func() {
				if c, err := ln.Accept(); err == nil {
					accepted <- c
				}
			}()
			select {
			case r := <-done:
				if r.err != nil {
					t.Fatalf("dial: %v", r.err)
				}
				r.c.Close()
			case <-time.After(time.Minute): // a hang, not a measure of speed
				t.Fatal("the dial did not connect once the listener was up")
			}
			select {
			case c := <-accepted:
				c.Close()
			case <-time.After(time.Minute):
				t.Fatal("the listener saw no connection")
			}
		})
	}
}

// TestDialSignalGivesUp: with nobody ever listening the dial ends with the
// context, and says where it waited; an error other than "nobody there yet"
// ends it at once.
func TestDialSignalGivesUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sig")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := dialUnixWaiting(ctx, path, time.Millisecond)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), path) {
		t.Fatalf("cancelled dial: %v, want context.Canceled naming %s", err, path)
	}
	// A regular file where the socket should be: not a socket, so no wait.
	file := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = dialUnixWaiting(context.Background(), file, time.Millisecond)
	if err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("dial to a regular file: %v, want the connect error", err)
	}
}
