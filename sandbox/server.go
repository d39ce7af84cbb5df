package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/mt"
	"github.com/gotd/td/proto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tmap"
)

// Options configure a Server.
type Options struct {
	// Listen is the MTProto TCP address; default "127.0.0.1:0". Loopback
	// unless the caller means otherwise.
	Listen string
	// DataDir, when set, keeps the RSA key, accounts, sign-ins and call
	// history across restarts (files 0600 in a 0700 folder).
	DataDir string
	// Logger gets the server's log; login codes are logged at INFO: that
	// is the sandbox's SMS.
	Logger *slog.Logger
	// Timeouts are the call timeouts help.getConfig announces; zero fields
	// take Telegram's defaults.
	Timeouts CallTimeouts
	// Reflectors are the UDP relays put in every confirmed call's connections.
	Reflectors []Reflector
	// WebRTCServers returns a call's STUN/TURN entries; may be nil.
	WebRTCServers func(callID int64) []tg.PhoneConnectionWebrtc
	// Key is the server's RSA key; nil loads it from DataDir or makes one.
	Key *rsa.PrivateKey
	// Rand is the randomness source; nil is crypto/rand.
	Rand io.Reader
	// Hostile, when set, makes the server send one kind of malicious value.
	Hostile Hostile
	// AskDebug makes the server ask for the debug log (need_debug) of every
	// confirmed call, as Telegram does for the calls it samples; otherwise
	// it asks only after a disconnect.
	AskDebug bool
	// CodeDelivery sends the login codes of some phone numbers (digits
	// only) another way than a message in the apps.
	CodeDelivery map[string]CodeDelivery
	// Migrate makes a phone's account live in another data centre: the
	// sandbox also listens as that DC (help.getConfig lists it) and answers
	// the phone's sign-in elsewhere with *_MIGRATE_X.
	Migrate map[string]Migration
}

// CallTimeouts are the four call timeouts of help.getConfig (spec §2.8).
type CallTimeouts struct{ Receive, Ring, Connect, Packet time.Duration }

// Telegram's values (help.getConfig on a production DC).
var defaultTimeouts = CallTimeouts{Receive: 20 * time.Second, Ring: 90 * time.Second,
	Connect: 30 * time.Second, Packet: 10 * time.Second}

// Reflector is one relay: UDP, or with TCP the relay's TCP port (tgcalls'
// V2 reflector TCP framing; a phoneConnection with the tcp flag).
type Reflector struct {
	ID   int64
	Addr netip.AddrPort
	TCP  bool
}

// Info is what a client needs to reach the sandbox.
type Info struct {
	MTProto   string `json:"mtproto"`
	DC        int    `json:"dc"`
	PublicKey string `json:"public_key"` // PKCS#1 PEM
}

// Server is the sandbox: a Telegram-compatible MTProto server.
type Server struct {
	opts     Options
	log      *slog.Logger
	rand     io.Reader
	rsa      *rsa.PrivateKey
	dc       int
	cipher   crypto.Cipher
	msgID    *proto.MessageIDGen
	types    *tmap.Map
	dispatch *tg.ServerDispatcher
	dhConfig dhConfig

	ready chan struct{}
	info  Info

	mu       sync.Mutex
	st       *state
	keys     map[[8]byte]*keyRecord
	sessions map[int64]*session
	codes    map[string]*pendingCode // by phone_code_hash
	srp      map[[8]byte]*srpSession // pending 2FA checks by auth key
	twoFA    map[[8]byte]int64       // keys that passed the code but owe a password
	logins   map[string]*loginToken  // QR tokens by hex token
	calls    map[int64]*call
	missed   map[[8]byte]*missedCalls // call updates an auth key could not be sent
	diffs    map[int64]int            // updates.getDifference answered, by user (Differences)
	// advertised is the MTProto address help.getConfig gives, when the
	// sandbox is reached through a proxy; "" is its own.
	advertised string
	timers     map[int64]*time.Timer // server-side call expiry
	nextCall   int64
	debugLogs  map[int64][]string // phone.saveCallDebug by call
	callLogs   map[int64][][]byte // phone.saveCallLog by call
	uploads    map[uploadKey]map[int][]byte
	flooded    map[floodKey]bool // flood-wait mode: methods already slowed, per session
	dcAddrs    map[int]string    // every data centre the sandbox listens as
}

