package sandbox

import (
	"context"
	"slices"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Privacy settings, as far as calls need them: the "peer-to-peer in calls"
// rule (inputPrivacyKeyPhoneP2P) that the official apps and tgphone read and
// write, and that the server folds into each call's p2p_allowed.

const (
	p2pEveryone = "everyone"
	p2pContacts = "contacts"
	p2pNobody   = "nobody"
)

var errPrivacyKeyInvalid = tgerr.New(400, "PRIVACY_KEY_INVALID")

// p2pRule is u's peer-to-peer rule, with "" read as everyone.
func p2pRule(u *account) string {
	if u.P2P == "" {
		return p2pEveryone
	}
	return u.P2P
}

// rulesOf renders a stored rule as privacy rules.
func rulesOf(rule string) *tg.AccountPrivacyRules {
	var r tg.PrivacyRuleClass = &tg.PrivacyValueAllowAll{}
	switch rule {
	case p2pContacts:
		r = &tg.PrivacyValueAllowContacts{}
	case p2pNobody:
		r = &tg.PrivacyValueDisallowAll{}
	}
	return &tg.AccountPrivacyRules{Rules: []tg.PrivacyRuleClass{r}}
}

func (s *Server) getPrivacy(ctx context.Context, key tg.InputPrivacyKeyClass) (*tg.AccountPrivacyRules, error) {
	return asUser(s, ctx, func(me *account) (*tg.AccountPrivacyRules, error) {
		switch key.(type) {
		case *tg.InputPrivacyKeyPhoneP2P:
			return rulesOf(p2pRule(me)), nil
		case *tg.InputPrivacyKeyPhoneCall:
			if me.Behaviour == behaviourPrivate {
				return rulesOf(p2pNobody), nil
			}
			return rulesOf(p2pEveryone), nil
		}
		return nil, errPrivacyKeyInvalid
	})
}

// setPrivacy stores the peer-to-peer rule. The base rule is the last
// allow-all, allow-contacts or disallow-all of the list; user and chat
// exceptions are accepted and not kept (tgphone sets none).
func (s *Server) setPrivacy(ctx context.Context, req *tg.AccountSetPrivacyRequest) (*tg.AccountPrivacyRules, error) {
	return asUser(s, ctx, func(me *account) (*tg.AccountPrivacyRules, error) {
		if _, ok := req.Key.(*tg.InputPrivacyKeyPhoneP2P); !ok {
			return nil, errPrivacyKeyInvalid
		}
		rule := p2pEveryone
		for _, r := range req.Rules {
			switch r.(type) {
			case *tg.InputPrivacyValueAllowAll:
				rule = p2pEveryone
			case *tg.InputPrivacyValueAllowContacts:
				rule = p2pContacts
			case *tg.InputPrivacyValueDisallowAll:
				rule = p2pNobody
			}
		}
		me.P2P = rule
		s.persist()
		s.log.Info("privacy set", "user", me.ID, "key", "phone_p2p", "rule", rule)
		return rulesOf(rule), nil
	})
}

// p2pAllowed is a confirmed call's p2p_allowed: both apps offered UDP P2P
// and each user's rule lets the other see their address. Caller holds mu.
func (s *Server) p2pAllowed(c *call) bool {
	if !c.negotiated.UDPP2P {
		return false
	}
	lets := func(uid, other int64) bool {
		u := s.st.Users[uid]
		if u == nil {
			return true
		}
		switch p2pRule(u) {
		case p2pNobody:
			return false
		case p2pContacts:
			return slices.Contains(u.Contacts, other)
		}
		return true
	}
	return lets(c.admin, c.part) && lets(c.part, c.admin)
}
