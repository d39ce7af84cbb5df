package legacy

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"gopkg.in/hraban/opus.v2"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// The extra-EC golden stream, testdata/libtgvoip-2.4.4-extra-ec.json.
//
// Where its bytes come from, honestly: there is no libtgvoip binary on this
// machine, so no capture of a real libtgvoip call in extra-EC mode exists
// here. The first datagram is libtgvoip 2.4.4's own: the callee's first
// STREAM_DATA from the shared capture (testdata/libtgvoip-2.4.4-vectors.json).
// The others were built by writeGolden (go test ./media/legacy -run
// TestGoldenExtraEC -update) with the same call key and peer tag, as
// libtgvoip 2.4.4's HandleAudioInput writes a packet in "shitty internet
// mode" (VoIPController.cpp at grishka/libtgvoip bb25caf, read for this):
// primary Opus at 8 kbit/s, and a second 8 kbit/s encoder's packet of the same
// 60 ms pushed onto a list of at most 4 *before* the packet is written, whose
// newest min(len, extraEcLevel) entries follow as copies — so copy j of k is
// of the frame at P−(k−1−j)·60 ms and the last copy is of P itself. The
// receiver's rule (ProcessIncomingPacket) is the same formula; its jitter
// buffer puts the packet first and never lets a copy displace a packet.
// Opus packets come from libopus through hraban/opus, sealed with wire.Cipher
// (checked byte for byte against libtgvoip's datagrams by package wire).

var updateGolden = flag.Bool("update", false, "rewrite testdata/libtgvoip-2.4.4-extra-ec.json")

const goldenPath = "../../testdata/libtgvoip-2.4.4-extra-ec.json"

type goldenFrame struct {
	PTS          uint32 `json:"pts"`
	PrimaryHex   string `json:"primary_hex"`
	SecondaryHex string `json:"secondary_hex,omitempty"`
}

type goldenDatagram struct {
	Origin string `json:"origin"`
	Seq    uint32 `json:"seq"`
	PTS    uint32 `json:"pts"`
	// ECLevel is the sender's extraEcLevel; ECOf lists, copy by copy, the pts
	// of the frame whose secondary packet the sender put there.
	ECLevel int      `json:"ec_level"`
	ECOf    []uint32 `json:"ec_of_pts"`
	Inner   string   `json:"inner_hex"`
	UDP     string   `json:"udp_payload_hex"`
}

type goldenStream struct {
	Source    string           `json:"source"`
	Sender    string           `json:"sender"`
	PeerTag   string           `json:"peer_tag"`
	Frames    []goldenFrame    `json:"frames"`
	Datagrams []goldenDatagram `json:"datagrams"`
}

type vectorsFile struct {
	KeyHex  string `json:"key_hex"`
	Vectors []struct {
		Sender string `json:"sender"`
		Type   string `json:"type"`
		UDP    string `json:"udp_payload_hex"`
		Tag    string `json:"peer_tag"`
		Inner  string `json:"inner_hex"`
	} `json:"vectors"`
}

