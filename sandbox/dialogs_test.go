package sandbox_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// callAndHangUp has from ring peer and hang up at once: one history message
// in their chat.
func callAndHangUp(t *testing.T, ctx context.Context, from *sandboxtest.Client, peer account.Contact, randomID int) {
	t.Helper()
	gaHash := sha256.Sum256(randomBytes(256))
	res, err := from.API().PhoneRequestCall(ctx, &tg.PhoneRequestCallRequest{UserID: peer.InputUser(),
		RandomID: randomID, GAHash: gaHash[:], Protocol: protocol("8.0.0")})
	if err != nil {
		t.Fatal(err)
	}
	w, ok := res.PhoneCall.(*tg.PhoneCallWaiting)
	if !ok {
		t.Fatalf("requestCall answered %T", res.PhoneCall)
	}
	if _, err := from.API().PhoneDiscardCall(ctx, &tg.PhoneDiscardCallRequest{
		Peer: tg.InputPhoneCall{ID: w.ID, AccessHash: w.AccessHash}, Reason: &tg.PhoneCallDiscardReasonHangup{}}); err != nil {
		t.Fatal(err)
	}
}

// TestGetDialogs: messages.getDialogs lists the chats with call messages,
// newest first, and pages by offset_id.
func TestGetDialogs(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	echo := env.SignIn(t, "echo")
	ctx := testCtx(t)
	var bob, alice account.Contact
	for i, name := range []string{"bob", "alice"} {
		c, err := echo.Resolve(ctx, "@"+name)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			bob = c
		} else {
			alice = c
		}
	}
	get := func(offsetID, limit int) tg.ModifiedMessagesDialogs {
		res, err := echo.API().MessagesGetDialogs(ctx, &tg.MessagesGetDialogsRequest{
			OffsetPeer: &tg.InputPeerEmpty{}, OffsetID: offsetID, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		m, ok := res.AsModified()
		if !ok {
			t.Fatalf("getDialogs answered %T", res)
		}
		return m
	}
	if d := get(0, 10); len(d.GetDialogs()) != 0 {
		t.Fatalf("before any call: %d dialogs", len(d.GetDialogs()))
	}
	callAndHangUp(t, ctx, echo, bob, 1)
	callAndHangUp(t, ctx, echo, alice, 2)
	callAndHangUp(t, ctx, echo, bob, 3)

	type row struct {
		peer int64
		top  int
	}
	rows := func(d tg.ModifiedMessagesDialogs) []row {
		var out []row
		msgs := map[int]bool{}
		for _, m := range d.GetMessages() {
			msgs[m.GetID()] = true
		}
		users := map[int64]bool{}
		for _, u := range d.GetUsers() {
			users[u.GetID()] = true
		}
		for _, dc := range d.GetDialogs() {
			dl := dc.(*tg.Dialog)
			p := dl.Peer.(*tg.PeerUser).UserID
			if !msgs[dl.TopMessage] || !users[p] {
				t.Errorf("dialog with %d: top message %d or user missing from the answer", p, dl.TopMessage)
			}
			out = append(out, row{p, dl.TopMessage})
		}
		return out
	}
	all := rows(get(0, 10))
	if len(all) != 2 || all[0].peer != bob.ID || all[1].peer != alice.ID || all[0].top <= all[1].top {
		t.Fatalf("dialogs %+v, want bob (newest call) then alice", all)
	}
	first := get(0, 1)
	slice, ok := first.(*tg.MessagesDialogsSlice)
	if !ok || slice.Count != 2 {
		t.Fatalf("first page of 1: %T, want messages.dialogsSlice of 2", first)
	}
	if p := rows(first); len(p) != 1 || p[0] != all[0] {
		t.Errorf("first page %+v, want %+v", p, all[:1])
	}
	if p := rows(get(all[0].top, 1)); len(p) != 1 || p[0] != all[1] {
		t.Errorf("second page %+v, want %+v", p, all[1:])
	}
}

// TestLayer: the sandbox answers in its own layer only, so a request of
// another layer (GramJS 198, mtcute 227, a newer client) gets
// CONNECTION_LAYER_INVALID at once instead of answers it would misread.
// (gotd wraps every request in invokeWithLayer, so the session's memory of
// the layer for plain requests is tested in TestClientLayer.)
func TestLayer(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	c := env.SignIn(t, "alice")
	ctx := testCtx(t)
	inv := c.API().Invoker()
	for _, tt := range []struct {
		layer int
		ok    bool
	}{
		{198, false},
		{227, false},
		{tg.Layer + 1, false},
		{tg.Layer, true},
	} {
		var cfg tg.Config
		err := inv.Invoke(ctx, &tg.InvokeWithLayerRequest{Layer: tt.layer, Query: &tg.HelpGetConfigRequest{}}, &cfg)
		if tt.ok != (err == nil) {
			t.Errorf("layer %d: %v", tt.layer, err)
		}
		if !tt.ok && !tgerr.Is(err, "CONNECTION_LAYER_INVALID") {
			t.Errorf("layer %d refused with %v, want CONNECTION_LAYER_INVALID", tt.layer, err)
		}
		if tt.ok && cfg.ThisDC != env.Info.DC {
			t.Errorf("layer %d: config %+v", tt.layer, cfg)
		}
	}
}

// TestResolveNonContact: dialing the number of someone who is not a
// contact finds them (contacts.resolvePhone), and they can be called.
func TestResolveNonContact(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	erin := env.SignIn(t, "9996627777") // signs up: a contact of nobody
	alice := env.SignIn(t, "alice")
	ctx := testCtx(t)
	contacts, err := alice.Contacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range contacts {
		if c.ID == erin.Self.ID {
			t.Fatal("the new account is alice's contact already")
		}
	}
	got, err := alice.Resolve(ctx, "+999 662 7777")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != erin.Self.ID || got.Phone != "9996627777" {
		t.Errorf("resolved %+v, want user %d with the dialed number", got, erin.Self.ID)
	}
	callAndHangUp(t, ctx, alice, got, 1)
	if _, err := alice.Resolve(ctx, "+9996627778"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("a number without an account: %v, want ErrNotFound", err)
	}
}
