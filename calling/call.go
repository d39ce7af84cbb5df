package calling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/crypto"
	"github.com/tgphone/tgphone/media"
)

// Snapshot is everything the UI shows of a call at one moment.
type Snapshot struct {
	ID             int64
	Outgoing       bool
	Peer           account.Contact
	State          State
	Since          time.Time // when State was entered
	ActiveSince    time.Time // zero until media first connected
	Duration       time.Duration
	Muted          bool
	RemoteMuted    bool
	AudioNotice    string    // what is wrong with this computer's microphone or speaker, in English; "" when nothing
	NoAudio        bool      // connected, the peer not muted, yet no sound has come from it for a few seconds
	Emoji          [4]string // empty until keys are agreed
	KeyFingerprint int64
	LibraryVersion string
	SignalBars     int
	Stats          media.Stats
	Err            error
	// Ending is how the call ended, for a UI to word in its language.
	Ending Ending
	// Mic and Speaker are what is wrong with this computer's microphone
	// and speaker (AudioNotice's English), for a UI to word.
	Mic, Speaker DeviceTrouble
	// NeedRating: ask the user to rate the call (phone.setCallRating). Set
	// only when the server asked (need_rating) and the call connected.
	NeedRating bool
	// NeedDebug: the server asked for the debug log; the call sends it by itself.
	NeedDebug bool
	// GroupCallSlug names the group call a StateMovedToGroupCall call went on as.
	GroupCallSlug string
	// LogFile is the call's log file (Config.CallLogDir), "" without one.
	LogFile string
	// Recording is the call's current or last recording (StartRecording).
	Recording Recording
}

// Message is how the call ended as one English sentence ("" until it has
// ended, and for an ordinary hang-up): Ending worded for the headless JSON
// and logs. The desktop UI words Ending from its catalogue instead.
func (s Snapshot) Message() string { return s.Ending.Message(s.Peer.Name()) }

// input is one item in a call's inbox: a machine event plus the server object it came with.
type input struct {
	Event
	pc tg.PhoneCallClass
	// timer generation, for timer events: stale timers are dropped.
	gen uint64
}

// Call is one call. A single goroutine (run) owns its state; every method is
// safe to call from any goroutine.
type Call struct {
	mgr      *Manager
	log      *slog.Logger
	outgoing bool
	peer     account.Contact

	inboxMu sync.Mutex
	inbox   []input
	wake    chan struct{}
	done    chan struct{}
	ctx     context.Context // ends when the call ends
	cancel  context.CancelFunc

	// Owned by run.
	m         machine
	timer     *time.Timer
	timerGen  uint64
	secret    *crypto.Secret
	ga, gb    []byte
	gaHash    []byte
	key       *crypto.Key
	protocol  tg.PhoneCallProtocol
	confirmed *tg.PhoneCall // the phoneCall that confirmed the call: connections, p2p
	date      int

	mu         sync.Mutex // guards what other goroutines read
	id         int64
	accessHash int64
	snap       Snapshot
	engine     media.Engine
	// engineLife keeps an engine's Start and Close apart: a call ended
	// just as its media started must not close the engine mid-Start.
	engineLife  sync.Mutex
	audio       AudioSession
	pendingSig  [][]byte
	muted       bool
	activeSince time.Time
	// lastStats are the engine's counters when it was closed, for need_debug.
	lastStats media.Stats
	haveStats bool
	debugSent bool

	// cancelRequest is set when the user hung up before requestCall was sent.
	cancelRequest atomic.Bool
	callLog       *callLog // owned by run once started
	logClosed     bool     // guarded by mu, as is logUploaded
	logUploaded   bool
}

func newCall(m *Manager, peer account.Contact, outgoing bool) *Call {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Call{mgr: m, outgoing: outgoing, peer: peer, wake: make(chan struct{}, 1),
		done: make(chan struct{}), ctx: ctx, cancel: cancel,
		m: machine{outgoing: outgoing}}
	c.log = m.log.With("peer_id", peer.ID, "outgoing", outgoing)
	c.snap = Snapshot{Outgoing: outgoing, Peer: peer, State: StateIdle, Since: time.Now()}
	c.startCallLog()
	return c
}

// Snapshot is the call as of now, with fresh media stats.
func (c *Call) Snapshot() Snapshot {
	c.mu.Lock()
	s := c.snap
	eng := c.engine
	if !c.activeSince.IsZero() && !s.State.Terminal() {
		s.Duration = time.Since(c.activeSince)
	}
	c.mu.Unlock()
	if eng != nil && !s.State.Terminal() {
		s.Stats = eng.Stats()
		s.SignalBars = s.Stats.SignalBars
	}
	return s
}

