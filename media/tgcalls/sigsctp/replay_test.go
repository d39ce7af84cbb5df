package sigsctp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/pion/logging"
	"os"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media/tgcalls/internal/replaytest"
	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// stripSacks is replaytest.StripSacks on a checked-in frame.
func stripSacks(pkt []byte) []byte {
	out, err := replaytest.StripSacks(pkt)
	if err != nil {
		panic(err)
	}
	return out
}

// stateCookie returns the State Cookie parameter of an INIT ACK.
func stateCookie(ini signaling.InitChunk) []byte {
	ps := ini.Params
	for len(ps) >= 4 {
		typ, n := binary.BigEndian.Uint16(ps), int(binary.BigEndian.Uint16(ps[2:]))
		if n < 4 || n > len(ps) {
			return nil
		}
		if typ == 7 {
			return ps[4:n]
		}
		ps = ps[(n+3)&^3:]
		if (n+3)&^3 > len(ps)+((n+3)&^3) {
			return nil
		}
	}
	return nil
}

// ours collects and checks what our side sends to the tgcalls side.
type ours struct {
	t        *testing.T
	tr       *Transport
	pkts     [][]byte
	initTag  uint32 // our initiate tag, from our INIT
	initTSN  uint32
	peerTag  uint32 // tgcalls' initiate tag, from its INIT
	cookie   []byte // tgcalls' state cookie, from its INIT ACK
	echoed   bool   // we sent COOKIE ECHO with exactly that cookie
	cumTSN   uint32 // the last cumulative TSN we acknowledged
	sacked   bool
	data     []signaling.DataChunk
	types    map[byte]int
	initAcks int
	myCookie []byte // the cookie of our INIT ACK
	seq      []string
}

func (o *ours) take(pkts [][]byte) {
	for _, b := range pkts {
		o.pkts = append(o.pkts, b)
		p, err := signaling.ParseSCTP(b)
		if err != nil {
			o.t.Fatalf("our packet does not parse: %v", err)
		}
		if p.SrcPort != signaling.SCTPPort || p.DstPort != signaling.SCTPPort {
			o.t.Fatalf("our packet: ports %d/%d", p.SrcPort, p.DstPort)
		}
		for i, c := range p.Chunks {
			o.types[c.Type]++
			o.seq = append(o.seq, fmt.Sprint(c.Type))
			switch c.Type {
			case signaling.ChunkInit:
				if p.Tag != 0 || len(p.Chunks) != 1 {
					o.t.Fatalf("our INIT: tag %08x, %d chunks", p.Tag, len(p.Chunks))
				}
				ini, err := signaling.ParseInit(c)
				if err != nil || ini.InitiateTag == 0 || ini.OutStreams == 0 || ini.InStreams == 0 {
					o.t.Fatalf("our INIT: %+v %v", ini, err)
				}
				o.initTag, o.initTSN = ini.InitiateTag, ini.InitialTSN
				continue
			case signaling.ChunkInitAck:
				// RFC 9260 §5.2.1, what dcSCTP does and expects on a
				// collision: the INIT ACK repeats our INIT's tag and TSN.
				ini, err := signaling.ParseInit(c)
				if err != nil || ini.InitiateTag != o.initTag || ini.InitialTSN != o.initTSN || len(stateCookie(ini)) == 0 {
					o.t.Fatalf("our INIT ACK %+v (our INIT tag %08x tsn %d): %v", ini, o.initTag, o.initTSN, err)
				}
				o.initAcks++
				o.myCookie = stateCookie(ini)
			case signaling.ChunkCookieEcho:
				if i != 0 || !bytes.Equal(c.Value, o.cookie) {
					o.t.Fatalf("our COOKIE ECHO does not carry tgcalls' cookie")
				}
				o.echoed = true
			case signaling.ChunkSack:
				s, err := signaling.ParseSack(c)
				if err != nil {
					o.t.Fatal(err)
				}
				o.cumTSN, o.sacked = s.CumTSN, true
			case signaling.ChunkData:
				d, err := signaling.ParseData(c)
				if err != nil || d.Stream != 0 || d.PPID != signaling.PPIDBinary || d.Unorder {
					o.t.Fatalf("our DATA %+v: %v", d, err)
				}
				o.data = append(o.data, d)
			case signaling.ChunkCookieAck, signaling.ChunkHeartbeatAck:
			default:
				o.t.Fatalf("our packet has chunk type %d", c.Type)
			}
			if p.Tag != o.peerTag {
				o.t.Fatalf("chunk %d sent with tag %08x, tgcalls' tag is %08x", c.Type, p.Tag, o.peerTag)
			}
		}
	}
}

