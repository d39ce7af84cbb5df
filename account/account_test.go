package account

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

func TestTestNumberCode(t *testing.T) {
	for _, tc := range []struct {
		phone, code string
		ok          bool
	}{
		{"9996620001", "22222", true},
		{"+9996610042", "11111", true},
		{"99966200011", "", false},
		{"15550001234", "", false},
		{"999662000a", "", false},
	} {
		code, ok := TestNumberCode(tc.phone)
		if code != tc.code || ok != tc.ok {
			t.Errorf("%s: got %q %v, want %q %v", tc.phone, code, ok, tc.code, tc.ok)
		}
	}
}

func TestPhoneDigits(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"+1 (555) 010-0200", "15550100200", true},
		{"9996620001", "9996620001", true},
		{"@alice", "", false},
		{"alice", "", false},
		{"+", "", false},
		{"+12a", "", false},
	} {
		got, ok := phoneDigits(tc.in)
		if got != tc.out || ok != tc.ok {
			t.Errorf("%q: got %q %v, want %q %v", tc.in, got, ok, tc.out, tc.ok)
		}
	}
}

func TestMapAuthError(t *testing.T) {
	for _, tc := range []struct {
		rpc  error
		want error
	}{
		{tgerr.New(400, "PHONE_CODE_INVALID"), ErrCodeInvalid},
		{tgerr.New(400, "PHONE_CODE_EXPIRED"), ErrCodeExpired},
		{tgerr.New(401, "SESSION_PASSWORD_NEEDED"), ErrPasswordNeeded},
		{tgerr.New(400, "PASSWORD_HASH_INVALID"), ErrPasswordInvalid},
		{tgerr.New(400, "PHONE_NUMBER_UNOCCUPIED"), ErrSignUpRequired},
		{tgerr.New(400, "PHONE_NUMBER_INVALID"), ErrPhoneInvalid},
		{tgerr.New(400, "EMAIL_CODE_INVALID"), ErrEmailCodeInvalid},
		{tgerr.New(400, "SEND_CODE_UNAVAILABLE"), ErrNoResend},
	} {
		if got := mapAuthError(tc.rpc); !errors.Is(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.rpc, got, tc.want)
		}
	}
	var fw *FloodWaitError
	if !errors.As(mapAuthError(tgerr.New(420, "FLOOD_WAIT_42")), &fw) || fw.Wait.Seconds() != 42 {
		t.Errorf("flood wait not mapped: %v", fw)
	}
}

func TestContactNames(t *testing.T) {
	for _, tc := range []struct {
		u              tg.User
		name, initials string
	}{
		{tg.User{FirstName: "Alice", LastName: "Archer"}, "Alice Archer", "AA"},
		{tg.User{Username: "echo"}, "@echo", "E"},
		{tg.User{Phone: "9996620001"}, "+9996620001", "9"},
		{tg.User{ID: 7}, "user 7", "U7"},
		{tg.User{ID: 8, Deleted: true, FirstName: "Old", Phone: "9996620009"}, "Deleted Account", ""},
	} {
		c := ContactFromUser(&tc.u)
		if c.Name() != tc.name || c.Initials() != tc.initials {
			t.Errorf("%+v: got %q/%q, want %q/%q", tc.u, c.Name(), c.Initials(), tc.name, tc.initials)
		}
		if c.Deleted != tc.u.Deleted || (c.Deleted && (c.Phone != "" || c.FirstName != "")) {
			t.Errorf("%+v: contact %+v does not say only that it was deleted", tc.u, c)
		}
	}
}

// A userEmpty among a result's users is a deleted account, as Telegram's
// apps read it, not a user skipped (whose calls then showed "user 0").
func TestUsersOfDeleted(t *testing.T) {
	got := usersOf([]tg.UserClass{&tg.User{ID: 1, FirstName: "Alice"}, &tg.UserEmpty{ID: 9}, &tg.User{ID: 10, Deleted: true}})
	if len(got) != 3 || got[0].Deleted || !got[1].Deleted || got[1].ID != 9 || !got[2].Deleted || got[2].ID != 10 {
		t.Errorf("usersOf = %+v, want Alice, then deleted 9 and 10", got)
	}
}

func TestHistoryKind(t *testing.T) {
	for _, tc := range []struct {
		out    bool
		reason string
		want   CallKind
	}{
		{true, "missed", CallOutgoing},
		{false, "missed", CallMissed},
		{false, "busy", CallDeclined},
		{false, "hangup", CallIncoming},
	} {
		if got := historyKind(tc.out, tc.reason); got != tc.want {
			t.Errorf("%v/%s: %s, want %s", tc.out, tc.reason, got, tc.want)
		}
	}
}

