package legacy

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// TCP relays (libtgvoip 2.4.4 falls back to them when UDP is blocked; spec
// telegram-calls.md §4.2). A TCP path carries the same tagged datagrams as
// its UDP twin, framed by wire.TCPO2.

const (
	tcpDialTimeout  = 5 * time.Second
	tcpWriteTimeout = time.Second
)

// tcpLink is one connected TCP relay. Writes come from several goroutines.
type tcpLink struct {
	mu   sync.Mutex
	conn net.Conn
	o2   *wire.TCPO2
	buf  []byte
}

func (l *tcpLink) send(b []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := l.o2.AppendFrame(l.buf[:0], b)
	if err != nil {
		return err
	}
	l.buf = f
	if err := l.conn.SetWriteDeadline(time.Now().Add(tcpWriteTimeout)); err != nil {
		return err
	}
	_, err = l.conn.Write(f)
	return err
}

// addTCPPath records a TCP relay candidate once per address.
func (e *Engine) addTCPPath(id int64, addr netip.AddrPort, tag wire.Tag) {
	for _, p := range e.tcpPaths {
		if p.addr == addr {
			return
		}
	}
	name := fmt.Sprintf("tcp relay %s", addr)
	if id != 0 {
		name = fmt.Sprintf("tcp relay %d %s", id, addr)
	}
	e.tcpPaths = append(e.tcpPaths, &path{name: name, addr: addr, tag: tag, relay: true, queries: map[int64]time.Time{}})
}

// runTCP connects to the first TCP relay that accepts, makes it the current
// path and reads from it until the connection ends; then the engine goes
// back to UDP and judges UDP again after a new self-info burst.
func (e *Engine) runTCP(ctx context.Context) {
	e.mu.Lock()
	cands := append([]*path(nil), e.tcpPaths...)
	e.mu.Unlock()
	for _, pa := range cands {
		if ctx.Err() != nil {
			return
		}
		l, err := dialTCPRelay(ctx, pa.addr)
		if err != nil {
			e.log.Info("tcp relay unreachable", "path", pa.name, "err", err)
			continue
		}
		e.serveTCP(ctx, pa, l)
		return
	}
	e.mu.Lock()
	e.rejudgeUDPLocked() // try again after another burst
	e.mu.Unlock()
}

func dialTCPRelay(ctx context.Context, addr netip.AddrPort) (*tcpLink, error) {
	d := net.Dialer{Timeout: tcpDialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("dial tcp relay: %w", err)
	}
	hdr, o2, err := wire.NewTCPO2(rand.Reader)
	if err == nil {
		_, err = conn.Write(hdr[:])
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("tcp relay header: %w", err)
	}
	return &tcpLink{conn: conn, o2: o2}, nil
}

func (e *Engine) serveTCP(ctx context.Context, pa *path, l *tcpLink) {
	e.mu.Lock()
	if ctx.Err() != nil {
		e.mu.Unlock()
		l.conn.Close()
		return
	}
	now := time.Now()
	pa.tcp, pa.lastRecv = l, now
	e.tcpLinks = append(e.tcpLinks, l)
	e.cur = pa
	e.lastInit = time.Time{} // INIT at the next tick, now over TCP
	e.log.Info("relay over tcp", "path", pa.name)
	e.mu.Unlock()

	buf := make([]byte, 1500)
	var err error
	for {
		var b []byte
		if b, err = l.o2.ReadFrame(l.conn, buf); err != nil {
			break
		}
		out, evs := e.handleTCP(pa, b, time.Now())
		e.write(out)
		for _, ev := range evs {
			e.emit(ev)
		}
	}
	l.conn.Close()
	e.mu.Lock()
	pa.tcp = nil
	e.tcpLinks = slices.DeleteFunc(e.tcpLinks, func(x *tcpLink) bool { return x == l })
	if e.cur == pa {
		e.cur = e.paths[0]
		e.pickRelayLocked(time.Now())
	}
	e.rejudgeUDPLocked()
	e.mu.Unlock()
	if ctx.Err() == nil {
		e.log.Warn("tcp relay connection ended", "path", pa.name, "err", err)
	}
}

// rejudgeUDPLocked starts a new self-info burst after which UDP is judged
// afresh (as libtgvoip's ResetUdpAvailability).
func (e *Engine) rejudgeUDPLocked() {
	e.udpChecked, e.selfInfoN, e.udpRecv = false, 0, 0
	for _, p := range e.paths {
		p.replies = 0
	}
}

// handleTCP processes one datagram read from pa's TCP connection.
func (e *Engine) handleTCP(pa *path, b []byte, now time.Time) ([]datagram, []media.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if pa.tcp == nil {
		return nil, nil
	}
	return e.handleLocked(pa, b, pa.addr, now)
}
