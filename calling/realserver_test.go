package calling_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// What a real Telegram account and server meet that tgphone mishandled
// (issue 16), each acted by the sandbox in the server's part.

// rawPhone records the updatePhoneCall objects a signed-in client receives,
// for a device that runs no call manager.
type rawPhone struct {
	mu    sync.Mutex
	calls []tg.PhoneCallClass
}

func (r *rawPhone) setup(c *account.Client) {
	c.OnPhoneCall(func(u account.PhoneCallUpdate) {
		r.mu.Lock()
		r.calls = append(r.calls, u.Call)
		r.mu.Unlock()
	})
}

// wait returns the first recorded object that pred accepts.
func (r *rawPhone) wait(t *testing.T, what string, within time.Duration, pred func(tg.PhoneCallClass) bool) tg.PhoneCallClass {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		for _, pc := range r.calls {
			if pred(pc) {
				r.mu.Unlock()
				return pc
			}
		}
		r.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s within %v", what, within)
	return nil
}

// TestE2EHangUpWhileRequesting: the caller hangs up while phone.requestCall
// is in flight and its answer comes only after the 5 s hang-up grace. The
// server already rings the callee; the caller still discards the call once
// the answer names it (it used to cancel the request and leave the callee
// ringing until the server's own expiry, a minute later here).
func TestE2EHangUpWhileRequesting(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{Hostile: sandbox.HostileSlowRequest, Timeouts: longRing})
	alice := newParty(t, env, "alice", "")
	bobDevice := &rawPhone{}
	env.SignIn(t, "bob", bobDevice.setup) // a device that rings and does nothing else

	out := alice.dial(t, "@bob")
	req := bobDevice.wait(t, "ringing at bob", 10*time.Second, func(pc tg.PhoneCallClass) bool {
		_, ok := pc.(*tg.PhoneCallRequested)
		return ok
	})
	out.Hangup()
	hungUp := time.Now()
	waitDone(t, out)
	if s := out.Snapshot(); s.State != calling.StateMissed {
		t.Errorf("alice's call ended %s, want missed", s.State)
	}
	d := bobDevice.wait(t, "discard at bob", sandbox.SlowAnswer+5*time.Second, func(pc tg.PhoneCallClass) bool {
		d, ok := pc.(*tg.PhoneCallDiscarded)
		return ok && d.ID == req.GetID()
	}).(*tg.PhoneCallDiscarded)
	t.Logf("bob's device stopped ringing %v after alice hung up (requestCall answered %v late)",
		time.Since(hungUp).Round(time.Millisecond), sandbox.SlowAnswer)
	if _, ok := d.Reason.(*tg.PhoneCallDiscardReasonMissed); !ok {
		t.Errorf("discarded with %T, want missed", d.Reason)
	}
}

// TestE2EDiscardResultApplied: phone.discardCall answers with the call's
// final state and the new history message; the side that hangs up applies
// them as tdesktop does, so its history shows the call at once.
func TestE2EDiscardResultApplied(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := newParty(t, env, "alice", "")
	bob := newParty(t, env, "bob", "")
	histories := map[string]chan struct{}{"alice": make(chan struct{}, 8), "bob": make(chan struct{}, 8)}
	alice.c.OnHistoryChanged(func() { histories["alice"] <- struct{}{} })
	bob.c.OnHistoryChanged(func() { histories["bob"] <- struct{}{} })

	out, in := ringing(t, alice, bob, "@bob")
	in.Answer()
	waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
	hangUpNormally(t, out, in)
	for _, who := range []string{"alice", "bob"} {
		select {
		case <-histories[who]:
		case <-time.After(5 * time.Second):
			t.Errorf("%s's history was not told of the call", who)
		}
	}
}

