package sandbox

import (
	"context"
	"slices"
	"time"

	"github.com/gotd/td/tg"
)

// Call history as Telegram keeps it: a service message with
// messageActionPhoneCall in the private chat of the two users.

// addCallRecord appends the call's message to u's chat with peer and
// returns the updateNewMessage to push. Caller holds mu.
func (s *Server) addCallRecord(u *account, peer, callID int64, out bool, reason string, duration int) tg.UpdateClass {
	u.Pts++
	rec := callRecord{ID: u.NextMsgID, Pts: u.Pts, Date: int(time.Now().Unix()), Out: out, Peer: peer,
		CallID: callID, Reason: reason, Duration: duration}
	u.NextMsgID++
	u.Messages = append(u.Messages, rec)
	return &tg.UpdateNewMessage{Message: s.message(u, rec), Pts: rec.Pts, PtsCount: 1}
}

func reasonTL(r string) tg.PhoneCallDiscardReasonClass {
	switch r {
	case "missed":
		return &tg.PhoneCallDiscardReasonMissed{}
	case "busy":
		return &tg.PhoneCallDiscardReasonBusy{}
	case "disconnect":
		return &tg.PhoneCallDiscardReasonDisconnect{}
	default:
		return &tg.PhoneCallDiscardReasonHangup{}
	}
}

func reasonName(r tg.PhoneCallDiscardReasonClass) string {
	switch r.(type) {
	case *tg.PhoneCallDiscardReasonMissed:
		return "missed"
	case *tg.PhoneCallDiscardReasonBusy:
		return "busy"
	case *tg.PhoneCallDiscardReasonDisconnect:
		return "disconnect"
	default:
		return "hangup"
	}
}

// message renders a stored record as u sees it.
func (s *Server) message(u *account, rec callRecord) *tg.MessageService {
	from := rec.Peer
	if rec.Out {
		from = u.ID
	}
	action := &tg.MessageActionPhoneCall{CallID: rec.CallID, Reason: reasonTL(rec.Reason), Video: rec.Video}
	if rec.Duration > 0 {
		action.Duration = rec.Duration
	}
	action.SetFlags()
	m := &tg.MessageService{ID: rec.ID, Out: rec.Out, FromID: &tg.PeerUser{UserID: from},
		PeerID: &tg.PeerUser{UserID: rec.Peer}, Date: rec.Date, Action: action}
	m.SetFlags()
	return m
}

// chatFilter turns an input peer into the chat it names: 0 for all chats.
func (s *Server) chatFilter(me *account, p tg.InputPeerClass) (int64, error) {
	switch v := p.(type) {
	case *tg.InputPeerEmpty:
		return 0, nil
	case *tg.InputPeerSelf:
		return me.ID, nil
	case *tg.InputPeerUser:
		if u := s.st.Users[v.UserID]; u != nil && u.AccessHash == v.AccessHash {
			return u.ID, nil
		}
	}
	return 0, errPeerIDInvalid
}

// page returns me's messages in chat (0 = all), newest first, older than
// offsetID when it is set. Caller holds mu.
func (s *Server) page(me *account, chat int64, offsetID, limit int) *tg.MessagesMessages {
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	out := &tg.MessagesMessages{}
	users := map[int64]bool{}
	for _, rec := range slices.Backward(me.Messages) {
		if (chat != 0 && rec.Peer != chat) || (offsetID > 0 && rec.ID >= offsetID) {
			continue
		}
		if len(out.Messages) == limit {
			break
		}
		out.Messages = append(out.Messages, s.message(me, rec))
		users[rec.Peer] = true
	}
	for id := range users {
		if u := s.st.Users[id]; u != nil {
			out.Users = append(out.Users, s.st.view(me.ID, u, s.online(id)))
		}
	}
	return out
}