// Done is closed when the call has ended.
func (c *Call) Done() <-chan struct{} { return c.done }

// Answer accepts an incoming call.
func (c *Call) Answer() { c.post(input{Event: Event{Kind: EvUserAnswer}}) }

// Decline refuses an incoming call (Telegram records it as busy).
func (c *Call) Decline() { c.post(input{Event: Event{Kind: EvUserDecline}}) }

// Hangup ends the call in whatever state it is.
func (c *Call) Hangup() { c.post(input{Event: Event{Kind: EvUserHangup}}) }

// SetMuted switches the microphone off or on for the peer.
func (c *Call) SetMuted(muted bool) {
	c.mu.Lock()
	c.muted = muted
	c.snap.Muted = muted
	eng, au := c.engine, c.audio
	c.mu.Unlock()
	if au != nil {
		au.SetMuted(muted)
	}
	if eng != nil {
		eng.SetMuted(muted)
	}
	c.notify()
}

// deviceSwitcher is an audio session that can change devices mid-call
// (audio.Session is one).
type deviceSwitcher interface {
	SwitchInput(id string) error
	SwitchOutput(id string) error
}

// ErrNoAudio is returned by device switches while the call has no audio yet.
var ErrNoAudio = errors.New("the call has no audio yet")

// SwitchInput moves the call's microphone to device id without dropping it.
func (c *Call) SwitchInput(id string) error {
	return c.switchDevice(func(d deviceSwitcher) error { return d.SwitchInput(id) })
}

// SwitchOutput moves the call's speaker to device id without dropping it.
func (c *Call) SwitchOutput(id string) error {
	return c.switchDevice(func(d deviceSwitcher) error { return d.SwitchOutput(id) })
}

func (c *Call) switchDevice(f func(deviceSwitcher) error) error {
	c.mu.Lock()
	au := c.audio
	c.mu.Unlock()
	d, ok := au.(deviceSwitcher)
	if !ok {
		return ErrNoAudio
	}
	return f(d)
}

// Rate sends the user's rating (1–5) and comment after a call, when the
// server asked for one (Snapshot.NeedRating).
func (c *Call) Rate(ctx context.Context, stars int, comment string) error {
	if stars < 1 || stars > 5 {
		return fmt.Errorf("rate call: %d stars is out of range 1–5", stars)
	}
	upd, err := c.mgr.cfg.API.PhoneSetCallRating(ctx, &tg.PhoneSetCallRatingRequest{
		Peer: c.inputCall(), Rating: stars, Comment: comment, UserInitiative: false,
	})
	if err != nil {
		return fmt.Errorf("rate call %d: %w", c.callID(), err)
	}
	c.mgr.applyUpdates(ctx, upd)
	return nil
}

// SaveDebug sends the call's debug log when the server asked for it (Snapshot.NeedDebug).
func (c *Call) SaveDebug(ctx context.Context, jsonLog string) error {
	if _, err := c.mgr.cfg.API.PhoneSaveCallDebug(ctx, &tg.PhoneSaveCallDebugRequest{
		Peer: c.inputCall(), Debug: tg.DataJSON{Data: jsonLog},
	}); err != nil {
		return fmt.Errorf("save debug of call %d: %w", c.callID(), err)
	}
	return nil
}

func (c *Call) callID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

func (c *Call) inputCall() tg.InputPhoneCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return tg.InputPhoneCall{ID: c.id, AccessHash: c.accessHash}
}