// TestE2EDebugLogOnRequest: when the server asks for a call's debug log
// (need_debug), both sides send phone.saveCallDebug with their engine's
// counters as JSON, and nothing beyond the known fields (no keys, no audio).
func TestE2EDebugLogOnRequest(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{AskDebug: true})
	alice := newParty(t, env, "alice", "8.0.0")
	bob := newParty(t, env, "bob", "8.0.0")
	out, in := ringing(t, alice, bob, "@bob")
	in.Answer()
	s := waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
	time.Sleep(time.Second)
	hangUpNormally(t, out, in)
	deadline := time.Now().Add(10 * time.Second)
	var logs []string
	for len(logs) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		logs = env.Server.CallDebug(s.ID)
	}
	if len(logs) != 2 {
		t.Fatalf("the server got %d debug logs, want one from each side", len(logs))
	}
	allowed := calling.DebugFields()
	for _, l := range logs {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("debug log is not JSON: %v", err)
		}
		for k, v := range m {
			if !slices.Contains(allowed, k) {
				t.Errorf("debug log has an unknown field %q", k)
			}
			if sub, ok := v.(map[string]any); ok && k == "audio" {
				for k := range sub {
					if !slices.Contains(allowed, k) {
						t.Errorf("debug log has an unknown audio field %q", k)
					}
				}
			}
		}
		if m["library_version"] != "8.0.0" || m["packets_recv"].(float64) == 0 {
			t.Errorf("debug log without the engine's counters: %s", l)
		}
	}
	t.Logf("debug log: %s", logs[0])
}

// TestE2ERatingOnlyForConnectedCalls: the server sets need_rating for every
// confirmed call; the rating is asked only when the call connected, not
// after "Encryption check failed".
func TestE2ERatingOnlyForConnectedCalls(t *testing.T) {
	t.Parallel()
	t.Run("connected", func(t *testing.T) {
		env := sandboxtest.Start(t, sandboxtest.Options{})
		alice := newParty(t, env, "alice", "")
		bob := newParty(t, env, "bob", "")
		out, in := ringing(t, alice, bob, "@bob")
		in.Answer()
		waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
		hangUpNormally(t, out, in)
		for who, c := range map[string]*calling.Call{"caller": out, "callee": in} {
			if s := waitState(t, c, "need rating", func(s calling.Snapshot) bool { return s.NeedRating }); !s.NeedRating {
				t.Errorf("%s is not asked to rate a call that connected", who)
			}
		}
	})
	t.Run("encryption check failed", func(t *testing.T) {
		env := sandboxtest.Start(t, sandboxtest.Options{Hostile: sandbox.HostileWrongFingerprint})
		alice := newParty(t, env, "alice", "")
		bob := newParty(t, env, "bob", "")
		out := alice.dial(t, "@bob")
		in := bob.waitIncoming(t)
		in.Answer()
		waitDone(t, in, out)
		time.Sleep(time.Second) // let the discard results arrive
		if s := in.Snapshot(); !errors.Is(s.Err, calling.ErrEncryption) {
			t.Fatalf("callee ended %s (%v), want the encryption failure", s.State, s.Err)
		}
		for who, c := range map[string]*calling.Call{"caller": out, "callee": in} {
			if s := c.Snapshot(); s.NeedRating {
				t.Errorf("%s is asked to rate a call that never connected (%s: %q)", who, s.State, s.Message())
			}
		}
	})
}

