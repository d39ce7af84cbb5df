package sandbox

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

var (
	errUsernameNotOccupied = tgerr.New(400, "USERNAME_NOT_OCCUPIED")
	errUsernameInvalid     = tgerr.New(400, "USERNAME_INVALID")
	errPhoneNotOccupied    = tgerr.New(400, "PHONE_NOT_OCCUPIED")
	errUserIDInvalid       = tgerr.New(400, "USER_ID_INVALID")
	errPeerIDInvalid       = tgerr.New(400, "PEER_ID_INVALID")
	errRandomLength        = tgerr.New(400, "RANDOM_LENGTH_INVALID")
	errSearchQueryEmpty    = tgerr.New(400, "SEARCH_QUERY_EMPTY")
)

// me returns the signed-in account of the request. Caller holds mu.
func (s *Server) me(ctx context.Context) (*account, error) {
	sess := requestOf(ctx).sess
	if a := s.st.Users[s.userOf(sess)]; a != nil {
		return a, nil
	}
	if k := s.keys[sess.key.ID]; k != nil && k.Revoked {
		return nil, errSessionRevoked
	}
	return nil, errAuthRequired
}

func (s *Server) getConfig(ctx context.Context) (*tg.Config, error) {
	thisDC := s.dc
	if rc := requestOf(ctx); rc != nil && rc.dc != 0 {
		thisDC = rc.dc
	}
	s.mu.Lock()
	addrs := map[int]string{s.dc: s.info.MTProto}
	for dc, a := range s.dcAddrs {
		addrs[dc] = a
	}
	if s.advertised != "" {
		addrs[s.dc] = s.advertised
	}
	s.mu.Unlock()
	var options []tg.DCOption
	for _, dc := range slices.Sorted(maps.Keys(addrs)) {
		host, portText, _ := net.SplitHostPort(addrs[dc])
		port, _ := strconv.Atoi(portText)
		options = append(options, tg.DCOption{ID: dc, IPAddress: host, Port: port, Static: true})
	}
	now := time.Now()
	t := s.opts.Timeouts
	return &tg.Config{
		Date:                    int(now.Unix()),
		Expires:                 int(now.Add(time.Hour).Unix()),
		ThisDC:                  thisDC,
		DCOptions:               options,
		DCTxtDomainName:         "sandbox.invalid",
		ChatSizeMax:             200,
		MegagroupSizeMax:        200000,
		ForwardedCountMax:       100,
		OnlineUpdatePeriodMs:    210000,
		OfflineBlurTimeoutMs:    5000,
		OfflineIdleTimeoutMs:    30000,
		OnlineCloudTimeoutMs:    300000,
		NotifyCloudDelayMs:      30000,
		NotifyDefaultDelayMs:    1500,
		PushChatPeriodMs:        60000,
		PushChatLimit:           2,
		EditTimeLimit:           172800,
		RevokeTimeLimit:         2147483647,
		RevokePmTimeLimit:       2147483647,
		RatingEDecay:            2419200,
		StickersRecentLimit:     200,
		ChannelsReadMediaPeriod: 604800,
		CallReceiveTimeoutMs:    int(t.Receive.Milliseconds()),
		CallRingTimeoutMs:       int(t.Ring.Milliseconds()),
		CallConnectTimeoutMs:    int(t.Connect.Milliseconds()),
		CallPacketTimeoutMs:     int(t.Packet.Milliseconds()),
		MeURLPrefix:             "https://t.me/",
		CaptionLengthMax:        1024,
		MessageLengthMax:        4096,
		WebfileDCID:             s.dc,
	}, nil
}

func (s *Server) getUsers(ctx context.Context, ids []tg.InputUserClass) ([]tg.UserClass, error) {
	return asUser(s, ctx, func(me *account) ([]tg.UserClass, error) {
		var out []tg.UserClass
		for _, in := range ids {
			if u, err := s.resolveInputUser(me, in); err == nil {
				out = append(out, s.st.view(me.ID, u, s.online(u.ID)))
			}
		}
		return out, nil
	})
}

// resolveInputUser checks an inputUser's access hash. Caller holds mu.
func (s *Server) resolveInputUser(me *account, in tg.InputUserClass) (*account, error) {
	switch v := in.(type) {
	case *tg.InputUserSelf:
		return me, nil
	case *tg.InputUser:
		if u := s.st.Users[v.UserID]; u != nil && (u.AccessHash == v.AccessHash || u.ID == me.ID) {
			return u, nil
		}
	}
	return nil, errUserIDInvalid
}