// post queues an input without blocking; inputs after the end are dropped
// (post reports false then).
func (c *Call) post(in input) bool {
	c.inboxMu.Lock()
	select {
	case <-c.done:
		c.inboxMu.Unlock()
		return false
	default:
	}
	c.inbox = append(c.inbox, in)
	c.inboxMu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

func (c *Call) run() {
	for {
		<-c.wake
		for {
			c.inboxMu.Lock()
			if len(c.inbox) == 0 {
				c.inboxMu.Unlock()
				break
			}
			in := c.inbox[0]
			c.inbox = c.inbox[1:]
			c.inboxMu.Unlock()
			c.handle(in)
			if c.m.state.Terminal() {
				c.finish()
				return
			}
		}
	}
}

// handle checks an input, runs it through the transition table and performs the actions.
func (c *Call) handle(in input) {
	if in.gen != 0 && in.gen != c.timerGen {
		return // a timer that was disarmed after it fired
	}
	if in.pc != nil && !c.checkServerCall(in) {
		return
	}
	ev := c.prepare(in)
	prev := c.m.state
	next, acts, err := c.m.next(ev)
	if errors.Is(err, ErrIgnored) {
		c.log.Debug("event ignored", "state", prev, "event", ev.Kind)
		return
	}
	c.m = next
	c.recordError(ev)
	c.log.Info("call state", "from", prev, "to", next.state, "event", ev.Kind)
	for _, a := range acts {
		c.perform(a, in)
	}
	c.setState(next.state)
}

// checkServerCall rejects updates whose id, access hash or participants do not
// match this call (spec §2.2, tdesktop checkCallCommonFields).
func (c *Call) checkServerCall(in input) bool {
	pc := in.pc
	c.mu.Lock()
	id, hash := c.id, c.accessHash
	c.mu.Unlock()
	if id != 0 && pc.GetID() != id {
		c.log.Warn("update for another call ignored", "update_id", pc.GetID())
		return false
	}
	var admin, participant, access int64
	switch pc := pc.(type) {
	case *tg.PhoneCallWaiting:
		admin, participant, access = pc.AdminID, pc.ParticipantID, pc.AccessHash
	case *tg.PhoneCallAccepted:
		admin, participant, access = pc.AdminID, pc.ParticipantID, pc.AccessHash
	case *tg.PhoneCall:
		admin, participant, access = pc.AdminID, pc.ParticipantID, pc.AccessHash
	case *tg.PhoneCallRequested:
		admin, participant, access = pc.AdminID, pc.ParticipantID, pc.AccessHash
	default:
		return true // discarded/empty carry only the id
	}
	self := c.mgr.cfg.SelfID
	wantAdmin, wantPart := self, c.peer.ID
	if !c.outgoing {
		wantAdmin, wantPart = c.peer.ID, self
	}
	if admin != wantAdmin || participant != wantPart {
		c.log.Warn("update with wrong participants ignored", "admin", admin, "participant", participant)
		return false
	}
	if id == 0 {
		c.mu.Lock()
		c.id, c.accessHash = pc.GetID(), access
		c.mu.Unlock()
		c.log = c.log.With("call_id", pc.GetID())
		c.mgr.adopt(c, pc.GetID())
		return true
	}
	if access != hash {
		c.log.Warn("update with wrong access hash ignored")
		return false
	}
	return true
}

// prepare turns server objects into machine events, verifying the keys of a
// confirmed call on the callee's side first.
func (c *Call) prepare(in input) Event {
	ev := in.Event
	switch pc := in.pc.(type) {
	case *tg.PhoneCallAccepted:
		c.gb = pc.GB
		c.protocol = pc.Protocol
	case *tg.PhoneCall:
		if c.confirmed != nil {
			return ev // a duplicate; the machine ignores it
		}
		if err := c.acceptConfirmed(pc); err != nil {
			c.log.Warn("confirmed call failed its checks", "err", err)
			return Event{Kind: EvEncryptionFailed, Err: err}
		}
		c.confirmed = pc
	case *tg.PhoneCallDiscarded:
		if r, ok := pc.Reason.(*tg.PhoneCallDiscardReasonMigrateConferenceCall); ok {
			c.mu.Lock()
			c.snap.GroupCallSlug = r.Slug
			c.mu.Unlock()
		}
		c.noteDiscard(pc)
	}
	return ev
}

// acceptConfirmed checks a phoneCall: on the callee's side it verifies g_a
// against the g_a_hash from the request, derives the key and compares the
// fingerprint; on the caller's side it compares the echoed fingerprint.
func (c *Call) acceptConfirmed(pc *tg.PhoneCall) error {
	if c.key != nil {
		if fp := c.key.Fingerprint(); pc.KeyFingerprint != fp {
			return fmt.Errorf("%w: %w", ErrEncryption, crypto.ErrFingerprintMismatch)
		}
		c.protocol = pc.Protocol
		return nil
	}
	if c.outgoing || c.secret == nil {
		return fmt.Errorf("%w: phoneCall before keys were exchanged", ErrEncryption)
	}
	if err := crypto.CheckGAHash(pc.GAOrB, c.gaHash); err != nil {
		return fmt.Errorf("%w: %w", ErrEncryption, err)
	}
	key, err := c.secret.SharedKey(pc.GAOrB)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrEncryption, err)
	}
	if err := crypto.CheckFingerprint(&key, pc.KeyFingerprint); err != nil {
		return fmt.Errorf("%w: %w", ErrEncryption, err)
	}
	c.ga = pc.GAOrB
	c.setKey(&key)
	c.protocol = pc.Protocol
	return nil
}

