package calling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/gotd/td/tgerr"
)

// Errors the UI must recognise; EndingOf gives each its Reason.
var (
	ErrPrivacyRestricted = errors.New("privacy settings do not allow calls")
	ErrPeerOutdated      = errors.New("peer's app cannot take calls from tgphone")
	ErrBlocked           = errors.New("blocked")
	ErrUserInvalid       = errors.New("user cannot be called")
	ErrProtocol          = errors.New("call protocol rejected by the server")
	ErrAlreadyAccepted   = errors.New("call already accepted")
	ErrAlreadyDeclined   = errors.New("call already declined")
	ErrCallInvalid       = errors.New("call no longer exists")
	ErrEncryption        = errors.New("encryption check failed")
	ErrNoEngine          = errors.New("no media engine")
	ErrConnectFailed     = errors.New("could not connect")
	ErrConnectionLost    = errors.New("connection lost")
	ErrKeysTimeout       = errors.New("key exchange timed out")
	ErrInCall            = errors.New("already in a call")
	ErrNoMicrophone      = errors.New("no microphone found")
)

// mapRPCError turns Telegram's phone.* error codes into the sentinels above.
func mapRPCError(err error) error {
	if err == nil {
		return nil
	}
	var m error
	switch {
	case tgerr.Is(err, "USER_PRIVACY_RESTRICTED"):
		m = ErrPrivacyRestricted
	case tgerr.Is(err, "PARTICIPANT_VERSION_OUTDATED"):
		m = ErrPeerOutdated
	case tgerr.Is(err, "USER_IS_BLOCKED"):
		m = ErrBlocked
	case tgerr.Is(err, "USER_ID_INVALID", "INPUT_USER_DEACTIVATED", "USER_DELETED"):
		m = ErrUserInvalid
	case tgerr.Is(err, "CALL_PROTOCOL_FLAGS_INVALID", "CALL_PROTOCOL_LAYER_INVALID"):
		m = ErrProtocol
	case tgerr.Is(err, "CALL_ALREADY_ACCEPTED"):
		m = ErrAlreadyAccepted
	case tgerr.Is(err, "CALL_ALREADY_DECLINED"):
		m = ErrAlreadyDeclined
	case tgerr.Is(err, "CALL_PEER_INVALID"):
		m = ErrCallInvalid
	default:
		return err
	}
	return fmt.Errorf("%w (%v)", m, err)
}

// ErrorCode is the short machine-readable name of an error, for scripts and logs.
func ErrorCode(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{
		{ErrPrivacyRestricted, "privacy_restricted"}, {ErrPeerOutdated, "peer_outdated"},
		{ErrBlocked, "blocked"}, {ErrUserInvalid, "user_invalid"}, {ErrProtocol, "protocol_invalid"},
		{ErrAlreadyAccepted, "already_accepted"}, {ErrAlreadyDeclined, "already_declined"},
		{ErrCallInvalid, "call_invalid"}, {ErrEncryption, "encryption_failed"},
		{ErrNoEngine, "no_media_engine"}, {ErrConnectFailed, "connect_failed"},
		{ErrConnectionLost, "connection_lost"}, {ErrKeysTimeout, "keys_timeout"},
		{ErrInCall, "in_call"}, {ErrNoMicrophone, "no_microphone"},
	} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	if err == nil {
		return ""
	}
	return "error"
}

// NoEngineError ends a call whose negotiated protocol version has no media
// engine here; it is ErrNoEngine to errors.Is.
type NoEngineError struct{ Version string }

func (e *NoEngineError) Error() string        { return ErrNoEngine.Error() + " for version " + e.Version }
func (e *NoEngineError) Is(target error) bool { return target == ErrNoEngine }

// EndReason is why a call ended, in a form any UI words in its own language
// (UserMessage is the English): which error, or which kind of end.
type EndReason int

