package calling

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

type step struct {
	out    bool
	from   State
	ev     Event
	to     State
	acts   []Action
	hangup *machine // for StateHangingUp: the discard/after recorded
}

var (
	aReq     = Action{Kind: ActRequestCall}
	aRecv    = Action{Kind: ActReceivedCall}
	aAccept  = Action{Kind: ActAcceptCall}
	aConfirm = Action{Kind: ActConfirmCall}
	aStart   = Action{Kind: ActStartMedia}
	aStop    = Action{Kind: ActStopMedia}
	aDisarm  = Action{Kind: ActDisarmTimer}
	aCancel  = Action{Kind: ActCancelRequest}
)

var allReasons = []Reason{ReasonNone, ReasonMissed, ReasonDisconnect, ReasonHangup, ReasonBusy, ReasonMigrate}

func aArm(t Timer) Action      { return Action{Kind: ActArmTimer, Timer: t} }
func aDiscard(r Reason) Action { return Action{Kind: ActDiscard, Reason: r} }
func ev(k EventKind) Event     { return Event{Kind: k} }
func disc(r Reason) Event      { return Event{Kind: EvDiscarded, Reason: r} }
func hu(r Reason, after State) *machine {
	return &machine{state: StateHangingUp, discard: r, after: after}
}

func hangupActs(r Reason, media bool) []Action {
	a := []Action{aDisarm}
	if media {
		a = append(a, aStop)
	}
	return append(a, aDiscard(r), aArm(TimerHangup))
}

// transitions lists every step the machine takes. Anything not listed must be ignored.
var transitions = []step{
	// Outgoing.
	{true, StateIdle, ev(EvDial), StateRequesting, []Action{aReq}, nil},
	{true, StateRequesting, ev(EvRequested), StateWaiting, []Action{aArm(TimerReceive)}, nil},
	{true, StateRequesting, ev(EvReceived), StateRinging, []Action{aDisarm, aArm(TimerRing)}, nil},
	{true, StateRequesting, ev(EvAccepted), StateExchangingKeys, []Action{aDisarm, aConfirm, aArm(TimerKeys)}, nil},
	{true, StateRequesting, ev(EvRPCFailed), StateFailed, nil, nil},
	{true, StateRequesting, ev(EvGone), StateFailed, []Action{aDisarm}, nil},
	{true, StateRequesting, ev(EvUserHangup), StateHangingUp, []Action{aDisarm, aCancel, aArm(TimerHangup)}, hu(ReasonMissed, StateMissed)},
	{true, StateWaiting, ev(EvReceived), StateRinging, []Action{aDisarm, aArm(TimerRing)}, nil},
	{true, StateWaiting, ev(EvReceiveTimeout), StateHangingUp, hangupActs(ReasonMissed, false), hu(ReasonMissed, StateMissed)},
	{true, StateRinging, ev(EvRingTimeout), StateHangingUp, hangupActs(ReasonMissed, false), hu(ReasonMissed, StateMissed)},
	// Incoming.
	{false, StateIdle, ev(EvIncoming), StateRinging, []Action{aRecv, aArm(TimerRing)}, nil},
	{false, StateRinging, ev(EvUserAnswer), StateAccepting, []Action{aDisarm, aAccept, aArm(TimerKeys)}, nil},
	{false, StateRinging, ev(EvUserDecline), StateHangingUp, hangupActs(ReasonBusy, false), hu(ReasonBusy, StateDeclined)},
	{false, StateRinging, ev(EvUserHangup), StateHangingUp, hangupActs(ReasonBusy, false), hu(ReasonBusy, StateDeclined)},
	{false, StateRinging, ev(EvRingTimeout), StateHangingUp, hangupActs(ReasonMissed, false), hu(ReasonMissed, StateMissed)},
	{false, StateRinging, ev(EvGone), StateMissed, []Action{aDisarm}, nil},
	{false, StateRinging, ev(EvEncryptionFailed), StateHangingUp, hangupActs(ReasonDisconnect, false), hu(ReasonDisconnect, StateFailed)},
	{false, StateAccepting, ev(EvAcceptDone), StateExchangingKeys, nil, nil},
	{false, StateAccepting, ev(EvConfirmed), StateConnecting, []Action{aDisarm, aStart, aArm(TimerConnect)}, nil},
	{false, StateAccepting, Event{Kind: EvRPCFailed, Err: ErrAlreadyAccepted}, StateAnsweredElsewhere, []Action{aDisarm}, nil},
	{false, StateAccepting, Event{Kind: EvRPCFailed, Err: ErrAlreadyDeclined}, StateMissed, []Action{aDisarm}, nil},
	{false, StateAccepting, Event{Kind: EvRPCFailed, Err: errors.New("network")}, StateHangingUp, hangupActs(ReasonDisconnect, false), hu(ReasonDisconnect, StateFailed)},
	{false, StateAccepting, ev(EvGone), StateFailed, []Action{aDisarm}, nil},
	{false, StateAccepting, ev(EvEncryptionFailed), StateHangingUp, hangupActs(ReasonDisconnect, false), hu(ReasonDisconnect, StateFailed)},
	{false, StateAccepting, ev(EvKeysTimeout), StateHangingUp, hangupActs(ReasonDisconnect, false), hu(ReasonDisconnect, StateFailed)},
	// Once answered, ending the call is a hang-up, not a decline (issue 16).
	{false, StateAccepting, ev(EvUserHangup), StateHangingUp, hangupActs(ReasonHangup, false), hu(ReasonHangup, StateEnded)},
	{false, StateAccepting, ev(EvUserDecline), StateHangingUp, hangupActs(ReasonHangup, false), hu(ReasonHangup, StateEnded)},
}

