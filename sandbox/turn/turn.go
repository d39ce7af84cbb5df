package turn

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gotd/td/tg"
	"github.com/pion/stun/v3"
	pionturn "github.com/pion/turn/v4"
)

// Realm is the TURN realm of the sandbox.
const Realm = "tgphone.sandbox"

// entryID is the phoneConnectionWebrtc id of the sandbox's server.
const entryID = 1

// Options configure a Server.
type Options struct {
	// Addr is the UDP address to listen on; "127.0.0.1:0" when empty. Only
	// loopback addresses are accepted: the sandbox never opens the machine.
	Addr   string
	Logger *slog.Logger
	// RefusePermission, when set, refuses CreatePermission and
	// ChannelBind for the peer IPs it returns true for, as a server whose
	// policy forbids a peer does (tests of the clients' handling).
	RefusePermission func(peer net.IP) bool
	// FailPermissions answers the first so many CreatePermission requests,
	// and as many ChannelBind requests, 508 Insufficient Capacity, as a
	// server short of resources for a while does.
	FailPermissions int
}

// Server is a TURN+STUN server relaying only on loopback.
type Server struct {
	log    *slog.Logger
	conn   *pausableConn
	server *pionturn.Server
	secret [32]byte

	refused atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

// New listens and starts serving at once; Run only ties the lifetime to a context.
func New(opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("turn listen address %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("turn listen address %q: not a loopback IP", addr)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{log: logger.With("component", "turn")}
	if _, err := rand.Read(s.secret[:]); err != nil {
		return nil, fmt.Errorf("turn secret: %w", err)
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("turn listen %s: %w", addr, err)
	}
	s.conn = &pausableConn{PacketConn: pc}
	s.conn.failPerm.Store(int64(opts.FailPermissions))
	s.conn.failBind.Store(int64(opts.FailPermissions))
	var permit pionturn.PermissionHandler
	if refuse := opts.RefusePermission; refuse != nil {
		permit = func(_ net.Addr, peer net.IP) bool {
			if refuse(peer) {
				s.refused.Add(1)
				return false
			}
			return true
		}
	}
	s.server, err = pionturn.NewServer(pionturn.ServerConfig{
		Realm:       Realm,
		AuthHandler: s.auth,
		PacketConnConfigs: []pionturn.PacketConnConfig{{
			PacketConn: s.conn,
			// Relayed addresses stay on the listening loopback IP.
			RelayAddressGenerator: &pionturn.RelayAddressGeneratorStatic{
				RelayAddress: ip,
				Address:      ip.String(),
			},
			PermissionHandler: permit,
		}},
	})
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("turn server: %w", err)
	}
	s.log.Info("turn server listening", "addr", pc.LocalAddr().String())
	return s, nil
}

// Run serves until ctx ends, then closes the server.
func (s *Server) Run(ctx context.Context) error {
	<-ctx.Done()
	return s.Close()
}

// Close stops the server and frees its port.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.server.Close() })
	return s.closeErr
}

// Addr is the UDP address clients reach the server at.
func (s *Server) Addr() *net.UDPAddr {
	return s.conn.LocalAddr().(*net.UDPAddr)
}

// SetPaused drops (true) or serves again (false) every incoming packet, to
// simulate a relay outage without losing allocations.
func (s *Server) SetPaused(paused bool) { s.conn.paused.Store(paused) }

// Refused counts the peers refused (Options.RefusePermission), one per
// peer a CreatePermission or ChannelBind names.
func (s *Server) Refused() uint64 { return s.refused.Load() }

// PeerData counts the Send indications and ChannelData clients sent.
func (s *Server) PeerData() uint64 { return s.conn.peerData.Load() }

// Failed counts the requests answered 508 (Options.FailPermissions).
func (s *Server) Failed() uint64 { return s.conn.failed.Load() }

// Dropped counts packets discarded while paused.
func (s *Server) Dropped() uint64 { return s.conn.dropped.Load() }

