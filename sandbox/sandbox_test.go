package sandbox_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/telegram/uploader"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// run runs f with a connected (not signed-in) client.
func run(t *testing.T, c *account.Client, f func(ctx context.Context) error) {
	t.Helper()
	if err := c.Run(testCtx(t), f); err != nil {
		t.Fatal(err)
	}
}

func TestSignIn(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	tests := []struct {
		name, phone, code, password string
		wantErr                     error
		wantUser                    string
	}{
		{name: "demo code", phone: "9996620001", code: "22222", wantUser: "alice"},
		{name: "wrong code", phone: "9996620001", code: "11111", wantErr: account.ErrCodeInvalid},
		{name: "2FA right password", phone: "9996620003", code: "22222", password: sandbox.DemoPassword, wantUser: "carol"},
		{name: "2FA wrong password", phone: "9996620003", code: "22222", password: "guess", wantErr: account.ErrPasswordInvalid},
		{name: "unknown number", phone: "9996629999", code: "22222", wantErr: account.ErrSignUpRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.KeyedAccount(t)
			run(t, c, func(ctx context.Context) error {
				req, err := c.SendCode(ctx, tt.phone)
				if err != nil {
					return err
				}
				u, err := c.SignIn(ctx, req, tt.code)
				if errors.Is(err, account.ErrPasswordNeeded) && tt.password != "" {
					u, err = c.CheckPassword(ctx, tt.password)
				}
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Errorf("error %v, want %v", err, tt.wantErr)
					}
					return nil
				}
				if err != nil {
					return err
				}
				if u.Username != tt.wantUser || !u.Self {
					t.Errorf("signed in as %q (self %v), want %q", u.Username, u.Self, tt.wantUser)
				}
				return nil
			})
		})
	}
}

func TestSignUpAndPersistence(t *testing.T) {
	dir := t.TempDir()
	session := filepath.Join(t.TempDir(), "session.json")
	{
		env := sandboxtest.Start(t, sandboxtest.Options{DataDir: dir})
		c := env.Account(t, session)
		run(t, c, func(ctx context.Context) error {
			req, err := c.SendCode(ctx, "9996621234")
			if err != nil {
				return err
			}
			if _, err := c.SignIn(ctx, req, "22222"); !errors.Is(err, account.ErrSignUpRequired) {
				t.Fatalf("sign in with a new number: %v", err)
			}
			u, err := c.SignUp(ctx, req, "Dora", "Dean")
			if err != nil {
				return err
			}
			if u.FirstName != "Dora" || u.Phone != "9996621234" {
				t.Errorf("signed up %+v", u)
			}
			return nil
		})
	}
	// A second sandbox on the same data folder knows the session and the user.
	env := sandboxtest.Start(t, sandboxtest.Options{DataDir: dir})
	c := env.Account(t, session)
	run(t, c, func(ctx context.Context) error {
		if err := c.WaitAuthorized(ctx); err != nil {
			return err
		}
		if u := c.Self(); u.FirstName != "Dora" {
			t.Errorf("after restart signed in as %+v", u)
		}
		contacts, err := c.Contacts(ctx)
		if err != nil {
			return err
		}
		if len(contacts) != 8 {
			t.Errorf("new user has %d contacts, want the 8 demo accounts", len(contacts))
		}
		return nil
	})
}

func TestDirectory(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	ctx := testCtx(t)
	contacts, err := alice.Contacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(contacts) != 7 {
		t.Fatalf("alice has %d contacts, want the 7 other demo accounts", len(contacts))
	}
	for _, tt := range []struct {
		query, want string
		err         error
	}{
		{query: "@bob", want: "bob"},
		{query: "bob", want: "bob"},
		{query: "+9996620003", want: "carol"},
		{query: "@nobody_here", err: account.ErrNotFound},
		{query: "+9996629998", err: account.ErrNotFound},
	} {
		got, err := alice.Resolve(ctx, tt.query)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Resolve(%q) error %v, want %v", tt.query, err, tt.err)
			}
			continue
		}
		if err != nil || got.Username != tt.want {
			t.Errorf("Resolve(%q) = %+v, %v; want %s", tt.query, got, err, tt.want)
		}
	}
	found, err := alice.Search(ctx, "ar", 10)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range found {
		names[c.Username] = true
	}
	// "ar" is in Alice Archer and Carol Clark; the searcher is never a result.
	if len(names) != 1 || !names["carol"] {
		t.Errorf("search 'ar' found %v, want only carol", names)
	}
}

