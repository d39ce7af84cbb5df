package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSignInAndContacts(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	if alice.Self.Username != "alice" || alice.Self.FirstName != "Alice" {
		t.Fatalf("signed in as %+v", alice.Self)
	}
	contacts, err := alice.Contacts(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(contacts) != 7 {
		t.Fatalf("alice has %d contacts, want the 7 other demo accounts", len(contacts))
	}
}
