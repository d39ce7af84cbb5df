package account

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Contact is a Telegram user as the UI and the call core need it.
type Contact struct {
	ID         int64
	AccessHash int64
	FirstName  string
	LastName   string
	Username   string
	Phone      string
	// Presence is what the contact's status says about when they were
	// last online; the UI words it in its language.
	Presence Presence
	// Deleted: the account was deleted (user.deleted, or userEmpty where a
	// user was expected). It has no name, number or username left; the UI
	// calls it "Deleted Account" in its language, as Telegram's apps do.
	Deleted bool
}

// DeletedName is a deleted account's name in English, Telegram's words.
const DeletedName = "Deleted Account"

// Name is how the contact is shown in English, for logs and the command
// line; the UI words a deleted account in its own language.
func (c Contact) Name() string {
	if c.Deleted {
		return DeletedName
	}
	n := strings.TrimSpace(c.FirstName + " " + c.LastName)
	switch {
	case n != "":
		return n
	case c.Username != "":
		return "@" + c.Username
	case c.Phone != "":
		return "+" + c.Phone
	}
	return fmt.Sprintf("user %d", c.ID)
}

// Initials are up to two letters for an avatar; none for a deleted
// account, whose avatar is not a name's.
func (c Contact) Initials() string {
	if c.Deleted {
		return ""
	}
	var out []rune
	for _, part := range strings.Fields(c.Name()) {
		for _, r := range part {
			if r != '@' && r != '+' {
				out = append(out, r)
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	return strings.ToUpper(string(out))
}

// InputUser addresses the contact in API requests.
func (c Contact) InputUser() *tg.InputUser {
	return &tg.InputUser{UserID: c.ID, AccessHash: c.AccessHash}
}

// ContactFromUser converts an API user.
func ContactFromUser(u *tg.User) Contact {
	if u.Deleted {
		// Whatever else the object carries, Telegram's apps show a deleted
		// account by that fact alone.
		return Contact{ID: u.ID, AccessHash: u.AccessHash, Deleted: true}
	}
	return Contact{
		ID: u.ID, AccessHash: u.AccessHash,
		FirstName: u.FirstName, LastName: u.LastName,
		Username: u.Username, Phone: u.Phone,
		Presence: PresenceOf(u.Status),
	}
}

// usersOf converts a result's users; a userEmpty is a deleted account, as
// Telegram's apps read it.
func usersOf(list []tg.UserClass) []Contact {
	out := make([]Contact, 0, len(list))
	for _, u := range list {
		switch u := u.(type) {
		case *tg.User:
			out = append(out, ContactFromUser(u))
		case *tg.UserEmpty:
			out = append(out, Contact{ID: u.ID, Deleted: true})
		}
	}
	return out
}

// Contacts lists the address book, sorted by name.
func (c *Client) Contacts(ctx context.Context) ([]Contact, error) {
	res, err := c.api.ContactsGetContacts(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("get contacts: %w", err)
	}
	cs, ok := res.(*tg.ContactsContacts)
	if !ok {
		return nil, fmt.Errorf("get contacts: unexpected answer %T", res)
	}
	out := usersOf(cs.Users)
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name()) < strings.ToLower(out[j].Name()) })
	return out, nil
}

// Resolve finds one user by "@username", "username" or "+phone"; ErrNotFound
// when nobody matches. A phone number need not be a contact: it is looked up
// with contacts.resolvePhone, as the official apps do for a dialed number.
func (c *Client) Resolve(ctx context.Context, query string) (Contact, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return Contact{}, fmt.Errorf("resolve: %w", ErrNotFound)
	}
	var users []tg.UserClass
	digits, byPhone := phoneDigits(q)
	if byPhone {
		res, err := c.api.ContactsResolvePhone(ctx, digits)
		if err != nil {
			return Contact{}, fmt.Errorf("resolve %s: %w", q, notFound(err))
		}
		users = res.Users
	} else {
		res, err := c.api.ContactsResolveUsername(ctx, &tg.ContactsResolveUsernameRequest{Username: strings.TrimPrefix(q, "@")})
		if err != nil {
			return Contact{}, fmt.Errorf("resolve %s: %w", q, notFound(err))
		}
		users = res.Users
	}
	found := usersOf(users)
	if len(found) == 0 {
		return Contact{}, fmt.Errorf("resolve %s: %w", q, ErrNotFound)
	}
	if byPhone && found[0].Phone == "" {
		// The server hides a non-contact's number, but it is the one dialed.
		found[0].Phone = digits
	}
	return found[0], nil
}

