package tgcalls

import "fmt"

// state is the engine's transport state; transitions live in next.
type state int

const (
	stateIdle         state = iota // built, Start not called
	stateSignaling                 // gathering, exchanging InitialSetup
	stateConnecting                // ICE and DTLS started with the peer's parameters
	stateConnected                 // DTLS up: media flows
	stateReconnecting              // ICE lost the path; it may come back
	stateFailed                    // gave up (timeout, ICE/DTLS failure)
	stateClosed                    // Close called
)

func (s state) String() string {
	switch s {
	case stateIdle:
		return "idle"
	case stateSignaling:
		return "signaling"
	case stateConnecting:
		return "connecting"
	case stateConnected:
		return "connected"
	case stateReconnecting:
		return "reconnecting"
	case stateFailed:
		return "failed"
	case stateClosed:
		return "closed"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

type event int

const (
	evStart       event = iota
	evRemoteSetup       // the peer's InitialSetup arrived
	evTransportUp       // ICE connected and DTLS handshake done
	evPathLost          // ICE disconnected
	evPathBack          // ICE connected again after a loss
	evFailed            // ICE/DTLS failed or a timeout fired
	evClose
)

func (e event) String() string {
	switch e {
	case evStart:
		return "start"
	case evRemoteSetup:
		return "remote-setup"
	case evTransportUp:
		return "transport-up"
	case evPathLost:
		return "path-lost"
	case evPathBack:
		return "path-back"
	case evFailed:
		return "failed"
	case evClose:
		return "close"
	}
	return fmt.Sprintf("event(%d)", int(e))
}

// action is what the runtime does after a transition.
type action int

const (
	actGather         action = iota // build transports, gather, send InitialSetup if caller
	actStartTransport               // start ICE and DTLS with the peer's parameters
	actStartMedia                   // RTP sender/receiver and the data channel
	actReportConnected
	actReportReconnecting
	actReportFailed
	actTeardown
)

// errIgnored marks an event that is valid but changes nothing in this state.
var errIgnored = fmt.Errorf("tgcalls: event ignored")

// next is the transition table. Events that cannot happen in a state return
// an error; the runtime logs them and stays put.
func next(s state, e event) (state, []action, error) {
	if e == evClose {
		if s == stateClosed {
			return s, nil, errIgnored
		}
		return stateClosed, []action{actTeardown}, nil
	}
	switch s {
	case stateIdle:
		if e == evStart {
			return stateSignaling, []action{actGather}, nil
		}
	case stateSignaling:
		switch e {
		case evRemoteSetup:
			return stateConnecting, []action{actStartTransport}, nil
		case evFailed:
			return stateFailed, []action{actReportFailed, actTeardown}, nil
		}
	case stateConnecting:
		switch e {
		case evRemoteSetup:
			return s, nil, errIgnored // a re-sent InitialSetup
		case evTransportUp:
			return stateConnected, []action{actStartMedia, actReportConnected}, nil
		case evPathLost, evPathBack:
			return s, nil, errIgnored // ICE flaps before DTLS is up
		case evFailed:
			return stateFailed, []action{actReportFailed, actTeardown}, nil
		}
	case stateConnected:
		switch e {
		case evRemoteSetup, evPathBack:
			return s, nil, errIgnored
		case evPathLost:
			return stateReconnecting, []action{actReportReconnecting}, nil
		case evFailed:
			return stateFailed, []action{actReportFailed, actTeardown}, nil
		}
	case stateReconnecting:
		switch e {
		case evRemoteSetup, evPathLost:
			return s, nil, errIgnored
		case evPathBack:
			return stateConnected, []action{actReportConnected}, nil
		case evFailed:
			return stateFailed, []action{actReportFailed, actTeardown}, nil
		}
	case stateFailed:
		return s, nil, errIgnored
	case stateClosed:
		return s, nil, errIgnored
	}
	return s, nil, fmt.Errorf("tgcalls: %s in state %s", e, s)
}