const (
	EndNone              EndReason = iota // ended as calls do: nothing to explain
	EndPrivacyRestricted                  // ErrPrivacyRestricted
	EndPeerOutdated                       // ErrPeerOutdated
	EndBlocked                            // ErrBlocked
	EndUserInvalid                        // ErrUserInvalid
	EndProtocol                           // ErrProtocol
	EndEncryption                         // ErrEncryption
	EndNoEngine                           // ErrNoEngine; Ending.Detail is the protocol version
	EndConnectFailed                      // ErrConnectFailed
	EndConnectionLost                     // ErrConnectionLost
	EndKeysTimeout                        // ErrKeysTimeout
	EndCallInvalid                        // ErrCallInvalid
	EndInCall                             // ErrInCall
	EndServerRefused                      // another error from the server; Ending.Detail is its name
	EndUnreachable                        // the network or the server out of reach
	EndInternal                           // any other error: a fault in tgphone
	EndBusy                               // the peer was busy
	EndPeerDeclined                       // out: the peer declined
	EndYouDeclined                        // in: the user declined
	EndNoAnswer                           // out: the peer did not answer
	EndMissed                             // in: a missed call
	EndAnsweredElsewhere                  // in: another device of the user's took the call
	EndDeclinedElsewhere                  // in: another device of the user's declined it
	EndEndedElsewhere                     // in: another device of the user's ended it
	EndMovedToGroupCall                   // the call moved to a group call
	EndFailed                             // failed with no error to say why
	numEndReasons
)

var endReasonNames = [...]string{
	"none", "privacy_restricted", "peer_outdated", "blocked", "user_invalid", "protocol_invalid",
	"encryption_failed", "no_media_engine", "connect_failed", "connection_lost", "keys_timeout",
	"call_invalid", "in_call", "server_refused", "unreachable", "internal", "busy", "peer_declined",
	"you_declined", "no_answer", "missed", "answered_elsewhere", "declined_elsewhere",
	"ended_elsewhere", "moved_to_group_call", "failed",
}

func (r EndReason) String() string {
	if r >= 0 && r < numEndReasons {
		return endReasonNames[r]
	}
	return fmt.Sprintf("end_reason(%d)", int(r))
}

// EndReasons lists every EndReason but EndNone, for a UI's test that it
// words each one.
func EndReasons() []EndReason {
	out := make([]EndReason, 0, numEndReasons-1)
	for r := EndNone + 1; r < numEndReasons; r++ {
		out = append(out, r)
	}
	return out
}

// Ending is how a call ended, for the user: the EndReason, and the one
// detail its sentence quotes (see the End constants), "" for the rest.
type Ending struct {
	Reason EndReason
	Detail string
}

