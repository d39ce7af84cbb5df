package wire

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
)

type vectorFile struct {
	KeyHex      string `json:"key_hex"`
	Fingerprint string `json:"key_fingerprint_sha1_last8"`
	CallID      string `json:"call_id_sha256_last16"`
	Vectors     []struct {
		Sender    string `json:"sender"`
		Type      string `json:"type"`
		UDP       string `json:"udp_payload_hex"`
		PeerTag   string `json:"peer_tag"`
		MsgKey    string `json:"msg_key"`
		AESKey    string `json:"aes_key"`
		AESIV     string `json:"aes_iv"`
		Plaintext string `json:"plaintext_hex"`
		Inner     string `json:"inner_hex"`
		Decoded   struct {
			TypeID     uint8  `json:"type_id"`
			Ack        uint32 `json:"ack"`
			Seq        uint32 `json:"seq"`
			Acks       string `json:"acks"`
			PayloadLen int    `json:"payload_len"`
			Stream     *struct {
				StreamID uint8  `json:"stream_id"`
				Len      int    `json:"len"`
				PTS      uint32 `json:"pts"`
			} `json:"stream"`
		} `json:"decoded"`
	} `json:"vectors"`
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadVectors(t testing.TB) (vectorFile, *[256]byte) {
	t.Helper()
	raw, err := os.ReadFile("../testdata/libtgvoip-2.4.4-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vf vectorFile
	if err := json.Unmarshal(raw, &vf); err != nil {
		t.Fatal(err)
	}
	var key [256]byte
	copy(key[:], unhex(t, vf.KeyHex))
	return vf, &key
}

func TestKeyHashes(t *testing.T) {
	vf, key := loadVectors(t)
	fp := KeyFingerprint(key)
	if got := hex.EncodeToString(fp[:]); got != vf.Fingerprint {
		t.Errorf("fingerprint %s, want %s", got, vf.Fingerprint)
	}
	id := CallID(key)
	if got := hex.EncodeToString(id[:]); got != vf.CallID {
		t.Errorf("call id %s, want %s", got, vf.CallID)
	}
}

// TestVectors decrypts, parses and re-encrypts the six captured datagrams byte for byte.
func TestVectors(t *testing.T) {
	vf, key := loadVectors(t)
	if len(vf.Vectors) != 6 {
		t.Fatalf("%d vectors, want 6", len(vf.Vectors))
	}
	for _, v := range vf.Vectors {
		t.Run(v.Sender+"/"+v.Type, func(t *testing.T) {
			outgoing := strings.HasPrefix(v.Sender, "outgoing")
			udp := unhex(t, v.UDP)
			rp, err := ParseRelay(udp)
			if err != nil || rp.Kind != RelayData {
				t.Fatalf("relay: %v kind %v", err, rp.Kind)
			}
			if hex.EncodeToString(rp.Tag[:]) != v.PeerTag {
				t.Errorf("tag %x", rp.Tag)
			}
			if hex.EncodeToString(rp.Body[:16]) != v.MsgKey {
				t.Errorf("msg_key %x", rp.Body[:16])
			}
			k, iv := KeyIV(key, X(outgoing), [16]byte(rp.Body[:16]))
			if hex.EncodeToString(k[:]) != v.AESKey || hex.EncodeToString(iv[:]) != v.AESIV {
				t.Errorf("aes key/iv %x %x", k, iv)
			}
			// The receiver is the other side.
			inner, err := NewCipher(key, !outgoing).Open(rp.Body)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			if hex.EncodeToString(inner) != v.Inner {
				t.Fatalf("inner %x", inner)
			}
			if _, err := NewCipher(key, outgoing).Open(rp.Body); !errors.Is(err, ErrMsgKey) {
				t.Errorf("open with own x: %v, want ErrMsgKey", err)
			}
			p, err := ParsePacket(inner)
			if err != nil {
				t.Fatal(err)
			}
			d := v.Decoded
			if p.Type != d.TypeID || p.AckID != d.Ack || p.Seq != d.Seq || len(p.Payload) != d.PayloadLen {
				t.Errorf("header %+v, want %+v", p, d)
			}
			if got := hex.EncodeToString([]byte{byte(p.AckMask >> 24), byte(p.AckMask >> 16), byte(p.AckMask >> 8), byte(p.AckMask)}); got != d.Acks {
				t.Errorf("ack mask %s, want %s", got, d.Acks)
			}
			if !bytes.Equal(AppendPacket(nil, p), inner) {
				t.Errorf("re-encoded inner differs")
			}
			switch p.Type {
			case TypeInit:
				in, err := ParseInit(p.Payload)
				if err != nil || in.ProtocolVersion != 9 || in.MinProtocolVersion != 3 || len(in.AudioCodecs) != 1 || in.AudioCodecs[0] != CodecOpus {
					t.Errorf("init %+v %v", in, err)
				}
				if !bytes.Equal(AppendInit(nil, in), p.Payload) {
					t.Errorf("re-encoded init differs")
				}
			case TypeInitAck:
				a, err := ParseInitAck(p.Payload)
				want := StreamDesc{ID: 1, Type: 1, Codec: CodecOpus, FrameDuration: 60, Enabled: true}
				if err != nil || a.ProtocolVersion != 9 || len(a.Streams) != 1 || a.Streams[0] != want {
					t.Errorf("init-ack %+v %v", a, err)
				}
				if !bytes.Equal(AppendInitAck(nil, a), p.Payload) {
					t.Errorf("re-encoded init-ack differs")
				}
			case TypeStreamData:
				s, err := ParseStreamData(p.Payload)
				if err != nil || s.StreamID != d.Stream.StreamID || len(s.Data) != d.Stream.Len || s.PTS != d.Stream.PTS {
					t.Errorf("stream %+v %v", s, err)
				}
				if s.Data[0]>>3 != 15 || s.Data[0]&3 != 3 {
					t.Errorf("opus toc %#x", s.Data[0])
				}
				re, err := AppendStreamData(nil, s)
				if err != nil || !bytes.Equal(re, p.Payload) {
					t.Errorf("re-encoded stream data differs: %v", err)
				}
			}
			// Re-encrypt with the captured padding.
			pt := unhex(t, v.Plaintext)
			pad := pt[2+len(inner):]
			if len(pad) != PaddingLen(len(inner)) {
				t.Fatalf("padding %d, PaddingLen %d", len(pad), PaddingLen(len(inner)))
			}
			body, err := NewCipher(key, outgoing).Seal(nil, inner, bytes.NewReader(pad))
			if err != nil {
				t.Fatal(err)
			}
			if got := AppendData(nil, rp.Tag, body); !bytes.Equal(got, udp) {
				t.Errorf("re-encrypted datagram differs:\n got %x\nwant %x", got, udp)
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	vf, key := loadVectors(t)
	body := unhex(t, vf.Vectors[0].UDP)[16:]
	c := NewCipher(key, false)
	flip := func(i int) []byte { b := bytes.Clone(body); b[i] ^= 1; return b }
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"msg-key-only", body[:16], ErrShort},
		{"not-block-multiple", body[:len(body)-1], ErrLength},
		{"flipped-msg-key", flip(0), ErrMsgKey},
		{"flipped-ciphertext", flip(20), ErrMsgKey},
		{"flipped-last-byte", flip(len(body) - 1), ErrMsgKey},
		{"truncated-block", body[:len(body)-16], ErrMsgKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Open(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	var key [256]byte
	for i := range key {
		key[i] = byte(i * 7)
	}
	a, b := NewCipher(&key, true), NewCipher(&key, false)
	for _, n := range []int{0, 1, 13, 14, 29, 30, 31, 200, 1400} {
		inner := bytes.Repeat([]byte{byte(n)}, n)
		body, err := a.Seal(nil, inner, bytes.NewReader(make([]byte, 64)))
		if err != nil {
			t.Fatal(err)
		}
		if pad := len(body) - 16 - 2 - n; pad < 16 || pad > 31 || (len(body)-16)%16 != 0 {
			t.Errorf("n=%d: padding %d", n, pad)
		}
		got, err := b.Open(body)
		if err != nil || !bytes.Equal(got, inner) {
			t.Errorf("n=%d: %v", n, err)
		}
	}
}

func TestRelayRoundTrip(t *testing.T) {
	tag := Tag{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	my := netip.MustParseAddrPort("127.0.0.1:4000")
	peer := netip.MustParseAddrPort("127.0.0.1:5000")
	tests := []struct {
		name string
		b    []byte
		size int
		want RelayPacket
	}{
		{"self-info-request", AppendSelfInfoRequest(nil, tag, -5), 40, RelayPacket{Tag: tag, Kind: RelaySelfInfoRequest, QueryID: -5}},
		{"self-info-reply", AppendSelfInfoReply(nil, tag, 77, 9, my), 64, RelayPacket{Tag: tag, Kind: RelaySelfInfoReply, QueryID: 9, Date: 77, My: my}},
		{"peer-info-request", AppendPeerInfoRequest(nil, tag), 32, RelayPacket{Tag: tag, Kind: RelayPeerInfoRequest}},
		{"peer-info-reply", AppendPeerInfoReply(nil, tag, my, peer), 48, RelayPacket{Tag: tag, Kind: RelayPeerInfoReply, My: my, Peer: peer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.b) != tt.size {
				t.Errorf("size %d, want %d", len(tt.b), tt.size)
			}
			got, err := ParseRelay(tt.b)
			if err != nil || got.Kind != tt.want.Kind || got.Tag != tt.want.Tag || got.QueryID != tt.want.QueryID ||
				got.Date != tt.want.Date || got.My != tt.want.My || got.Peer != tt.want.Peer {
				t.Errorf("got %+v %v, want %+v", got, err, tt.want)
			}
		})
	}
	if _, err := ParseRelay(make([]byte, 15)); !errors.Is(err, ErrShort) {
		t.Errorf("short: %v", err)
	}
	bad := AppendSelfInfoRequest(nil, tag, 1)
	bad[28] = 0
	if _, err := ParseRelay(append(bad, 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("unknown control: %v", err)
	}
}

func TestTagPairs(t *testing.T) {
	a := Tag{15: 0x10}
	tests := []struct {
		name string
		b    Tag
		want bool
	}{
		{"identical", a, true},
		{"bit0-byte15", Tag{15: 0x11}, true},
		{"bit1-byte15", Tag{15: 0x12}, false},
		{"bit0-byte14", Tag{14: 1, 15: 0x10}, false},
	}
	for _, tt := range tests {
		if got := a.Pairs(tt.b); got != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
}

func TestRecvWindow(t *testing.T) {
	tests := []struct {
		name     string
		seqs     []uint32
		accepted []bool
		ack      uint32
		mask     uint32
	}{
		{"in-order", []uint32{1, 2, 3}, []bool{true, true, true}, 3, 0xe0000000},
		{"zero-rejected", []uint32{0}, []bool{false}, 0, 0},
		{"duplicate", []uint32{1, 2, 2}, []bool{true, true, false}, 2, 0xc0000000},
		{"gap-then-late", []uint32{1, 3, 2}, []bool{true, true, true}, 3, 0xe0000000},
		{"gap", []uint32{1, 3}, []bool{true, true}, 3, 0xa0000000},
		{"too-old", []uint32{40, 8}, []bool{true, false}, 40, 0x80000000},
		{"big-jump-clears", []uint32{1, 100}, []bool{true, true}, 100, 0x80000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w RecvWindow
			for i, s := range tt.seqs {
				if got := w.Accept(s); got != tt.accepted[i] {
					t.Errorf("Accept(%d) = %v", s, got)
				}
			}
			if a, m := w.Ack(); a != tt.ack || m != tt.mask {
				t.Errorf("ack %d mask %#x, want %d %#x", a, m, tt.ack, tt.mask)
			}
		})
	}
}

func TestAcked(t *testing.T) {
	// Header from vector 4: ack 3, mask c0000000 → 3 and 2 received.
	tests := []struct {
		seq        uint32
		want, w244 bool
	}{{3, true, true}, {2, true, true}, {1, false, true}, {4, false, false}, {0, false, false}}
	for _, tt := range tests {
		if got := Acked(3, 0xc0000000, tt.seq); got != tt.want {
			t.Errorf("Acked(seq %d) = %v", tt.seq, got)
		}
		if got := Acked244(3, 0xc0000000, tt.seq); got != tt.w244 {
			t.Errorf("Acked244(seq %d) = %v", tt.seq, got)
		}
	}
}

func TestStreamDataExtraFEC(t *testing.T) {
	s := StreamData{StreamID: 1, PTS: 120, Data: []byte{0x78, 1, 2}, ExtraFEC: [][]byte{{0x78, 9}, {0x78, 8, 7}}}
	b, err := AppendStreamData(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseStreamData(b)
	if err != nil || got.PTS != 120 || !bytes.Equal(got.Data, s.Data) || len(got.ExtraFEC) != 2 || !bytes.Equal(got.ExtraFEC[1], s.ExtraFEC[1]) {
		t.Errorf("got %+v %v", got, err)
	}
	if _, err := AppendStreamData(nil, StreamData{Data: make([]byte, 0x800)}); err == nil {
		t.Error("oversized data accepted")
	}
}

func TestExtrasRoundTrip(t *testing.T) {
	lan := netip.MustParseAddrPort("192.168.1.2:5555")
	v6 := netip.MustParseAddrPort("[::1]:6000")
	p := Packet{Type: TypeStreamData, Seq: 5, Extras: []Extra{
		{ExtraStreamFlags, AppendStreamFlags(nil, StreamFlags{1, StreamFlagEnabled | StreamFlagExtraEC})},
		{ExtraLANEndpoint, AppendLANEndpoint(nil, lan)},
		{ExtraIPv6Endpoint, AppendIPv6Endpoint(nil, v6)},
		{ExtraNetworkChanged, []byte{1, 0, 0, 0}},
	}, Payload: []byte{1, 2}}
	got, err := ParsePacket(AppendPacket(nil, p))
	if err != nil || len(got.Extras) != 4 || !bytes.Equal(got.Payload, p.Payload) {
		t.Fatalf("%+v %v", got, err)
	}
	if f, err := ParseStreamFlags(got.Extras[0].Data); err != nil || f.Flags != 5 {
		t.Errorf("flags %+v %v", f, err)
	}
	if a, err := ParseLANEndpoint(got.Extras[1].Data); err != nil || a != lan {
		t.Errorf("lan %v %v", a, err)
	}
	if a, err := ParseIPv6Endpoint(got.Extras[2].Data); err != nil || a != v6 {
		t.Errorf("v6 %v %v", a, err)
	}
	if f, err := ParseNetworkChanged(got.Extras[3].Data); err != nil || f != 1 {
		t.Errorf("nc %v %v", f, err)
	}
	bad := AppendPacket(nil, p)
	bad[15] = 0 // zero extra length
	if _, err := ParsePacket(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("zero-length extra: %v", err)
	}
}

func mustAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
