package sigsctp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/sctp"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// MaxMessageSize is the SCTP message size tgcalls announces
// (SignalingSctpConnection: Start(5000, 5000, 262144)).
const MaxMessageSize = 262144

// feedTimeout bounds how long Receive waits for pion's read loop to take and
// process a packet; it only matters if the association is wedged.
const feedTimeout = 5 * time.Second

// settle is how long Receive waits, after pion has processed a packet that
// completes a user message, for the message to come out of the stream, so
// that it is usually returned by that same Receive. A message that takes
// longer comes out of Receive(nil) after Wake.
const settle = 20 * time.Millisecond

// ErrNotEstablished is returned by Poll when the association failed before it
// was established (the peer never answered the INIT).
var ErrNotEstablished = errors.New("sigsctp: association not established")

// Config adjusts a Transport; the zero value is what tgcalls expects.
type Config struct {
	// LoggerFactory receives pion/sctp's logs; nil discards them.
	LoggerFactory logging.LoggerFactory
	// Name prefixes pion's log lines.
	Name string
}

// Transport is SCTP over signalling (tgcalls signalling V3: library 9.0.0 as
// tgcalls 2024 speaks it, 11.0.0, 12.0.0, 13.0.0) as a signaling.Transport.
// Packets handed to Receive feed a pion/sctp association through an in-memory
// net.Conn; the packets the association writes are collected for Send and
// Poll. pion runs its read, write and timer loops on goroutines of its own and
// uses the wall clock for its timers (the now arguments are not used): Wake
// fires when there are packets to Poll or messages to Receive(nil).
//
// Each message is sealed by the raw framing with a gzip body
// (signaling.NewRaw(key, outgoing, true)) and written as one ordered binary
// message (PPID 53) on stream 0. Messages sent before the association is up
// wait and go out in order once it is.
//
// Send, Receive, Poll and Close are meant for one goroutine (the call's);
// they are nevertheless safe to call concurrently.
type Transport struct {
	conn *packetConn

	mu      sync.Mutex // guards raw, stream, pending, inbox, err, closed
	raw     *signaling.Raw
	stream  *sctp.Stream
	assoc   *sctp.Association
	pending [][]byte
	inbox   [][]byte
	err     error
	closed  bool
	bad     int // user messages that did not open

	outMu  sync.Mutex // guards outbox (pion's write loop appends under it)
	outbox [][]byte

	feedMu    sync.Mutex    // one Receive at a time feeds pion
	firstOut  chan struct{} // closed when pion has written its first packet (the INIT)
	firstOnce sync.Once
	wake      chan struct{}
	delivered chan struct{}
	up        chan struct{} // closed once the stream is open
	quit      chan struct{} // closed by Close
	wg        sync.WaitGroup
}

// New starts the association for one side of a call: its INIT is ready for
// the first Poll (or Send) when New returns. Both sides do this
// (simultaneous open), as tgcalls does.
func New(key [signaling.KeySize]byte, outgoing bool, cfg Config) *Transport {
	t := &Transport{
		raw:       signaling.NewRaw(key, outgoing, true),
		firstOut:  make(chan struct{}),
		wake:      make(chan struct{}, 1),
		delivered: make(chan struct{}, 1),
		up:        make(chan struct{}),
		quit:      make(chan struct{}),
	}
	t.conn = newPacketConn(t.collect)
	lf := cfg.LoggerFactory
	if lf == nil {
		lf = &logging.DefaultLoggerFactory{DefaultLogLevel: logging.LogLevelDisabled}
	}
	name := cfg.Name
	if name == "" {
		name = "signaling"
	}
	t.wg.Add(1)
	go t.connect(lf, name)
	// pion writes the INIT from its own goroutine; wait for it so that the
	// first Send or Poll returns it, ahead of anything else we send (Auto
	// relies on that order).
	select {
	case <-t.firstOut:
	case <-time.After(feedTimeout):
	}
	return t
}