func (c *Call) setKey(k *crypto.Key) {
	c.key = k
	emoji := crypto.Emoji(k, c.ga)
	c.mu.Lock()
	c.snap.Emoji = emoji
	c.snap.KeyFingerprint = k.Fingerprint()
	c.mu.Unlock()
}

// recordError keeps the first reason a call failed, for the snapshot.
func (c *Call) recordError(ev Event) {
	var err error
	switch ev.Kind {
	case EvRPCFailed, EvEncryptionFailed:
		err = ev.Err
	case EvMediaFailed:
		err = ev.Err
		if !errors.Is(err, ErrNoEngine) {
			if c.activeStarted() {
				err = fmt.Errorf("%w: %w", ErrConnectionLost, ev.Err)
			} else {
				err = fmt.Errorf("%w: %w", ErrConnectFailed, ev.Err)
			}
		}
	case EvConnectTimeout:
		err = ErrConnectFailed
	case EvKeysTimeout:
		err = ErrKeysTimeout
	case EvDiscarded:
		if ev.Reason == ReasonDisconnect && c.activeStarted() {
			err = ErrConnectionLost
		}
	}
	if err == nil {
		return
	}
	c.mu.Lock()
	if c.snap.Err == nil {
		c.snap.Err = err
	}
	c.mu.Unlock()
}

func (c *Call) activeStarted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.activeSince.IsZero()
}

func (c *Call) setState(s State) {
	c.mu.Lock()
	changed := c.snap.State != s
	if changed {
		c.snap.State = s
		c.snap.Since = time.Now()
		c.snap.ID = c.id
		if s == StateActive && c.activeSince.IsZero() {
			c.activeSince = c.snap.Since
			c.snap.ActiveSince = c.activeSince
		}
		if s.Terminal() {
			if !c.activeSince.IsZero() {
				c.snap.Duration = time.Since(c.activeSince)
			}
			c.snap.Ending = EndingOf(s, c.snap.Err, c.outgoing)
		}
	}
	c.mu.Unlock()
	if changed {
		c.notify()
	}
}

func (c *Call) notify() {
	if f := c.mgr.cfg.OnChange; f != nil {
		f(c.Snapshot())
	}
}

func (c *Call) finish() {
	c.disarm()
	c.keepStats()
	c.stopMedia()
	// The call's log is complete before Done fires: Recents reads it to
	// tell a call the user cancelled from one the peer did not answer.
	c.endCallLog()
	// Free the live slot before Done fires, so whoever waits on Done can
	// place the next call at once.
	c.mgr.finished(c)
	c.inboxMu.Lock()
	close(c.done)
	left := c.inbox
	c.inbox = nil
	c.inboxMu.Unlock()
	c.cancel()
	if c.m.awaitingID {
		// requestCall's answer was queued behind the event that ended the
		// call: the server has the call, so discard it.
		for _, in := range left {
			if in.pc != nil && adminOf(in.pc) == c.mgr.cfg.SelfID {
				c.discardLate(in.pc)
				break
			}
		}
	}
}

// discardLate discards a call whose requestCall answered after the Call had
// ended: the callee's devices may be ringing for it.
func (c *Call) discardLate(pc tg.PhoneCallClass) {
	in := &tg.InputPhoneCall{ID: pc.GetID()}
	switch pc := pc.(type) {
	case *tg.PhoneCallWaiting:
		in.AccessHash = pc.AccessHash
	case *tg.PhoneCallAccepted:
		in.AccessHash = pc.AccessHash
	case *tg.PhoneCall:
		in.AccessHash = pc.AccessHash
	default:
		return // discarded or empty: nothing rings
	}
	log := c.log.With("call_id", in.ID)
	log.Info("requestCall answered after the hang-up: discarding the call")
	go c.mgr.discardDirect(in, ReasonMissed, log)
}

