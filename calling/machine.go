package calling

import (
	"errors"
	"fmt"
	"log/slog"
)

// State is what the user sees of a call. The protocol states the server knows
// (waiting, requested, accepted, confirmed, discarded) map onto these.
type State int

const (
	StateIdle              State = iota
	StateRequesting              // out: DH config + phone.requestCall in flight
	StateWaiting                 // out: the server has the call; the callee's device has not acknowledged it
	StateRinging                 // out: the callee's device rings (receive_date); in: ringing here
	StateAccepting               // in: the user answered; phone.acceptCall in flight
	StateExchangingKeys          // keys are being agreed (accepted, not yet confirmed)
	StateConnecting              // confirmed; the media engine is connecting
	StateActive                  // media flows
	StateReconnecting            // media stalled; the engine is trying to recover
	StateHangingUp               // phone.discardCall in flight
	StateEnded                   // normal end
	StateMissed                  // nobody answered, or the caller gave up
	StateBusy                    // the callee was busy or declined (Telegram does not tell these apart)
	StateDeclined                // the callee declined (in: we declined)
	StateFailed                  // an error ended the call; see Snapshot.Err
	StateAnsweredElsewhere       // in: another device of ours took the call
	StateDeclinedElsewhere       // in: another device of ours declined the call while it rang here
	StateEndedElsewhere          // in: the call was ended from another device of ours while it rang here
	StateMovedToGroupCall        // the call was moved to a group call (phoneCallDiscardReasonMigrateConferenceCall)
	numStates
)

var stateNames = [...]string{
	"idle", "requesting", "waiting", "ringing", "accepting", "exchanging_keys", "connecting",
	"active", "reconnecting", "hanging_up", "ended", "missed", "busy", "declined", "failed",
	"answered_elsewhere", "declined_elsewhere", "ended_elsewhere", "moved_to_group_call",
}