// connect runs pion's client handshake (which blocks until the association is
// up) and then opens stream 0 and starts reading it.
func (t *Transport) connect(lf logging.LoggerFactory, name string) {
	defer t.wg.Done()
	assoc, err := sctp.ClientWithOptions(
		sctp.WithNetConn(t.conn),
		sctp.WithLoggerFactory(lf),
		sctp.WithName(name),
		sctp.WithMaxMessageSize(MaxMessageSize),
		sctp.WithEnableInterleaving(false), // dcSCTP in tgcalls does not offer I-DATA
	)
	if err != nil {
		t.fail(fmt.Errorf("%w: %v", ErrNotEstablished, err))
		return
	}
	stream, err := assoc.OpenStream(0, sctp.PayloadTypeWebRTCBinary)
	if err != nil {
		assoc.Close()
		t.fail(fmt.Errorf("sigsctp: open stream 0: %w", err))
		return
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		assoc.Close()
		return
	}
	t.assoc, t.stream = assoc, stream
	for _, m := range t.pending {
		if _, err := stream.WriteSCTP(m, sctp.PayloadTypeWebRTCBinary); err != nil {
			t.err = fmt.Errorf("sigsctp: write: %w", err)
		}
	}
	t.pending = nil
	t.mu.Unlock()
	close(t.up)
	t.wg.Add(1)
	go t.read(stream)
}

// read moves user messages from stream 0 to the inbox.
func (t *Transport) read(stream *sctp.Stream) {
	defer t.wg.Done()
	buf := make([]byte, MaxMessageSize+1024)
	for {
		n, _, err := stream.ReadSCTP(buf)
		if err != nil {
			t.mu.Lock()
			closed := t.closed
			t.mu.Unlock()
			if !closed && !errors.Is(err, io.EOF) {
				t.fail(fmt.Errorf("sigsctp: association ended: %w", err))
			}
			return
		}
		t.mu.Lock()
		msg, err := t.raw.Open(buf[:n])
		if err != nil {
			t.bad++ // dropped like tgcalls does ("could not decrypt signaling data")
		} else {
			t.inbox = append(t.inbox, msg)
		}
		t.mu.Unlock()
		if err == nil {
			notify(t.delivered)
			notify(t.wake)
		}
	}
}

// fail records why the association ended and closes the conn under it, so
// that Receive fails at once instead of waiting for a read loop that is gone.
func (t *Transport) fail(err error) {
	t.mu.Lock()
	if t.err == nil && !t.closed {
		t.err = err
	}
	t.mu.Unlock()
	t.conn.Close()
	notify(t.wake)
}

// collect is the packet conn's Write: pion's write loop hands over a packet.
func (t *Transport) collect(p []byte) {
	t.outMu.Lock()
	t.outbox = append(t.outbox, p)
	t.outMu.Unlock()
	t.firstOnce.Do(func() { close(t.firstOut) })
	notify(t.wake)
}

func (t *Transport) takeOutbox() [][]byte {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	out := t.outbox
	t.outbox = nil
	return out
}

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Send implements signaling.Transport: msg is sealed and queued on stream 0;
// the packets returned are whatever the association has written by now
// (usually not yet this message's DATA: that comes with the next Poll).
func (t *Transport) Send(msg []byte, now time.Time) ([][]byte, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, signaling.ErrClosed
	}
	if t.err != nil {
		err := t.err
		t.mu.Unlock()
		return nil, err
	}
	sealed, err := t.raw.Seal(msg)
	if err != nil {
		t.mu.Unlock()
		return nil, err
	}
	if t.stream == nil {
		t.pending = append(t.pending, sealed)
	} else if _, err := t.stream.WriteSCTP(sealed, sctp.PayloadTypeWebRTCBinary); err != nil {
		t.mu.Unlock()
		return nil, fmt.Errorf("sigsctp: write: %w", err)
	}
	t.mu.Unlock()
	return t.takeOutbox(), nil
}

