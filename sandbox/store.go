package sandbox

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
)

// account is one sandbox user, as stored.
type account struct {
	ID         int64  `json:"id"`
	AccessHash int64  `json:"access_hash"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name,omitempty"`
	Username   string `json:"username,omitempty"`
	Phone      string `json:"phone"`
	// Password is the SRP verifier of the 2FA password, if any.
	Password *password `json:"password,omitempty"`
	// Behaviour makes a demo account act as its name says (behaviour* consts).
	Behaviour string `json:"behaviour,omitempty"`
	// Versions are the call library versions this account's app is known to
	// support; empty means "learn it from its acceptCall".
	Versions []string `json:"versions,omitempty"`
	Contacts []int64  `json:"contacts,omitempty"`
	// P2P is the "peer-to-peer in calls" privacy rule (inputPrivacyKeyPhoneP2P):
	// "" or p2pEveryone, p2pContacts, p2pNobody.
	P2P string `json:"p2p,omitempty"`
	// LoginEmail is the address login codes go to once set up
	// (Options.CodeDelivery DeliverEmailSetup).
	LoginEmail string `json:"login_email,omitempty"`
	// TermsAccepted: help.acceptTermsOfService was called after sign-up.
	TermsAccepted bool `json:"terms_accepted,omitempty"`
	// Pts counts this account's message-box events (updates.getState).
	Pts       int          `json:"pts"`
	NextMsgID int          `json:"next_msg_id"`
	Messages  []callRecord `json:"messages,omitempty"`
}

const (
	behaviourBusy    = "busy"    // every device is in a call: declines as busy
	behaviourPrivate = "private" // privacy settings forbid calls
	behaviourBlocked = "blocked" // has blocked everyone
)

type password struct {
	Salt1    []byte `json:"salt1"`
	Salt2    []byte `json:"salt2"`
	Verifier []byte `json:"verifier"` // v = g^x mod p
	Hint     string `json:"hint,omitempty"`
}

// callRecord is the service message a finished call leaves in a private chat.
type callRecord struct {
	ID       int    `json:"id"`
	Pts      int    `json:"pts"`
	Date     int    `json:"date"`
	Out      bool   `json:"out"`
	Peer     int64  `json:"peer"`
	CallID   int64  `json:"call_id"`
	Reason   string `json:"reason"`
	Duration int    `json:"duration"`
	Video    bool   `json:"video,omitempty"`
}

// keyRecord is an auth key and who signed in with it.
type keyRecord struct {
	Key    crypto.AuthKey `json:"key"`
	UserID int64          `json:"user_id,omitempty"`
	// Revoked: the account's sessions were terminated (RevokeSessions);
	// the key answers SESSION_REVOKED until it signs in again.
	Revoked bool `json:"revoked,omitempty"`
	// Created lets a future cleanup drop keys that never signed in.
	Created time.Time `json:"created"`
}

// state is everything the sandbox persists.
type state struct {
	Version    int                   `json:"version"`
	NextUserID int64                 `json:"next_user_id"`
	Users      map[int64]*account    `json:"users"`
	Keys       map[string]*keyRecord `json:"keys"` // by hex key id
}

const stateVersion = 1

func newState() *state {
	return &state{Version: stateVersion, NextUserID: 1000, Users: map[int64]*account{}, Keys: map[string]*keyRecord{}}
}

func keyName(id [8]byte) string { return hex.EncodeToString(id[:]) }

// loadState reads dir/state.json; a missing file is a fresh state.
func loadState(dir string) (*state, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, "state.json"), err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state.json version %d, this sandbox reads %d", st.Version, stateVersion)
	}
	return st, nil
}

// save writes the state atomically: a crash leaves the old or the new file.
func (st *state) save(dir string) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, "state.json"), b)
}

func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (st *state) byPhone(phone string) *account {
	for _, u := range st.Users {
		if u.Phone == phone {
			return u
		}
	}
	return nil
}

func (st *state) byUsername(name string) *account {
	for _, u := range st.Users {
		if u.Username != "" && strings.EqualFold(u.Username, name) {
			return u
		}
	}
	return nil
}

// sortedUsers lists accounts by id, for stable answers.
func (st *state) sortedUsers() []*account {
	out := make([]*account, 0, len(st.Users))
	for _, u := range st.Users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *account) int { return int(a.ID - b.ID) })
	return out
}

// view is u as viewer sees it: the flags Telegram sets per viewer.
func (st *state) view(viewer int64, u *account, online bool) *tg.User {
	out := &tg.User{
		ID:         u.ID,
		AccessHash: u.AccessHash,
		FirstName:  u.FirstName,
		LastName:   u.LastName,
		Username:   u.Username,
		Self:       u.ID == viewer,
	}
	if p := profilePhoto(u.ID); p != nil {
		out.Photo = p
	}
	if v := st.Users[viewer]; v != nil && (u.ID == viewer || slices.Contains(v.Contacts, u.ID)) {
		out.Contact = u.ID != viewer
		out.MutualContact = out.Contact && slices.Contains(u.Contacts, viewer)
		out.Phone = u.Phone
	}
	if online {
		out.Status = &tg.UserStatusOnline{Expires: int(time.Now().Add(5 * time.Minute).Unix())}
	} else {
		out.Status = &tg.UserStatusRecently{}
	}
	out.SetFlags()
	return out
}
