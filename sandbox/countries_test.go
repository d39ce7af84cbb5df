package sandbox_test

import (
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/internal/phonefmt"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestCountriesList: help.getCountriesList answers with the list, then
// countriesListNotModified for its hash; a client loads it on its own, and
// phonefmt.Current().Format groups numbers by it.
func TestCountriesList(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	ctx := testCtx(t)
	res, err := alice.API().HelpGetCountriesList(ctx, &tg.HelpGetCountriesListRequest{LangCode: "en"})
	if err != nil {
		t.Fatal(err)
	}
	list, ok := res.(*tg.HelpCountriesList)
	if !ok || len(list.Countries) == 0 {
		t.Fatalf("countries list: %#v", res)
	}
	var gb []string
	for _, c := range list.Countries {
		if c.ISO2 == "GB" && len(c.CountryCodes) == 1 && c.CountryCodes[0].CountryCode == "44" {
			gb = c.CountryCodes[0].Patterns
		}
	}
	if len(gb) == 0 {
		t.Fatalf("no pattern for the United Kingdom's 44 in %+v", list.Countries)
	}
	again, err := alice.API().HelpGetCountriesList(ctx, &tg.HelpGetCountriesListRequest{LangCode: "en", Hash: list.Hash})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := again.(*tg.HelpCountriesListNotModified); !ok {
		t.Errorf("asked again with the list's hash: %T, want countriesListNotModified", again)
	}

	// The client asked for the list when it connected.
	for phonefmt.Current().Format("447700900123") != "+44 7700 900123" {
		select {
		case <-ctx.Done():
			t.Fatalf("the client never loaded by the sandbox's list: %q", phonefmt.Current().Format("447700900123"))
		case <-time.After(20 * time.Millisecond):
		}
	}
	for in, want := range map[string]string{
		"15551234567":  "+1 555 123 4567",
		"+88812345678": "+888 1234 5678",
		"9996620001":   "+9996620001", // the test numbers are no country's
	} {
		if got := phonefmt.Current().Format(in); got != want {
			t.Errorf("Format(%q) = %q, want %q", in, got, want)
		}
	}
}