func TestDHConfig(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	api := env.SignIn(t, "alice").API()
	ctx := testCtx(t)
	res, err := api.MessagesGetDhConfig(ctx, &tg.MessagesGetDhConfigRequest{Version: 0, RandomLength: 256})
	if err != nil {
		t.Fatal(err)
	}
	cfg, ok := res.(*tg.MessagesDhConfig)
	if !ok || cfg.G != 3 || len(cfg.P) != 256 || len(cfg.Random) != 256 {
		t.Fatalf("getDhConfig = %T %+v", res, res)
	}
	res, err = api.MessagesGetDhConfig(ctx, &tg.MessagesGetDhConfigRequest{Version: cfg.Version, RandomLength: 256})
	if err != nil {
		t.Fatal(err)
	}
	if nm, ok := res.(*tg.MessagesDhConfigNotModified); !ok || len(nm.Random) != 256 {
		t.Fatalf("getDhConfig with the current version = %T, want dhConfigNotModified with 256 random bytes", res)
	}
}

// phoneInbox collects one client's phone updates.
type phoneInbox struct {
	mu    sync.Mutex
	calls []tg.PhoneCallClass
	sig   [][]byte
	wake  chan struct{}
}

func newInbox() *phoneInbox { return &phoneInbox{wake: make(chan struct{}, 64)} }

func (p *phoneInbox) attach(c *account.Client) {
	c.OnPhoneCall(func(u account.PhoneCallUpdate) {
		p.mu.Lock()
		p.calls = append(p.calls, u.Call)
		p.mu.Unlock()
		p.wake <- struct{}{}
	})
	c.OnSignaling(func(u account.SignalingUpdate) {
		p.mu.Lock()
		p.sig = append(p.sig, u.Data)
		p.mu.Unlock()
		p.wake <- struct{}{}
	})
}

// next waits for a phone update of type T.
func next[T tg.PhoneCallClass](t *testing.T, p *phoneInbox) T {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		p.mu.Lock()
		for i, c := range p.calls {
			if v, ok := c.(T); ok {
				p.calls = append(p.calls[:i], p.calls[i+1:]...)
				p.mu.Unlock()
				return v
			}
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-deadline:
			var zero T
			t.Fatalf("no %T update", zero)
		}
	}
}

