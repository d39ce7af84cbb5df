package account

import (
	"context"
	"testing"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// invokerFunc is a tg.Invoker made of a function.
type invokerFunc func(ctx context.Context, in bin.Encoder, out bin.Decoder) error

func (f invokerFunc) Invoke(ctx context.Context, in bin.Encoder, out bin.Decoder) error {
	return f(ctx, in, out)
}

// TestSessionWatch: which answers sign the account out. A 401 signs out
// only a session signed in when its request was sent: the answer of a
// request the server served before the sign-in (gotd's getUsers of self as
// its connection starts) may be handled after the sign-in's answer, since
// gotd handles answers concurrently, and must not undo that sign-in.
func TestSessionWatch(t *testing.T) {
	self := &tg.UsersGetUsersRequest{ID: []tg.InputUserClass{&tg.InputUserSelf{}}}
	for _, tc := range []struct {
		name string
		// signedIn before the request is sent; signInMeanwhile: the
		// sign-in's answer is handled before this request's answer.
		signedIn, signInMeanwhile bool
		req                       bin.Encoder
		err                       error
		wantOut                   bool
	}{
		{"revoked, signed in when sent", true, false, &tg.ContactsGetContactsRequest{}, tgerr.New(401, "SESSION_REVOKED"), true},
		{"key unregistered, signed in when sent", true, false, self, tgerr.New(401, "AUTH_KEY_UNREGISTERED"), true},
		{"deactivated, signed in when sent", true, false, self, tgerr.New(401, "USER_DEACTIVATED"), true},
		{"sent before sign-in, answered after it", false, true, self, tgerr.New(401, "AUTH_KEY_UNREGISTERED"), false},
		{"sent before sign-in", false, false, self, tgerr.New(401, "AUTH_KEY_UNREGISTERED"), false},
		{"password needed", true, false, &tg.AuthSignInRequest{}, tgerr.New(401, "SESSION_PASSWORD_NEEDED"), false},
		{"log out of an ended session", true, false, &tg.AuthLogOutRequest{}, tgerr.New(401, "SESSION_REVOKED"), false},
		{"not a 401", true, false, self, tgerr.New(400, "USER_ID_INVALID"), false},
		{"no error", true, false, self, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Options{AppID: 1, AppHash: "test"})
			if err != nil {
				t.Fatal(err)
			}
			ended := 0
			c.OnSessionEnded(func() { ended++ })
			alice := &tg.User{ID: 101, Username: "alice"}
			if tc.signedIn {
				c.markAuthorized(alice)
			}
			next := invokerFunc(func(context.Context, bin.Encoder, bin.Decoder) error {
				if tc.signInMeanwhile {
					c.markAuthorized(alice)
				}
				return tc.err
			})
			got := c.sessionWatch().Handle(next).Invoke(context.Background(), tc.req, nil)
			if got != tc.err {
				t.Errorf("the request failed with %v, want the server's %v", got, tc.err)
			}
			wantSignedIn := (tc.signedIn || tc.signInMeanwhile) && !tc.wantOut
			if in := c.Self() != nil; in != wantSignedIn {
				t.Errorf("signed in %v, want %v", in, wantSignedIn)
			}
			if want := map[bool]int{true: 1}[tc.wantOut]; ended != want {
				t.Errorf("OnSessionEnded told %d times, want %d", ended, want)
			}
		})
	}
}
