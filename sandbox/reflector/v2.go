package reflector

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/tgphone/tgphone/wire"
)

// The V2 reflector protocol, as tgcalls' ReflectorPort speaks it
// (telegram-calls.md §6.4; tgcalls v2/ReflectorPort.cpp, v2/RawTcpSocket.cpp).
// Each client port has its own 16-byte tag: the call's peer tag with the last
// 4 bytes replaced by a random port tag. A port registers its tag with a
// hello; a data packet names the target port's tag and the sender's port tag
// and is forwarded, unchanged, to whoever registered the target tag.
//
//	UDP hello: tag ‖ FF×12 ‖ FE FF FF FF ‖ uint64 BE 123 (answered with self-info)
//	TCP hello: tag ‖ 00 00 00 00
//	data:      target tag ‖ sender port tag(4) ‖ length uint32 BE ‖ payload ‖ pad to 4
//	TCP:       EE EE EE EE, then per packet uint32 LE length ‖ packet
//
// Telling it from libtgvoip's framing on the same UDP socket: a V2 hello is
// a self-info request whose query id is 123 big-endian (libtgvoip's are
// random), and a V2 data packet's target or sender tag is a registered V2
// port's.

const (
	v2HelloLen   = 40
	v2TCPHello   = 20
	v2DataHead   = 24
	v2QueryID    = 123
	maxV2Ports   = 4096 // registrations kept; more are refused
	maxTCPPacket = 64 * 1024
	tcpWriteWait = time.Second
)

var tcpPrologue = [4]byte{0xee, 0xee, 0xee, 0xee}

// endpoint is where a V2 port is reached: a UDP address or a TCP client.
type endpoint struct {
	udp netip.AddrPort
	tcp *tcpClient
}

// tcpClient is one TCP connection to the relay.
type tcpClient struct {
	conn net.Conn
	mu   sync.Mutex
}

func (c *tcpClient) write(pkt []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(tcpWriteWait))
	frame := binary.LittleEndian.AppendUint32(make([]byte, 0, 4+len(pkt)), uint32(len(pkt)))
	_, err := c.conn.Write(append(frame, pkt...))
	return err
}

func isV2Hello(b []byte) bool {
	return len(b) == v2HelloLen && allFF(b[16:28]) && [4]byte(b[28:32]) == [4]byte{0xfe, 0xff, 0xff, 0xff} &&
		binary.BigEndian.Uint64(b[32:40]) == v2QueryID
}

func allFF(b []byte) bool {
	for _, c := range b {
		if c != 0xff {
			return false
		}
	}
	return true
}

// v2Key is the stats key of a V2 port's call: its tag without the port tag.
func v2Key(tag [16]byte) wire.Tag {
	clear(tag[12:])
	return wire.Tag(tag)
}

// handleV2 handles b if it is V2 reflector traffic; false leaves a UDP
// datagram to the libtgvoip logic. Everything from a TCP client is V2.
func (r *Relay) handleV2(b []byte, from endpoint, now time.Time) ([]out, bool) {
	if len(b) < 16 {
		return nil, from.tcp != nil
	}
	tag := [16]byte(b[:16])
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case isV2Hello(b):
		st := r.v2Stats(tag, now)
		if now.Before(r.pausedUntil) {
			st.Dropped++
			return nil, true
		}
		r.registerV2(tag, from)
		st.SelfInfo++
		if from.tcp != nil {
			return nil, true
		}
		q := int64(binary.LittleEndian.Uint64(b[32:40]))
		return []out{{b: wire.AppendSelfInfoReply(nil, wire.Tag(tag), int32(now.Unix()), q, from.udp), to: from.udp}}, true
	case from.tcp != nil && len(b) == v2TCPHello && [4]byte(b[16:20]) == [4]byte{}:
		st := r.v2Stats(tag, now)
		if now.Before(r.pausedUntil) {
			st.Dropped++
			return nil, true
		}
		r.registerV2(tag, from)
		return nil, true
	case len(b) > v2DataHead && !(len(b) >= 28 && allFF(b[16:28])):
		sender := tag
		copy(sender[12:], b[16:20])
		dst, okDst := r.v2[tag]
		_, okSrc := r.v2[sender]
		if !okDst && !okSrc && from.tcp == nil {
			return nil, false
		}
		st := r.v2Stats(tag, now)
		if now.Before(r.pausedUntil) {
			st.Dropped++
			return nil, true
		}
		r.registerV2(sender, from)
		n := binary.BigEndian.Uint32(b[20:24])
		if !okDst || uint64(n) > uint64(len(b)-v2DataHead) {
			st.Dropped++
			return nil, true
		}
		st.Forwarded++
		st.BytesFwd += uint64(n)
		return []out{{b: append([]byte(nil), b...), to: dst.udp, tcp: dst.tcp}}, true
	}
	if from.tcp != nil {
		r.v2Stats(tag, now).Dropped++
		return nil, true
	}
	return nil, false
}