// perform executes one action. RPCs run on their own goroutines and report
// back through the inbox, so the call stays responsive (a hang-up while
// requestCall is in flight works).
func (c *Call) perform(a Action, in input) {
	switch a.Kind {
	case ActRequestCall:
		go c.requestCall()
	case ActReceivedCall:
		call := c.inputCall()
		go func() {
			if _, err := c.mgr.cfg.API.PhoneReceivedCall(c.ctx, call); err != nil {
				c.log.Warn("received call", "err", err)
			}
		}()
	case ActAcceptCall:
		go c.acceptCall()
	case ActConfirmCall:
		c.confirmCall()
	case ActStartMedia:
		c.startMedia()
	case ActStopMedia:
		c.keepStats()
		c.stopMedia()
	case ActDiscard:
		c.discard(a.Reason)
	case ActArmTimer:
		c.arm(a.Timer)
	case ActDisarmTimer:
		c.disarm()
	case ActCancelRequest:
		c.cancelRequest.Store(true)
	}
}

func (c *Call) rpcCtx() (context.Context, context.CancelFunc) {
	// requestCall may take up to call_receive_timeout (tdlib clamps it to 10–100 s).
	t := c.mgr.Timeouts().Receive
	t = min(max(t, 10*time.Second), 100*time.Second)
	return context.WithTimeout(c.ctx, t)
}

func (c *Call) newSecret(ctx context.Context) error {
	cfg, random, err := c.mgr.dhConfig(ctx)
	if err != nil {
		return err
	}
	s, err := crypto.NewSecret(cfg, random, c.mgr.cfg.Rand)
	if err != nil {
		return fmt.Errorf("dh secret: %w", err)
	}
	c.secret = s
	return nil
}

// requestCall runs on its own goroutine. Its context is not the call's:
// once phone.requestCall is sent the server may ring the callee whatever
// happens here, so its answer is always waited for (bounded by the receive
// timeout, as tdlib bounds it) and, if the call has ended meanwhile, the
// call it names is discarded.
func (c *Call) requestCall() {
	ctx, cancel := c.requestCtx()
	defer cancel()
	if err := c.newSecret(ctx); err != nil {
		c.post(input{Event: Event{Kind: EvRPCFailed, Err: err}})
		return
	}
	if c.cancelRequest.Load() {
		// Hung up before anything rang: nothing to send, nothing to discard.
		c.post(input{Event: Event{Kind: EvRPCFailed, Err: fmt.Errorf("request call: %w", context.Canceled)}})
		return
	}
	c.ga = c.secret.Public()
	res, err := c.mgr.cfg.API.PhoneRequestCall(ctx, &tg.PhoneRequestCallRequest{
		UserID:   c.peer.InputUser(),
		RandomID: int(c.mgr.randomID()),
		GAHash:   crypto.GAHash(c.ga),
		Protocol: *c.mgr.protocol(),
	})
	if err != nil {
		c.post(input{Event: Event{Kind: EvRPCFailed, Err: fmt.Errorf("request call: %w", mapRPCError(err))}})
		return
	}
	c.learnUsers(res.Users)
	if !c.post(input{Event: eventFor(res.PhoneCall), pc: res.PhoneCall}) {
		c.discardLate(res.PhoneCall)
	}
}

func (c *Call) requestCtx() (context.Context, context.CancelFunc) {
	t := c.mgr.Timeouts().Receive
	t = min(max(t, 10*time.Second), 100*time.Second)
	return context.WithTimeout(context.Background(), t)
}

// learnUsers takes the peer's user object from a phone.phoneCall answer, as
// tdesktop's processUsers does: a caller not among our contacts or in the
// update's entities gets a name this way.
func (c *Call) learnUsers(users []tg.UserClass) {
	for _, u := range users {
		user, ok := u.(*tg.User)
		if !ok || user.ID != c.peer.ID {
			continue
		}
		c.mu.Lock()
		if c.snap.Peer.Name() == "" || c.snap.Peer.AccessHash == 0 {
			c.snap.Peer = account.ContactFromUser(user)
		}
		c.mu.Unlock()
	}
}

func (c *Call) acceptCall() {
	ctx, cancel := c.rpcCtx()
	defer cancel()
	if err := c.newSecret(ctx); err != nil {
		c.post(input{Event: Event{Kind: EvRPCFailed, Err: err}})
		return
	}
	c.gb = c.secret.Public()
	res, err := c.mgr.cfg.API.PhoneAcceptCall(ctx, &tg.PhoneAcceptCallRequest{
		Peer: c.inputCall(), GB: c.gb, Protocol: *c.mgr.protocol(),
	})
	if err != nil {
		c.post(input{Event: Event{Kind: EvRPCFailed, Err: fmt.Errorf("accept call: %w", mapRPCError(err))}})
		return
	}
	c.learnUsers(res.Users)
	switch pc := res.PhoneCall.(type) {
	case *tg.PhoneCallWaiting:
		c.post(input{Event: Event{Kind: EvAcceptDone}, pc: pc})
	case *tg.PhoneCall:
		c.post(input{Event: Event{Kind: EvConfirmed}, pc: pc})
	case *tg.PhoneCallDiscarded:
		c.post(input{Event: eventFor(pc), pc: pc})
	default:
		c.post(input{Event: Event{Kind: EvRPCFailed, Err: fmt.Errorf("accept call: unexpected answer %T", res.PhoneCall)}})
	}
}

