package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Telegram's phone.* rules (spec §2.1–2.9), server side.

var (
	errCallPeerInvalid      = tgerr.New(400, "CALL_PEER_INVALID")
	errCallAlreadyAccepted  = tgerr.New(400, "CALL_ALREADY_ACCEPTED")
	errCallAlreadyDeclined  = tgerr.New(400, "CALL_ALREADY_DECLINED")
	errProtocolFlags        = tgerr.New(400, "CALL_PROTOCOL_FLAGS_INVALID")
	errProtocolLayer        = tgerr.New(400, "CALL_PROTOCOL_LAYER_INVALID")
	errVersionOutdated      = tgerr.New(400, "PARTICIPANT_VERSION_OUTDATED")
	errUserBlocked          = tgerr.New(400, "USER_IS_BLOCKED")
	errPrivacyRestricted    = tgerr.New(403, "USER_PRIVACY_RESTRICTED")
	errGAHashInvalid        = tgerr.New(400, "G_A_HASH_INVALID")
	errGAInvalid            = tgerr.New(400, "G_A_INVALID")
	errGBInvalid            = tgerr.New(400, "G_B_INVALID")
	errRatingInvalid        = tgerr.New(400, "RATING_INVALID")
	errDataJSONInvalid      = tgerr.New(400, "DATA_JSON_INVALID")
	errSignalingTooLong     = tgerr.New(400, "DATA_TOO_LONG")
	defaultLibraryVersions  = []string{"2.4.4"} // what tdesktop assumes for an empty list
	maxSignalingPacketBytes = 64 << 10
)

const (
	minLayer = 65 // the layer range libtgvoip clients send (spec §2.3)
	maxLayer = 92
	// busyDelay is how long the @busy account's "device" takes to decline.
	busyDelay = 200 * time.Millisecond
	// expirySlack lets clients end calls by their own timers first; the
	// server's only clean up after crashed clients.
	expirySlack = 5 * time.Second
)

type callState int

const (
	callRequested callState = iota
	callAccepted
	callConfirmed
	callDiscarded
)

// call is one call as the server tracks it.
type call struct {
	id, accessHash int64
	admin, part    int64 // caller and callee
	randomID       int
	date           int
	receiveDate    int
	startDate      int
	state          callState
	gAHash, gA, gB []byte
	protocol       tg.PhoneCallProtocol // the caller's
	negotiated     tg.PhoneCallProtocol
	fingerprint    int64
	answering      *session // the callee's session that accepted
	tag            [16]byte // callee's reflector tag = caller's with bit 0 of byte 15 set
	reason         string
	duration       int
	needRating     bool
	needDebug      bool
	slug           string // reason "migrate": the group call it moved to
	video          bool
	webrtc         []tg.PhoneConnectionClass
}

func (c *call) other(uid int64) int64 {
	if uid == c.admin {
		return c.part
	}
	return c.admin
}

func (c *call) waiting() *tg.PhoneCallWaiting {
	w := &tg.PhoneCallWaiting{ID: c.id, AccessHash: c.accessHash, Date: c.date, AdminID: c.admin,
		ParticipantID: c.part, Protocol: c.protocol, Video: c.video}
	if c.state >= callAccepted {
		w.Protocol = c.negotiated
	}
	if c.receiveDate != 0 {
		w.ReceiveDate = c.receiveDate
	}
	w.SetFlags()
	return w
}

func (c *call) discarded() *tg.PhoneCallDiscarded {
	reason := reasonTL(c.reason)
	if c.reason == "migrate" {
		reason = &tg.PhoneCallDiscardReasonMigrateConferenceCall{Slug: c.slug}
	}
	d := &tg.PhoneCallDiscarded{ID: c.id, Reason: reason, Video: c.video,
		NeedRating: c.needRating, NeedDebug: c.needDebug}
	if c.duration > 0 {
		d.Duration = c.duration
	}
	d.SetFlags()
	return d
}

