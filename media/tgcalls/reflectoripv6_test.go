package tgcalls

import (
	"testing"

	"github.com/tgphone/tgphone/media"
)

// TestReflectorSetDualStack: an entry's IPv4 and IPv6 addresses make a port
// each, under the entry's one server id, as tgcalls is handed them.
func TestReflectorSetDualStack(t *testing.T) {
	set := newReflectorSet([]media.Reflector{
		{ID: 5, IP: "127.0.0.1", IPv6: "::1", Port: 599, PeerTag: testPeerTag},
		{ID: 6, IP: "::ffff:127.0.0.2", IPv6: "127.0.0.2", Port: 599, PeerTag: testPeerTag}, // one address twice
		{ID: 7, IPv6: "fe80::1%eth0", Port: 599, PeerTag: testPeerTag},                      // zoned: no port
	}, testLogger(), &media.Rejects{}, nil)
	defer set.close()
	var got []string
	for _, srv := range set.servers {
		got = append(got, srv.addr.String())
		if srv.id != map[string]uint8{"127.0.0.1:599": 1, "[::1]:599": 1, "127.0.0.2:599": 2}[srv.addr.String()] {
			t.Errorf("%s: id %d", srv.addr, srv.id)
		}
	}
	if len(got) != 3 || got[0] != "127.0.0.1:599" || got[1] != "[::1]:599" || got[2] != "127.0.0.2:599" {
		t.Errorf("ports %v", got)
	}
	if len(set.iceServers()) != 3 {
		t.Errorf("urls %+v", set.iceServers())
	}
}