// TestE2EEndingsElsewhere: bob is signed in on two devices; what one does
// while both ring is told rightly on the other.
func TestE2EEndingsElsewhere(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{Timeouts: longRing})
	alice := newParty(t, env, "alice", "")
	bob1 := newParty(t, env, "bob", "")
	bob2 := newParty(t, env, "bob", "")
	ringBoth := func(t *testing.T) (out, in1, in2 *calling.Call) {
		out = alice.dial(t, "@bob")
		in1, in2 = bob1.waitIncoming(t), bob2.waitIncoming(t)
		waitState(t, out, "ringing", func(s calling.Snapshot) bool { return s.State == calling.StateRinging })
		return out, in1, in2
	}
	ended := func(t *testing.T, c *calling.Call, want calling.State, msg string) {
		t.Helper()
		s := waitState(t, c, "terminal", func(s calling.Snapshot) bool { return s.State.Terminal() })
		if s.State != want || s.Message() != msg {
			t.Errorf("ended %s %q, want %s %q", s.State, s.Message(), want, msg)
		}
	}

	t.Run("answered on the other device", func(t *testing.T) {
		out, in1, in2 := ringBoth(t)
		in2.Answer()
		ended(t, in1, calling.StateAnsweredElsewhere, "The call was taken on another device.")
		waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
		hangUpNormally(t, out, in2)
	})
	t.Run("declined on the other device", func(t *testing.T) {
		out, in1, in2 := ringBoth(t)
		in2.Decline()
		ended(t, in1, calling.StateDeclinedElsewhere, "You declined the call on another device.")
		ended(t, out, calling.StateBusy, "Bob Baker is busy.")
		<-in2.Done()
	})
	t.Run("hang-up while accepting is a hang-up", func(t *testing.T) {
		out, in1, in2 := ringBoth(t)
		in2.Answer()
		in2.Hangup()
		<-in2.Done()
		waitDone(t, out)
		waitState(t, in1, "terminal", func(s calling.Snapshot) bool { return s.State.Terminal() })
		if s := in2.Snapshot(); s.State != calling.StateEnded {
			t.Errorf("bob's answering device ended %s, want ended", s.State)
		}
		h, err := alice.c.CallHistory(ctx(t), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].Reason != "hangup" {
			t.Errorf("alice's history %+v, want the call hung up (not busy)", h)
		}
	})
	t.Run("moved to a group call", func(t *testing.T) {
		out, in1, in2 := ringBoth(t)
		in2.Answer()
		ended(t, in1, calling.StateAnsweredElsewhere, "The call was taken on another device.")
		s := waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
		if err := env.Server.MigrateToConference(s.ID, "conf-slug"); err != nil {
			t.Fatal(err)
		}
		for who, c := range map[string]*calling.Call{"caller": out, "callee": in2} {
			ended(t, c, calling.StateMovedToGroupCall, "The call moved to a group call, which tgphone cannot join yet.")
			if s := c.Snapshot(); s.GroupCallSlug != "conf-slug" {
				t.Errorf("%s: group call slug %q", who, s.GroupCallSlug)
			}
		}
	})
}

// recordingEngines wraps the default engines to record what each call's
// engine was told about peer-to-peer.
func recordingEngines(t *testing.T) (map[string]media.Factory, []string, func() []bool) {
	t.Helper()
	engines, versions, err := calling.DefaultEngines("")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var p2p []bool
	wrapped := map[string]media.Factory{}
	for v, f := range engines {
		wrapped[v] = func(p media.Params) (media.Engine, error) {
			mu.Lock()
			p2p = append(p2p, p.P2PAllowed)
			mu.Unlock()
			return f(p)
		}
	}
	return wrapped, versions, func() []bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(p2p)
	}
}

