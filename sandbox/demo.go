package sandbox

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/gotd/td/crypto/srp"

	tgcrypto "github.com/tgphone/tgphone/crypto"
)

// DemoPassword is the 2FA password of the demo account carol.
const DemoPassword = "sandbox-2fa"

// demoAccount is one of the accounts every sandbox starts with.
type demoAccount struct {
	id                    int64
	username, first, last string
	phone                 string
	behaviour             string
	versions              []string
	twoFA                 bool
}

// The demo accounts use Telegram's test numbers 99966XYYYY (code: X five
// times), so they sign in with 22222 as on Telegram's test DCs.
var demoAccounts = []demoAccount{
	{id: 101, username: "alice", first: "Alice", last: "Archer", phone: "9996620001"},
	{id: 102, username: "bob", first: "Bob", last: "Baker", phone: "9996620002"},
	{id: 103, username: "carol", first: "Carol", last: "Clark", phone: "9996620003", twoFA: true},
	{id: 104, username: "echo", first: "Echo", last: "Test", phone: "9996620100"},
	{id: 105, username: "busy", first: "Busy", last: "Line", phone: "9996620101", behaviour: behaviourBusy},
	{id: 106, username: "private", first: "Private", last: "Person", phone: "9996620102", behaviour: behaviourPrivate},
	{id: 107, username: "blocked", first: "Blocking", last: "Account", phone: "9996620103", behaviour: behaviourBlocked},
	// @old runs an app that only knows a library version nobody speaks.
	{id: 108, username: "old", first: "Old", last: "App", phone: "9996620104", versions: []string{"1.0.0"}},
}

// DemoPhone returns the phone number of a demo account ("alice" → "9996620001").
func DemoPhone(username string) (string, bool) {
	for _, d := range demoAccounts {
		if d.username == username {
			return d.phone, true
		}
	}
	return "", false
}

// DemoUsernames lists the demo accounts people can sign in as and call.
func DemoUsernames() []string {
	out := make([]string, len(demoAccounts))
	for i, d := range demoAccounts {
		out[i] = d.username
	}
	return out
}

// seedDemo creates the demo accounts that the state does not have yet.
func (s *Server) seedDemo() error {
	ids := make([]int64, len(demoAccounts))
	for i, d := range demoAccounts {
		ids[i] = d.id
	}
	changed := false
	for _, d := range demoAccounts {
		if _, ok := s.st.Users[d.id]; ok {
			continue
		}
		a := &account{ID: d.id, AccessHash: randInt64(s.rand), FirstName: d.first, LastName: d.last,
			Username: d.username, Phone: d.phone, Behaviour: d.behaviour, Versions: d.versions, Pts: 1, NextMsgID: 1}
		for _, id := range ids {
			if id != d.id {
				a.Contacts = append(a.Contacts, id)
			}
		}
		if d.twoFA {
			pw, err := newPassword(s.rand, DemoPassword, "the sandbox's demo password")
			if err != nil {
				return fmt.Errorf("demo 2FA password: %w", err)
			}
			a.Password = pw
		}
		s.st.Users[d.id] = a
		changed = true
	}
	if changed {
		s.persist()
	}
	return nil
}

// newPassword makes the SRP verifier of pw as Telegram stores it
// (passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow).
func newPassword(rnd io.Reader, pw, hint string) (*password, error) {
	salt1, salt2 := make([]byte, 8), make([]byte, 16)
	if _, err := io.ReadFull(rnd, salt1); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rnd, salt2); err != nil {
		return nil, err
	}
	v, fullSalt1, err := srp.NewSRP(rnd).NewHash([]byte(pw), srp.Input{
		Salt1: salt1, Salt2: salt2, G: 3, P: tgcrypto.TelegramPrime(),
	})
	if err != nil {
		return nil, err
	}
	return &password{Salt1: fullSalt1, Salt2: salt2, Verifier: v, Hint: hint}, nil
}

func randInt64(r io.Reader) int64 {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		_, _ = rand.Read(b[:])
	}
	return int64(binary.LittleEndian.Uint64(b[:]) &^ (1 << 63))
}