// active is the confirmed call as uid sees it: each side gets its own
// reflector tag, so the relay can tell them apart (spec §3).
func (s *Server) active(c *call, uid int64) *tg.PhoneCall {
	tag := c.tag
	if uid == c.part {
		tag[15] |= 1
	}
	var conns []tg.PhoneConnectionClass
	for _, r := range s.opts.Reflectors {
		pc := &tg.PhoneConnection{ID: r.ID, Port: int(r.Addr.Port()), PeerTag: bytes.Clone(tag[:]), TCP: r.TCP}
		if r.Addr.Addr().Unmap().Is4() {
			pc.IP = r.Addr.Addr().Unmap().String()
		} else {
			pc.Ipv6 = r.Addr.Addr().String()
		}
		conns = append(conns, pc)
	}
	conns = append(conns, c.webrtc...)
	pc := &tg.PhoneCall{ID: c.id, AccessHash: c.accessHash, Date: c.date, AdminID: c.admin, ParticipantID: c.part,
		GAOrB: c.gA, KeyFingerprint: c.fingerprint, Protocol: c.negotiated, Connections: conns,
		StartDate: c.startDate, P2PAllowed: s.p2pAllowed(c), Video: c.video}
	pc.SetFlags()
	return pc
}

func phoneUpdate(pc tg.PhoneCallClass) tg.UpdateClass { return &tg.UpdatePhoneCall{PhoneCall: pc} }

// findCall resolves an inputPhoneCall for uid. Caller holds mu.
func (s *Server) findCall(in tg.InputPhoneCall, uid int64) (*call, error) {
	c := s.calls[in.ID]
	if c == nil || c.accessHash != in.AccessHash || (uid != c.admin && uid != c.part) {
		return nil, errCallPeerInvalid
	}
	return c, nil
}

func checkProtocol(p tg.PhoneCallProtocol) error {
	if !p.UDPP2P && !p.UDPReflector {
		return errProtocolFlags
	}
	if p.MinLayer > p.MaxLayer || p.MaxLayer < minLayer || p.MinLayer > maxLayer {
		return errProtocolLayer
	}
	return nil
}

func versionsOf(p tg.PhoneCallProtocol) []string {
	if len(p.LibraryVersions) == 0 {
		return defaultLibraryVersions
	}
	return p.LibraryVersions
}

// negotiate picks the first of the caller's versions the callee also lists
// and answers both sides with that one version, so both run it (clients run
// library_versions[0]). Telegram documents only that the server "merges" the
// two lists and returns the best common version; its real preference order
// is UNCONFIRMED (spec §2.3; MadelineProto notes it does not always narrow
// the list to one entry), and so is its answer when nothing is common (here
// PARTICIPANT_VERSION_OUTDATED). Caller order is the choice that tdesktop's
// and tgphone's ordered lists make meaningful.
func negotiate(caller, callee tg.PhoneCallProtocol) (tg.PhoneCallProtocol, error) {
	theirs := versionsOf(callee)
	for _, v := range versionsOf(caller) {
		if slices.Contains(theirs, v) {
			p := tg.PhoneCallProtocol{
				UDPP2P:          caller.UDPP2P && callee.UDPP2P,
				UDPReflector:    caller.UDPReflector && callee.UDPReflector,
				MinLayer:        max(caller.MinLayer, callee.MinLayer),
				MaxLayer:        min(caller.MaxLayer, callee.MaxLayer),
				LibraryVersions: []string{v},
			}
			p.SetFlags()
			return p, nil
		}
	}
	return tg.PhoneCallProtocol{}, errVersionOutdated
}

