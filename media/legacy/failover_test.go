package legacy

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// TestRelayFailover: with two reflectors, killing the one in use moves both
// sides to the other and audio flows again.
func TestRelayFailover(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r1, r2 := newRelay(t, ctx), newRelay(t, ctx)
	var sides []*side
	for i, hz := range []float64{440, 1000} {
		s := &side{audio: newFakeAudio(t, hz), ev: &events{}}
		tag := wire.Tag{5, 15: byte(i)}
		var err error
		s.eng, err = NewWithOptions(media.Params{Key: testKey(), Outgoing: i == 0, Audio: s.audio, OnEvent: s.ev.add,
			Reflectors: []media.Reflector{
				{ID: 1, IP: "127.0.0.1", Port: int(r1.Addr().Port()), PeerTag: tag},
				{ID: 2, IP: "127.0.0.1", Port: int(r2.Addr().Port()), PeerTag: tag},
			}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.eng.Start(ctx)
		t.Cleanup(func() { s.eng.Close() })
		sides = append(sides, s)
	}
	waitFor(t, "audio", 10*time.Second, func() bool { return sides[0].audio.received() > 10 && sides[1].audio.received() > 10 })
	r1.Stop()
	n0, n1 := sides[0].audio.received(), sides[1].audio.received()
	want := "relay 2 " + net.JoinHostPort("127.0.0.1", strconv.Itoa(int(r2.Addr().Port())))
	waitFor(t, "both sides on relay 2 with audio flowing", 15*time.Second, func() bool {
		return sides[0].audio.received() > n0+20 && sides[1].audio.received() > n1+20 &&
			sides[0].eng.Stats().Path == want && sides[1].eng.Stats().Path == want
	})
	for _, s := range sides {
		if st := s.ev.states(); strings.Contains(st, "failed") {
			t.Errorf("states %q", st)
		}
	}
}