// New prepares a Server; Run serves it.
func New(opts Options) (*Server, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	t := &opts.Timeouts
	for _, f := range []struct{ v, d *time.Duration }{{&t.Receive, &defaultTimeouts.Receive},
		{&t.Ring, &defaultTimeouts.Ring}, {&t.Connect, &defaultTimeouts.Connect}, {&t.Packet, &defaultTimeouts.Packet}} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		rand:      opts.Rand,
		dc:        2,
		cipher:    crypto.NewServerCipher(opts.Rand),
		msgID:     proto.NewMessageIDGen(time.Now),
		types:     tmap.New(tg.TypesMap(), mt.TypesMap(), proto.TypesMap()),
		ready:     make(chan struct{}),
		keys:      map[[8]byte]*keyRecord{},
		sessions:  map[int64]*session{},
		codes:     map[string]*pendingCode{},
		srp:       map[[8]byte]*srpSession{},
		twoFA:     map[[8]byte]int64{},
		logins:    map[string]*loginToken{},
		calls:     map[int64]*call{},
		missed:    map[[8]byte]*missedCalls{},
		timers:    map[int64]*time.Timer{},
		debugLogs: map[int64][]string{},
		callLogs:  map[int64][][]byte{},
		uploads:   map[uploadKey]map[int][]byte{},
		flooded:   map[floodKey]bool{},
	}
	for phone, m := range opts.Migrate {
		if (m.Kind != "PHONE" && m.Kind != "NETWORK" && m.Kind != "USER") || m.DC <= 0 {
			return nil, fmt.Errorf("sandbox: migration of %s: kind %q to DC %d; want PHONE, NETWORK or USER to a DC above 0", phone, m.Kind, m.DC)
		}
	}
	if opts.DataDir != "" {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("sandbox data folder: %w", err)
		}
		if err := os.Chmod(opts.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("sandbox data folder: %w", err)
		}
	}
	var err error
	if s.rsa, err = s.loadKey(); err != nil {
		return nil, err
	}
	st := newState()
	if opts.DataDir != "" {
		if st, err = loadState(opts.DataDir); err != nil {
			return nil, err
		}
	}
	s.st = st
	for _, k := range st.Keys {
		s.keys[k.Key.ID] = k
	}
	if err := s.seedDemo(); err != nil {
		return nil, err
	}
	if s.dhConfig, err = newDHConfig(s.rand); err != nil {
		return nil, err
	}
	s.dispatch = s.routes()
	return s, nil
}

// loadKey returns Options.Key, the key saved in DataDir, or a new one
// (saved when there is a DataDir, so clients' pinned keys stay valid).
func (s *Server) loadKey() (*rsa.PrivateKey, error) {
	if s.opts.Key != nil {
		return s.opts.Key, nil
	}
	path := filepath.Join(s.opts.DataDir, "server_key.pem")
	if s.opts.DataDir != "" {
		b, err := os.ReadFile(path)
		if err == nil {
			block, _ := pem.Decode(b)
			if block == nil {
				return nil, fmt.Errorf("%s: no PEM block", path)
			}
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return k, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read server key: %w", err)
		}
	}
	k, err := rsa.GenerateKey(s.rand, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate server key: %w", err)
	}
	if s.opts.DataDir != "" {
		b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
		if err := writeFileAtomic(path, b); err != nil {
			return nil, fmt.Errorf("save server key: %w", err)
		}
	}
	return k, nil
}