func (s *Server) requestCall(ctx context.Context, req *tg.PhoneRequestCallRequest) (*tg.PhonePhoneCall, error) {
	if err := checkProtocol(req.Protocol); err != nil {
		return nil, err
	}
	if len(req.GAHash) != sha256.Size {
		return nil, errGAHashInvalid
	}
	s.mu.Lock()
	me, err := s.me(ctx)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	callee, err := s.resolveInputUser(me, req.UserID)
	if err != nil || callee.ID == me.ID {
		s.mu.Unlock()
		return nil, errUserIDInvalid
	}
	switch {
	case callee.Behaviour == behaviourBlocked:
		s.mu.Unlock()
		return nil, errUserBlocked
	case callee.Behaviour == behaviourPrivate:
		s.mu.Unlock()
		return nil, errPrivacyRestricted
	case len(callee.Versions) > 0:
		if _, err := negotiate(req.Protocol, tg.PhoneCallProtocol{UDPP2P: true, UDPReflector: true,
			MinLayer: minLayer, MaxLayer: maxLayer, LibraryVersions: callee.Versions}); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	}
	// A retried requestCall (same random_id) gets the same call back.
	for _, c := range s.calls {
		if c.admin == me.ID && c.randomID == req.RandomID && c.state == callRequested {
			res := &tg.PhonePhoneCall{PhoneCall: c.waiting(), Users: s.callUsers(me.ID, c)}
			s.mu.Unlock()
			if s.opts.Hostile == HostileSlowRequest {
				return nil, s.answerLate(ctx, res, SlowAnswer)
			}
			return res, nil
		}
	}
	c := &call{id: randInt64(s.rand), accessHash: randInt64(s.rand), admin: me.ID, part: callee.ID,
		randomID: req.RandomID, date: int(time.Now().Unix()), gAHash: bytes.Clone(req.GAHash),
		protocol: req.Protocol, video: req.Video}
	if _, err := io.ReadFull(s.rand, c.tag[:]); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	c.tag[15] &^= 1
	s.calls[c.id] = c
	users := []int64{me.ID, callee.ID}
	requested := &tg.PhoneCallRequested{ID: c.id, AccessHash: c.accessHash, Date: c.date, AdminID: c.admin,
		ParticipantID: c.part, GAHash: c.gAHash, Protocol: c.protocol, Video: c.video}
	requested.SetFlags()
	ds := s.updatesFor(callee.ID, nil, users, phoneUpdate(s.tamper(requested)))
	s.expireAfter(c, s.opts.Timeouts.Receive+s.opts.Timeouts.Ring+expirySlack, callRequested, "missed")
	res := &tg.PhonePhoneCall{PhoneCall: c.waiting(), Users: s.callUsers(me.ID, c)}
	busy := callee.Behaviour == behaviourBusy
	s.mu.Unlock()
	s.log.Info("call requested", "call_id", c.id, "from", me.ID, "to", callee.ID, "versions", req.Protocol.LibraryVersions)
	s.deliver(ds)
	if busy {
		time.AfterFunc(busyDelay, func() { s.serverDiscard(c.id, callRequested, "busy") })
	}
	if s.opts.Hostile == HostileSlowRequest {
		return nil, s.answerLate(ctx, res, SlowAnswer)
	}
	return res, nil
}

// callUsers lists both participants as uid sees them. Caller holds mu.
func (s *Server) callUsers(uid int64, c *call) []tg.UserClass {
	var out []tg.UserClass
	for _, id := range []int64{c.admin, c.part} {
		if a := s.st.Users[id]; a != nil {
			out = append(out, s.st.view(uid, a, s.online(id)))
		}
	}
	return out
}

// expireAfter discards the call if it is still in state want after d: the
// server's safety net for clients that vanish mid-setup. Caller holds mu.
func (s *Server) expireAfter(c *call, d time.Duration, want callState, reason string) {
	if t := s.timers[c.id]; t != nil {
		t.Stop()
	}
	s.timers[c.id] = time.AfterFunc(d, func() { s.serverDiscard(c.id, want, reason) })
}