func (s State) String() string {
	if s >= 0 && s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// LogValue logs a state by name (JSON handlers would write the number).
func (s State) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Terminal reports whether the call is over.
func (s State) Terminal() bool { return s >= StateEnded }

// EventKind names what happened to a call.
type EventKind int

const (
	EvDial              EventKind = iota // user placed the call
	EvIncoming                           // server: phoneCallRequested
	EvRequested                          // phone.requestCall answered phoneCallWaiting
	EvReceived                           // server: phoneCallWaiting with receive_date (callee's device rings)
	EvAccepted                           // server: phoneCallAccepted (out)
	EvAcceptDone                         // phone.acceptCall answered phoneCallWaiting (in)
	EvConfirmed                          // out: confirmCall answered phoneCall; in: phoneCall arrived and its key checked out
	EvDiscarded                          // server: phoneCallDiscarded (Event.Reason)
	EvGone                               // server: phoneCallEmpty for this call
	EvUserAnswer                         // user
	EvUserDecline                        // user
	EvUserHangup                         // user
	EvRPCFailed                          // a request/accept/confirm RPC failed (Event.Err)
	EvEncryptionFailed                   // a DH, g_a_hash or fingerprint check failed
	EvMediaConnected                     // engine
	EvMediaReconnecting                  // engine
	EvMediaFailed                        // engine (Event.Err)
	EvReceiveTimeout                     // call_receive_timeout_ms ran out
	EvRingTimeout                        // call_ring_timeout_ms ran out
	EvKeysTimeout                        // the peer did not finish the key exchange in time
	EvConnectTimeout                     // call_connect_timeout_ms ran out
	EvHangupTimeout                      // phone.discardCall did not answer in time
	EvDiscardDone                        // phone.discardCall answered (or failed)
	numEvents
)

var eventNames = [...]string{
	"dial", "incoming", "requested", "received", "accepted", "accept-done", "confirmed",
	"discarded", "gone", "user-answer", "user-decline", "user-hangup", "rpc-failed",
	"encryption-failed", "media-connected", "media-reconnecting", "media-failed",
	"receive-timeout", "ring-timeout", "keys-timeout", "connect-timeout", "hangup-timeout",
	"discard-done",
}

func (k EventKind) String() string {
	if k >= 0 && k < numEvents {
		return eventNames[k]
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// LogValue logs an event by name.
func (k EventKind) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Reason is a phoneCallDiscardReason.
type Reason int

const (
	ReasonNone Reason = iota
	ReasonMissed
	ReasonDisconnect
	ReasonHangup
	ReasonBusy
	ReasonMigrate // phoneCallDiscardReasonMigrateConferenceCall: the call goes on as a group call
)

func (r Reason) String() string {
	return [...]string{"none", "missed", "disconnect", "hangup", "busy", "migrate"}[r]
}

// Event is one input to a call's state machine.
type Event struct {
	Kind   EventKind
	Reason Reason // EvDiscarded
	Err    error  // EvRPCFailed, EvMediaFailed, EvEncryptionFailed
}

// ActionKind is a side effect the runtime performs after a transition.
type ActionKind int

const (
	ActRequestCall  ActionKind = iota // getDhConfig + phone.requestCall
	ActReceivedCall                   // phone.receivedCall
	ActAcceptCall                     // getDhConfig + phone.acceptCall
	ActConfirmCall                    // check g_b, derive the key, phone.confirmCall
	ActStartMedia                     // build the engine for the negotiated version and start it
	ActStopMedia
	ActDiscard // phone.discardCall with Action.Reason
	ActArmTimer
	ActDisarmTimer
	// ActCancelRequest: the user hung up before phone.requestCall answered.
	// The request is not sent if it has not been yet; if it has, the server
	// may already ring the callee, so its answer is waited for and the call
	// it names is discarded, even after the hang-up timer ended this Call
	// (tdesktop's _finishAfterRequestingCall).
	ActCancelRequest
)

func (k ActionKind) String() string {
	return [...]string{"request-call", "received-call", "accept-call", "confirm-call", "start-media",
		"stop-media", "discard", "arm", "disarm", "cancel-request"}[k]
}

// Timer names a call timer; durations come from the server's config.
type Timer int

const (
	TimerNone Timer = iota
	TimerReceive
	TimerRing
	TimerKeys
	TimerConnect
	TimerHangup
)

func (t Timer) String() string {
	return [...]string{"none", "receive", "ring", "keys", "connect", "hangup"}[t]
}

// Action is one side effect.
type Action struct {
	Kind   ActionKind
	Reason Reason // ActDiscard
	Timer  Timer  // ActArmTimer
}

func (a Action) String() string {
	switch a.Kind {
	case ActDiscard:
		return "discard(" + a.Reason.String() + ")"
	case ActArmTimer:
		return "arm(" + a.Timer.String() + ")"
	}
	return a.Kind.String()
}

// ErrIgnored says the event means nothing in the current state (a duplicate,
// stale or out-of-place input). The machine is unchanged.
var ErrIgnored = errors.New("event ignored in this state")

// machine is the pure state of one call. next never performs I/O.
type machine struct {
	state    State
	outgoing bool
	// While hanging up: the reason sent and the state to end in.
	discard Reason
	after   State
	// awaitingID: hung up before requestCall answered; the discard goes out
	// with the first server object that names the call.
	awaitingID bool
}

var (
	disarm      = Action{Kind: ActDisarmTimer}
	stopMedia   = Action{Kind: ActStopMedia}
	startMedia  = Action{Kind: ActStartMedia}
	arm         = func(t Timer) Action { return Action{Kind: ActArmTimer, Timer: t} }
	discardWith = func(r Reason) Action { return Action{Kind: ActDiscard, Reason: r} }
)

// hangUp moves to StateHangingUp: send the discard, end in `after`.
func (m machine) hangUp(reason Reason, after State, mediaRunning bool) (machine, []Action, error) {
	acts := []Action{disarm}
	if mediaRunning {
		acts = append(acts, stopMedia)
	}
	acts = append(acts, discardWith(reason), arm(TimerHangup))
	m.state, m.discard, m.after = StateHangingUp, reason, after
	return m, acts, nil
}

// endBy ends the call because the server says it was discarded.
func (m machine) endBy(reason Reason, mediaRunning bool) (machine, []Action, error) {
	acts := []Action{disarm}
	if mediaRunning {
		acts = append(acts, stopMedia)
	}
	m.state = discardOutcome(m, reason)
	return m, acts, nil
}

// discardOutcome maps a peer's discard onto what the user is told.
func discardOutcome(m machine, r Reason) State {
	if r == ReasonMigrate {
		return StateMovedToGroupCall
	}
	switch m.state {
	case StateRequesting, StateWaiting, StateRinging:
		if m.outgoing {
			switch r {
			case ReasonBusy:
				return StateBusy
			case ReasonHangup:
				return StateDeclined
			case ReasonDisconnect:
				return StateFailed
			}
			return StateMissed
		}
		return incomingDiscardOutcome(r)
	case StateAccepting:
		return incomingDiscardOutcome(r)
	}
	switch r {
	case ReasonDisconnect:
		return StateFailed
	case ReasonBusy:
		return StateBusy
	case ReasonMissed:
		return StateMissed
	}
	return StateEnded
}

// incomingDiscardOutcome: a discard of an incoming call that still rings
// here (or whose accept is in flight). Clients send missed when the caller
// gives up (tdesktop, tdlib) and busy when a device declines; the server
// tells our other devices that one of them took the call with a discard
// that carries no reason (tdesktop's EndedByOtherDevice). A hang-up reason
// can only come from a device of ours that had taken the call.
func incomingDiscardOutcome(r Reason) State {
	switch r {
	case ReasonMissed, ReasonDisconnect:
		return StateMissed
	case ReasonBusy:
		return StateDeclinedElsewhere
	case ReasonHangup:
		return StateEndedElsewhere
	}
	return StateAnsweredElsewhere
}

// next is the transition table. Every (state, event) pair not listed is
// ignored on purpose and reported as ErrIgnored.
func (m machine) next(ev Event) (machine, []Action, error) {
	s := m.state
	if s.Terminal() ||
		(s == StateRequesting && !m.outgoing) || (s == StateAccepting && m.outgoing) {
		// Terminal, or a state that does not exist in this direction.
		return m, nil, ErrIgnored
	}
	switch s {
	case StateIdle:
		switch {
		case ev.Kind == EvDial && m.outgoing:
			m.state = StateRequesting
			return m, []Action{{Kind: ActRequestCall}}, nil
		case ev.Kind == EvIncoming && !m.outgoing:
			m.state = StateRinging
			return m, []Action{{Kind: ActReceivedCall}, arm(TimerRing)}, nil
		}

	case StateRequesting:
		switch ev.Kind {
		case EvRequested:
			m.state = StateWaiting
			return m, []Action{arm(TimerReceive)}, nil
		case EvReceived:
			m.state = StateRinging
			return m, []Action{disarm, arm(TimerRing)}, nil
		case EvAccepted:
			m.state = StateExchangingKeys
			return m, []Action{disarm, {Kind: ActConfirmCall}, arm(TimerKeys)}, nil
		case EvRPCFailed:
			m.state = StateFailed
			return m, nil, nil
		case EvDiscarded:
			return m.endBy(ev.Reason, false)
		case EvGone:
			m.state = StateFailed
			return m, []Action{disarm}, nil
		case EvUserHangup:
			// The call id is not known until requestCall answers: the
			// discard goes out with the first object that names the call
			// (StateHangingUp below, or the runtime once this Call is over).
			m.state, m.discard, m.after, m.awaitingID = StateHangingUp, ReasonMissed, StateMissed, true
			return m, []Action{disarm, {Kind: ActCancelRequest}, arm(TimerHangup)}, nil
		}

	case StateWaiting, StateRinging:
		if m.outgoing {
			switch ev.Kind {
			case EvReceived:
				if s == StateRinging {
					return m, nil, ErrIgnored
				}
				m.state = StateRinging
				return m, []Action{disarm, arm(TimerRing)}, nil
			case EvAccepted:
				m.state = StateExchangingKeys
				return m, []Action{disarm, {Kind: ActConfirmCall}, arm(TimerKeys)}, nil
			case EvDiscarded:
				return m.endBy(ev.Reason, false)
			case EvGone:
				m.state = StateFailed
				return m, []Action{disarm}, nil
			case EvReceiveTimeout:
				if s != StateWaiting {
					return m, nil, ErrIgnored
				}
				return m.hangUp(ReasonMissed, StateMissed, false)
			case EvRingTimeout:
				if s != StateRinging {
					return m, nil, ErrIgnored
				}
				return m.hangUp(ReasonMissed, StateMissed, false)
			case EvUserHangup:
				return m.hangUp(ReasonMissed, StateMissed, false)
			}
			break
		}
		if s != StateRinging {
			break
		}
		switch ev.Kind {
		case EvUserAnswer:
			m.state = StateAccepting
			return m, []Action{disarm, {Kind: ActAcceptCall}, arm(TimerKeys)}, nil
		case EvUserDecline, EvUserHangup:
			return m.hangUp(ReasonBusy, StateDeclined, false)
		case EvRingTimeout:
			return m.hangUp(ReasonMissed, StateMissed, false)
		case EvDiscarded:
			return m.endBy(ev.Reason, false)
		case EvGone:
			m.state = StateMissed
			return m, []Action{disarm}, nil
		case EvEncryptionFailed:
			return m.hangUp(ReasonDisconnect, StateFailed, false)
		}

	case StateAccepting:
		switch ev.Kind {
		case EvAcceptDone:
			m.state = StateExchangingKeys
			return m, nil, nil
		case EvConfirmed: // the phoneCall update overtook acceptCall's answer
			m.state = StateConnecting
			return m, []Action{disarm, startMedia, arm(TimerConnect)}, nil
		case EvRPCFailed:
			switch {
			case errors.Is(ev.Err, ErrAlreadyAccepted):
				m.state = StateAnsweredElsewhere
				return m, []Action{disarm}, nil
			case errors.Is(ev.Err, ErrAlreadyDeclined):
				m.state = StateMissed
				return m, []Action{disarm}, nil
			}
			return m.hangUp(ReasonDisconnect, StateFailed, false)
		case EvDiscarded:
			return m.endBy(ev.Reason, false)
		case EvGone:
			m.state = StateFailed
			return m, []Action{disarm}, nil
		case EvEncryptionFailed, EvKeysTimeout:
			return m.hangUp(ReasonDisconnect, StateFailed, false)
		case EvUserHangup, EvUserDecline:
			// Already answered: a hang-up, not a decline (tdesktop sends busy
			// only while the call is still incoming-waiting).
			return m.hangUp(ReasonHangup, StateEnded, false)
		}

	case StateExchangingKeys:
		switch ev.Kind {
		case EvConfirmed:
			m.state = StateConnecting
			return m, []Action{disarm, startMedia, arm(TimerConnect)}, nil
		case EvEncryptionFailed, EvRPCFailed, EvKeysTimeout:
			return m.hangUp(ReasonDisconnect, StateFailed, false)
		case EvDiscarded:
			return m.endBy(ev.Reason, false)
		case EvGone:
			m.state = StateFailed
			return m, []Action{disarm}, nil
		case EvUserHangup:
			return m.hangUp(ReasonHangup, StateEnded, false)
		}

	case StateConnecting, StateActive, StateReconnecting:
		switch ev.Kind {
		case EvMediaConnected:
			if s == StateActive {
				return m, nil, ErrIgnored
			}
			m.state = StateActive
			return m, []Action{disarm}, nil
		case EvMediaReconnecting:
			if s != StateActive {
				return m, nil, ErrIgnored
			}
			m.state = StateReconnecting
			return m, nil, nil
		case EvMediaFailed:
			return m.hangUp(ReasonDisconnect, StateFailed, true)
		case EvConnectTimeout:
			if s != StateConnecting {
				return m, nil, ErrIgnored
			}
			return m.hangUp(ReasonDisconnect, StateFailed, true)
		case EvDiscarded:
			return m.endBy(ev.Reason, true)
		case EvGone:
			m.state = StateFailed
			return m, []Action{disarm, stopMedia}, nil
		case EvUserHangup:
			return m.hangUp(ReasonHangup, StateEnded, true)
		}

	case StateHangingUp:
		switch ev.Kind {
		case EvRequested, EvReceived, EvAccepted:
			// The first object naming a call hung up before requestCall
			// answered (its answer, or an update that overtook it): now it
			// can be discarded.
			if !m.awaitingID {
				break
			}
			m.awaitingID = false
			return m, []Action{discardWith(m.discard)}, nil
		case EvRPCFailed, EvDiscardDone, EvDiscarded, EvGone, EvHangupTimeout:
			m.state = m.after
			return m, []Action{disarm}, nil
		}
	}
	return m, nil, ErrIgnored
}