func init() {
	// Steps shared by both directions or by several states.
	for _, out := range []bool{true, false} {
		transitions = append(transitions,
			step{out, StateExchangingKeys, ev(EvConfirmed), StateConnecting, []Action{aDisarm, aStart, aArm(TimerConnect)}, nil},
			step{out, StateExchangingKeys, ev(EvEncryptionFailed), StateHangingUp, hangupActs(ReasonDisconnect, false), hu(ReasonDisconnect, StateFailed)},
			step{out, StateExchangingKeys, ev(EvRPCFailed), StateHangingUp, hangupActs(ReasonDisconnect, false), hu(ReasonDisconnect, StateFailed)},
			step{out, StateExchangingKeys, ev(EvKeysTimeout), StateHangingUp, hangupActs(ReasonDisconnect, false), hu(ReasonDisconnect, StateFailed)},
			step{out, StateExchangingKeys, ev(EvGone), StateFailed, []Action{aDisarm}, nil},
			step{out, StateExchangingKeys, ev(EvUserHangup), StateHangingUp, hangupActs(ReasonHangup, false), hu(ReasonHangup, StateEnded)},
			step{out, StateConnecting, ev(EvMediaConnected), StateActive, []Action{aDisarm}, nil},
			step{out, StateConnecting, ev(EvConnectTimeout), StateHangingUp, hangupActs(ReasonDisconnect, true), hu(ReasonDisconnect, StateFailed)},
			step{out, StateActive, ev(EvMediaReconnecting), StateReconnecting, nil, nil},
			step{out, StateReconnecting, ev(EvMediaConnected), StateActive, []Action{aDisarm}, nil},
		)
		for _, s := range []State{StateConnecting, StateActive, StateReconnecting} {
			transitions = append(transitions,
				step{out, s, ev(EvMediaFailed), StateHangingUp, hangupActs(ReasonDisconnect, true), hu(ReasonDisconnect, StateFailed)},
				step{out, s, ev(EvGone), StateFailed, []Action{aDisarm, aStop}, nil},
				step{out, s, ev(EvUserHangup), StateHangingUp, hangupActs(ReasonHangup, true), hu(ReasonHangup, StateEnded)},
				step{out, s, disc(ReasonHangup), StateEnded, []Action{aDisarm, aStop}, nil},
				step{out, s, disc(ReasonDisconnect), StateFailed, []Action{aDisarm, aStop}, nil},
				step{out, s, disc(ReasonBusy), StateBusy, []Action{aDisarm, aStop}, nil},
				step{out, s, disc(ReasonMissed), StateMissed, []Action{aDisarm, aStop}, nil},
				step{out, s, disc(ReasonNone), StateEnded, []Action{aDisarm, aStop}, nil},
				step{out, s, disc(ReasonMigrate), StateMovedToGroupCall, []Action{aDisarm, aStop}, nil},
			)
		}
		for _, r := range allReasons {
			want := map[Reason]State{ReasonDisconnect: StateFailed, ReasonBusy: StateBusy, ReasonMissed: StateMissed,
				ReasonMigrate: StateMovedToGroupCall}[r]
			if want == 0 {
				want = StateEnded
			}
			transitions = append(transitions, step{out, StateExchangingKeys, disc(r), want, []Action{aDisarm}, nil})
		}
	}
	// The peer's discard before the call was up.
	outOutcome := map[Reason]State{ReasonNone: StateMissed, ReasonMissed: StateMissed, ReasonBusy: StateBusy,
		ReasonHangup: StateDeclined, ReasonDisconnect: StateFailed, ReasonMigrate: StateMovedToGroupCall}
	// Still ringing here: the caller gave up (missed; disconnect: its
	// attempt failed), another device of ours declined (busy), ended the
	// call it had taken (hangup), or took it (no reason: the server's word
	// to the other devices).
	inOutcome := map[Reason]State{ReasonNone: StateAnsweredElsewhere, ReasonMissed: StateMissed,
		ReasonBusy: StateDeclinedElsewhere, ReasonHangup: StateEndedElsewhere, ReasonDisconnect: StateMissed,
		ReasonMigrate: StateMovedToGroupCall}
	for r, want := range outOutcome {
		for _, s := range []State{StateRequesting, StateWaiting, StateRinging} {
			transitions = append(transitions, step{true, s, disc(r), want, []Action{aDisarm}, nil})
		}
	}
	for r, want := range inOutcome {
		transitions = append(transitions,
			step{false, StateRinging, disc(r), want, []Action{aDisarm}, nil},
			step{false, StateAccepting, disc(r), want, []Action{aDisarm}, nil})
	}
	for _, s := range []State{StateWaiting, StateRinging} {
		transitions = append(transitions,
			step{true, s, ev(EvAccepted), StateExchangingKeys, []Action{aDisarm, aConfirm, aArm(TimerKeys)}, nil},
			step{true, s, ev(EvGone), StateFailed, []Action{aDisarm}, nil},
			step{true, s, ev(EvUserHangup), StateHangingUp, hangupActs(ReasonMissed, false), hu(ReasonMissed, StateMissed)})
	}
	// Hanging up ends in the recorded state whatever answers first.
	for _, out := range []bool{true, false} {
		for _, k := range []EventKind{EvRPCFailed, EvDiscardDone, EvGone, EvHangupTimeout} {
			transitions = append(transitions, step{out, StateHangingUp, ev(k), StateDeclined, []Action{aDisarm}, nil})
		}
		for _, r := range allReasons {
			transitions = append(transitions, step{out, StateHangingUp, disc(r), StateDeclined, []Action{aDisarm}, nil})
		}
	}
}