// EndingOf is how a call that ended in state s with err (nil for none)
// ended, for the user.
func EndingOf(s State, err error, outgoing bool) Ending {
	for _, e := range []struct {
		err    error
		reason EndReason
	}{
		{ErrPrivacyRestricted, EndPrivacyRestricted}, {ErrPeerOutdated, EndPeerOutdated},
		{ErrBlocked, EndBlocked}, {ErrUserInvalid, EndUserInvalid}, {ErrProtocol, EndProtocol},
		{ErrEncryption, EndEncryption}, {ErrConnectFailed, EndConnectFailed},
		{ErrConnectionLost, EndConnectionLost}, {ErrKeysTimeout, EndKeysTimeout},
		{ErrCallInvalid, EndCallInvalid}, {ErrInCall, EndInCall},
	} {
		if errors.Is(err, e.err) {
			return Ending{Reason: e.reason}
		}
	}
	if errors.Is(err, ErrNoEngine) {
		var ne *NoEngineError
		if errors.As(err, &ne) {
			return Ending{Reason: EndNoEngine, Detail: ne.Version}
		}
		return Ending{Reason: EndNoEngine}
	}
	if err != nil {
		// The error's own text ("get dh config: waitSession: context deadline
		// exceeded") says nothing to a user; it is in the log. Say which
		// side failed: the network, the server (by its error's name, which
		// a user can search for), or tgphone.
		if rpcErr, ok := tgerr.As(err); ok {
			return Ending{Reason: EndServerRefused, Detail: rpcErr.Type}
		}
		if Unreachable(err) {
			return Ending{Reason: EndUnreachable}
		}
		return Ending{Reason: EndInternal}
	}
	switch s {
	case StateBusy:
		return Ending{Reason: EndBusy}
	case StateDeclined:
		if outgoing {
			return Ending{Reason: EndPeerDeclined}
		}
		return Ending{Reason: EndYouDeclined}
	case StateMissed:
		if outgoing {
			return Ending{Reason: EndNoAnswer}
		}
		return Ending{Reason: EndMissed}
	case StateAnsweredElsewhere:
		return Ending{Reason: EndAnsweredElsewhere}
	case StateDeclinedElsewhere:
		return Ending{Reason: EndDeclinedElsewhere}
	case StateEndedElsewhere:
		return Ending{Reason: EndEndedElsewhere}
	case StateMovedToGroupCall:
		return Ending{Reason: EndMovedToGroupCall}
	case StateFailed:
		return Ending{Reason: EndFailed}
	}
	return Ending{}
}

// Message is the ending's English sentence, "" for EndNone; peer is the
// other person's display name. The desktop UI words endings from its
// catalogue instead; this is for scripts (the headless JSON) and logs.
func (e Ending) Message(peer string) string {
	switch e.Reason {
	case EndPrivacyRestricted:
		return peer + "'s privacy settings do not allow calls."
	case EndPeerOutdated:
		return peer + " uses an app version that cannot take calls from tgphone."
	case EndBlocked:
		return "You cannot call " + peer + ": one of you has blocked the other."
	case EndUserInvalid:
		return "This user cannot be called."
	case EndProtocol:
		return "The server rejected tgphone's call settings; please update tgphone."
	case EndEncryption:
		return "Encryption check failed; the call was ended to keep it private."
	case EndNoEngine:
		if e.Detail == "" {
			return "This call needs a media engine tgphone does not have yet."
		}
		return "This call needs protocol version " + e.Detail + ", which tgphone cannot carry yet."
	case EndConnectFailed:
		return "Could not connect to " + peer + "."
	case EndConnectionLost:
		return "Connection lost."
	case EndKeysTimeout:
		return "The call could not be set up in time."
	case EndCallInvalid:
		return "The call no longer exists."
	case EndInCall:
		return "You are already in a call."
	case EndServerRefused:
		return "The call failed: the server refused it (" + e.Detail + ")."
	case EndUnreachable:
		return "The call failed: the server could not be reached. Check your connection."
	case EndInternal:
		return "The call failed because of a fault in tgphone; the log has the details."
	case EndBusy:
		return peer + " is busy."
	case EndPeerDeclined:
		return peer + " declined the call."
	case EndYouDeclined:
		return "You declined the call."
	case EndNoAnswer:
		return peer + " did not answer."
	case EndMissed:
		return "Missed call from " + peer + "."
	case EndAnsweredElsewhere:
		return "The call was taken on another device."
	case EndDeclinedElsewhere:
		return "You declined the call on another device."
	case EndEndedElsewhere:
		return "The call was ended on another device."
	case EndMovedToGroupCall:
		return "The call moved to a group call, which tgphone cannot join yet."
	case EndFailed:
		return "The call failed."
	}
	return ""
}

// UserMessage is the one English sentence for how a call ended (empty for
// a normal end). peer is the other person's display name.
func UserMessage(s State, err error, outgoing bool, peer string) string {
	return EndingOf(s, err, outgoing).Message(peer)
}

// Unreachable tells whether err is the network or server out of reach
// rather than an answer from it (the UI words its own errors with it too).
func Unreachable(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &ne)
}