func protocol(versions ...string) tg.PhoneCallProtocol {
	p := tg.PhoneCallProtocol{UDPP2P: true, UDPReflector: true, MinLayer: 65, MaxLayer: 92, LibraryVersions: versions}
	p.SetFlags()
	return p
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// TestCallFlow drives phone.* with raw requests and checks what each side
// and each of the callee's devices receives.
func TestCallFlow(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	aliceIn, bobIn, bob2In := newInbox(), newInbox(), newInbox()
	alice := env.SignIn(t, "alice", aliceIn.attach)
	bob := env.SignIn(t, "bob", bobIn.attach)
	bob2 := env.SignIn(t, "bob", bob2In.attach) // bob's second device
	ctx := testCtx(t)
	bobContact, err := alice.Resolve(ctx, "@bob")
	if err != nil {
		t.Fatal(err)
	}
	ga, gb := randomBytes(256), randomBytes(256)
	gaHash := sha256.Sum256(ga)

	res, err := alice.API().PhoneRequestCall(ctx, &tg.PhoneRequestCallRequest{UserID: bobContact.InputUser(),
		RandomID: 1, GAHash: gaHash[:], Protocol: protocol("9.0.0", "2.4.4")})
	if err != nil {
		t.Fatal(err)
	}
	waiting, ok := res.PhoneCall.(*tg.PhoneCallWaiting)
	if !ok || waiting.ReceiveDate != 0 {
		t.Fatalf("requestCall returned %T %+v, want phoneCallWaiting without receive_date", res.PhoneCall, res.PhoneCall)
	}
	peer := tg.InputPhoneCall{ID: waiting.ID, AccessHash: waiting.AccessHash}
	for _, in := range []*phoneInbox{bobIn, bob2In} {
		req := next[*tg.PhoneCallRequested](t, in)
		if req.ID != waiting.ID || req.AdminID != alice.Self.ID || string(req.GAHash) != string(gaHash[:]) {
			t.Errorf("callee device got %+v", req)
		}
	}
	if _, err := bob.API().PhoneReceivedCall(ctx, peer); err != nil {
		t.Fatal(err)
	}
	if w := next[*tg.PhoneCallWaiting](t, aliceIn); w.ReceiveDate == 0 {
		t.Errorf("caller's ringing update has no receive_date: %+v", w)
	}
	// The callee offers 2.4.4 only: the caller's 9.0.0 is not common.
	acc, err := bob.API().PhoneAcceptCall(ctx, &tg.PhoneAcceptCallRequest{Peer: peer, GB: gb, Protocol: protocol("2.4.4")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := acc.PhoneCall.(*tg.PhoneCallWaiting); !ok {
		t.Errorf("acceptCall returned %T, want phoneCallWaiting", acc.PhoneCall)
	}
	accepted := next[*tg.PhoneCallAccepted](t, aliceIn)
	if string(accepted.GB) != string(gb) || len(accepted.Protocol.LibraryVersions) != 1 || accepted.Protocol.LibraryVersions[0] != "2.4.4" {
		t.Errorf("caller got accepted %+v", accepted)
	}
	if d := next[*tg.PhoneCallDiscarded](t, bob2In); d.ID != waiting.ID {
		t.Errorf("bob's other device got discard for %d", d.ID)
	}
	if _, err := bob2.API().PhoneAcceptCall(ctx, &tg.PhoneAcceptCallRequest{Peer: peer, GB: gb, Protocol: protocol("2.4.4")}); !tgerr.Is(err, "CALL_ALREADY_ACCEPTED") {
		t.Errorf("second accept: %v, want CALL_ALREADY_ACCEPTED", err)
	}
	if _, err := alice.API().PhoneConfirmCall(ctx, &tg.PhoneConfirmCallRequest{Peer: peer, GA: randomBytes(256),
		KeyFingerprint: 42, Protocol: protocol("9.0.0", "2.4.4")}); !tgerr.Is(err, "G_A_INVALID") {
		t.Errorf("confirm with a g_a that does not match g_a_hash: %v", err)
	}
	conf, err := alice.API().PhoneConfirmCall(ctx, &tg.PhoneConfirmCallRequest{Peer: peer, GA: ga,
		KeyFingerprint: 42, Protocol: protocol("9.0.0", "2.4.4")})
	if err != nil {
		t.Fatal(err)
	}
	callerView := conf.PhoneCall.(*tg.PhoneCall)
	calleeView := next[*tg.PhoneCall](t, bobIn)
	if string(calleeView.GAOrB) != string(ga) || calleeView.KeyFingerprint != 42 || calleeView.StartDate == 0 {
		t.Errorf("callee's phoneCall %+v", calleeView)
	}
	if len(callerView.Connections) == 0 || len(calleeView.Connections) != len(callerView.Connections) {
		t.Fatalf("connections: caller %d, callee %d", len(callerView.Connections), len(calleeView.Connections))
	}
	ct, ok1 := callerView.Connections[0].(*tg.PhoneConnection)
	ce, ok2 := calleeView.Connections[0].(*tg.PhoneConnection)
	if !ok1 || !ok2 || len(ct.PeerTag) != 16 || ct.PeerTag[15]&1 != 0 || ce.PeerTag[15]&1 != 1 ||
		string(ct.PeerTag[:15]) != string(ce.PeerTag[:15]) {
		t.Errorf("reflector tags: caller %x, callee %x (want equal but bit 0 of byte 15)", ct.PeerTag, ce.PeerTag)
	}
	if _, err := alice.API().PhoneSendSignalingData(ctx, &tg.PhoneSendSignalingDataRequest{Peer: peer, Data: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		bobIn.mu.Lock()
		n := len(bobIn.sig)
		bobIn.mu.Unlock()
		if n > 0 {
			break
		}
		select {
		case <-bobIn.wake:
		case <-deadline:
			t.Fatal("signalling data never reached the callee")
		}
	}
	if _, err := bob2.API().PhoneSendSignalingData(ctx, &tg.PhoneSendSignalingDataRequest{Peer: peer, Data: []byte("x")}); !tgerr.Is(err, "CALL_PEER_INVALID") {
		t.Errorf("signalling from the device that did not answer: %v", err)
	}
	if !callerView.P2PAllowed || !calleeView.P2PAllowed {
		t.Errorf("p2p_allowed %v/%v with both users' rule at everyone", callerView.P2PAllowed, calleeView.P2PAllowed)
	}
	time.Sleep(1100 * time.Millisecond)
	upd, err := alice.API().PhoneDiscardCall(ctx, &tg.PhoneDiscardCallRequest{Peer: peer, Duration: 1,
		Reason: &tg.PhoneCallDiscardReasonHangup{}})
	if err != nil {
		t.Fatal(err)
	}
	// As Telegram answers it: the final state and the history message (with
	// its pts) in the result, for the client to apply.
	var gotDiscard, gotMessage bool
	if u, ok := upd.(*tg.Updates); ok {
		for _, x := range u.Updates {
			switch x := x.(type) {
			case *tg.UpdatePhoneCall:
				_, gotDiscard = x.PhoneCall.(*tg.PhoneCallDiscarded)
			case *tg.UpdateNewMessage:
				gotMessage = x.Pts > 0 && x.PtsCount == 1
			}
		}
	}
	if !gotDiscard || !gotMessage {
		t.Errorf("discardCall answered %+v, want the discard and the history message", upd)
	}
	d := next[*tg.PhoneCallDiscarded](t, bobIn)
	if _, ok := d.Reason.(*tg.PhoneCallDiscardReasonHangup); !ok || d.Duration != 1 || !d.NeedRating {
		t.Errorf("callee's discard %+v", d)
	}
	if _, err := bob.API().PhoneSetCallRating(ctx, &tg.PhoneSetCallRatingRequest{Peer: peer, Rating: 5, Comment: "ok"}); err != nil {
		t.Error(err)
	}
	if _, err := bob.API().PhoneSetCallRating(ctx, &tg.PhoneSetCallRatingRequest{Peer: peer, Rating: 6}); !tgerr.Is(err, "RATING_INVALID") {
		t.Errorf("rating 6: %v", err)
	}
	if _, err := bob.API().PhoneSaveCallDebug(ctx, &tg.PhoneSaveCallDebugRequest{Peer: peer, Debug: tg.DataJSON{Data: `{"log":[]}`}}); err != nil {
		t.Error(err)
	}
	if logs := env.Server.CallDebug(waiting.ID); len(logs) != 1 || logs[0] != `{"log":[]}` {
		t.Errorf("debug logs kept: %q", logs)
	}
	if _, err := bob.API().PhoneSaveCallLog(ctx, &tg.PhoneSaveCallLogRequest{Peer: peer,
		File: &tg.InputFile{ID: 99, Parts: 1, Name: "call.log"}}); !tgerr.Is(err, "FILE_PART_MISSING") {
		t.Errorf("call log never uploaded: %v", err)
	}
	logFile, err := uploader.NewUploader(bob.API()).FromBytes(ctx, "call.log", []byte("a call log\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.API().PhoneSaveCallLog(ctx, &tg.PhoneSaveCallLogRequest{Peer: peer, File: logFile}); err != nil {
		t.Fatal(err)
	}
	if logs := env.Server.CallLogs(waiting.ID); len(logs) != 1 || string(logs[0]) != "a call log\n" {
		t.Errorf("call logs kept: %q", logs)
	}
	for _, c := range []*sandboxtest.Client{alice, bob} {
		h, err := c.CallHistory(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].CallID != waiting.ID || h[0].Duration != time.Second || h[0].Reason != "hangup" {
			t.Errorf("%s's history: %+v", c.Self.FirstName, h)
		}
	}
}

func TestRequestCallErrors(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	ctx := testCtx(t)
	hash := make([]byte, 32)
	user := func(name string) tg.InputUserClass {
		c, err := alice.Resolve(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return c.InputUser()
	}
	bob := user("@bob")
	for _, tt := range []struct {
		name string
		req  tg.PhoneRequestCallRequest
		code string
	}{
		{"blocked", tg.PhoneRequestCallRequest{UserID: user("@blocked"), GAHash: hash, Protocol: protocol("9.0.0")}, "USER_IS_BLOCKED"},
		{"private", tg.PhoneRequestCallRequest{UserID: user("@private"), GAHash: hash, Protocol: protocol("9.0.0")}, "USER_PRIVACY_RESTRICTED"},
		{"old", tg.PhoneRequestCallRequest{UserID: user("@old"), GAHash: hash, Protocol: protocol("9.0.0", "2.4.4")}, "PARTICIPANT_VERSION_OUTDATED"},
		{"self", tg.PhoneRequestCallRequest{UserID: &tg.InputUserSelf{}, GAHash: hash, Protocol: protocol("9.0.0")}, "USER_ID_INVALID"},
		{"bad access hash", tg.PhoneRequestCallRequest{UserID: &tg.InputUser{UserID: 102, AccessHash: 1}, GAHash: hash, Protocol: protocol("9.0.0")}, "USER_ID_INVALID"},
		{"no transport", tg.PhoneRequestCallRequest{UserID: bob, GAHash: hash, Protocol: tg.PhoneCallProtocol{MinLayer: 65, MaxLayer: 92}}, "CALL_PROTOCOL_FLAGS_INVALID"},
		{"layer range", tg.PhoneRequestCallRequest{UserID: bob, GAHash: hash, Protocol: tg.PhoneCallProtocol{UDPP2P: true, MinLayer: 93, MaxLayer: 100}}, "CALL_PROTOCOL_LAYER_INVALID"},
		{"short g_a_hash", tg.PhoneRequestCallRequest{UserID: bob, GAHash: hash[:31], Protocol: protocol("9.0.0")}, "G_A_HASH_INVALID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := alice.API().PhoneRequestCall(ctx, &tt.req)
			if !tgerr.Is(err, tt.code) {
				t.Errorf("requestCall: %v, want %s", err, tt.code)
			}
		})
	}
	t.Run("unknown call", func(t *testing.T) {
		_, err := alice.API().PhoneReceivedCall(ctx, tg.InputPhoneCall{ID: 1, AccessHash: 2})
		if !tgerr.Is(err, "CALL_PEER_INVALID") {
			t.Errorf("receivedCall for an unknown call: %v", err)
		}
	})
}

func TestQRLogin(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	c := env.KeyedAccount(t)
	accepted := make(chan error, 1)
	run(t, c, func(ctx context.Context) error {
		u, err := c.QRLogin(ctx, func(ctx context.Context, url string, _ time.Time) error {
			go func() { accepted <- alice.AcceptQR(alice.Ctx, url) }()
			return nil
		})
		if err != nil {
			return err
		}
		if u.ID != alice.Self.ID {
			t.Errorf("QR login signed in as %d, want alice", u.ID)
		}
		return nil
	})
	if err := <-accepted; err != nil {
		t.Errorf("accept QR: %v", err)
	}
}

// TestP2PPrivacy: the "peer-to-peer in calls" rule is stored per account,
// read back by every device, and refused for keys the sandbox does not keep.
func TestP2PPrivacy(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	aliceElsewhere := env.SignIn(t, "alice")
	bob := env.SignIn(t, "bob")
	ctx := testCtx(t)
	for _, c := range []*sandboxtest.Client{alice, bob} {
		if got, err := c.P2PPrivacy(ctx); err != nil || got != account.P2PEveryone {
			t.Errorf("%s's initial rule %v (%v), want everyone", c.Self.FirstName, got, err)
		}
	}
	for _, want := range []account.P2PPrivacy{account.P2PNobody, account.P2PContacts, account.P2PEveryone} {
		if err := alice.SetP2PPrivacy(ctx, want); err != nil {
			t.Fatal(err)
		}
		if got, err := aliceElsewhere.P2PPrivacy(ctx); err != nil || got != want {
			t.Errorf("after setting %v the other device reads %v (%v)", want, got, err)
		}
	}
	if got, _ := bob.P2PPrivacy(ctx); got != account.P2PEveryone {
		t.Errorf("alice's setting changed bob's: %v", got)
	}
	if _, err := alice.API().AccountSetPrivacy(ctx, &tg.AccountSetPrivacyRequest{Key: &tg.InputPrivacyKeyStatusTimestamp{},
		Rules: []tg.InputPrivacyRuleClass{&tg.InputPrivacyValueAllowAll{}}}); !tgerr.Is(err, "PRIVACY_KEY_INVALID") {
		t.Errorf("a key the sandbox does not keep: %v", err)
	}
}
