package legacy

import (
	"errors"

	"github.com/tgphone/tgphone/media"
)

// connState is the engine's connection state machine.
type connState int

const (
	stConnecting connState = iota
	stConnected
	stReconnecting
	stFailed
	stClosed
)

func (s connState) String() string { return s.media().String() }

func (s connState) media() media.State {
	return [...]media.State{media.StateConnecting, media.StateConnected, media.StateReconnecting, media.StateFailed, media.StateClosed}[s]
}

type connEvent int

const (
	evPackets connEvent = iota // INIT_ACK or media arrived (again)
	evSilence                  // nothing received for a while
	evTimeout                  // connect or packet timeout
	evClose
)

func (e connEvent) String() string {
	return [...]string{"packets", "silence", "timeout", "close"}[e]
}

var transitions = map[connState]map[connEvent]connState{
	stConnecting:   {evPackets: stConnected, evTimeout: stFailed, evClose: stClosed},
	stConnected:    {evSilence: stReconnecting, evClose: stClosed},
	stReconnecting: {evPackets: stConnected, evTimeout: stFailed, evClose: stClosed},
}

// errNoTransition rejects an event that does not apply in a state. It is
// one value, not one made per call: every packet received while connected
// asks for a transition that does not apply, and a formatted error each time
// was 6 % of a call's profiled CPU.
var errNoTransition = errors.New("legacy engine: no transition")

// next is the transition table. Events that do not apply in a state are
// rejected with errNoTransition, which the caller ignores on purpose (e.g.
// packets while already connected).
func next(s connState, ev connEvent) (connState, error) {
	if to, ok := transitions[s][ev]; ok {
		return to, nil
	}
	return s, errNoTransition
}