// Receive implements signaling.Transport: packet goes to the association,
// Receive waits until pion has processed it and returns the messages that
// have come out of stream 0 by then. Receive(nil) only collects messages.
func (t *Transport) Receive(packet []byte, now time.Time) ([][]byte, error) {
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return nil, signaling.ErrClosed
	}
	if packet != nil {
		if err := t.feed(packet); err != nil {
			return nil, err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.inbox
	t.inbox = nil
	return out, nil
}

func (t *Transport) feed(packet []byte) error {
	t.feedMu.Lock()
	defer t.feedMu.Unlock()
	t.mu.Lock()
	err := t.err
	t.mu.Unlock()
	if err != nil {
		return err
	}
	p, perr := signaling.ParseSCTP(packet)
	if perr != nil {
		// pion would drop it too; do not bother its read loop.
		return perr
	}
	select {
	case <-t.delivered:
	default:
	}
	timer := time.NewTimer(feedTimeout)
	defer timer.Stop()
	if !t.conn.feed(bytes.Clone(packet), timer.C) {
		return t.closedErr()
	}
	ends := false
	for _, c := range p.Chunks {
		ends = ends || (c.Type == signaling.ChunkData && c.Flags&1 != 0)
	}
	if !ends {
		return nil
	}
	// A user message may have completed: give the read goroutine a moment.
	select {
	case <-t.up:
	default:
		return nil
	}
	settleTimer := time.NewTimer(settle)
	defer settleTimer.Stop()
	select {
	case <-t.delivered:
	case <-settleTimer.C:
	}
	return nil
}

func (t *Transport) closedErr() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return t.err
	}
	return signaling.ErrClosed
}

// Poll implements signaling.Transport: the packets pion has written since
// the last Send or Poll (handshake, DATA, SACKs, retransmissions by its own
// timers). An association that failed returns its error.
func (t *Transport) Poll(now time.Time) ([][]byte, error) {
	out := t.takeOutbox()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, signaling.ErrClosed
	}
	return out, t.err
}

// NextPoll implements signaling.Transport: zero, pion's timers signal Wake.
func (t *Transport) NextPoll() time.Time { return time.Time{} }

// Wake implements signaling.Transport.
func (t *Transport) Wake() <-chan struct{} { return t.wake }

// Established reports whether the association is up.
func (t *Transport) Established() bool {
	select {
	case <-t.up:
		return true
	default:
		return false
	}
}

// Dropped is how many user messages did not open (bad msg_key, replayed
// counter, bad gzip) and were dropped.
func (t *Transport) Dropped() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bad
}

// Close implements signaling.Transport: the association is torn down without
// a word to the peer (the call is over; tgcalls does the same) and its
// goroutines end before Close returns.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	assoc := t.assoc
	t.mu.Unlock()
	close(t.quit)
	t.conn.Close()
	if assoc != nil {
		assoc.Close()
	}
	t.wg.Wait()
	return nil
}

// packetConn is the net.Conn under pion's association: Read hands it the
// packets Receive feeds, Write passes its packets to the transport.
type packetConn struct {
	in        chan []byte
	processed chan struct{}
	handed    bool // read-loop only: a packet was handed out and is being processed
	write     func([]byte)
	closeOnce sync.Once
	closed    chan struct{}
}

func newPacketConn(write func([]byte)) *packetConn {
	return &packetConn{
		in:        make(chan []byte),
		processed: make(chan struct{}, 1),
		write:     write,
		closed:    make(chan struct{}),
	}
}

// feed hands p to the read loop and waits until the loop asks for the next
// packet, which it does only after processing p. It reports false if the
// conn closed or timeout fired first.
func (c *packetConn) feed(p []byte, timeout <-chan time.Time) bool {
	select {
	case <-c.processed:
	default:
	}
	select {
	case c.in <- p:
	case <-c.closed:
		return false
	case <-timeout:
		return false
	}
	select {
	case <-c.processed:
		return true
	case <-c.closed:
		return false
	case <-timeout:
		return false
	}
}

// Read is called by pion's read loop only.
func (c *packetConn) Read(b []byte) (int, error) {
	if c.handed {
		c.handed = false
		notify(c.processed)
	}
	select {
	case p := <-c.in:
		c.handed = true
		return copy(b, p), nil
	case <-c.closed:
		return 0, io.EOF
	}
}

func (c *packetConn) Write(b []byte) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	c.write(bytes.Clone(b))
	return len(b), nil
}

func (c *packetConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *packetConn) LocalAddr() net.Addr              { return sigAddr{} }
func (c *packetConn) RemoteAddr() net.Addr             { return sigAddr{} }
func (c *packetConn) SetDeadline(time.Time) error      { return nil }
func (c *packetConn) SetReadDeadline(time.Time) error  { return nil }
func (c *packetConn) SetWriteDeadline(time.Time) error { return nil }

type sigAddr struct{}

func (sigAddr) Network() string { return "tg-signaling" }
func (sigAddr) String() string  { return "signaling" }
