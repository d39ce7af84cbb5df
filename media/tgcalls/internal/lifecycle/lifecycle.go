// Package lifecycle is the transport state table of tgphone's two pion-based
// tgcalls engines (media/tgcalls, media/tgcalls/reference): which events
// move a call between idle, connecting, connected, reconnecting, failed and
// closed, and what the engine does on each move (Next; Fire runs one on an
// engine's state, Action.Report is the event a move reports). The engines
// differ only in where Start leads (Begin).
package lifecycle

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/tgphone/tgphone/media"
)

// State is an engine's transport state.
type State int

const (
	Idle         State = iota // built, Start not called
	Signaling                 // V2: gathering, exchanging InitialSetup
	Connecting                // ICE and DTLS under way with the peer's parameters
	Connected                 // ICE and DTLS up: media flows
	Reconnecting              // ICE lost the path; it may come back
	Failed                    // gave up: timeout, ICE/DTLS failure, setup broke
	Closed                    // Close called
)

var stateNames = [...]string{"idle", "signaling", "connecting", "connected", "reconnecting", "failed", "closed"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Public is s as media.Event and the call core see it.
func (s State) Public() media.State {
	switch s {
	case Connected:
		return media.StateConnected
	case Reconnecting:
		return media.StateReconnecting
	case Failed:
		return media.StateFailed
	case Closed:
		return media.StateClosed
	}
	return media.StateConnecting
}

// Event is what happened to the transport.
type Event int

const (
	Start       Event = iota
	RemoteSetup       // V2: the peer's InitialSetup arrived
	TransportUp       // ICE connected and the DTLS handshake done (the reference engine: each time its PeerConnection connects)
	PathLost          // ICE heard nothing for a while
	PathBack          // ICE connected again after a loss
	Fail              // ICE/DTLS failed, a timeout fired, or setup broke
	Close
)

var eventNames = [...]string{"start", "remote-setup", "transport-up", "path-lost", "path-back", "failed", "close"}

func (e Event) String() string {
	if e >= 0 && int(e) < len(eventNames) {
		return eventNames[e]
	}
	return fmt.Sprintf("event(%d)", int(e))
}

// Action is what the engine does after a transition, in the order given.
type Action int

const (
	Setup              Action = iota // V2: build transports and gather; reference: build the PeerConnection
	StartTransport                   // V2: start ICE and DTLS with the peer's parameters
	StartMedia                       // first connect: the audio streams (and V2's data channel)
	ReportConnected                  // OnEvent(connected)
	ReportReconnecting               // OnEvent(reconnecting)
	ReportFailed                     // OnEvent(failed) with the cause
	Teardown                         // stop everything
)

// Begin is where Start leads: Signaling for the V2 engine, which starts its
// transports only once the peer's InitialSetup came (RemoteSetup);
// Connecting for the reference engine, whose offer/answer runs beside ICE.
type Begin State

// ErrIgnored marks an event that is valid but changes nothing in the state.
var ErrIgnored = errors.New("lifecycle: event ignored")

// Next is the transition table. Events that cannot happen in a state return
// an error; the engine logs them and stays put.
func (b Begin) Next(s State, e Event) (State, []Action, error) {
	if e == Close {
		if s == Closed {
			return s, nil, ErrIgnored
		}
		return Closed, []Action{Teardown}, nil
	}
	switch s {
	case Idle:
		if e == Start {
			return State(b), []Action{Setup}, nil
		}
	case Signaling:
		switch e {
		case RemoteSetup:
			return Connecting, []Action{StartTransport}, nil
		case Fail:
			return Failed, []Action{ReportFailed, Teardown}, nil
		}
	case Connecting:
		switch e {
		case RemoteSetup:
			return s, nil, ErrIgnored // a re-sent InitialSetup
		case TransportUp:
			return Connected, []Action{StartMedia, ReportConnected}, nil
		case PathLost, PathBack:
			return s, nil, ErrIgnored // ICE flaps before DTLS is up
		case Fail:
			return Failed, []Action{ReportFailed, Teardown}, nil
		}
	case Connected:
		switch e {
		case RemoteSetup, TransportUp, PathBack:
			return s, nil, ErrIgnored
		case PathLost:
			return Reconnecting, []Action{ReportReconnecting}, nil
		case Fail:
			return Failed, []Action{ReportFailed, Teardown}, nil
		}
	case Reconnecting:
		switch e {
		case RemoteSetup, PathLost:
			return s, nil, ErrIgnored
		case TransportUp, PathBack:
			return Connected, []Action{ReportConnected}, nil
		case Fail:
			return Failed, []Action{ReportFailed, Teardown}, nil
		}
	case Failed, Closed:
		return s, nil, ErrIgnored
	}
	return s, nil, fmt.Errorf("lifecycle: %s in state %s", e, s)
}

// Fire runs event e on the engine's state *st, which mu (the engine's lock)
// guards, and returns the actions the engine runs next, in order. An event
// the table does not expect is logged as a warning, an ignored one is not;
// neither moves the state nor returns an action.
func (b Begin) Fire(mu sync.Locker, st *State, e Event, log *slog.Logger) []Action {
	mu.Lock()
	from := *st
	to, acts, err := b.Next(from, e)
	*st = to
	mu.Unlock()
	if err != nil {
		if !errors.Is(err, ErrIgnored) {
			log.Warn("unexpected engine event", "err", err)
		}
		return nil
	}
	log.Debug("engine transition", "from", from, "event", e, "to", to)
	return acts
}

// Report is the event a Report action gives OnEvent, cause being the
// failure's; ok is false for the other actions.
func (a Action) Report(cause error) (ev media.Event, ok bool) {
	switch a {
	case ReportConnected:
		return media.Event{State: media.StateConnected}, true
	case ReportReconnecting:
		return media.Event{State: media.StateReconnecting}, true
	case ReportFailed:
		return media.Event{State: media.StateFailed, Err: cause}, true
	}
	return media.Event{}, false
}