// v2Stats is the counters of tag's call, counting one packet in.
func (r *Relay) v2Stats(tag [16]byte, now time.Time) *CallStats {
	key := v2Key(tag)
	c := r.calls[key]
	if c == nil {
		if r.calls == nil {
			r.calls = map[wire.Tag]*call{}
		}
		c = &call{}
		r.calls[key] = c
	}
	c.st.PacketsIn++
	c.st.LastActive = now
	return &c.st
}

// registerV2 records where tag's port is now (it may have moved).
func (r *Relay) registerV2(tag [16]byte, at endpoint) {
	if r.v2 == nil {
		r.v2 = map[[16]byte]endpoint{}
	}
	if _, ok := r.v2[tag]; !ok && len(r.v2) >= maxV2Ports {
		return
	}
	r.v2[tag] = at
}

// forgetTCP drops the registrations of a closed TCP client.
func (r *Relay) forgetTCP(c *tcpClient) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, e := range r.v2 {
		if e.tcp == c {
			delete(r.v2, k)
		}
	}
}

// TCPAddr is the TCP listener's address (same port as UDP), or the zero
// value when the relay does not listen on TCP.
func (r *Relay) TCPAddr() netip.AddrPort {
	if r.tcp == nil {
		return netip.AddrPort{}
	}
	return r.tcp.Addr().(*net.TCPAddr).AddrPort()
}

// serveTCP accepts V2 TCP clients until ctx ends.
func (r *Relay) serveTCP(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	stop := context.AfterFunc(ctx, func() {
		_ = r.tcp.Close()
		mu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	for {
		conn, err := r.tcp.Accept()
		if err != nil {
			return
		}
		mu.Lock()
		if ctx.Err() != nil {
			mu.Unlock()
			_ = conn.Close()
			return
		}
		conns[conn] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.serveTCPConn(conn)
			if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				r.log.Debug("reflector tcp client", "remote", conn.RemoteAddr(), "err", err)
			}
			mu.Lock()
			delete(conns, conn)
			mu.Unlock()
			_ = conn.Close()
		}()
	}
}

func (r *Relay) serveTCPConn(conn net.Conn) error {
	c := &tcpClient{conn: conn}
	defer r.forgetTCP(c)
	br := bufio.NewReader(conn)
	var pro [4]byte
	if _, err := io.ReadFull(br, pro[:]); err != nil {
		return err
	}
	if pro != tcpPrologue {
		return fmt.Errorf("not the V2 reflector TCP framing (%x)", pro)
	}
	buf := make([]byte, maxTCPPacket)
	for {
		var h [4]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return err
		}
		n := binary.LittleEndian.Uint32(h[:])
		if n > maxTCPPacket {
			return fmt.Errorf("frame of %d bytes", n)
		}
		if _, err := io.ReadFull(br, buf[:n]); err != nil {
			return err
		}
		outs, _ := r.handleV2(buf[:n], endpoint{tcp: c}, time.Now())
		r.send(outs)
	}
}

// send delivers the relay's output.
func (r *Relay) send(outs []out) {
	for _, o := range outs {
		if o.tcp != nil {
			if err := o.tcp.write(o.b); err != nil {
				r.log.Debug("reflector tcp write", "err", err)
			}
			continue
		}
		if _, err := r.conn.WriteToUDPAddrPort(o.b, o.to); err != nil {
			r.log.Debug("reflector write", "to", o.to, "err", err)
		}
	}
}
