package netem

import (
	"io"
	"net"
	"sync"
)

// Link is a TCP path to a server that a test can cut and restore, as a
// network outage would: Cut closes every connection through it and refuses
// new ones (accepted, then closed at once, as a dead route resets them)
// until Restore.
type Link struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// NewLink listens on a loopback port and forwards to target.
func NewLink(target string) (*Link, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &Link{ln: ln, target: target, conns: map[net.Conn]bool{}}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

// Addr is where clients connect.
func (l *Link) Addr() string { return l.ln.Addr().String() }

// Cut closes every connection and refuses new ones until Restore.
func (l *Link) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = true
	for c := range l.conns {
		_ = c.Close()
	}
}

// Restore lets connections through again.
func (l *Link) Restore() {
	l.mu.Lock()
	l.cut = false
	l.mu.Unlock()
}

// Close stops listening and closes every connection.
func (l *Link) Close() error {
	err := l.ln.Close()
	l.Cut()
	l.wg.Wait()
	return err
}

func (l *Link) accept() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.serve(c)
		}()
	}
}

// track adds conns to the set, unless the link is cut.
func (l *Link) track(conns ...net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		return false
	}
	for _, c := range conns {
		l.conns[c] = true
	}
	return true
}

func (l *Link) untrack(conns ...net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range conns {
		delete(l.conns, c)
		_ = c.Close()
	}
}

func (l *Link) serve(client net.Conn) {
	if !l.track(client) {
		_ = client.Close()
		return
	}
	server, err := net.Dial("tcp", l.target)
	if err != nil {
		l.untrack(client)
		return
	}
	if !l.track(server) {
		l.untrack(client, server)
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src) // EOF, a reset and a Cut all end the connection
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	l.untrack(client, server)
	<-done
}