// TestE2EP2PSetting: the peer-to-peer setting is Telegram's privacy rule,
// shared with the user's other apps, and it applies from the next call on
// without signing out.
func TestE2EP2PSetting(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{})
	aliceClient := env.SignIn(t, "alice")
	engines, versions, told := recordingEngines(t)
	m := calling.NewManager(calling.Config{API: aliceClient.API(), SelfID: aliceClient.Self.ID,
		Engines: engines, Versions: versions, OpenAudio: calling.AudioOpener(quietAudio, env.Logger),
		P2P: calling.P2PEveryone, Logger: env.Logger.With("user", "alice")})
	m.Attach(aliceClient.Client)
	if err := m.LoadConfig(ctx(t)); err != nil {
		t.Fatal(err)
	}
	alice := &party{c: aliceClient, m: m, incoming: make(chan *calling.Call, 4), states: map[int64][]calling.State{}}
	bob := newParty(t, env, "bob", "")
	aliceElsewhere := env.SignIn(t, "alice") // the official app on her phone
	call := func(t *testing.T) calling.Snapshot {
		t.Helper()
		out, in := ringing(t, alice, bob, "@bob")
		in.Answer()
		s := waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
		hangUpNormally(t, out, in)
		return s
	}

	s := call(t)
	if got := told(); len(got) != 1 || !got[0] {
		t.Fatalf("first call: engine told p2p %v, want allowed", got)
	}
	if allowed, _ := env.Server.CallP2PAllowed(s.ID); !allowed {
		t.Errorf("the server did not allow p2p with everyone's setting at 'everyone'")
	}

	// Saved in Settings: the server has it, the other app reads it, the
	// next call relays.
	if err := m.SaveP2P(ctx(t), calling.P2PNobody); err != nil {
		t.Fatal(err)
	}
	if got, err := aliceElsewhere.P2PPrivacy(ctx(t)); err != nil || got != account.P2PNobody {
		t.Errorf("alice's other app reads the setting as %v (%v), want nobody", got, err)
	}
	s = call(t)
	if got := told(); len(got) != 2 || got[1] {
		t.Errorf("call after choosing nobody: engine told p2p %v, want the second not allowed", got)
	}
	if allowed, _ := env.Server.CallP2PAllowed(s.ID); allowed {
		t.Errorf("the server allowed p2p although alice's rule is nobody")
	}

	// Changed in the other app: loaded here, it applies to the next call.
	if err := aliceElsewhere.SetP2PPrivacy(ctx(t), account.P2PEveryone); err != nil {
		t.Fatal(err)
	}
	if p, err := m.LoadP2P(ctx(t)); err != nil || p != calling.P2PEveryone {
		t.Fatalf("LoadP2P: %v %v, want everyone", p, err)
	}
	call(t)
	if got := told(); len(got) != 3 || !got[2] {
		t.Errorf("call after the other app chose everyone: engine told p2p %v", got)
	}

	// Changed during a call: that call keeps its policy, the next one has the new.
	out, in := ringing(t, alice, bob, "@bob")
	m.SetP2P(calling.P2PNobody)
	if m.P2P() != calling.P2PNobody {
		t.Errorf("P2P() = %v right after SetP2P(nobody)", m.P2P())
	}
	in.Answer()
	waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
	hangUpNormally(t, out, in)
	call(t)
	if got := told(); len(got) != 5 || !got[3] || got[4] {
		t.Errorf("set during a call: engine told p2p %v, want the live call unchanged and the next relayed", got)
	}
}

// managerFor puts a call manager with adjusted settings on a signed-in client.
func managerFor(t *testing.T, env *sandboxtest.Env, c *sandboxtest.Client, user string, adjust func(*calling.Config)) *party {
	t.Helper()
	engines, versions, err := calling.DefaultEngines("")
	if err != nil {
		t.Fatal(err)
	}
	p := &party{c: c, incoming: make(chan *calling.Call, 4), states: map[int64][]calling.State{}}
	cfg := calling.Config{API: c.API(), SelfID: c.Self.ID, Engines: engines, Versions: versions,
		OpenAudio:  calling.AudioOpener(quietAudio, env.Logger),
		OnIncoming: func(call *calling.Call) { p.incoming <- call },
		Logger:     env.Logger.With("user", user)}
	adjust(&cfg)
	p.m = calling.NewManager(cfg)
	p.m.Attach(c.Client)
	if err := p.m.LoadConfig(ctx(t)); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestE2EDoNotDisturb: with do not disturb on, an incoming call is declined
// as busy at once instead of being kept live unseen for the ring timeout,
// and the app is told, to list it as missed.
func TestE2EDoNotDisturb(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{Timeouts: longRing})
	alice := newParty(t, env, "alice", "")
	away := make(chan calling.TurnedAway, 4)
	bob := managerFor(t, env, env.SignIn(t, "bob"), "bob", func(c *calling.Config) {
		c.OnTurnedAway = func(ta calling.TurnedAway) { away <- ta }
	})
	bob.m.SetDoNotDisturb(true)
	out := alice.dial(t, "@bob")
	select {
	case <-out.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("alice's call still %s: bob's computer kept it live", out.Snapshot().State)
	}
	if s := out.Snapshot(); s.State != calling.StateBusy {
		t.Errorf("alice's call ended %s, want busy", s.State)
	}
	select {
	case ta := <-away:
		if ta.Why != calling.TurnedAwayDoNotDisturb || ta.Peer.ID != alice.c.Self.ID || ta.CallID != out.Snapshot().ID {
			t.Errorf("turned away %+v", ta)
		}
	case <-time.After(5 * time.Second):
		t.Error("the app was not told of the call turned away")
	}
	select {
	case c := <-bob.incoming:
		t.Errorf("a call rang under do not disturb: %s", c.Snapshot().State)
	default:
	}
	if bob.m.Live() != nil {
		t.Error("bob has a live call under do not disturb")
	}

	bob.m.SetDoNotDisturb(false)
	out, in := ringing(t, alice, bob, "@bob")
	out.Hangup()
	waitDone(t, out, in)
}

