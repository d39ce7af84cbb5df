package account

import (
	"context"
	"fmt"

	"github.com/gotd/td/tg"
)

// P2PPrivacy is Telegram's "peer-to-peer in calls" privacy setting
// (inputPrivacyKeyPhoneP2P): whose calls may connect directly to this
// computer, which shows them its IP address.
type P2PPrivacy int

const (
	P2PEveryone P2PPrivacy = iota
	P2PContacts
	P2PNobody
)

func (p P2PPrivacy) String() string {
	switch p {
	case P2PContacts:
		return "contacts"
	case P2PNobody:
		return "nobody"
	}
	return "everyone"
}

// P2PPrivacy reads the account's peer-to-peer setting (account.getPrivacy).
// Per-user exceptions set in another app are kept by the server; tgphone
// reads the base rule, as its Settings offer no exceptions.
func (c *Client) P2PPrivacy(ctx context.Context) (P2PPrivacy, error) {
	res, err := c.api.AccountGetPrivacy(ctx, &tg.InputPrivacyKeyPhoneP2P{})
	if err != nil {
		return 0, fmt.Errorf("get p2p privacy: %w", err)
	}
	return p2pFromRules(res.Rules), nil
}

// SetP2PPrivacy stores the peer-to-peer setting (account.setPrivacy).
func (c *Client) SetP2PPrivacy(ctx context.Context, p P2PPrivacy) error {
	var rule tg.InputPrivacyRuleClass = &tg.InputPrivacyValueAllowAll{}
	switch p {
	case P2PContacts:
		rule = &tg.InputPrivacyValueAllowContacts{}
	case P2PNobody:
		rule = &tg.InputPrivacyValueDisallowAll{}
	}
	res, err := c.api.AccountSetPrivacy(ctx, &tg.AccountSetPrivacyRequest{
		Key: &tg.InputPrivacyKeyPhoneP2P{}, Rules: []tg.InputPrivacyRuleClass{rule},
	})
	if err != nil {
		return fmt.Errorf("set p2p privacy: %w", err)
	}
	if got := p2pFromRules(res.Rules); got != p {
		return fmt.Errorf("set p2p privacy: the server kept %s, not %s", got, p)
	}
	return nil
}

// p2pFromRules reads the base rule of a privacy rule list: the server ends
// every list with allow-all, allow-contacts or disallow-all; the user
// exceptions before it do not change it.
func p2pFromRules(rules []tg.PrivacyRuleClass) P2PPrivacy {
	p := P2PEveryone
	for _, r := range rules {
		switch r.(type) {
		case *tg.PrivacyValueAllowAll:
			p = P2PEveryone
		case *tg.PrivacyValueAllowContacts:
			p = P2PContacts
		case *tg.PrivacyValueDisallowAll:
			p = P2PNobody
		}
	}
	return p
}

// ApplyUpdates hands Updates returned by a method (phone.discardCall,
// phone.setCallRating, …) to the updates machinery, as updates pushed by the
// server are: their pts keeps the sequence, and their handlers run.
func (c *Client) ApplyUpdates(ctx context.Context, u tg.UpdatesClass) error {
	if err := c.current().upd.Handle(ctx, u); err != nil {
		return fmt.Errorf("apply updates: %w", err)
	}
	return nil
}