// TestCodeRequest reads every auth.sentCode type as Telegram Desktop does.
func TestCodeRequest(t *testing.T) {
	sms := &tg.AuthCodeTypeSMS{}
	for _, tc := range []struct {
		name string
		sent tg.AuthSentCode
		want CodeRequest
	}{
		{"app then sms", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeApp{Length: 5}, NextType: sms, Timeout: 60},
			CodeRequest{Via: ViaApp, Length: 5, Next: ViaSMS, ResendAfter: time.Minute}},
		{"call, nothing after", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeCall{Length: 5}},
			CodeRequest{Via: ViaCall, Length: 5}},
		{"missed call", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeMissedCall{Prefix: "+44 20", Length: 4}},
			CodeRequest{Via: ViaMissedCall, Prefix: "+44 20", Length: 4}},
		{"flash call", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeFlashCall{Pattern: "+7*"}},
			CodeRequest{Via: ViaFlashCall, Pattern: "+7*"}},
		{"email", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeEmailCode{EmailPattern: "a***@b.c", Length: 6}},
			CodeRequest{Via: ViaEmail, Pattern: "a***@b.c", Length: 6}},
		{"email set-up", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSetUpEmailRequired{}}, CodeRequest{}},
		{"fragment", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeFragmentSMS{URL: "https://fragment.com/x", Length: 5}},
			CodeRequest{Via: ViaFragment, URL: "https://fragment.com/x", Length: 5}},
		{"firebase is an sms here", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeFirebaseSMS{Nonce: []byte{1}, Length: 6}},
			CodeRequest{Via: ViaSMS, Length: 6, Next: ViaSMS}},
		{"sms word", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMSWord{Beginning: "b"}}, CodeRequest{Via: ViaSMSWord, Prefix: "b"}},
		{"sms phrase", tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMSPhrase{}}, CodeRequest{Via: ViaSMSPhrase}},
	} {
		tc.sent.SetFlags()
		got, err := codeRequest("", &tc.sent, time.Time{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got.Hash = ""
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if _, err := codeRequest("", &tg.AuthSentCode{}, time.Time{}); err == nil {
		t.Error("a sent code without a type was read")
	}
}

// TestSentCodeAnswers: the auth.SentCode answers that are not a code to type.
func TestSentCodeAnswers(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.PublicKey)})
	c, err := New(Options{Sandbox: &Sandbox{Addr: "127.0.0.1:1", PublicKeyPEM: string(pemKey)}})
	if err != nil {
		t.Fatal(err)
	}
	setUp := &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSetUpEmailRequired{}, PhoneCodeHash: "h"}
	for _, tc := range []struct {
		name string
		res  tg.AuthSentCodeClass
		want error
	}{
		{"payment required", &tg.AuthSentCodePaymentRequired{}, ErrCodePaymentRequired},
		{"login email to set up", setUp, ErrEmailSetupRequired},
		{"code", &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeSMS{Length: 5}}, nil},
	} {
		req, err := c.sentCode("1", tc.res)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if req.Phone != "1" {
			t.Errorf("%s: request for %q", tc.name, req.Phone)
		}
	}
	var e *EmailSetupRequiredError
	if _, err := c.sentCode("1", setUp); !errors.As(err, &e) || e.Req.Hash != "h" {
		t.Errorf("set-up answer %v does not carry the request", err)
	}
}

// answerInvoker answers every request with one fixed result.
type answerInvoker struct{ res bin.Encoder }

func (a answerInvoker) Invoke(_ context.Context, _ bin.Encoder, out bin.Decoder) error {
	var b bin.Buffer
	if err := a.res.Encode(&b); err != nil {
		return err
	}
	return out.Decode(&b)
}

// A history call with a deleted peer is theirs (deleted), and one whose
// user the answer left out keeps the peer's id rather than user 0's.
func TestCallHistoryPeers(t *testing.T) {
	call := func(id, peer int) *tg.MessageService {
		return &tg.MessageService{ID: id, PeerID: &tg.PeerUser{UserID: int64(peer)}, Date: 1_800_000_000,
			Action: &tg.MessageActionPhoneCall{CallID: int64(id), Reason: &tg.PhoneCallDiscardReasonHangup{}}}
	}
	c := &Client{api: tg.NewClient(answerInvoker{&tg.MessagesMessages{
		Messages: []tg.MessageClass{call(1, 5), call(2, 6), call(3, 7)},
		Users:    []tg.UserClass{&tg.User{ID: 5, FirstName: "Alice"}, &tg.UserEmpty{ID: 6}},
	}})}
	got, err := c.CallHistory(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d entries, want 3", len(got))
	}
	if p := got[0].Peer; p.Name() != "Alice" || p.Deleted {
		t.Errorf("first peer %+v, want Alice", p)
	}
	if p := got[1].Peer; p.ID != 6 || !p.Deleted {
		t.Errorf("second peer %+v, want deleted account 6", p)
	}
	if p := got[2].Peer; p.ID != 7 || p.Deleted {
		t.Errorf("third peer %+v, want user 7, not deleted", p)
	}
}