// TestReplayTgcalls feeds the SCTP packets one tgcalls side sent in a real
// call (complete captures raw/<version>/<side>.sig.jsonl) into our transport
// in the other role, and checks that every JSON message tgcalls sent comes
// out, in order, byte for byte, and that everything we send back is SCTP
// tgcalls accepts: CRC32c, ports 5000/5000, tgcalls' verification tag, an
// INIT ACK that repeats our INIT (simultaneous open), a COOKIE ECHO with
// tgcalls' own cookie, SACKs up to tgcalls' last TSN, and DATA (stream 0,
// PPID 53, ordered) whose user messages tgcalls' side opens to our JSON.
func TestReplayTgcalls(t *testing.T) {
	key := transcript.Key()
	for _, tc := range []struct {
		version string
		frames  map[string]int
		msgs    map[string]int
	}{
		{"9.0.0", map[string]int{"caller": 13, "callee": 12}, map[string]int{"caller": 5, "callee": 5}},
		{"11.0.0", map[string]int{"caller": 12, "callee": 14}, map[string]int{"caller": 5, "callee": 6}},
	} {
		f, err := transcript.Load(tc.version)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range []string{"caller", "callee"} {
			for _, ourCookie := range []bool{false, true} {
				name := fmt.Sprintf("%s/tgcalls-%s→us", tc.version, tg)
				if ourCookie {
					// tgcalls' COOKIE ECHO as it is when tgcalls got our INIT
					// ACK: our cookie, our tag. Then we answer COOKIE ACK.
					name += "/cookie-echo-of-ours"
				}
				t.Run(name, func(t *testing.T) {
					raw, err := transcript.LoadRaw(tc.version, tg)
					if err != nil {
						t.Fatal(err)
					}
					var want [][]byte
					var lastTSN uint32
					for _, fr := range f.Sent(tg) {
						for _, m := range fr.Messages {
							want = append(want, transcript.MustHex(m.Decrypted.GunzippedHex))
							lastTSN = m.TSNs[len(m.TSNs)-1]
						}
					}
					frames := transcript.Out(raw)
					if len(frames) != tc.frames[tg] || len(want) != tc.msgs[tg] {
						t.Fatalf("%d frames, %d messages in the transcript", len(frames), len(want))
					}
					us := New(key, tg == "callee", Config{LoggerFactory: dbgLogger(ourCookie)})
					defer us.Close()
					o := &ours{t: t, tr: us, types: map[byte]int{}}
					var got [][]byte
					fed := 0
					for _, fr := range frames {
						p, _ := signaling.ParseSCTP(fr)
						switch p.Chunks[0].Type {
						case signaling.ChunkInit:
							ini, _ := signaling.ParseInit(p.Chunks[0])
							o.peerTag = ini.InitiateTag
						case signaling.ChunkInitAck:
							ini, _ := signaling.ParseInit(p.Chunks[0])
							o.cookie = stateCookie(ini)
						}
						// What we had sent before this packet arrives.
						o.take(mustPoll(t, us))
						pkt := stripSacks(fr)
						if ourCookie && p.Chunks[0].Type == signaling.ChunkCookieEcho {
							// Our INIT ACK is written by pion's write loop: wait for it.
							for wait := time.Now().Add(5 * time.Second); o.myCookie == nil && time.Now().Before(wait); {
								select {
								case <-us.Wake():
								case <-time.After(10 * time.Millisecond):
								}
								o.take(mustPoll(t, us))
							}
							p.Tag = o.initTag
							p.Chunks[0].Value = o.myCookie
							pkt = signaling.MarshalSCTP(p)
						}
						if pkt == nil {
							continue
						}
						msgs, err := us.Receive(pkt, t0)
						if err != nil {
							t.Fatalf("frame %d: %v", fed, err)
						}
						fed++
						got = append(got, msgs...)
					}
					// Messages still on their way out of pion's stream, and the
					// SACK for the last DATA (pion delays acks up to 200 ms).
					deadline := time.Now().Add(10 * time.Second)
					for (len(got) < len(want) || !o.sacked || o.cumTSN != lastTSN) && time.Now().Before(deadline) {
						select {
						case <-us.Wake():
						case <-time.After(10 * time.Millisecond):
						}
						msgs, _ := us.Receive(nil, t0)
						got = append(got, msgs...)
						o.take(mustPoll(t, us))
					}
					if len(got) != len(want) {
						t.Fatalf("got %d messages, want %d", len(got), len(want))
					}
					for i := range want {
						if !bytes.Equal(got[i], want[i]) {
							t.Fatalf("message %d: got %q, want %q", i, got[i], want[i])
						}
					}
					if !us.Established() || !o.echoed || o.initAcks == 0 {
						t.Fatalf("handshake: established %v, cookie echoed %v, INIT ACKs %d", us.Established(), o.echoed, o.initAcks)
					}
					if ourCookie && o.types[signaling.ChunkCookieAck] != 1 {
						t.Fatalf("%d COOKIE ACKs for tgcalls' COOKIE ECHO of our cookie; we sent %v", o.types[signaling.ChunkCookieAck], o.seq)
					}
					if o.cumTSN != lastTSN {
						t.Fatalf("our last SACK acks TSN %d, tgcalls' last is %d", o.cumTSN, lastTSN)
					}

					// Our messages: tgcalls' side must open them.
					mine := []string{`{"@type":"InitialSetup","ufrag":"us"}`, `{"@type":"Candidates","candidates":[]}`, `{"@type":"NegotiateChannels","exchangeId":"1"}`}
					for _, m := range mine {
						pkts, err := us.Send([]byte(m), t0)
						if err != nil {
							t.Fatal(err)
						}
						o.take(pkts)
					}
					for len(o.data) < len(mine) && time.Now().Before(deadline) {
						select {
						case <-us.Wake():
						case <-time.After(10 * time.Millisecond):
						}
						o.take(mustPoll(t, us))
					}
					peer := signaling.NewRaw(key, tg == "caller", true)
					if len(o.data) < len(mine) {
						t.Fatalf("%d DATA chunks for %d messages", len(o.data), len(mine))
					}
					for i, m := range mine {
						d := o.data[i]
						if !d.Begin || !d.End || d.SSN != uint16(i) || d.TSN != o.initTSN+uint32(i) {
							t.Fatalf("DATA %d: %+v", i, d)
						}
						plain, err := peer.Open(d.UserData)
						if err != nil || string(plain) != m {
							t.Fatalf("DATA %d opens to %q, %v", i, plain, err)
						}
						if !signaling.IsGzip(openBody(t, key, tg == "caller", d.UserData)) {
							t.Fatalf("DATA %d body is not gzip", i)
						}
					}
					t.Logf("fed %d tgcalls packets, %d messages out; we sent %d packets %v", fed, len(got), len(o.pkts), o.types)
				})
			}
		}
	}
}

// openBody decrypts a user message without unpacking it.
func openBody(t *testing.T, key [signaling.KeySize]byte, outgoing bool, pkt []byte) []byte {
	t.Helper()
	plain, err := signaling.NewCipher(key, outgoing).Open(pkt)
	if err != nil {
		t.Fatal(err)
	}
	return plain[4:]
}

func mustPoll(t *testing.T, tr signaling.Transport) [][]byte {
	t.Helper()
	pkts, err := tr.Poll(t0)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return pkts
}

func dbgLogger(on bool) logging.LoggerFactory {
	if !on || os.Getenv("SCTPDEBUG") == "" {
		return nil
	}
	return &logging.DefaultLoggerFactory{DefaultLogLevel: logging.LogLevelDebug, Writer: os.Stderr}
}