// Run listens and serves until ctx is done; nil on a clean stop.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("sandbox listen: %w", err)
	}
	s.info = Info{
		MTProto:   ln.Addr().String(),
		DC:        s.dc,
		PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&s.rsa.PublicKey)})),
	}
	// Other data centres (Options.Migrate) listen beside the main one on
	// the same host; they share accounts, as Telegram's DCs do.
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	extra := map[int]net.Listener{}
	for _, m := range s.opts.Migrate {
		if m.DC == s.dc || extra[m.DC] != nil {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			_ = ln.Close()
			for _, l := range extra {
				_ = l.Close()
			}
			return fmt.Errorf("sandbox listen for DC %d: %w", m.DC, err)
		}
		extra[m.DC] = l
	}
	s.mu.Lock()
	s.dcAddrs = map[int]string{s.dc: s.info.MTProto}
	for dc, l := range extra {
		s.dcAddrs[dc] = l.Addr().String()
	}
	s.mu.Unlock()
	s.log.Info("sandbox listening", "mtproto", s.info.MTProto, "data", s.opts.DataDir)
	close(s.ready)
	defer s.stopTimers()
	errs := make(chan error, len(extra))
	for dc, l := range extra {
		go func() { errs <- s.serveListener(ctx, l, dc) }()
	}
	err = s.serveListener(ctx, ln, s.dc)
	for range extra {
		if e := <-errs; err == nil {
			err = e
		}
	}
	return err
}

// Ready is closed once Run listens.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Info tells clients how to connect; valid after Ready.
func (s *Server) Info() Info { return s.info }

func (s *Server) stopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.timers {
		t.Stop()
		delete(s.timers, id)
	}
}

// WriteInfo saves info as dir/sandbox.json (0600) for clients to find.
func WriteInfo(dir string, info Info) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write sandbox info: %w", err)
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, "sandbox.json"), b)
}

// ReadInfo reads what WriteInfo saved.
func ReadInfo(dir string) (Info, error) {
	var info Info
	b, err := os.ReadFile(filepath.Join(dir, "sandbox.json"))
	if err != nil {
		return info, fmt.Errorf("read sandbox info: %w", err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("parse sandbox info: %w", err)
	}
	if info.MTProto == "" || info.PublicKey == "" {
		return info, errors.New("sandbox info incomplete")
	}
	return info, nil
}

// persist saves the state when there is a DataDir. Caller holds mu.
func (s *Server) persist() {
	if s.opts.DataDir == "" {
		return
	}
	if err := s.st.save(s.opts.DataDir); err != nil {
		s.log.Error("saving sandbox state failed", "err", err)
	}
}

func (s *Server) authKey(id [8]byte) (crypto.AuthKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return crypto.AuthKey{}, false
	}
	return k.Key, true
}

func (s *Server) addAuthKey(k crypto.AuthKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &keyRecord{Key: k, Created: time.Now()}
	s.keys[k.ID] = rec
	s.st.Keys[keyName(k.ID)] = rec
	s.persist()
}

// bindSession finds or creates the session and points it at c.
func (s *Server) bindSession(id int64, key crypto.AuthKey, c *mtConn) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.sessions[id]; ok && sess.key.ID == key.ID {
		sess.conn = c
		return sess, false
	}
	sess := &session{id: id, key: key, conn: c}
	s.sessions[id] = sess
	return sess, true
}

// dropConn forgets c; its sessions wait for their client to reconnect.
func (s *Server) dropConn(c *mtConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.sessions {
		if sess.conn == c {
			sess.conn = nil
		}
	}
}