// serverDiscard ends a call on the server's own initiative if it is still
// in state want: both users see phoneCallDiscarded and the history entry.
func (s *Server) serverDiscard(id int64, want callState, reason string) {
	s.mu.Lock()
	c := s.calls[id]
	if c == nil || c.state != want {
		s.mu.Unlock()
		return
	}
	ds, _ := s.finishCall(c, nil, reason, 0)
	s.mu.Unlock()
	s.log.Info("call ended by the server", "call_id", id, "reason", reason)
	s.deliver(ds)
}

// onCall runs f on the request's call under mu, then sends the pushes f
// returns. Every phone.* method that names a call goes through here, so
// the participant check is never forgotten.
func (s *Server) onCall(ctx context.Context, peer tg.InputPhoneCall, f func(me *account, c *call) ([]delivery, error)) error {
	s.mu.Lock()
	me, err := s.me(ctx)
	var c *call
	if err == nil {
		c, err = s.findCall(peer, me.ID)
	}
	var ds []delivery
	if err == nil {
		ds, err = f(me, c)
	}
	s.mu.Unlock()
	s.deliver(ds)
	return err
}

func (s *Server) receivedCall(ctx context.Context, in tg.InputPhoneCall) (bool, error) {
	err := s.onCall(ctx, in, func(me *account, c *call) ([]delivery, error) {
		if me.ID != c.part || c.state != callRequested || c.receiveDate != 0 {
			return nil, nil
		}
		c.receiveDate = int(time.Now().Unix())
		return s.updatesFor(c.admin, nil, []int64{c.admin, c.part}, phoneUpdate(c.waiting())), nil
	})
	return err == nil, err
}

func (s *Server) acceptCall(ctx context.Context, req *tg.PhoneAcceptCallRequest) (*tg.PhonePhoneCall, error) {
	if err := checkProtocol(req.Protocol); err != nil {
		return nil, err
	}
	if len(req.GB) == 0 || len(req.GB) > 256 {
		return nil, errGBInvalid
	}
	sess := requestOf(ctx).sess
	var res *tg.PhonePhoneCall
	err := s.onCall(ctx, req.Peer, func(me *account, c *call) ([]delivery, error) {
		switch {
		case me.ID != c.part:
			return nil, errCallPeerInvalid
		case c.state == callDiscarded:
			return nil, errCallAlreadyDeclined
		case c.state != callRequested:
			return nil, errCallAlreadyAccepted
		}
		p, err := negotiate(c.protocol, req.Protocol)
		if err != nil {
			return nil, err
		}
		c.negotiated, c.gB, c.state, c.answering = p, bytes.Clone(req.GB), callAccepted, sess
		if c.receiveDate == 0 {
			c.receiveDate = int(time.Now().Unix())
		}
		users := []int64{c.admin, c.part}
		accepted := &tg.PhoneCallAccepted{ID: c.id, AccessHash: c.accessHash, Date: c.date, AdminID: c.admin,
			ParticipantID: c.part, GB: c.gB, Protocol: p, Video: c.video}
		accepted.SetFlags()
		ds := s.updatesFor(c.admin, nil, users, phoneUpdate(s.tamper(accepted)))
		// The callee's other devices stop ringing: answered elsewhere.
		ds = append(ds, s.updatesFor(c.part, sess, users, phoneUpdate(&tg.PhoneCallDiscarded{ID: c.id}))...)
		s.expireAfter(c, s.opts.Timeouts.Connect+expirySlack, callAccepted, "disconnect")
		res = &tg.PhonePhoneCall{PhoneCall: c.waiting(), Users: s.callUsers(me.ID, c)}
		s.log.Info("call accepted", "call_id", c.id, "library_version", p.LibraryVersions[0])
		return ds, nil
	})
	return res, err
}

