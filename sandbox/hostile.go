package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"

	tgcrypto "github.com/tgphone/tgphone/crypto"
)

// Hostile makes the sandbox lie the way a compromised or buggy server
// could, so clients can be shown to refuse it (issue: hostile input).
type Hostile string

const (
	HostileNone             Hostile = ""
	HostileShortGB          Hostile = "short-gb"          // caller gets a 128-byte g_b
	HostileGBOutOfRange     Hostile = "gb-out-of-range"   // caller gets g_b = 1
	HostileWrongGAHash      Hostile = "wrong-ga-hash"     // callee gets a g_a_hash that will not match g_a
	HostileWrongFingerprint Hostile = "wrong-fingerprint" // callee gets a key_fingerprint off by one bit
	HostileBadPrime         Hostile = "bad-prime"         // getDhConfig serves a prime that is not safe
	HostileShortGA          Hostile = "short-ga"          // callee gets a 64-byte g_a
	HostileOversized        Hostile = "oversized"         // callee gets a 64 KiB g_a_hash
	HostileUnknownCalls     Hostile = "unknown-calls"     // updates for calls that do not exist come first
	HostileDuplicate        Hostile = "duplicate"         // every update arrives twice
	HostileReorder          Hostile = "reorder"           // updates arrive up to 80 ms late, out of order
	// HostileSlowRequest: phone.requestCall rings the callee at once but its
	// answer reaches the caller only SlowAnswer later, as over a slow link.
	HostileSlowRequest Hostile = "slow-request"
	// HostileFloodWait: the first getDhConfig and phone.* request of each
	// session answers FLOOD_WAIT_1, as Telegram may answer any method.
	HostileFloodWait Hostile = "flood-wait"
)

// SlowAnswer is how late slow-request mode answers phone.requestCall: longer
// than a client's 5 s hang-up grace.
const SlowAnswer = 8 * time.Second

// HostileModes lists every mode, for flags and tests.
var HostileModes = []Hostile{HostileShortGB, HostileGBOutOfRange, HostileWrongGAHash,
	HostileWrongFingerprint, HostileBadPrime, HostileShortGA, HostileOversized, HostileUnknownCalls,
	HostileDuplicate, HostileReorder, HostileSlowRequest, HostileFloodWait}

// ParseHostile reads a --hostile flag value.
func ParseHostile(s string) (Hostile, error) {
	if s == "" {
		return HostileNone, nil
	}
	for _, h := range HostileModes {
		if string(h) == s {
			return h, nil
		}
	}
	return "", fmt.Errorf("unknown hostile mode %q (have %s)", s, HostileNames())
}

// HostileNames lists the modes for help texts.
func HostileNames() string {
	names := make([]string, len(HostileModes))
	for i, h := range HostileModes {
		names[i] = string(h)
	}
	return strings.Join(names, ", ")
}

// tamper rewrites a phone call object on its way to a client.
func (s *Server) tamper(pc tg.PhoneCallClass) tg.PhoneCallClass {
	switch v := pc.(type) {
	case *tg.PhoneCallAccepted:
		c := *v
		switch s.opts.Hostile {
		case HostileShortGB:
			c.GB = bytes.Clone(c.GB[:128])
		case HostileGBOutOfRange:
			c.GB = []byte{1}
		}
		return &c
	case *tg.PhoneCallRequested:
		c := *v
		switch s.opts.Hostile {
		case HostileWrongGAHash:
			c.GAHash = bytes.Clone(c.GAHash)
			c.GAHash[0] ^= 0xff
		case HostileOversized:
			c.GAHash = bytes.Repeat(c.GAHash, 2048)
		}
		return &c
	case *tg.PhoneCall:
		c := *v
		switch s.opts.Hostile {
		case HostileWrongFingerprint:
			c.KeyFingerprint ^= 1
		case HostileShortGA:
			c.GAOrB = bytes.Clone(c.GAOrB[:64])
		}
		return &c
	}
	return pc
}

// dhPrime is the prime getDhConfig serves: Telegram's, or in bad-prime
// mode an odd 2048-bit number that is not a safe prime.
func (s *Server) dhPrime() []byte {
	p := tgcrypto.TelegramPrime()
	if s.opts.Hostile != HostileBadPrime {
		return p
	}
	bad := new(big.Int).SetBytes(p)
	bad.Add(bad, big.NewInt(2))
	return bad.FillBytes(make([]byte, 256))
}

// hostilePushes is what the server sends for one push: the push itself,
// or in unknown-calls mode first updates for calls that do not exist, or in
// duplicate mode the push twice.
func (s *Server) hostilePushes(m *tg.Updates) []*tg.Updates {
	switch s.opts.Hostile {
	case HostileDuplicate:
		return []*tg.Updates{m, m}
	case HostileUnknownCalls:
		ghost := randInt64(s.rand)
		accepted := &tg.PhoneCallAccepted{ID: ghost, AccessHash: ghost, AdminID: 1, ParticipantID: 2, GB: []byte{1}}
		return []*tg.Updates{{Updates: []tg.UpdateClass{
			&tg.UpdatePhoneCall{PhoneCall: &tg.PhoneCallDiscarded{ID: ghost}},
			&tg.UpdatePhoneCall{PhoneCall: accepted},
			&tg.UpdatePhoneCallSignalingData{PhoneCallID: ghost, Data: []byte("not for you")},
		}, Date: m.Date}, m}
	}
	return []*tg.Updates{m}
}

// errAnsweredLater tells handleMessage that the handler will send the
// answer itself, later.
var errAnsweredLater = errors.New("answered later")

// answerLate sends a method's result after a delay (slow-request mode).
func (s *Server) answerLate(ctx context.Context, res bin.Encoder, delay time.Duration) error {
	r := requestOf(ctx)
	time.AfterFunc(delay, func() { s.result(context.Background(), r.sess, r.msgID, res) })
	return errAnsweredLater
}

// floodWaits lists the methods flood-wait mode slows down once per session.
var floodWaits = map[uint32]bool{
	tg.MessagesGetDhConfigRequestTypeID: true, tg.PhoneRequestCallRequestTypeID: true,
	tg.PhoneReceivedCallRequestTypeID: true, tg.PhoneAcceptCallRequestTypeID: true,
	tg.PhoneConfirmCallRequestTypeID: true, tg.PhoneDiscardCallRequestTypeID: true,
}

// floodWait reports whether flood-wait mode answers this request with
// FLOOD_WAIT_1: the first of each listed method in a session.
func (s *Server) floodWait(sess *session, query *bin.Buffer) bool {
	if s.opts.Hostile != HostileFloodWait {
		return false
	}
	id, err := query.PeekID()
	if err != nil || !floodWaits[id] {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := floodKey{sess.id, id}
	if s.flooded[k] {
		return false
	}
	s.flooded[k] = true
	return true
}

type floodKey struct {
	session int64
	method  uint32
}

// jitter is the reorder mode's delay for one push.
func (s *Server) jitter() time.Duration {
	n, err := randBelow(s.rand, 80)
	if err != nil {
		return 0
	}
	return time.Duration(n) * time.Millisecond
}