// phoneDigits accepts "+1 555-0100"-style input and returns its digits.
func phoneDigits(q string) (string, bool) {
	if !strings.HasPrefix(q, "+") && (len(q) == 0 || q[0] < '0' || q[0] > '9') {
		return "", false
	}
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

func notFound(err error) error {
	if tgerr.Is(err, "USERNAME_NOT_OCCUPIED", "USERNAME_INVALID", "PHONE_NOT_OCCUPIED", "PHONE_NUMBER_INVALID") {
		return fmt.Errorf("%w (%v)", ErrNotFound, err)
	}
	return err
}

// Search finds users by name or username, contacts first.
func (c *Client) Search(ctx context.Context, q string, limit int) ([]Contact, error) {
	res, err := c.api.ContactsSearch(ctx, &tg.ContactsSearchRequest{Q: q, Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q, err)
	}
	return usersOf(res.Users), nil
}

// CallKind says how a call in the history went for this user.
type CallKind int

const (
	CallOutgoing CallKind = iota
	CallIncoming
	CallMissed
	CallDeclined
)

func (k CallKind) String() string {
	return [...]string{"outgoing", "incoming", "missed", "declined"}[k]
}

// HistoryEntry is one call from the server's history.
type HistoryEntry struct {
	CallID   int64
	Peer     Contact
	Outgoing bool
	Kind     CallKind
	Reason   string // missed, busy, hangup, disconnect
	Duration time.Duration
	Date     time.Time
}

// CallHistory returns the newest calls first, as Telegram keeps them: service
// messages with messageActionPhoneCall, found with inputMessagesFilterPhoneCalls.
func (c *Client) CallHistory(ctx context.Context, limit int) ([]HistoryEntry, error) {
	res, err := c.api.MessagesSearch(ctx, &tg.MessagesSearchRequest{
		Peer:   &tg.InputPeerEmpty{},
		Filter: &tg.InputMessagesFilterPhoneCalls{},
		Limit:  limit,
	})
	if err != nil {
		return nil, fmt.Errorf("call history: %w", err)
	}
	var msgs []tg.MessageClass
	var users []tg.UserClass
	switch r := res.(type) {
	case *tg.MessagesMessages:
		msgs, users = r.Messages, r.Users
	case *tg.MessagesMessagesSlice:
		msgs, users = r.Messages, r.Users
	default:
		return nil, fmt.Errorf("call history: unexpected answer %T", res)
	}
	byID := map[int64]Contact{}
	for _, u := range usersOf(users) {
		byID[u.ID] = u
	}
	var out []HistoryEntry
	for _, m := range msgs {
		svc, ok := m.(*tg.MessageService)
		if !ok {
			continue
		}
		act, ok := svc.Action.(*tg.MessageActionPhoneCall)
		if !ok {
			continue
		}
		peer, ok := svc.PeerID.(*tg.PeerUser)
		if !ok {
			continue
		}
		who, ok := byID[peer.UserID]
		if !ok {
			who = Contact{ID: peer.UserID} // the answer left the user out: at least the right id
		}
		e := HistoryEntry{
			CallID:   act.CallID,
			Peer:     who,
			Outgoing: svc.Out,
			Date:     time.Unix(int64(svc.Date), 0),
		}
		if d, ok := act.GetDuration(); ok {
			e.Duration = time.Duration(d) * time.Second
		}
		if r, ok := act.GetReason(); ok {
			e.Reason = reasonName(r)
		}
		e.Kind = historyKind(e.Outgoing, e.Reason)
		out = append(out, e)
	}
	return out, nil
}

func historyKind(outgoing bool, reason string) CallKind {
	switch {
	case outgoing:
		return CallOutgoing
	case reason == "missed":
		return CallMissed
	case reason == "busy":
		return CallDeclined
	}
	return CallIncoming
}

func reasonName(r tg.PhoneCallDiscardReasonClass) string {
	switch r.(type) {
	case *tg.PhoneCallDiscardReasonMissed:
		return "missed"
	case *tg.PhoneCallDiscardReasonBusy:
		return "busy"
	case *tg.PhoneCallDiscardReasonHangup:
		return "hangup"
	case *tg.PhoneCallDiscardReasonDisconnect:
		return "disconnect"
	}
	return "other"
}
