package wire

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func seeds(f *testing.F) (*[256]byte, [][]byte) {
	vf, key := loadVectors(f)
	var out [][]byte
	for _, v := range vf.Vectors {
		b, _ := hex.DecodeString(v.UDP)
		out = append(out, b)
		in, _ := hex.DecodeString(v.Inner)
		out = append(out, in)
	}
	return key, out
}

func FuzzParseRelay(f *testing.F) {
	_, s := seeds(f)
	for _, b := range s {
		f.Add(b)
	}
	f.Add(AppendSelfInfoReply(nil, Tag{}, 1, 2, mustAP("127.0.0.1:1")))
	f.Add(AppendPeerInfoReply(nil, Tag{}, mustAP("127.0.0.1:1"), mustAP("127.0.0.1:2")))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = ParseRelay(b) })
}

func FuzzOpen(f *testing.F) {
	key, s := seeds(f)
	for _, b := range s {
		if len(b) > 16 {
			f.Add(b[16:])
		}
	}
	c := NewCipher(key, false)
	f.Fuzz(func(t *testing.T, b []byte) {
		inner, err := c.Open(b)
		if err == nil && len(inner) > len(b) {
			t.Fatalf("inner longer than body")
		}
	})
}

func FuzzParsePacket(f *testing.F) {
	_, s := seeds(f)
	for _, b := range s {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePacket(b)
		if err != nil {
			return
		}
		// A parsed packet re-encodes to something that parses the same.
		q, err := ParsePacket(AppendPacket(nil, p))
		if err != nil || q.Seq != p.Seq || len(q.Extras) != len(p.Extras) || !bytes.Equal(q.Payload, p.Payload) {
			t.Fatalf("round trip: %+v vs %+v (%v)", p, q, err)
		}
		for _, e := range p.Extras {
			_, _ = ParseStreamFlags(e.Data)
			_, _ = ParseLANEndpoint(e.Data)
			_, _ = ParseIPv6Endpoint(e.Data)
			_, _ = ParseNetworkChanged(e.Data)
		}
	})
}

func FuzzParsePayloads(f *testing.F) {
	_, s := seeds(f)
	for _, b := range s {
		if p, err := ParsePacket(b); err == nil {
			f.Add(p.Payload)
		}
	}
	f.Add([]byte{0x41, 3, 0x20, 0, 0, 0, 0, 1, 2, 3, 1, 1, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseInit(b)
		_, _ = ParseInitAck(b)
		_, _ = ParsePong(b)
		if sd, err := ParseStreamData(b); err == nil {
			if _, err := AppendStreamData(nil, sd); err != nil && len(sd.Data) <= 0x7ff {
				t.Fatalf("re-encode parsed stream data: %v", err)
			}
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	var key [256]byte
	c := NewCipher(&key, true)
	inner := make([]byte, 160)
	pad := bytes.NewReader(nil)
	b.SetBytes(int64(len(inner)))
	for b.Loop() {
		pad.Reset(make([]byte, 32))
		if _, err := c.Seal(nil, inner, pad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	var key [256]byte
	body, _ := NewCipher(&key, true).Seal(nil, make([]byte, 160), bytes.NewReader(make([]byte, 32)))
	c := NewCipher(&key, false)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := c.Open(body); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzTCPFrame reads a relay's TCP byte stream: frames are bounded, never a
// panic.
func FuzzTCPFrame(f *testing.F) {
	hdr, _, err := NewTCPO2(bytes.NewReader(bytes.Repeat([]byte{0x42}, 64)))
	if err != nil {
		f.Fatal(err)
	}
	relay, err := AcceptTCPO2(hdr)
	if err != nil {
		f.Fatal(err)
	}
	fr, _ := relay.AppendFrame(nil, make([]byte, 40))
	f.Add(fr)
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, c, _ := NewTCPO2(bytes.NewReader(bytes.Repeat([]byte{0x42}, 64)))
		r := bytes.NewReader(b)
		buf := make([]byte, 1500)
		for range 8 {
			p, err := c.ReadFrame(r, buf)
			if err != nil {
				return
			}
			if len(p)%4 != 0 || len(p) > 1500 {
				t.Fatalf("frame of %d bytes", len(p))
			}
		}
	})
}