// TestE2ECallerLogsKeyCheckFailure: when the caller's check of g_b fails,
// its log says why, as the callee side does.
func TestE2ECallerLogsKeyCheckFailure(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{Hostile: sandbox.HostileShortGB})
	var lines atomic.Int64
	logger := slog.New(countingHandler{sandboxtest.Logger().Handler(), "accepted call failed its checks", &lines})
	alice := managerFor(t, env, env.SignIn(t, "alice"), "alice", func(c *calling.Config) { c.Logger = logger })
	bob := newParty(t, env, "bob", "")
	out := alice.dial(t, "@bob")
	bob.waitIncoming(t).Answer()
	waitDone(t, out)
	if s := out.Snapshot(); !errors.Is(s.Err, calling.ErrEncryption) {
		t.Fatalf("caller ended %s (%v), want the encryption failure", s.State, s.Err)
	}
	if lines.Load() != 1 {
		t.Errorf("%d log lines give the reason, want 1", lines.Load())
	}
}

// TestE2ECanCall: whether a contact can be called is known before dialing,
// from the server's userFull, with the sentence a failed call would show.
func TestE2ECanCall(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := newParty(t, env, "alice", "")
	for _, tt := range []struct {
		to      string
		err     error
		message string
	}{
		{to: "@bob"},
		{to: "@private", err: calling.ErrPrivacyRestricted, message: "Private Person's privacy settings do not allow calls."},
	} {
		peer := alice.contact(t, tt.to)
		err := alice.m.CanCall(ctx(t), peer)
		if tt.err == nil {
			if err != nil {
				t.Errorf("%s: %v, want callable", tt.to, err)
			}
			continue
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: %v, want %v", tt.to, err, tt.err)
		}
		if msg := calling.UserMessage(calling.StateFailed, err, true, peer.Name()); msg != tt.message {
			t.Errorf("%s: %q, want %q", tt.to, msg, tt.message)
		}
	}
}

