package legacy

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/internal/netem"
	"github.com/tgphone/tgphone/media"
)

// TestP2PFallback: once both sides are on p2p, the direct path is
// blackholed; they return to the relay and audio keeps flowing.
func TestP2PFallback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRelay(t, ctx)
	a, b := startCall(t, ctx, callCfg{p2p: true, relay: r})
	onP2P := func() bool {
		return strings.HasPrefix(a.eng.Stats().Path, "p2p") && strings.HasPrefix(b.eng.Stats().Path, "p2p") &&
			a.eng.Stats().Route == media.RouteDirect && b.eng.Stats().Route == media.RouteDirect
	}
	waitFor(t, "p2p on both sides", 15*time.Second, onP2P)
	relay := r.Addr()
	onlyRelay := netem.Config{Block: func(to net.Addr) bool {
		ua, ok := to.(*net.UDPAddr)
		return !ok || ua.AddrPort() != relay
	}}
	a.conn.SetConfig(onlyRelay)
	b.conn.SetConfig(onlyRelay)
	na, nb := a.audio.received(), b.audio.received()
	waitFor(t, "relay again with audio", 15*time.Second, func() bool {
		return strings.HasPrefix(a.eng.Stats().Path, "relay") && strings.HasPrefix(b.eng.Stats().Path, "relay") &&
			a.eng.Stats().Route == media.RouteRelay && a.eng.Stats().RouteAddr == relay.String() &&
			a.audio.received() > na+20 && b.audio.received() > nb+20
	})
}