// confirmCall runs on the call goroutine: it checks g_b and derives the key
// before anything is sent, then confirms on a goroutine.
func (c *Call) confirmCall() {
	key, err := c.secret.SharedKey(c.gb)
	if err != nil {
		// As the callee side logs its checks: the reason, never the values.
		c.log.Warn("accepted call failed its checks", "err", err)
		c.post(input{Event: Event{Kind: EvEncryptionFailed, Err: fmt.Errorf("%w: %w", ErrEncryption, err)}})
		return
	}
	c.setKey(&key)
	fp := key.Fingerprint()
	call := c.inputCall()
	ga := c.ga
	proto := c.mgr.protocol()
	go func() {
		ctx, cancel := c.rpcCtx()
		defer cancel()
		res, err := c.mgr.cfg.API.PhoneConfirmCall(ctx, &tg.PhoneConfirmCallRequest{
			Peer: call, GA: ga, KeyFingerprint: fp, Protocol: *proto,
		})
		if err != nil {
			c.post(input{Event: Event{Kind: EvRPCFailed, Err: fmt.Errorf("confirm call: %w", mapRPCError(err))}})
			return
		}
		c.learnUsers(res.Users)
		c.post(input{Event: eventFor(res.PhoneCall), pc: res.PhoneCall})
	}()
}

func (c *Call) discard(r Reason) {
	call := c.inputCall()
	if call.ID == 0 {
		return // requestCall has not answered yet; EvRequested will bring us back here
	}
	var dur int
	if c.activeStarted() {
		c.mu.Lock()
		dur = int(time.Since(c.activeSince).Seconds())
		c.mu.Unlock()
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.mgr.Timeouts().Hangup)
		defer cancel()
		upd, err := c.mgr.cfg.API.PhoneDiscardCall(ctx, &tg.PhoneDiscardCallRequest{
			Peer: call, Duration: dur, Reason: reasonTL(r),
		})
		if err != nil {
			c.log.Warn("discard call", "err", err)
		}
		c.noteDiscardResult(upd)
		c.mgr.applyUpdates(ctx, upd)
		c.post(input{Event: Event{Kind: EvDiscardDone}})
	}()
}

// noteDiscardResult takes need_rating/need_debug from discardCall's answer
// at once: the same update, applied to the account, reaches this call only
// if it has not ended yet.
func (c *Call) noteDiscardResult(u tg.UpdatesClass) {
	call := c.inputCall()
	var list []tg.UpdateClass
	switch u := u.(type) {
	case *tg.Updates:
		list = u.Updates
	case *tg.UpdatesCombined:
		list = u.Updates
	case *tg.UpdateShort:
		list = []tg.UpdateClass{u.Update}
	}
	for _, x := range list {
		if up, ok := x.(*tg.UpdatePhoneCall); ok {
			if d, ok := up.PhoneCall.(*tg.PhoneCallDiscarded); ok && d.ID == call.ID {
				c.noteDiscard(d)
			}
		}
	}
}

func (c *Call) arm(t Timer) {
	c.disarm()
	to := c.mgr.Timeouts()
	d := map[Timer]time.Duration{TimerReceive: to.Receive, TimerRing: to.Ring, TimerKeys: to.Receive,
		TimerConnect: to.Connect, TimerHangup: to.Hangup}[t]
	kind := map[Timer]EventKind{TimerReceive: EvReceiveTimeout, TimerRing: EvRingTimeout, TimerKeys: EvKeysTimeout,
		TimerConnect: EvConnectTimeout, TimerHangup: EvHangupTimeout}[t]
	if t == TimerRing && !c.outgoing && c.date != 0 {
		// The callee's ring limit counts from the request's date, not from arrival.
		d -= time.Since(time.Unix(int64(c.date), 0))
	}
	c.timerGen++
	gen := c.timerGen
	c.timer = time.AfterFunc(max(d, 0), func() { c.post(input{Event: Event{Kind: kind}, gen: gen}) })
}

func (c *Call) disarm() {
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.timerGen++
}
