package instance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"tel:+1-555-0100", "+15550100"},
		{"tel:%2B15550100", "+15550100"},
		{"TEL:+44 (20) 7946.0958;ext=12", "+442079460958"},
		{"+1 (555) 0100", "+15550100"},
		{"9996620002", "+9996620002"},
		{"@bob", "@bob"},
		{"bob", "@bob"},
		{"https://t.me/durov", "@durov"},
		{"t.me/durov/12?single", "@durov"},
		{"tg://resolve?domain=echo", "@echo"},
		{"tg://resolve?phone=9996620001", "+9996620001"},
	} {
		got, err := ParseTarget(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTarget(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "tel:", "tel:12", "+1 555 abc", "@a", "bo b", "https://t.me/", "tel:%zz", "@" + string(make([]byte, 40))} {
		if got, err := ParseTarget(bad); !errors.Is(err, ErrBadTarget) {
			t.Errorf("ParseTarget(%q) = %q, %v; want ErrBadTarget", bad, got, err)
		}
	}
}

func TestSingleInstance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt", "instance.sock")
	ctx := context.Background()
	if err := Send(ctx, path, Request{Kind: KindShow}); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Send with nobody listening: %v", err)
	}
	srv, err := Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if _, err := Listen(path, nil); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Listen: %v, want ErrRunning", err)
	}
	if err := Send(ctx, path, Request{Kind: KindCall, Target: "tel:+1-555-0100"}); err != nil {
		t.Fatal(err)
	}
	if got := <-srv.Requests(); got != (Request{Kind: KindCall, Target: "+15550100"}) {
		t.Errorf("the running app got %+v", got)
	}
	if err := Send(ctx, path, Request{Kind: KindCall, Target: "not a target!"}); err == nil {
		t.Error("a bad target was accepted")
	}
	t.Setenv("XDG_RUNTIME_DIR", filepath.Dir(filepath.Dir(path)))
	if got := SocketPath("sandbox/bob"); got != filepath.Join(filepath.Dir(filepath.Dir(path)), "tgphone", "sandbox-bob.sock") {
		t.Errorf("SocketPath = %s", got)
	}
	if err := SendAny(ctx, Request{Kind: KindShow}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("SendAny with no socket in the runtime dir: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// A socket left behind by a crash is taken over.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	srv2, err := Listen(path, nil)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	_ = srv2.Close()
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{`{"v":1,"kind":"call","target":"tel:+15550100"}`, `{"v":1,"kind":"show"}`, `{"v":2}`, `{`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := parseRequest(b)
		if err == nil && req.Kind == KindCall {
			if _, err := ParseTarget(req.Target); err != nil {
				t.Fatalf("accepted target %q does not parse again: %v", req.Target, err)
			}
		}
	})
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"tel:+1-555-0100", "@bob", "https://t.me/x", "tg://resolve?domain=a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := ParseTarget(s); err == nil {
			if again, err := ParseTarget(got); err != nil || again != got {
				t.Fatalf("ParseTarget(%q) = %q, which parses to %q, %v", s, got, again, err)
			}
		}
	})
}

// TestSendAnyPicksAnotherAccount: with Alice's and Bob's apps running, a
// call to @alice goes to Bob's app and a call to @bob to Alice's: an app
// refuses to call its own account and the next one takes the request.
// The default account's app is asked first.
func TestSendAnyPicksAnotherAccount(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	ctx := context.Background()
	listen := func(profile, self string) *Server {
		srv, err := Listen(SocketPath(profile), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		srv.SetAccept(func(r Request) error {
			if r.Kind == KindCall && r.Target == self {
				return fmt.Errorf("%s is signed in here: %w", self, ErrOwnAccount)
			}
			return nil
		})
		return srv
	}
	alice, bob := listen("sandbox/alice", "@alice"), listen("sandbox/bob", "@bob")
	got := func(srv *Server) Request {
		select {
		case r := <-srv.Requests():
			return r
		default:
			return Request{}
		}
	}
	for _, tt := range []struct {
		target string
		want   *Server
	}{{"@alice", bob}, {"@bob", alice}, {"@carol", alice}} {
		if err := SendAny(ctx, Request{Kind: KindCall, Target: tt.target}); err != nil {
			t.Fatalf("SendAny %s: %v", tt.target, err)
		}
		other := alice
		if tt.want == alice {
			other = bob
		}
		if r := got(tt.want); r.Target != tt.target {
			t.Errorf("%s: the right app got %+v", tt.target, r)
		}
		if r := got(other); r != (Request{}) {
			t.Errorf("%s: the other app got %+v too", tt.target, r)
		}
	}
	// The default account's app comes before the others.
	def := listen(DefaultProfile, "@dave")
	if err := SendAny(ctx, Request{Kind: KindCall, Target: "@carol"}); err != nil {
		t.Fatal(err)
	}
	if r := got(def); r.Target != "@carol" {
		t.Errorf("the default account's app got %+v", r)
	}
	// Only the caller's own app runs: refused, never dialled.
	_ = alice.Close()
	_ = def.Close()
	if err := SendAny(ctx, Request{Kind: KindCall, Target: "@bob"}); !errors.Is(err, ErrOwnAccount) {
		t.Errorf("asking Bob's app alone to call @bob: %v, want ErrOwnAccount", err)
	}
	if r := got(bob); r != (Request{}) {
		t.Errorf("Bob's app took a call to itself: %+v", r)
	}
}
