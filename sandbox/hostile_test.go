package sandbox

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// TestHostileRewrites: each mode really changes what clients get.
func TestHostileRewrites(t *testing.T) {
	push := &tg.Updates{Updates: []tg.UpdateClass{&tg.UpdatePhoneCall{PhoneCall: &tg.PhoneCallWaiting{ID: 7}}}}
	req := &tg.PhoneCallRequested{ID: 7, GAHash: make([]byte, 32)}
	acc := &tg.PhoneCallAccepted{ID: 7, GB: make([]byte, 256)}
	call := &tg.PhoneCall{ID: 7, GAOrB: make([]byte, 256), KeyFingerprint: 42}
	for _, tt := range []struct {
		mode  Hostile
		check func(s *Server) bool
	}{
		{HostileDuplicate, func(s *Server) bool { p := s.hostilePushes(push); return len(p) == 2 && p[1] == push }},
		{HostileUnknownCalls, func(s *Server) bool {
			p := s.hostilePushes(push)
			return len(p) == 2 && p[1] == push && len(p[0].Updates) == 3
		}},
		{HostileReorder, func(s *Server) bool { return s.jitter() < 80e6 && len(s.hostilePushes(push)) == 1 }},
		{HostileOversized, func(s *Server) bool { return len(s.tamper(req).(*tg.PhoneCallRequested).GAHash) == 32*2048 }},
		{HostileWrongGAHash, func(s *Server) bool { return s.tamper(req).(*tg.PhoneCallRequested).GAHash[0] == 0xff }},
		{HostileShortGB, func(s *Server) bool { return len(s.tamper(acc).(*tg.PhoneCallAccepted).GB) == 128 }},
		{HostileGBOutOfRange, func(s *Server) bool { return len(s.tamper(acc).(*tg.PhoneCallAccepted).GB) == 1 }},
		{HostileWrongFingerprint, func(s *Server) bool { return s.tamper(call).(*tg.PhoneCall).KeyFingerprint == 43 }},
		{HostileShortGA, func(s *Server) bool { return len(s.tamper(call).(*tg.PhoneCall).GAOrB) == 64 }},
		{HostileBadPrime, func(s *Server) bool { return s.dhPrime()[255] != (&Server{}).dhPrime()[255] }},
		{HostileSlowRequest, func(s *Server) bool { return SlowAnswer > 5*time.Second }},
		{HostileFloodWait, func(s *Server) bool {
			q := func() *bin.Buffer { b := &bin.Buffer{}; _ = (&tg.MessagesGetDhConfigRequest{}).Encode(b); return b }
			sess := &session{id: 1}
			return s.floodWait(sess, q()) && !s.floodWait(sess, q()) && s.floodWait(&session{id: 2}, q())
		}},
	} {
		s := &Server{opts: Options{Hostile: tt.mode}, rand: rand.Reader, flooded: map[floodKey]bool{}}
		if !tt.check(s) {
			t.Errorf("%s: no effect", tt.mode)
		}
		if _, err := ParseHostile(string(tt.mode)); err != nil {
			t.Errorf("ParseHostile(%s): %v", tt.mode, err)
		}
	}
	honest := &Server{rand: rand.Reader}
	if len(honest.hostilePushes(push)) != 1 || honest.tamper(req) == nil || len(honest.tamper(req).(*tg.PhoneCallRequested).GAHash) != 32 {
		t.Error("an honest server rewrites updates")
	}
	if _, err := ParseHostile("nice"); err == nil {
		t.Error("unknown mode accepted")
	}
}
