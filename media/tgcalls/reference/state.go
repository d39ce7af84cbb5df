package reference

import "fmt"

// state is the engine's connection state; transitions live in next.
type state int

const (
	stateIdle         state = iota // built, Start not called
	stateConnecting                // offer/answer and ICE/DTLS under way
	stateConnected                 // ICE and DTLS up
	stateReconnecting              // the path was lost; ICE may find it again
	stateFailed                    // gave up: timeout or transport failure
	stateClosed                    // Close called
)

func (s state) String() string {
	switch s {
	case stateIdle:
		return "idle"
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
	evStart  event = iota
	evUp           // PeerConnection connected (ICE and DTLS)
	evDown         // PeerConnection disconnected (ICE heard nothing)
	evFailed       // transport failed, a timeout fired, or setup broke
	evClose
)

func (e event) String() string {
	switch e {
	case evStart:
		return "start"
	case evUp:
		return "up"
	case evDown:
		return "down"
	case evFailed:
		return "failed"
	case evClose:
		return "close"
	}
	return fmt.Sprintf("event(%d)", int(e))
}

type action int

const (
	actBegin           action = iota // build the PeerConnection; the caller offers
	actStartAudio                    // first connect: the microphone goes to RTP
	actReportConnected               // OnEvent(connected)
	actReportReconnecting
	actReportFailed
	actTeardown
)

// errIgnored marks an event that is valid but changes nothing in this state.
var errIgnored = fmt.Errorf("reference: event ignored")

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
			return stateConnecting, []action{actBegin}, nil
		}
	case stateConnecting:
		switch e {
		case evUp:
			return stateConnected, []action{actStartAudio, actReportConnected}, nil
		case evDown:
			return s, nil, errIgnored // ICE flaps before the first connect
		case evFailed:
			return stateFailed, []action{actReportFailed, actTeardown}, nil
		}
	case stateConnected:
		switch e {
		case evUp:
			return s, nil, errIgnored
		case evDown:
			return stateReconnecting, []action{actReportReconnecting}, nil
		case evFailed:
			return stateFailed, []action{actReportFailed, actTeardown}, nil
		}
	case stateReconnecting:
		switch e {
		case evUp:
			return stateConnected, []action{actReportConnected}, nil
		case evDown:
			return s, nil, errIgnored
		case evFailed:
			return stateFailed, []action{actReportFailed, actTeardown}, nil
		}
	case stateFailed, stateClosed:
		return s, nil, errIgnored
	}
	return s, nil, fmt.Errorf("reference: %s in state %s", e, s)
}
