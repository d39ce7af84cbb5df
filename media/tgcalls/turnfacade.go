package tgcalls

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/stun/v3"
)

// udpFacade is a UDP reflector as pion's TURN client sees it: the client's
// socket (a lazyConn's target), with the TURN server behind it answered in
// place. A request the client writes is answered into the queue its next
// read returns; data the client writes to a peer goes out on the reflector
// port at once, on the writing goroutine; the client's read of data reads
// the port's socket itself. So a datagram each way crosses no goroutine of
// ours and no in-process TURN server, whose reading goroutine and datagram
// pipe cost two hand-offs between goroutines per packet (each often a
// thread's wake-up, on the README's 2-core machine more CPU than the
// packet's work).
//
// It speaks the part of TURN (RFC 8656) pion's client uses: Allocate with
// the long-term credential (reflectorUser, the peer tag in hex as password;
// answered once the reflector has answered the port, or refused after
// reflectorReadyWait), Refresh, CreatePermission, ChannelBind, Send
// indications and ChannelData; Data indications and ChannelData back.
// Permissions and lifetimes are not enforced: the only peers are the
// reflector's, which the port alone reaches.
type udpFacade struct {
	port   *reflectorPort
	ctx    context.Context
	server net.Addr // the synthetic TURN address: where reads come from
	mapped *net.UDPAddr
	realm  stun.Realm
	nonce  stun.Nonce
	user   stun.Username
	key    stun.MessageIntegrity

	mu       sync.Mutex
	channels map[uint16]*net.UDPAddr
	byPeer   map[netip.AddrPort]uint16

	answers chan []byte
	done    chan struct{}
	once    sync.Once

	ind stun.Message // the reader's, for Data indications
}

// facadeAnswers bounds answers waiting for the client's read; the client
// has a handful of transactions open at most, and retransmits a lost one.
const facadeAnswers = 32

func newUDPFacade(ctx context.Context, port *reflectorPort, server, local net.Addr) *udpFacade {
	f := &udpFacade{port: port, ctx: ctx, server: server,
		realm: stun.NewRealm(reflectorRealm), user: stun.NewUsername(reflectorUser),
		key:      stun.NewLongTermIntegrity(reflectorUser, reflectorRealm, hex.EncodeToString(port.srv.peerTag[:])),
		channels: map[uint16]*net.UDPAddr{}, byPeer: map[netip.AddrPort]uint16{},
		answers: make(chan []byte, facadeAnswers), done: make(chan struct{})}
	if ua, ok := local.(*net.UDPAddr); ok {
		f.mapped = ua
	} else {
		f.mapped = &net.UDPAddr{IP: net.IPv4zero}
	}
	var n [12]byte
	if _, err := rand.Read(n[:]); err == nil {
		f.nonce = stun.NewNonce(hex.EncodeToString(n[:]))
	} else {
		f.nonce = stun.NewNonce("tgphone-reflector-nonce")
	}
	return f
}