func (s *Server) confirmCall(ctx context.Context, req *tg.PhoneConfirmCallRequest) (*tg.PhonePhoneCall, error) {
	if err := checkProtocol(req.Protocol); err != nil {
		return nil, err
	}
	var res *tg.PhonePhoneCall
	err := s.onCall(ctx, req.Peer, func(me *account, c *call) ([]delivery, error) {
		switch {
		case me.ID != c.admin:
			return nil, errCallPeerInvalid
		case c.state == callDiscarded:
			return nil, errCallAlreadyDeclined
		case c.state == callRequested:
			return nil, errCallPeerInvalid // nothing to confirm yet
		case c.state == callConfirmed:
			return nil, errCallAlreadyAccepted
		}
		// The server cannot know the key; it can hold the caller to its g_a_hash.
		if sum := sha256.Sum256(req.GA); !bytes.Equal(sum[:], c.gAHash) {
			return nil, errGAInvalid
		}
		c.gA, c.fingerprint, c.state = bytes.Clone(req.GA), req.KeyFingerprint, callConfirmed
		c.startDate = int(time.Now().Unix())
		if s.opts.WebRTCServers != nil {
			for _, w := range s.opts.WebRTCServers(c.id) {
				c.webrtc = append(c.webrtc, &w)
			}
		}
		if t := s.timers[c.id]; t != nil {
			t.Stop()
			delete(s.timers, c.id)
		}
		var ds []delivery
		if a := c.answering; a != nil && a.conn != nil {
			ds = append(ds, delivery{sess: a, msg: s.updatesBox(c.part, []int64{c.admin, c.part},
				phoneUpdate(s.tamper(s.active(c, c.part))))})
		}
		res = &tg.PhonePhoneCall{PhoneCall: s.active(c, me.ID), Users: s.callUsers(me.ID, c)}
		s.log.Info("call confirmed", "call_id", c.id)
		return ds, nil
	})
	return res, err
}

func (s *Server) discardCall(ctx context.Context, req *tg.PhoneDiscardCallRequest) (tg.UpdatesClass, error) {
	sess := requestOf(ctx).sess
	var res tg.UpdatesClass
	err := s.onCall(ctx, req.Peer, func(me *account, c *call) ([]delivery, error) {
		users := []int64{c.admin, c.part}
		if c.state == callDiscarded {
			// Both sides hung up at once: the second one learns how it ended.
			res = s.updatesBox(me.ID, users, phoneUpdate(c.discarded()))
			return nil, nil
		}
		reason := reasonName(req.Reason)
		duration := 0
		if c.state == callConfirmed {
			duration = max(0, min(req.Duration, int(time.Now().Unix())-c.startDate+1))
		}
		ds, mine := s.finishCall(c, sess, reason, duration)
		// As Telegram answers discardCall: the call's final state and the
		// new history message, with its pts, in the method's result.
		res = s.updatesBox(me.ID, users, phoneUpdate(c.discarded()), mine)
		s.log.Info("call discarded", "call_id", c.id, "by", me.ID, "reason", reason, "duration", duration)
		return ds, nil
	})
	return res, err
}

// finishCall marks c discarded, writes both history entries and returns
// the pushes: the discard and the new history message to every session but
// by, which gets them in the RPC result (mine is by's history message).
// Caller holds mu.
func (s *Server) finishCall(c *call, by *session, reason string, duration int) (ds []delivery, mine tg.UpdateClass) {
	confirmed := c.state == callConfirmed
	c.state, c.reason, c.duration = callDiscarded, reason, duration
	c.needRating = confirmed
	c.needDebug = confirmed && (reason == "disconnect" || s.opts.AskDebug)
	if t := s.timers[c.id]; t != nil {
		t.Stop()
		delete(s.timers, c.id)
	}
	users := []int64{c.admin, c.part}
	for _, uid := range users {
		u := s.st.Users[uid]
		if u == nil {
			continue
		}
		msg := s.addCallRecord(u, c.other(uid), c.id, uid == c.admin, reason, duration)
		s.keepForOffline(uid, []tg.UpdateClass{phoneUpdate(c.discarded())})
		for _, sess := range s.sessions {
			if s.userOf(sess) != uid {
				continue
			}
			if sess == by {
				mine = msg
				continue
			}
			if sess.conn == nil {
				continue
			}
			ds = append(ds, delivery{sess: sess, msg: s.updatesBox(uid, users, phoneUpdate(c.discarded()), msg)})
		}
	}
	s.persist()
	return ds, mine
}

