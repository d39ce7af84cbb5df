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

// Errors the UI must recognise; each maps to one sentence in UserMessage.
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

// UserMessage is the one sentence shown for how a call ended (empty for a
// normal end). peer is the other person's display name.
func UserMessage(s State, err error, outgoing bool, peer string) string {
	switch {
	case errors.Is(err, ErrPrivacyRestricted):
		return peer + "'s privacy settings do not allow calls."
	case errors.Is(err, ErrPeerOutdated):
		return peer + " uses an app version that cannot take calls from tgphone."
	case errors.Is(err, ErrBlocked):
		return "You cannot call " + peer + ": one of you has blocked the other."
	case errors.Is(err, ErrUserInvalid):
		return "This user cannot be called."
	case errors.Is(err, ErrProtocol):
		return "The server rejected tgphone's call settings; please update tgphone."
	case errors.Is(err, ErrEncryption):
		return "Encryption check failed; the call was ended to keep it private."
	case errors.Is(err, ErrNoEngine):
		return "This call needs " + err.Error() + "; tgphone cannot carry it yet."
	case errors.Is(err, ErrConnectFailed):
		return "Could not connect to " + peer + "."
	case errors.Is(err, ErrConnectionLost):
		return "Connection lost."
	case errors.Is(err, ErrKeysTimeout):
		return "The call could not be set up in time."
	case errors.Is(err, ErrCallInvalid):
		return "The call no longer exists."
	case errors.Is(err, ErrInCall):
		return "You are already in a call."
	case err != nil:
		// The error's own text ("get dh config: waitSession: context deadline
		// exceeded") says nothing to a user; it is in the log. Say which
		// side failed: the network, the server (by its error's name, which
		// a user can search for), or tgphone.
		if rpcErr, ok := tgerr.As(err); ok {
			return "The call failed: the server refused it (" + rpcErr.Type + ")."
		}
		if Unreachable(err) {
			return "The call failed: the server could not be reached. Check your connection."
		}
		return "The call failed because of a fault in tgphone; the log has the details."
	}
	switch s {
	case StateBusy:
		return peer + " is busy."
	case StateDeclined:
		if outgoing {
			return peer + " declined the call."
		}
		return "You declined the call."
	case StateMissed:
		if outgoing {
			return peer + " did not answer."
		}
		return "Missed call from " + peer + "."
	case StateAnsweredElsewhere:
		return "The call was taken on another device."
	case StateDeclinedElsewhere:
		return "You declined the call on another device."
	case StateEndedElsewhere:
		return "The call was ended on another device."
	case StateMovedToGroupCall:
		return "The call moved to a group call, which tgphone cannot join yet."
	case StateFailed:
		return "The call failed."
	}
	return ""
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