// WriteTo takes one datagram from pion's TURN client.
func (f *udpFacade) WriteTo(b []byte, _ net.Addr) (int, error) {
	select {
	case <-f.done:
		return 0, net.ErrClosed
	default:
	}
	switch {
	case len(b) >= 4 && b[0]&0xc0 == 0x40: // ChannelData
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if 4+n > len(b) {
			return len(b), nil
		}
		f.mu.Lock()
		peer := f.channels[binary.BigEndian.Uint16(b[0:2])]
		f.mu.Unlock()
		if peer != nil {
			if _, err := f.port.WriteTo(b[4:4+n], peer); err != nil {
				return 0, err
			}
		}
	case stun.IsMessage(b):
		m := &stun.Message{Raw: append([]byte(nil), b...)}
		if err := m.Decode(); err != nil {
			return len(b), nil
		}
		if err := f.handle(m); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

func (f *udpFacade) handle(m *stun.Message) error {
	if m.Type.Class == stun.ClassIndication {
		if m.Type.Method != stun.MethodSend {
			return nil
		}
		var peer stun.XORMappedAddress
		data, err := m.Get(stun.AttrData)
		if err != nil || peer.GetFromAs(m, stun.AttrXORPeerAddress) != nil {
			return nil
		}
		_, err = f.port.WriteTo(data, &net.UDPAddr{IP: peer.IP, Port: peer.Port})
		return err
	}
	if m.Type.Class != stun.ClassRequest {
		return nil
	}
	switch m.Type.Method {
	case stun.MethodBinding:
		f.answer(m, &stun.XORMappedAddress{IP: f.mapped.IP, Port: f.mapped.Port})
		return nil
	case stun.MethodAllocate, stun.MethodRefresh, stun.MethodCreatePermission, stun.MethodChannelBind:
	default:
		f.refuse(m, stun.CodeBadRequest)
		return nil
	}
	var user stun.Username
	if user.GetFrom(m) != nil || user.String() != reflectorUser || f.key.Check(m) != nil {
		f.refuse(m, stun.CodeUnauthorized, &f.realm, &f.nonce)
		return nil
	}
	switch m.Type.Method {
	case stun.MethodAllocate:
		// Answered once the reflector has answered the port, as the
		// in-process TURN server's relay did; a retransmission meanwhile
		// waits likewise.
		if f.port.isReady() {
			f.allocated(m)
			return nil
		}
		go func() {
			t := time.NewTimer(reflectorReadyWait)
			defer t.Stop()
			select {
			case <-f.port.ready:
				f.allocated(m)
			case <-t.C:
				f.refuse(m, stun.CodeInsufficientCapacity)
			case <-f.done:
			case <-f.ctx.Done():
			}
		}()
	case stun.MethodRefresh:
		lifetime := lifetimeOf(m)
		f.answer(m, lifetimeAttr(lifetime), f.key)
	case stun.MethodCreatePermission:
		f.answer(m, f.key)
	case stun.MethodChannelBind:
		ch, err := m.Get(stun.AttrChannelNumber)
		var peer stun.XORMappedAddress
		if err != nil || len(ch) != 4 || peer.GetFromAs(m, stun.AttrXORPeerAddress) != nil {
			f.refuse(m, stun.CodeBadRequest)
			return nil
		}
		num := binary.BigEndian.Uint16(ch)
		if num < 0x4000 || num > 0x4fff {
			f.refuse(m, stun.CodeBadRequest)
			return nil
		}
		pa := &net.UDPAddr{IP: peer.IP, Port: peer.Port}
		f.mu.Lock()
		f.channels[num] = pa
		f.byPeer[pa.AddrPort()] = num
		f.mu.Unlock()
		f.answer(m, f.key)
	}
	return nil
}

func (f *udpFacade) allocated(m *stun.Message) {
	relay := f.port.laddr
	f.answer(m,
		xorAddrAttr{stun.AttrXORRelayedAddress, relay.IP, relay.Port},
		&stun.XORMappedAddress{IP: f.mapped.IP, Port: f.mapped.Port},
		lifetimeAttr(lifetimeOf(m)), f.key)
}

// lifetimeOf is the lifetime a request asks for, or TURN's default.
func lifetimeOf(m *stun.Message) uint32 {
	if v, err := m.Get(stun.AttrLifetime); err == nil && len(v) == 4 {
		return binary.BigEndian.Uint32(v)
	}
	return 600
}

type lifetimeAttr uint32

func (l lifetimeAttr) AddTo(m *stun.Message) error {
	m.Add(stun.AttrLifetime, binary.BigEndian.AppendUint32(nil, uint32(l)))
	return nil
}

type xorAddrAttr struct {
	t    stun.AttrType
	ip   net.IP
	port int
}

func (a xorAddrAttr) AddTo(m *stun.Message) error {
	return stun.XORMappedAddress{IP: a.ip, Port: a.port}.AddToAs(m, a.t)
}

// answer queues a success response to req for the client's next read.
func (f *udpFacade) answer(req *stun.Message, attrs ...stun.Setter) {
	setters := append([]stun.Setter{stun.NewTransactionIDSetter(req.TransactionID),
		stun.NewType(req.Type.Method, stun.ClassSuccessResponse)}, attrs...)
	f.queue(append(setters, stun.Fingerprint)...)
}

// refuse queues an error response to req.
func (f *udpFacade) refuse(req *stun.Message, code stun.ErrorCode, attrs ...stun.Setter) {
	setters := append([]stun.Setter{stun.NewTransactionIDSetter(req.TransactionID),
		stun.NewType(req.Type.Method, stun.ClassErrorResponse), code}, attrs...)
	f.queue(append(setters, stun.Fingerprint)...)
}

func (f *udpFacade) queue(setters ...stun.Setter) {
	m, err := stun.Build(setters...)
	if err != nil {
		return
	}
	select {
	case f.answers <- m.Raw:
	default:
		return // the client retransmits
	}
	f.port.interrupt()
}

// ReadFrom returns the next answer or peer datagram, as from the TURN
// server. Only pion's TURN client's one reading goroutine calls it.
func (f *udpFacade) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		select {
		case a := <-f.answers:
			return copy(b, a), f.server, nil
		case <-f.done:
			return 0, nil, net.ErrClosed
		default:
		}
		payload, from, err := f.port.readDatagram()
		switch {
		case errors.Is(err, errInterrupted):
			continue
		case err != nil:
			return 0, nil, err
		}
		f.mu.Lock()
		ch, bound := f.byPeer[from.AddrPort()]
		f.mu.Unlock()
		if bound {
			if len(b) < 4+len(payload) {
				continue
			}
			binary.BigEndian.PutUint16(b[0:2], ch)
			binary.BigEndian.PutUint16(b[2:4], uint16(len(payload)))
			return 4 + copy(b[4:], payload), f.server, nil
		}
		m := &f.ind
		m.Reset()
		if err := m.Build(stun.TransactionID, stun.NewType(stun.MethodData, stun.ClassIndication),
			xorAddrAttr{stun.AttrXORPeerAddress, from.IP, from.Port}, dataAttr(payload)); err != nil {
			continue
		}
		if len(b) < len(m.Raw) {
			continue
		}
		return copy(b, m.Raw), f.server, nil
	}
}

type dataAttr []byte

func (d dataAttr) AddTo(m *stun.Message) error {
	m.Add(stun.AttrData, d)
	return nil
}

func (f *udpFacade) Close() error {
	f.once.Do(func() { close(f.done); f.port.interrupt() })
	return nil
}

func (f *udpFacade) LocalAddr() net.Addr              { return f.mapped }
func (f *udpFacade) SetDeadline(time.Time) error      { return nil }
func (f *udpFacade) SetReadDeadline(time.Time) error  { return nil }
func (f *udpFacade) SetWriteDeadline(time.Time) error { return nil }