func (s *Server) getFullUser(ctx context.Context, in tg.InputUserClass) (*tg.UsersUserFull, error) {
	return asUser(s, ctx, func(me *account) (*tg.UsersUserFull, error) {
		u, err := s.resolveInputUser(me, in)
		if err != nil {
			return nil, err
		}
		full := tg.UserFull{
			ID:                  u.ID,
			Settings:            tg.PeerSettings{},
			NotifySettings:      tg.PeerNotifySettings{},
			PhoneCallsAvailable: true,
			PhoneCallsPrivate:   u.Behaviour == behaviourPrivate,
			Blocked:             false,
			About:               demoAbout(u),
		}
		full.SetFlags()
		return &tg.UsersUserFull{FullUser: full, Users: []tg.UserClass{s.st.view(me.ID, u, s.online(u.ID))}}, nil
	})
}

// demoAbout tells a person trying the sandbox what a demo account does.
func demoAbout(u *account) string {
	switch {
	case u.Behaviour == behaviourBusy:
		return "Always on another call: your call gets the busy signal."
	case u.Behaviour == behaviourPrivate:
		return "Privacy settings do not allow calls."
	case u.Behaviour == behaviourBlocked:
		return "Has blocked everyone."
	case len(u.Versions) > 0:
		return "Uses an app that speaks no call protocol tgphone knows."
	case u.Username == "echo":
		return "Answers and plays your voice back."
	}
	return ""
}

func (s *Server) getContacts(ctx context.Context) (tg.ContactsContactsClass, error) {
	return asUser(s, ctx, func(me *account) (tg.ContactsContactsClass, error) {
		out := &tg.ContactsContacts{SavedCount: 0}
		for _, id := range me.Contacts {
			u := s.st.Users[id]
			if u == nil {
				continue
			}
			out.Contacts = append(out.Contacts, tg.Contact{UserID: id, Mutual: slices.Contains(u.Contacts, me.ID)})
			out.Users = append(out.Users, s.st.view(me.ID, u, s.online(id)))
		}
		return out, nil
	})
}

func validUsername(n string) bool {
	if len(n) < 3 || len(n) > 32 {
		return false
	}
	for i, r := range n {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

func (s *Server) resolveUsername(ctx context.Context, req *tg.ContactsResolveUsernameRequest) (*tg.ContactsResolvedPeer, error) {
	name := strings.TrimPrefix(req.Username, "@")
	if !validUsername(name) {
		return nil, errUsernameInvalid
	}
	return asUser(s, ctx, func(me *account) (*tg.ContactsResolvedPeer, error) {
		u := s.st.byUsername(name)
		if u == nil {
			return nil, errUsernameNotOccupied
		}
		return &tg.ContactsResolvedPeer{Peer: &tg.PeerUser{UserID: u.ID},
			Users: []tg.UserClass{s.st.view(me.ID, u, s.online(u.ID))}}, nil
	})
}

func (s *Server) resolvePhone(ctx context.Context, phone string) (*tg.ContactsResolvedPeer, error) {
	p := cleanPhone(phone)
	if !validPhone(p) {
		return nil, errPhoneInvalid
	}
	return asUser(s, ctx, func(me *account) (*tg.ContactsResolvedPeer, error) {
		u := s.st.byPhone(p)
		if u == nil {
			return nil, errPhoneNotOccupied
		}
		return &tg.ContactsResolvedPeer{Peer: &tg.PeerUser{UserID: u.ID},
			Users: []tg.UserClass{s.st.view(me.ID, u, s.online(u.ID))}}, nil
	})
}

// search matches names, usernames and (for contacts) phone numbers, like
// Telegram's global search: contacts in my_results, others in results.
func (s *Server) search(ctx context.Context, req *tg.ContactsSearchRequest) (*tg.ContactsFound, error) {
	q := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(req.Q, "@")))
	if q == "" {
		return nil, errSearchQueryEmpty
	}
	limit := req.Limit
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	return asUser(s, ctx, func(me *account) (*tg.ContactsFound, error) {
		out := &tg.ContactsFound{}
		for _, u := range s.st.sortedUsers() {
			if u.ID == me.ID || len(out.MyResults)+len(out.Results) >= limit {
				continue
			}
			contact := slices.Contains(me.Contacts, u.ID)
			name := strings.ToLower(u.FirstName + " " + u.LastName)
			hit := strings.HasPrefix(strings.ToLower(u.Username), q) || strings.Contains(name, q) ||
				(contact && strings.Contains(u.Phone, cleanPhone(q)) && cleanPhone(q) != "")
			if !hit {
				continue
			}
			peer := &tg.PeerUser{UserID: u.ID}
			if contact {
				out.MyResults = append(out.MyResults, peer)
			} else if u.Username != "" {
				out.Results = append(out.Results, peer)
			} else {
				continue
			}
			out.Users = append(out.Users, s.st.view(me.ID, u, s.online(u.ID)))
		}
		return out, nil
	})
}

