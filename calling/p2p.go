package calling

import (
	"context"
	"errors"
	"fmt"

	"github.com/tgphone/tgphone/account"
)

// The peer-to-peer setting is Telegram's own privacy setting
// (inputPrivacyKeyPhoneP2P, "Peer-to-peer in calls" in the official apps),
// so tgphone and the user's other apps agree on it; the server folds both
// users' settings into each call's p2p_allowed, and the Manager also
// applies the local policy to the engines it starts.

// ErrNotAttached is returned by the settings methods of a Manager that has
// no account (Attach was not called).
var ErrNotAttached = errors.New("call manager has no account attached")

// SetP2P changes the peer-to-peer policy for the next call. A call that is
// live keeps the policy it started with; the new one applies from the next
// call on (Settings says so).
func (m *Manager) SetP2P(p P2PPolicy) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live != nil {
		m.p2pNext = &p
		return
	}
	m.cfg.P2P, m.p2pNext = p, nil
}

// P2P is the peer-to-peer policy the next call will use.
func (m *Manager) P2P() P2PPolicy {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.p2pNext != nil {
		return *m.p2pNext
	}
	return m.cfg.P2P
}

// LoadP2P reads the account's peer-to-peer setting from Telegram
// (account.getPrivacy) and applies it to the next call.
func (m *Manager) LoadP2P(ctx context.Context) (P2PPolicy, error) {
	acct, err := m.account()
	if err != nil {
		return 0, err
	}
	v, err := acct.P2PPrivacy(ctx)
	if err != nil {
		return 0, fmt.Errorf("load p2p setting: %w", err)
	}
	p := policyOf(v)
	m.SetP2P(p)
	return p, nil
}

// SaveP2P stores the peer-to-peer setting on Telegram (account.setPrivacy),
// where the user's other apps see it, and applies it to the next call. The
// local policy changes only once the server took the new setting.
func (m *Manager) SaveP2P(ctx context.Context, p P2PPolicy) error {
	acct, err := m.account()
	if err != nil {
		return err
	}
	if err := acct.SetP2PPrivacy(ctx, privacyOf(p)); err != nil {
		return fmt.Errorf("save p2p setting: %w", err)
	}
	m.SetP2P(p)
	return nil
}

func (m *Manager) account() (*account.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.acct == nil {
		return nil, ErrNotAttached
	}
	return m.acct, nil
}

func policyOf(v account.P2PPrivacy) P2PPolicy {
	switch v {
	case account.P2PContacts:
		return P2PContacts
	case account.P2PNobody:
		return P2PNobody
	}
	return P2PEveryone
}

func privacyOf(p P2PPolicy) account.P2PPrivacy {
	switch p {
	case P2PContacts:
		return account.P2PContacts
	case P2PNobody:
		return account.P2PNobody
	}
	return account.P2PEveryone
}
