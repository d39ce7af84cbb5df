package account

import (
	"errors"
	"fmt"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/tgerr"
)

// Errors the UI must recognise during sign-in and lookups.
var (
	ErrCodeInvalid     = errors.New("the code is not correct")
	ErrCodeExpired     = errors.New("the code has expired; request a new one")
	ErrPasswordNeeded  = errors.New("this account is protected by a password")
	ErrPasswordInvalid = errors.New("the password is not correct")
	ErrSignUpRequired  = errors.New("no account uses this phone number yet")
	ErrPhoneInvalid    = errors.New("the phone number is not valid")
	ErrNotFound        = errors.New("nobody matches")
	ErrNotAuthorized   = errors.New("not signed in")
	// ErrNoResend: the server named no other way to send the code.
	ErrNoResend = errors.New("the code cannot be sent another way")
	// ErrAlreadySignedIn: SendCode signed in without a code (Self is set).
	ErrAlreadySignedIn = errors.New("signed in without a code")
	// ErrCodePaymentRequired: Telegram sends this number's code only after
	// a payment (auth.sentCodePaymentRequired), which tgphone cannot make.
	ErrCodePaymentRequired = errors.New("Telegram sends this number a code only after a payment tgphone cannot make; sign in by QR code from a Telegram app that is signed in")
	// ErrEmailSetupRequired: see EmailSetupRequiredError.
	ErrEmailSetupRequired = errors.New("this account must add a login email first")
	// ErrEmailCodeInvalid: the emailed code is wrong.
	ErrEmailCodeInvalid = errors.New("the email code is not correct")
)

// FloodWaitError says the server wants the client to wait before retrying.
type FloodWaitError struct{ Wait time.Duration }

func (e *FloodWaitError) Error() string {
	return fmt.Sprintf("too many attempts; try again in %s", e.Wait.Round(time.Second))
}

// SessionEnded reports whether err says the server no longer knows this
// session as signed in: a 401 (AUTH_KEY_UNREGISTERED, SESSION_REVOKED when
// it was terminated from another device, USER_DEACTIVATED, …). It is the
// test Run's start-up auth status makes (gotd's auth.IsUnauthorized reads
// such an answer as "not signed in"), so a session that ends while running
// is treated as one found ended at start. mapAuthError's sign-in errors
// (SESSION_PASSWORD_NEEDED is a 401 too) are told apart before it.
func SessionEnded(err error) bool { return auth.IsUnauthorized(err) }

// mapAuthError turns Telegram's sign-in RPC errors into the sentinels above.
func mapAuthError(err error) error {
	if err == nil {
		return nil
	}
	if d, ok := tgerr.AsFloodWait(err); ok {
		return &FloodWaitError{Wait: d}
	}
	switch {
	case tgerr.Is(err, "EMAIL_CODE_INVALID"):
		return fmt.Errorf("%w (%v)", ErrEmailCodeInvalid, err)
	case tgerr.Is(err, "PHONE_CODE_INVALID", "PHONE_CODE_EMPTY"):
		return fmt.Errorf("%w (%v)", ErrCodeInvalid, err)
	case tgerr.Is(err, "PHONE_CODE_EXPIRED"):
		return fmt.Errorf("%w (%v)", ErrCodeExpired, err)
	case tgerr.Is(err, "SESSION_PASSWORD_NEEDED"):
		return ErrPasswordNeeded
	case tgerr.Is(err, "PASSWORD_HASH_INVALID"):
		return fmt.Errorf("%w (%v)", ErrPasswordInvalid, err)
	case tgerr.Is(err, "PHONE_NUMBER_UNOCCUPIED"):
		return &SignUpRequiredError{}
	case tgerr.Is(err, "SEND_CODE_UNAVAILABLE"):
		// auth.resendCode when every way was used (tdesktop shows the same).
		return fmt.Errorf("%w (%v)", ErrNoResend, err)
	case tgerr.Is(err, "PHONE_NUMBER_INVALID", "PHONE_NUMBER_BANNED"):
		return fmt.Errorf("%w (%v)", ErrPhoneInvalid, err)
	case SessionEnded(err):
		return fmt.Errorf("%w (%v)", ErrNotAuthorized, err)
	}
	return err
}