func name(s step) string {
	dir := "in"
	if s.out {
		dir = "out"
	}
	e := s.ev.Kind.String()
	if s.ev.Kind == EvDiscarded {
		e += "(" + s.ev.Reason.String() + ")"
	}
	if s.ev.Err != nil {
		e += "(" + s.ev.Err.Error() + ")"
	}
	return fmt.Sprintf("%s/%s/%s→%s", dir, s.from, e, s.to)
}

func startMachine(s step) machine {
	m := machine{state: s.from, outgoing: s.out}
	if s.from == StateHangingUp {
		m.discard, m.after = ReasonBusy, StateDeclined
	}
	return m
}

func TestTransitions(t *testing.T) {
	for _, s := range transitions {
		t.Run(name(s), func(t *testing.T) {
			got, acts, err := startMachine(s).next(s.ev)
			if err != nil {
				t.Fatalf("next: %v", err)
			}
			if got.state != s.to {
				t.Fatalf("state %s, want %s", got.state, s.to)
			}
			if !reflect.DeepEqual(acts, s.acts) {
				t.Fatalf("actions %v, want %v", acts, s.acts)
			}
			if s.hangup != nil && (got.discard != s.hangup.discard || got.after != s.hangup.after) {
				t.Fatalf("hang-up records discard=%s after=%s, want %s/%s", got.discard, got.after, s.hangup.discard, s.hangup.after)
			}
		})
	}
}