// MigrateToConference ends a call the way Telegram does when one side turns
// it into a group call: both sides get phoneCallDiscarded with reason
// phoneCallDiscardReasonMigrateConferenceCall{slug}. (The sandbox serves no
// group calls; this lets clients show that the call moved.)
func (s *Server) MigrateToConference(callID int64, slug string) error {
	s.mu.Lock()
	c := s.calls[callID]
	if c == nil || c.state == callDiscarded {
		s.mu.Unlock()
		return fmt.Errorf("migrate call %d: no such live call", callID)
	}
	c.slug = slug
	ds, _ := s.finishCall(c, nil, "migrate", 0)
	s.mu.Unlock()
	s.log.Info("call moved to a group call", "call_id", callID)
	s.deliver(ds)
	return nil
}

// CallDebug returns the debug logs (phone.saveCallDebug) clients sent for a call.
func (s *Server) CallDebug(callID int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.debugLogs[callID])
}

// CallP2PAllowed reports the p2p_allowed the server gave a confirmed call.
func (s *Server) CallP2PAllowed(callID int64) (allowed, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls[callID]
	if c == nil || c.fingerprint == 0 {
		return false, false
	}
	return s.p2pAllowed(c), true
}

func (s *Server) sendSignalingData(ctx context.Context, req *tg.PhoneSendSignalingDataRequest) (bool, error) {
	if len(req.Data) > maxSignalingPacketBytes {
		return false, errSignalingTooLong
	}
	sess := requestOf(ctx).sess
	err := s.onCall(ctx, req.Peer, func(me *account, c *call) ([]delivery, error) {
		if c.state == callDiscarded || c.state == callRequested || (me.ID == c.part && c.answering != sess) {
			return nil, errCallPeerInvalid // only the device that answered takes part
		}
		up := &tg.UpdatePhoneCallSignalingData{PhoneCallID: c.id, Data: bytes.Clone(req.Data)}
		if me.ID != c.admin {
			return s.updatesFor(c.admin, nil, nil, up), nil
		}
		if a := c.answering; a != nil && a.conn != nil {
			return []delivery{{sess: a, msg: &tg.Updates{Updates: []tg.UpdateClass{up}, Date: int(time.Now().Unix())}}}, nil
		}
		return nil, nil
	})
	return err == nil, err
}

func (s *Server) setCallRating(ctx context.Context, req *tg.PhoneSetCallRatingRequest) (tg.UpdatesClass, error) {
	if req.Rating < 1 || req.Rating > 5 {
		return nil, errRatingInvalid
	}
	err := s.onCall(ctx, req.Peer, func(me *account, c *call) ([]delivery, error) {
		s.log.Info("call rated", "call_id", c.id, "by", me.ID, "rating", req.Rating, "comment_bytes", len(req.Comment))
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return &tg.Updates{Date: int(time.Now().Unix())}, nil
}

func (s *Server) saveCallDebug(ctx context.Context, req *tg.PhoneSaveCallDebugRequest) (bool, error) {
	if !json.Valid([]byte(req.Debug.Data)) {
		return false, errDataJSONInvalid
	}
	err := s.onCall(ctx, req.Peer, func(me *account, c *call) ([]delivery, error) {
		s.log.Info("call debug log received", "call_id", c.id, "by", me.ID, "bytes", len(req.Debug.Data))
		if len(s.debugLogs[c.id]) < 4 {
			s.debugLogs[c.id] = append(s.debugLogs[c.id], req.Debug.Data)
		}
		return nil, nil
	})
	return err == nil, err
}