func (s *Server) getState(ctx context.Context) (*tg.UpdatesState, error) {
	return asUser(s, ctx, func(me *account) (*tg.UpdatesState, error) {
		return &tg.UpdatesState{Pts: me.Pts, Date: int(time.Now().Unix())}, nil
	})
}

// getDifference returns the message-box events after req.Pts (the
// call-history messages) and, as other updates, the newest state of each
// call this auth key was not sent while it was away.
func (s *Server) getDifference(ctx context.Context, req *tg.UpdatesGetDifferenceRequest) (tg.UpdatesDifferenceClass, error) {
	return asUser(s, ctx, func(me *account) (tg.UpdatesDifferenceClass, error) {
		if s.diffs == nil {
			s.diffs = map[int64]int{}
		}
		s.diffs[me.ID]++
		now := int(time.Now().Unix())
		calls, callUsers := s.takeMissed(requestOf(ctx).sess.key.ID)
		if req.Pts >= me.Pts && len(calls) == 0 {
			return &tg.UpdatesDifferenceEmpty{Date: now}, nil
		}
		diff := &tg.UpdatesDifference{State: tg.UpdatesState{Pts: me.Pts, Date: now}, OtherUpdates: calls}
		users := map[int64]bool{me.ID: true}
		for _, id := range callUsers {
			users[id] = true
		}
		for _, m := range me.Messages {
			if m.Pts > req.Pts {
				diff.NewMessages = append(diff.NewMessages, s.message(me, m))
				users[m.Peer] = true
			}
		}
		for id := range users {
			if u := s.st.Users[id]; u != nil {
				diff.Users = append(diff.Users, s.st.view(me.ID, u, s.online(id)))
			}
		}
		return diff, nil
	})
}

func (s *Server) getDHConfig(ctx context.Context, req *tg.MessagesGetDhConfigRequest) (tg.MessagesDhConfigClass, error) {
	if req.RandomLength < 0 || req.RandomLength > 1024 {
		return nil, errRandomLength
	}
	random := make([]byte, req.RandomLength)
	if _, err := io.ReadFull(s.rand, random); err != nil {
		return nil, err
	}
	if req.Version == s.dhConfig.version {
		return &tg.MessagesDhConfigNotModified{Random: random}, nil
	}
	return &tg.MessagesDhConfig{G: 3, P: s.dhPrime(), Version: s.dhConfig.version, Random: random}, nil
}

// dhConfig is the sandbox's DH parameters version: Telegram bumps it when
// the prime changes; one sandbox run keeps one version.
type dhConfig struct{ version int }

func newDHConfig(r io.Reader) (dhConfig, error) {
	n, err := randBelow(r, 1<<30)
	if err != nil {
		return dhConfig{}, fmt.Errorf("dh config version: %w", err)
	}
	return dhConfig{version: int(n) + 1}, nil
}

// callConfig is phone.getCallConfig's JSON (spec §2.10): the libtgvoip
// tuning a server hands out; these are the values clients default to.
const callConfig = `{"audio_frame_size":60,"jitter_min_delay_60":2,"jitter_max_delay_60":10,` +
	`"jitter_max_slots_60":20,"jitter_losses_to_reset":20,"jitter_resync_threshold":0.5,` +
	`"audio_congestion_window":1024,"audio_max_bitrate":20000,"audio_max_bitrate_edge":16000,` +
	`"audio_max_bitrate_gprs":8000,"audio_max_bitrate_saving":8000,"audio_init_bitrate":16000,` +
	`"audio_init_bitrate_edge":8000,"audio_init_bitrate_gprs":8000,"audio_init_bitrate_saving":8000,` +
	`"audio_bitrate_step_incr":1000,"audio_bitrate_step_decr":1000,"use_system_ns":true,"use_system_aec":true}`

func (s *Server) getCallConfig(ctx context.Context) (*tg.DataJSON, error) {
	return &tg.DataJSON{Data: callConfig}, nil
}

// asUser runs f under mu for the account signed in on the request, or
// answers AUTH_KEY_UNREGISTERED.
func asUser[T any](s *Server, ctx context.Context, f func(me *account) (T, error)) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	me, err := s.me(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return f(me)
}