// TestE2ECallLogFile: each call keeps its own log file — state changes and
// the engine's counters, no key material — found again by call id, and
// only the newest MaxCallLogs stay.
func TestE2ECallLogFile(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{})
	dir := t.TempDir()
	for i := range calling.MaxCallLogs + 5 { // older calls' logs
		name := filepath.Join(dir, fmt.Sprintf("call-20000101-000000.%09d-1.log", i))
		if err := os.WriteFile(name, []byte("{}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	alice := managerFor(t, env, env.SignIn(t, "alice"), "alice", func(c *calling.Config) { c.CallLogDir = dir })
	bob := managerFor(t, env, env.SignIn(t, "bob"), "bob", func(c *calling.Config) { c.CallLogDir = dir })
	out, in := ringing(t, alice, bob, "@bob")
	in.Answer()
	s := waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
	time.Sleep(time.Second)
	hangUpNormally(t, out, in)

	files, _ := filepath.Glob(filepath.Join(dir, "call-*.log"))
	if len(files) != calling.MaxCallLogs {
		t.Errorf("%d call logs kept, want %d", len(files), calling.MaxCallLogs)
	}
	for who, p := range map[string]*party{"alice": alice, "bob": bob} {
		path := p.m.CallLogFile(s.ID)
		c := map[string]*calling.Call{"alice": out, "bob": in}[who]
		if path == "" || path != c.Snapshot().LogFile {
			t.Fatalf("%s: CallLogFile %q, snapshot says %q", who, path, c.Snapshot().LogFile)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, want := range []string{`"msg":"call state"`, `"to":"active"`, `"msg":"call stats"`, `"packets_recv":`} {
			if !strings.Contains(text, want) {
				t.Errorf("%s's call log lacks %s", who, want)
			}
		}
		for _, secret := range []string{s.Emoji[0], strconv.FormatInt(s.KeyFingerprint, 10), fmt.Sprintf("%x", s.KeyFingerprint)} {
			if strings.Contains(text, secret) {
				t.Errorf("%s's call log holds key material %q", who, secret)
			}
		}
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s's call log mode %v (%v), want 0600", who, st.Mode(), err)
		}
	}
}

// TestE2ECallLogSentOnRequest: when the server asks for a call's debug
// information, each side also uploads its call log file (phone.saveCallLog).
func TestE2ECallLogSentOnRequest(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{AskDebug: true})
	withLogs := func(c *calling.Config) { c.CallLogDir = t.TempDir() }
	alice := managerFor(t, env, env.SignIn(t, "alice"), "alice", withLogs)
	bob := managerFor(t, env, env.SignIn(t, "bob"), "bob", withLogs)
	out, in := ringing(t, alice, bob, "@bob")
	in.Answer()
	s := waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
	// Both logs are to show the call active: the callee may reach active
	// after the caller (it needs the caller's media too), and a hang-up
	// before then ends its call from connecting.
	waitState(t, in, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
	hangUpNormally(t, out, in)
	deadline := time.Now().Add(10 * time.Second)
	var logs [][]byte
	for len(logs) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		logs = env.Server.CallLogs(s.ID)
	}
	if len(logs) != 2 {
		t.Fatalf("the server got %d call logs, want one from each side", len(logs))
	}
	for _, l := range logs {
		if !strings.Contains(string(l), `"msg":"call stats"`) || !strings.Contains(string(l), `"to":"active"`) {
			t.Errorf("uploaded call log is not the whole log: %.200s…", l)
		}
	}
}

// TestE2EFloodWait: Telegram may answer any method with FLOOD_WAIT; a call
// whose every step is slowed once still goes through, each wait reported.
func TestE2EFloodWait(t *testing.T) {
	t.Parallel()
	env := sandboxtest.Start(t, sandboxtest.Options{Hostile: sandbox.HostileFloodWait, Timeouts: longRing})
	var mu sync.Mutex
	waited := map[string]bool{}
	hook := func(c *account.Client) {
		c.OnFloodWait(func(method string, d time.Duration) {
			mu.Lock()
			waited[method] = true
			mu.Unlock()
		})
	}
	alice := runParty(t, env, env.SignIn(t, "alice", hook), "alice", "", quietAudio, calling.P2PEveryone)
	bob := runParty(t, env, env.SignIn(t, "bob", hook), "bob", "", quietAudio, calling.P2PEveryone)
	out, in := ringing(t, alice, bob, "@bob")
	in.Answer()
	waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
	hangUpNormally(t, out, in)
	mu.Lock()
	defer mu.Unlock()
	for _, m := range []string{"messages.getDhConfig", "phone.requestCall", "phone.acceptCall", "phone.confirmCall", "phone.discardCall"} {
		if !waited[m] {
			t.Errorf("no FLOOD_WAIT reported for %s (got %v)", m, waited)
		}
	}
}