// TestEverythingElseIgnored walks every (direction, state, event) pair: each is
// either a listed transition or ignored with no change and no side effect.
func TestEverythingElseIgnored(t *testing.T) {
	listed := map[string]bool{}
	for _, s := range transitions {
		listed[fmt.Sprint(s.out, s.from, s.ev.Kind, s.ev.Reason, s.ev.Err != nil)] = true
	}
	reasons := allReasons
	checked := 0
	for _, out := range []bool{true, false} {
		for st := StateIdle; st < numStates; st++ {
			for k := EventKind(0); k < numEvents; k++ {
				for _, r := range reasons {
					if k != EvDiscarded && r != ReasonNone {
						continue
					}
					e := Event{Kind: k, Reason: r}
					if k == EvRPCFailed && !(st == StateAccepting && !out) {
						// Accepting/in is listed per error; elsewhere any error behaves alike.
						e.Err = nil
					}
					key := fmt.Sprint(out, st, k, r, e.Err != nil)
					m := startMachine(step{out: out, from: st})
					got, acts, err := m.next(e)
					checked++
					if listed[key] {
						if err != nil {
							t.Errorf("%v/%s/%s: listed but %v", out, st, k, err)
						}
						continue
					}
					if k == EvRPCFailed && st == StateAccepting && !out {
						continue // covered by the listed per-error steps
					}
					if !errors.Is(err, ErrIgnored) || got != m || len(acts) != 0 {
						t.Errorf("out=%v %s/%s(%s): want ignored, got %s %v %v", out, st, k, r, got.state, acts, err)
					}
				}
			}
		}
	}
	if checked < 2*int(numStates)*int(numEvents) {
		t.Fatalf("only %d combinations checked", checked)
	}
}

func TestTerminalStatesIgnoreEverything(t *testing.T) {
	for st := StateEnded; st < numStates; st++ {
		for k := EventKind(0); k < numEvents; k++ {
			m := machine{state: st, outgoing: true}
			if got, acts, err := m.next(Event{Kind: k}); !errors.Is(err, ErrIgnored) || got != m || acts != nil {
				t.Errorf("%s/%s: not ignored", st, k)
			}
		}
	}
}

func TestNamesCoverEveryValue(t *testing.T) {
	if len(stateNames) != int(numStates) || len(eventNames) != int(numEvents) {
		t.Fatalf("names out of step: %d states/%d names, %d events/%d names", numStates, len(stateNames), numEvents, len(eventNames))
	}
}

// TestHangUpBeforeTheCallHasAnID: hung up while phone.requestCall is in
// flight, the discard goes out with the first object that names the call —
// requestCall's answer or an update that overtook it — exactly once; an
// object naming the call after that, or when the call was hung up with its
// id known, changes nothing.
func TestHangUpBeforeTheCallHasAnID(t *testing.T) {
	for _, first := range []EventKind{EvRequested, EvReceived, EvAccepted} {
		t.Run(first.String(), func(t *testing.T) {
			m := machine{state: StateRequesting, outgoing: true}
			m, acts, err := m.next(ev(EvUserHangup))
			if err != nil || m.state != StateHangingUp || !m.awaitingID ||
				!reflect.DeepEqual(acts, []Action{aDisarm, aCancel, aArm(TimerHangup)}) {
				t.Fatalf("hang-up while requesting: %s awaiting=%v %v %v", m.state, m.awaitingID, acts, err)
			}
			m, acts, err = m.next(ev(first))
			if err != nil || m.state != StateHangingUp || m.awaitingID || !reflect.DeepEqual(acts, []Action{aDiscard(ReasonMissed)}) {
				t.Fatalf("%s after the hang-up: %s %v %v, want discard(missed)", first, m.state, acts, err)
			}
			for _, again := range []EventKind{EvRequested, EvReceived, EvAccepted} {
				if _, acts, err := m.next(ev(again)); !errors.Is(err, ErrIgnored) || acts != nil {
					t.Errorf("%s once the discard went: %v %v, want ignored", again, acts, err)
				}
			}
			m, acts, err = m.next(ev(EvDiscardDone))
			if err != nil || m.state != StateMissed || !reflect.DeepEqual(acts, []Action{aDisarm}) {
				t.Fatalf("discard answered: %s %v %v", m.state, acts, err)
			}
		})
	}
	t.Run("request failed", func(t *testing.T) {
		m, _, _ := machine{state: StateRequesting, outgoing: true}.next(ev(EvUserHangup))
		if m, _, _ = m.next(ev(EvRPCFailed)); m.state != StateMissed {
			t.Errorf("requestCall failed after the hang-up: %s, want missed", m.state)
		}
	})
}
