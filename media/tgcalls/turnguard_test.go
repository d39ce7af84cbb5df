package tgcalls

import (
	"encoding/binary"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/transport/v4/stdnet"
	"github.com/tgphone/tgphone/media"
)

func channelData(num uint16, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, num)
	b = binary.BigEndian.AppendUint16(b, uint16(len(payload)))
	return append(b, payload...)
}

// TestTurnConnRefusesWhatWouldStopPion: a TURN client's socket passes STUN
// and ChannelData on channels the client bound, and refuses (counting each)
// what pion's client would stop reading on.
func TestTurnConnRefusesWhatWouldStopPion(t *testing.T) {
	std, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	var rejects media.Rejects
	gn := guardedNet{Net: std, log: slog.New(slog.DiscardHandler), rejects: &rejects}
	client, err := gn.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	// The client binds channel 0x4001 and uses 0x4002 for data.
	bind := stun.MustBuild(stun.NewType(stun.MethodChannelBind, stun.ClassRequest), stun.TransactionID,
		stun.RawAttribute{Type: stun.AttrChannelNumber, Value: []byte{0x40, 0x01, 0, 0}})
	for _, b := range [][]byte{bind.Raw, channelData(0x4002, []byte("rtp"))} {
		if _, err := client.WriteTo(b, server.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	binding := stun.MustBuild(stun.BindingSuccess, stun.TransactionID)
	undecodable := append([]byte(nil), binding.Raw...)
	binary.BigEndian.PutUint16(undecodable[2:], 8) // 8 bytes of attributes announced, 4 sent
	undecodable = append(undecodable, 0, 0x20, 0, 4)
	tests := []struct {
		name string
		b    []byte
		pass bool
	}{
		{"STUN", binding.Raw, true},
		{"data on the bound channel", channelData(0x4001, []byte{0x80, 1, 2, 3}), true},
		{"data on the channel the client sends on", channelData(0x4002, []byte{0x80}), true},
		{"data on an unbound channel", channelData(0x4abc, []byte{0x80}), false},
		{"truncated channel data", channelData(0x4001, []byte{0x80, 1, 2, 3})[:5], false},
		{"STUN that does not decode", undecodable, false},
		{"garbage", []byte("not a TURN packet at all"), false},
	}
	buf := make([]byte, 1500)
	for _, tt := range tests {
		// Each case is followed by a STUN message, so a refused datagram
		// shows as the read returning the STUN one instead.
		for _, b := range [][]byte{tt.b, binding.Raw} {
			if _, err := server.WriteTo(b, client.LocalAddr()); err != nil {
				t.Fatal(err)
			}
		}
		_ = client.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := client.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		passed := string(buf[:n]) == string(tt.b)
		if passed != tt.pass {
			t.Errorf("%s: passed %v, want %v", tt.name, passed, tt.pass)
		}
		if passed {
			if _, _, err := client.ReadFrom(buf); err != nil { // the STUN that followed
				t.Fatal(err)
			}
		}
	}
	if total, by := rejects.Snapshot(); total != 4 {
		t.Errorf("refused %d (%v), want 4", total, by)
	}
}