// searchMessages serves messages.search. The sandbox stores only call
// messages, so the phone-calls filter and "no filter" see them all and
// every other filter correctly finds nothing.
func (s *Server) searchMessages(ctx context.Context, req *tg.MessagesSearchRequest) (tg.MessagesMessagesClass, error) {
	return asUser(s, ctx, func(me *account) (tg.MessagesMessagesClass, error) {
		chat, err := s.chatFilter(me, req.Peer)
		if err != nil {
			return nil, err
		}
		switch f := req.Filter.(type) {
		case *tg.InputMessagesFilterPhoneCalls:
			if f.Missed {
				all := s.page(me, chat, req.OffsetID, 100)
				missed := all.Messages[:0]
				for _, m := range all.Messages {
					if ms, ok := m.(*tg.MessageService); ok && !ms.Out {
						if a, ok := ms.Action.(*tg.MessageActionPhoneCall); ok && reasonName(a.Reason) == "missed" {
							missed = append(missed, m)
						}
					}
				}
				all.Messages = missed[:min(len(missed), max(req.Limit, 1))]
				return all, nil
			}
			return s.page(me, chat, req.OffsetID, req.Limit), nil
		case *tg.InputMessagesFilterEmpty:
			if req.Q != "" {
				return &tg.MessagesMessages{}, nil
			}
			return s.page(me, chat, req.OffsetID, req.Limit), nil
		default:
			return &tg.MessagesMessages{}, nil
		}
	})
}

func (s *Server) getHistory(ctx context.Context, req *tg.MessagesGetHistoryRequest) (tg.MessagesMessagesClass, error) {
	return asUser(s, ctx, func(me *account) (tg.MessagesMessagesClass, error) {
		chat, err := s.chatFilter(me, req.Peer)
		if err != nil || chat == 0 {
			return nil, errPeerIDInvalid
		}
		return s.page(me, chat, req.OffsetID, req.Limit), nil
	})
}

// getDialogs lists the private chats that have call messages (the only
// messages the sandbox keeps), newest first, each with its last message.
// Everything counts as read: the sandbox keeps no read state.
func (s *Server) getDialogs(ctx context.Context, req *tg.MessagesGetDialogsRequest) (tg.MessagesDialogsClass, error) {
	return asUser(s, ctx, func(me *account) (tg.MessagesDialogsClass, error) {
		if req.FolderID != 0 {
			return &tg.MessagesDialogs{}, nil // nothing is archived
		}
		limit := req.Limit
		if limit <= 0 || limit > 100 {
			limit = 100
		}
		// The newest record of each chat, newest chat first.
		var tops []callRecord
		seen := map[int64]bool{}
		for _, rec := range slices.Backward(me.Messages) {
			if !seen[rec.Peer] {
				seen[rec.Peer] = true
				tops = append(tops, rec)
			}
		}
		total := len(tops)
		var page []callRecord
		for _, rec := range tops {
			switch {
			case req.OffsetID > 0 && rec.ID >= req.OffsetID:
				continue
			case req.OffsetID <= 0 && req.OffsetDate > 0 && rec.Date >= req.OffsetDate:
				continue
			}
			if len(page) == limit {
				break
			}
			page = append(page, rec)
		}
		var dialogs []tg.DialogClass
		var msgs []tg.MessageClass
		var users []tg.UserClass
		for _, rec := range page {
			d := &tg.Dialog{Peer: &tg.PeerUser{UserID: rec.Peer}, TopMessage: rec.ID,
				ReadInboxMaxID: rec.ID, ReadOutboxMaxID: rec.ID, NotifySettings: tg.PeerNotifySettings{}}
			d.SetFlags()
			dialogs = append(dialogs, d)
			msgs = append(msgs, s.message(me, rec))
			if u := s.st.Users[rec.Peer]; u != nil {
				users = append(users, s.st.view(me.ID, u, s.online(u.ID)))
			}
		}
		if len(page) < total {
			return &tg.MessagesDialogsSlice{Count: total, Dialogs: dialogs, Messages: msgs, Users: users}, nil
		}
		return &tg.MessagesDialogs{Dialogs: dialogs, Messages: msgs, Users: users}, nil
	})
}