func loadVectors(t testing.TB) (key [256]byte, v vectorsFile) {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/libtgvoip-2.4.4-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	k := unhex(t, v.KeyHex)
	if len(k) != 256 {
		t.Fatalf("key of %d bytes", len(k))
	}
	copy(key[:], k)
	return key, v
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeGolden builds the stream described above and writes it.
func writeGolden(t *testing.T) {
	key, v := loadVectors(t)
	var real struct{ udp, inner, tag string }
	for _, x := range v.Vectors {
		if x.Type == "STREAM_DATA" && x.Sender[:8] == "incoming" {
			real.udp, real.inner, real.tag = x.UDP, x.Inner, x.Tag
		}
	}
	if real.udp == "" {
		t.Fatal("no callee STREAM_DATA in the vectors")
	}
	newEnc := func() *opus.Encoder {
		enc, err := opus.NewEncoder(media.SampleRate, 1, opus.AppVoIP)
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{enc.SetBitrate(8000), enc.SetComplexity(10)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		return enc
	}
	primary, secondary := newEnc(), newEnc()
	// libtgvoip's SetPacketLoss: the measured loss as the loss hint, and no
	// in-band FEC while the secondary encoder runs.
	for _, err := range []error{primary.SetInBandFEC(false), primary.SetPacketLossPerc(5)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	gs := goldenStream{
		Source:  "see media/legacy/golden_test.go: datagram 0 is libtgvoip 2.4.4's own (shared capture); the rest were built from libtgvoip 2.4.4's HandleAudioInput layout",
		Sender:  "incoming(callee), x=8",
		PeerTag: real.tag,
	}
	rp, err := wire.ParsePacket(unhex(t, real.inner))
	if err != nil {
		t.Fatal(err)
	}
	rsd, err := wire.ParseStreamData(rp.Payload)
	if err != nil || rsd.PTS != 0 {
		t.Fatalf("real STREAM_DATA: %+v %v", rsd, err)
	}
	gs.Frames = append(gs.Frames, goldenFrame{PTS: 0, PrimaryHex: hex.EncodeToString(rsd.Data)})
	gs.Datagrams = append(gs.Datagrams, goldenDatagram{Origin: "libtgvoip 2.4.4 capture (shared vectors)", Seq: 3, PTS: 0, Inner: real.inner, UDP: real.udp})
	tag := wire.Tag(unhex(t, real.tag))
	sealer := wire.NewCipher(&key, false)
	pad := rand.NewChaCha8([32]byte{'t', 'g', 'p', 'h', 'o', 'n', 'e'})
	var ecList []goldenFrame // libtgvoip's ecAudioPackets
	level := func(pts uint32) int {
		switch {
		case pts >= 1500:
			return 4
		case pts >= 900:
			return 3
		}
		return 2
	}
	pcm := make([]int16, frame)
	n := 0
	for i := 1; i <= 35; i++ {
		pts := uint32(i * frameMs)
		hz := 300 + 40*float64(i%12) // a different pitch each frame
		for s := range pcm {
			pcm[s] = int16(6000 * math.Sin(2*math.Pi*hz*float64(n+s)/media.SampleRate))
		}
		n += frame
		enc := func(e *opus.Encoder) []byte {
			buf := make([]byte, 1500)
			m, err := e.Encode(pcm, buf)
			if err != nil {
				t.Fatal(err)
			}
			return buf[:m]
		}
		f := goldenFrame{PTS: pts, PrimaryHex: hex.EncodeToString(enc(primary)), SecondaryHex: hex.EncodeToString(enc(secondary))}
		gs.Frames = append(gs.Frames, f)
		ecList = append(ecList, f)
		if len(ecList) > 4 {
			ecList = ecList[1:]
		}
		k := min(len(ecList), level(pts))
		var ecOf []uint32
		var copies [][]byte
		for _, c := range ecList[len(ecList)-k:] {
			ecOf = append(ecOf, c.PTS)
			copies = append(copies, unhex(t, c.SecondaryHex))
		}
		payload, err := wire.AppendStreamData(nil, wire.StreamData{StreamID: 1, PTS: pts, Data: unhex(t, f.PrimaryHex), ExtraFEC: copies})
		if err != nil {
			t.Fatal(err)
		}
		seq := uint32(3 + i)
		inner := wire.AppendPacket(nil, wire.Packet{Type: wire.TypeStreamData, AckID: seq, Seq: seq, AckMask: 0xffffffff, Payload: payload})
		sealed, err := sealer.Seal(nil, inner, pad)
		if err != nil {
			t.Fatal(err)
		}
		gs.Datagrams = append(gs.Datagrams, goldenDatagram{Origin: "built from libtgvoip 2.4.4's layout", Seq: seq, PTS: pts,
			ECLevel: level(pts), ECOf: ecOf, Inner: hex.EncodeToString(inner), UDP: hex.EncodeToString(wire.AppendData(nil, tag, sealed))})
	}
	out, err := json.MarshalIndent(gs, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goldenPath, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func loadGolden(t *testing.T) (key [256]byte, gs goldenStream, frames map[uint32]goldenFrame) {
	t.Helper()
	if *updateGolden {
		writeGolden(t)
	}
	key, _ = loadVectors(t)
	raw, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &gs); err != nil {
		t.Fatal(err)
	}
	frames = map[uint32]goldenFrame{}
	for _, f := range gs.Frames {
		frames[f.PTS] = f
	}
	return key, gs, frames
}

// TestGoldenExtraECStream checks the golden file against itself and the
// real key: every datagram opens, parses, and carries the copies it says.
func TestGoldenExtraECStream(t *testing.T) {
	key, gs, frames := loadGolden(t)
	opener := wire.NewCipher(&key, true) // the caller reads the callee's packets
	for _, d := range gs.Datagrams {
		udp := unhex(t, d.UDP)
		inner, err := opener.Open(udp[16:])
		if err != nil {
			t.Fatalf("pts %d: %v", d.PTS, err)
		}
		if !bytes.Equal(inner, unhex(t, d.Inner)) {
			t.Fatalf("pts %d: inner differs from inner_hex", d.PTS)
		}
		p, err := wire.ParsePacket(inner)
		if err != nil || p.Seq != d.Seq {
			t.Fatalf("pts %d: %+v %v", d.PTS, p, err)
		}
		sd, err := wire.ParseStreamData(p.Payload)
		if err != nil || sd.PTS != d.PTS || len(sd.ExtraFEC) != len(d.ECOf) {
			t.Fatalf("pts %d: %+v %v", d.PTS, sd, err)
		}
		if !bytes.Equal(sd.Data, unhex(t, frames[d.PTS].PrimaryHex)) {
			t.Errorf("pts %d: primary differs", d.PTS)
		}
		for j, of := range d.ECOf {
			if !bytes.Equal(sd.ExtraFEC[j], unhex(t, frames[of].SecondaryHex)) {
				t.Errorf("pts %d copy %d: not the secondary packet of %d", d.PTS, j, of)
			}
		}
	}
}

// goldenPort records, per timestamp, the first packet the engine hands over
// (a jitter buffer keeps the first and discards duplicates).
type goldenPort struct {
	fakeAudio
	first map[uint32][]byte
}

func (g *goldenPort) WritePacket(p media.ReceivedPacket) {
	if _, ok := g.first[p.Timestamp/48]; !ok {
		g.first[p.Timestamp/48] = p.Payload
	}
}

// TestGoldenExtraECReceive feeds the golden libtgvoip-layout stream to the
// engine with packets lost and checks that each lost frame is filled with the
// copy libtgvoip's sender made of that very frame (never its neighbour's).
func TestGoldenExtraECReceive(t *testing.T) {
	key, gs, frames := loadGolden(t)
	tests := []struct {
		name string
		lost map[uint32]bool // pts of datagrams that never arrive
	}{
		{"no loss", nil},
		{"single losses, 2 copies", map[uint32]bool{180: true, 420: true}},
		{"burst of 2, 2 copies", map[uint32]bool{540: true, 600: true}},
		{"burst of 2, 3 copies", map[uint32]bool{1080: true, 1140: true}},
		{"burst of 3, 4 copies", map[uint32]bool{1680: true, 1740: true, 1800: true}},
		{"every other packet", map[uint32]bool{1200: true, 1320: true, 1440: true}},
	}
	relay := netip.MustParseAddrPort("127.0.0.1:9")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := &goldenPort{first: map[uint32][]byte{}}
			e, err := NewWithOptions(media.Params{Key: key, Outgoing: true, Audio: port,
				Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9, PeerTag: wire.Tag(unhex(t, gs.PeerTag))}}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer e.conn.Close()
			want := map[uint32][]byte{}
			now := time.Unix(100, 0)
			for _, d := range gs.Datagrams {
				if tt.lost[d.PTS] {
					continue
				}
				e.handle(unhex(t, d.UDP), relay, now)
				if _, ok := want[d.PTS]; !ok {
					want[d.PTS] = unhex(t, frames[d.PTS].PrimaryHex)
				}
				for _, of := range d.ECOf { // what the sender copied, not where a rule files it
					if _, ok := want[of]; !ok {
						want[of] = unhex(t, frames[of].SecondaryHex)
					}
				}
			}
			if rej, _ := e.rejects.Snapshot(); rej != 0 {
				t.Fatalf("%d datagrams rejected", rej)
			}
			for pts, w := range want {
				got, ok := port.first[pts]
				switch {
				case !ok:
					t.Errorf("pts %d: nothing handed over", pts)
				case !bytes.Equal(got, w):
					what := "something else"
					for _, f := range frames {
						if bytes.Equal(got, unhex(t, f.SecondaryHex)) {
							what = "the copy of " + strconv.Itoa(int(f.PTS))
						}
					}
					t.Errorf("pts %d: got %s", pts, what)
				}
			}
			if len(port.first) != len(want) {
				t.Errorf("%d timestamps handed over, want %d", len(port.first), len(want))
			}
		})
	}
}

// TestGoldenExtraECSend runs the golden primaries through our sender at the
// golden stream's copy levels and checks our packets against the golden
// layout: same header form, same number of copies once the history is full,
// and copy j of k is our packet of P−(k−1−j)·60 ms (tgphone repeats its own
// 8 kbit/s primaries where libtgvoip has a second encoder).
func TestGoldenExtraECSend(t *testing.T) {
	key, gs, frames := loadGolden(t)
	e, err := NewWithOptions(media.Params{Key: key, Outgoing: false, Audio: newFakeAudio(t, 440),
		Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9, PeerTag: wire.Tag(unhex(t, gs.PeerTag))}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.conn.Close()
	e.gotInit, e.gotInitAck = true, true
	opener := wire.NewCipher(&key, true)
	for _, d := range gs.Datagrams {
		e.mu.Lock()
		e.ecLevel = d.ECLevel
		dg, ok := e.audioLocked(media.Packet{Payload: unhex(t, frames[d.PTS].PrimaryHex), Duration: 60 * time.Millisecond, Timestamp: 7 + d.PTS*48})
		e.mu.Unlock()
		if !ok {
			t.Fatalf("pts %d: nothing sent", d.PTS)
		}
		inner, err := opener.Open(dg.b[16:])
		if err != nil {
			t.Fatal(err)
		}
		p, err := wire.ParsePacket(inner)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := wire.ParseStreamData(p.Payload)
		if err != nil {
			t.Fatal(err)
		}
		gp, _ := wire.ParsePacket(unhex(t, d.Inner))
		// Stream id and LEN16 flag, and the EXTRA_FEC bit of the length.
		if p.Payload[0] != gp.Payload[0] || (gp.Payload[0]&0x40 != 0 && (p.Payload[2]^gp.Payload[2])&0x20 != 0) {
			t.Errorf("pts %d: stream header % x, libtgvoip % x", d.PTS, p.Payload[:3], gp.Payload[:3])
		}
		if sd.PTS != d.PTS || !bytes.Equal(sd.Data, unhex(t, frames[d.PTS].PrimaryHex)) {
			t.Errorf("pts %d: primary pts %d", d.PTS, sd.PTS)
		}
		if len(d.ECOf) == d.ECLevel && len(sd.ExtraFEC) != d.ECLevel {
			t.Errorf("pts %d: %d copies, libtgvoip sends %d", d.PTS, len(sd.ExtraFEC), d.ECLevel)
		}
		k := len(sd.ExtraFEC)
		for j, c := range sd.ExtraFEC {
			of := d.PTS - uint32(k-1-j)*frameMs
			if !bytes.Equal(c, unhex(t, frames[of].PrimaryHex)) {
				t.Errorf("pts %d copy %d of %d: not our packet of %d", d.PTS, j, k, of)
			}
			if len(d.ECOf) == k && d.ECOf[j] != of {
				t.Errorf("pts %d copy %d: libtgvoip copies %d there, we %d", d.PTS, j, d.ECOf[j], of)
			}
		}
	}
}