func (s *Server) dropSession(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

// userOf is the account signed in on sess, or 0. Caller holds mu.
func (s *Server) userOf(sess *session) int64 {
	if k := s.keys[sess.key.ID]; k != nil {
		return k.UserID
	}
	return 0
}

// online reports whether any session of uid is connected. Caller holds mu.
func (s *Server) online(uid int64) bool {
	for _, sess := range s.sessions {
		if sess.conn != nil && s.userOf(sess) == uid {
			return true
		}
	}
	return false
}

// delivery is a message to send once mu is released.
type delivery struct {
	sess *session
	msg  *tg.Updates
}

// updatesFor builds the pushes of ups to every connected session of uid
// except skip. Caller holds mu.
// Keys of uid with no connected session keep the call updates for
// getDifference. Caller holds mu.
func (s *Server) updatesFor(uid int64, skip *session, users []int64, ups ...tg.UpdateClass) []delivery {
	var out []delivery
	for _, sess := range s.sessions {
		if sess == skip || sess.conn == nil || s.userOf(sess) != uid {
			continue
		}
		out = append(out, delivery{sess: sess, msg: s.updatesBox(uid, users, ups...)})
	}
	s.keepForOffline(uid, ups)
	return out
}

// keepForOffline keeps the call updates among ups for every auth key of uid
// that has no connected session. Caller holds mu.
func (s *Server) keepForOffline(uid int64, ups []tg.UpdateClass) {
	connected := map[[8]byte]bool{}
	for _, sess := range s.sessions {
		if sess.conn != nil {
			connected[sess.key.ID] = true
		}
	}
	for id, k := range s.keys {
		if k.UserID == uid && !connected[id] {
			s.keepMissed(id, ups)
		}
	}
}

// updatesBox wraps ups with the users they mention, as uid sees them. Seq
// is 0, as Telegram sends updates that need no ordering. Caller holds mu.
func (s *Server) updatesBox(uid int64, users []int64, ups ...tg.UpdateClass) *tg.Updates {
	u := &tg.Updates{Updates: ups, Date: int(time.Now().Unix())}
	for _, id := range users {
		if a := s.st.Users[id]; a != nil {
			u.Users = append(u.Users, s.st.view(uid, a, s.online(id)))
		}
	}
	return u
}

// deliver sends pushes; a session that cannot take one gets it through
// updates.getDifference after it reconnects: pts events from the history,
// call updates from the missed list of its auth key.
func (s *Server) deliver(ds []delivery) {
	for _, d := range ds {
		for _, m := range s.hostilePushes(d.msg) {
			if s.opts.Hostile == HostileReorder {
				go s.push(d.sess, m, s.jitter())
				continue
			}
			s.push(d.sess, m, 0)
		}
	}
}

func (s *Server) push(sess *session, m *tg.Updates, delay time.Duration) {
	time.Sleep(delay)
	if err := s.send(context.Background(), sess, proto.MessageFromServer, m); err != nil {
		s.log.Debug("push failed", "session", sess.id, "err", err)
		s.mu.Lock()
		s.keepMissed(sess.key.ID, m.Updates)
		s.mu.Unlock()
	}
}

// Advertise makes help.getConfig name addr as the sandbox's address, where
// clients reconnect: for a sandbox reached through a proxy.
func (s *Server) Advertise(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advertised = addr
}

// Online reports whether any session of user uid has a live connection.
func (s *Server) Online(uid int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.online(uid)
}

// Differences is how many updates.getDifference user uid's sessions have
// had answered: a test waits for a client's updates to have caught up
// (its start's getDifference) before it ends the session under it.
func (s *Server) Differences(uid int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.diffs[uid]
}

// RevokeSessions terminates every session of user uid, as "Terminate all
// other sessions" on another of the user's apps does: each of its auth
// keys is signed out and answers SESSION_REVOKED (401) until it signs in
// again. It returns how many keys were signed out.
func (s *Server) RevokeSessions(uid int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, k := range s.keys {
		if uid != 0 && k.UserID == uid {
			k.UserID, k.Revoked = 0, true
			n++
		}
	}
	if n > 0 {
		s.log.Info("sessions revoked", "user_id", uid, "keys", n)
		s.persist()
	}
	return n
}

// DropConnections closes every client connection, as a network outage
// would; clients reconnect on their own and catch up by getDifference.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := map[*mtConn]bool{}
	for _, sess := range s.sessions {
		if sess.conn != nil {
			conns[sess.conn] = true
		}
	}
	s.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}
