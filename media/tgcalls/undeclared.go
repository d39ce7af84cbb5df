package tgcalls

import (
	"errors"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"
)

// pion's SRTP and SRTCP sessions hand every packet of an SSRC nobody has
// opened yet to AcceptStream, and block their read loop until someone
// takes it. pion's PeerConnection drains them (undeclaredMediaProcessor);
// its ORTC API, which this engine uses, neither does nor exposes the
// sessions. A peer's first RTP or RTCP arriving before our receiver opened
// its SSRC therefore froze the session for good, audio and Close with it.
// drainUndeclared reaches the two sessions and accepts such streams: the
// receiver's later OpenReadStream gets the same stream with its buffered
// packets; streams nobody opens fill their bounded buffer and drop.

var errNoSessions = errors.New("pion DTLSTransport has no srtpSession/srtcpSession fields")

// srtpSessions returns the transport's SRTP sessions once DTLS is up.
// go.mod pins pion/webrtc; TestSRTPSessionsReachable fails if an upgrade
// moves the fields.
func srtpSessions(d *webrtc.DTLSTransport) (*srtp.SessionSRTP, *srtp.SessionSRTCP, error) {
	v := reflect.ValueOf(d).Elem()
	load := func(name string) any {
		f := v.FieldByName(name)
		if !f.IsValid() || f.Type() != reflect.TypeOf(atomic.Value{}) {
			return nil
		}
		return (*atomic.Value)(unsafe.Pointer(f.UnsafeAddr())).Load()
	}
	rtpS, ok1 := load("srtpSession").(*srtp.SessionSRTP)
	rtcpS, ok2 := load("srtcpSession").(*srtp.SessionSRTCP)
	if !ok1 || !ok2 {
		return nil, nil, errNoSessions
	}
	return rtpS, rtcpS, nil
}

// drainUndeclared accepts undeclared streams until the sessions close.
func (e *Engine) drainUndeclared(d *webrtc.DTLSTransport) {
	rtpS, rtcpS, err := srtpSessions(d)
	if err != nil {
		e.log.Warn("cannot drain undeclared SRTP streams; an early packet may stall the call", "err", err)
		return
	}
	drain := func(kind string, accept func() (uint32, error)) {
		defer e.wg.Done()
		for {
			ssrc, err := accept()
			if err != nil {
				return // the session closed
			}
			e.log.Debug("stream before its reader", "kind", kind, "ssrc", ssrc)
		}
	}
	e.wg.Add(2)
	go drain("RTP", func() (uint32, error) { _, ssrc, err := rtpS.AcceptStream(); return ssrc, err })
	go drain("RTCP", func() (uint32, error) { _, ssrc, err := rtcpS.AcceptStream(); return ssrc, err })
}
