package account

import (
	"context"
	"fmt"
)

// CallPermission is what the server says of calling one user, read from
// users.getFullUser before a call (as the official apps do to grey out
// their Call button).
type CallPermission struct {
	// Available is userFull.phone_calls_available: the user's apps can take calls.
	Available bool
	// Private is userFull.phone_calls_private: their privacy settings do
	// not let this account call them.
	Private bool
	// BlockedByMe is userFull.blocked: this account has blocked them.
	BlockedByMe bool
}

// CallPermission asks the server whether ct can be called now.
func (c *Client) CallPermission(ctx context.Context, ct Contact) (CallPermission, error) {
	res, err := c.api.UsersGetFullUser(ctx, ct.InputUser())
	if err != nil {
		return CallPermission{}, fmt.Errorf("call permission for %d: %w", ct.ID, err)
	}
	f := res.FullUser
	return CallPermission{Available: f.PhoneCallsAvailable, Private: f.PhoneCallsPrivate, BlockedByMe: f.Blocked}, nil
}
