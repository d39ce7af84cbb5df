package calling

import (
	"context"
	"fmt"

	"github.com/tgphone/tgphone/account"
)

// CanCall tells before dialing whether peer can be called: nil, or the
// sentinel error a failed phone.requestCall would have ended in
// (ErrPrivacyRestricted, ErrBlocked, ErrUserInvalid), so the app can
// disable its Call button and say why (EndingOf(StateFailed, err, true)).
// Other errors (network) say nothing either way.
func (m *Manager) CanCall(ctx context.Context, peer account.Contact) error {
	acct, err := m.account()
	if err != nil {
		return err
	}
	p, err := acct.CallPermission(ctx, peer)
	if err != nil {
		return fmt.Errorf("can call %s: %w", peer.Name(), mapRPCError(err))
	}
	switch {
	case p.BlockedByMe:
		return fmt.Errorf("can call %s: %w", peer.Name(), ErrBlocked)
	case p.Private:
		return fmt.Errorf("can call %s: %w", peer.Name(), ErrPrivacyRestricted)
	case !p.Available:
		return fmt.Errorf("can call %s: %w", peer.Name(), ErrUserInvalid)
	}
	return nil
}