// Credentials returns the TURN username and password for one call.
func (s *Server) Credentials(callID int64) (username, password string) {
	username = "call" + strconv.FormatInt(callID, 10)
	return username, s.password(username)
}

func (s *Server) password(username string) string {
	m := hmac.New(sha256.New, s.secret[:])
	m.Write([]byte(username))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// WebRTCServers is the sandbox.Options.WebRTCServers hook: a TURN entry with
// this call's credentials and a STUN entry on the same port.
func (s *Server) WebRTCServers(callID int64) []tg.PhoneConnectionWebrtc {
	user, pass := s.Credentials(callID)
	a := s.Addr()
	ip, ip6 := "", ""
	if a.IP.To4() != nil {
		ip = a.IP.String()
	} else {
		ip6 = a.IP.String()
	}
	return []tg.PhoneConnectionWebrtc{
		{Turn: true, ID: entryID, IP: ip, Ipv6: ip6, Port: a.Port, Username: user, Password: pass},
		{Stun: true, ID: entryID + 1, IP: ip, Ipv6: ip6, Port: a.Port},
	}
}

// auth accepts exactly the usernames Credentials hands out.
func (s *Server) auth(username, realm string, src net.Addr) ([]byte, bool) {
	id, ok := strings.CutPrefix(username, "call")
	if !ok {
		s.log.Warn("turn auth: unknown username form", "src", src.String())
		return nil, false
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		s.log.Warn("turn auth: bad call id", "src", src.String())
		return nil, false
	}
	return pionturn.GenerateAuthKey(username, realm, s.password(username)), true
}

// pausableConn discards reads while paused; allocations and permissions on
// the server survive, so resuming restores the relay like a network outage ends.
type pausableConn struct {
	net.PacketConn
	paused   atomic.Bool
	dropped  atomic.Uint64
	peerData atomic.Uint64

	failPerm, failBind atomic.Int64 // requests still to answer 508
	failed             atomic.Uint64
}

func (c *pausableConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil || !c.paused.Load() {
			if err == nil && isPeerData(p[:n]) {
				c.peerData.Add(1)
			}
			if err == nil && c.fail(p[:n], addr) {
				continue
			}
			return n, addr, err
		}
		c.dropped.Add(1)
	}
}

// fail answers a CreatePermission or ChannelBind request 508 while
// FailPermissions lasts, and reports it answered.
func (c *pausableConn) fail(b []byte, from net.Addr) bool {
	if !stun.IsMessage(b) {
		return false
	}
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if m.Decode() != nil || m.Type.Class != stun.ClassRequest {
		return false
	}
	var left *atomic.Int64
	switch m.Type.Method {
	case stun.MethodCreatePermission:
		left = &c.failPerm
	case stun.MethodChannelBind:
		left = &c.failBind
	default:
		return false
	}
	if left.Add(-1) < 0 {
		left.Store(-1)
		return false
	}
	resp, err := stun.Build(stun.NewTransactionIDSetter(m.TransactionID),
		stun.NewType(m.Type.Method, stun.ClassErrorResponse), stun.CodeInsufficientCapacity, stun.Fingerprint)
	if err != nil {
		return false
	}
	c.failed.Add(1)
	_, _ = c.PacketConn.WriteTo(resp.Raw, from)
	return true
}

// isPeerData reports ChannelData (first two bits 01) or a STUN Send
// indication (type 0x0016 with STUN's magic cookie).
func isPeerData(b []byte) bool {
	if len(b) >= 4 && b[0]&0xc0 == 0x40 {
		return true
	}
	return len(b) >= 20 && b[0] == 0x00 && b[1] == 0x16 &&
		b[4] == 0x21 && b[5] == 0x12 && b[6] == 0xa4 && b[7] == 0x42
}

func (c *pausableConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.paused.Load() {
		c.dropped.Add(1)
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}
