package ui

import (
	"regexp"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// callWordsCase is one thing calling can report about a call, worded.
type callWordsCase struct {
	what string
	text func(name string) string
}

// callWordsCases are every ending, device trouble on either side and
// state calling can report, worded by the UI.
func callWordsCases() []callWordsCase {
	var out []callWordsCase
	details := map[calling.EndReason]string{calling.EndNoEngine: "9.9.9", calling.EndServerRefused: "CALL_OCCUPY_FAILED"}
	for _, r := range calling.EndReasons() {
		e := calling.Ending{Reason: r, Detail: details[r]}
		out = append(out, callWordsCase{"end " + r.String(), func(name string) string { return endingText(e, name) }})
	}
	out = append(out, callWordsCase{"end no_media_engine, version unknown", func(name string) string {
		return endingText(calling.Ending{Reason: calling.EndNoEngine}, name)
	}})
	for _, d := range calling.DeviceTroubles() {
		out = append(out,
			callWordsCase{"microphone " + d.String(), func(name string) string {
				return deviceText(calling.Snapshot{Peer: account.Contact{FirstName: name}, Mic: d})
			}},
			callWordsCase{"speaker " + d.String(), func(name string) string {
				return deviceText(calling.Snapshot{Peer: account.Contact{FirstName: name}, Speaker: d})
			}})
	}
	for s := calling.StateIdle; !strings.HasPrefix(s.String(), "state("); s++ {
		for _, outgoing := range []bool{true, false} {
			snap := calling.Snapshot{State: s, Outgoing: outgoing}
			out = append(out, callWordsCase{"state " + s.String(), func(name string) string {
				snap.Peer = account.Contact{FirstName: name}
				return stateText(snap)
			}})
		}
	}
	return out
}

var latinLetters = regexp.MustCompile(`[A-Za-z]`)

// Every ending, device trouble and state calling reports has its own
// sentence in every language: not empty, not a catalogue key, not
// English outside English, and in Russian and Persian no Latin letter
// but in the peer's name, the detail quoted and the app's name. Two
// endings never share a sentence, so none falls through to "The call
// failed." by a missing case.
func TestCallWordsEveryLanguage(t *testing.T) {
	const name = "Zed Quinn"
	cases := callWordsCases()
	english := map[string]string{}
	for _, l := range languages {
		speak(t, l.Code)
		endings := map[string]string{}
		for _, c := range cases {
			got := c.text(name)
			if l.Code == "en" {
				english[c.what] = got
			}
			switch {
			case strings.TrimSpace(got) == "":
				t.Errorf("%s: %s says nothing", l.Code, c.what)
				continue
			case regexp.MustCompile(`^[a-z_]+\.[a-z_.0-9]+$`).MatchString(got):
				t.Errorf("%s: %s shows the key %q", l.Code, c.what, got)
				continue
			}
			if strings.HasPrefix(c.what, "end ") {
				if other, ok := endings[got]; ok {
					t.Errorf("%s: %s and %s both say %q", l.Code, c.what, other, got)
				}
				endings[got] = c.what
			}
			if l.Code != "en" && got == english[c.what] && latinLetters.MatchString(got) {
				t.Errorf("%s: %s is the English %q", l.Code, c.what, got)
			}
			if l.Code == "ru" || l.Code == "fa" {
				rest := got
				for _, known := range []string{name, "CALL_OCCUPY_FAILED", "tgphone"} {
					rest = strings.ReplaceAll(rest, known, "")
				}
				if latinLetters.MatchString(rest) {
					t.Errorf("%s: %s has Latin letters besides the name: %q", l.Code, c.what, got)
				}
			}
			if strings.Contains(c.what, "missing") && !strings.Contains(got, name) {
				t.Errorf("%s: %s does not name the peer: %q", l.Code, c.what, got)
			}
		}
	}
	speak(t, "ru")
	s := calling.Snapshot{Peer: account.Contact{FirstName: "Bob"}, Mic: calling.DeviceFallback, Speaker: calling.DeviceMissing}
	if got, want := deviceText(s), "Микрофон недоступен; используется микрофон по умолчанию. Динамик не найден: вы не слышите собеседника (Bob)."; got != want {
		t.Errorf("both sides in Russian: %q, want %q", got, want)
	}
	if got := deviceText(calling.Snapshot{}); got != "" {
		t.Errorf("no trouble says %q", got)
	}
}

// failedPrivateCall signs alice in with the UI in lang and calls the
// sandbox's "private" user, who does not allow calls; it returns the call
// window once it has failed and says why.
func failedPrivateCall(t *testing.T, lang string) *callView {
	t.Helper()
	env := sandboxtest.Start(t, sandboxtest.Options{})
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("TGPHONE_LANG", lang)
	t.Cleanup(func() { useLanguage("en") })
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "tone:440", Output: "null", Ring: "null"})
	waitFor(t, "signed in", func() bool { return u.me != nil && u.contacts != nil })
	if currentLanguage() != lang {
		t.Fatalf("speaking %q with TGPHONE_LANG=%s", currentLanguage(), lang)
	}
	v := dialFromDialer(t, u, "@private")
	waitFor(t, "the call to fail", func() bool { return v.last.State == calling.StateFailed })
	waitFor(t, "the sentence saying why", func() bool { return v.message.Visible() })
	return v
}

// A call that fails, in Russian, says why in Russian in its window: the
// sandbox's "private" user does not allow calls.
func TestFailedCallInRussian(t *testing.T) {
	v := failedPrivateCall(t, "ru")
	want := "Настройки конфиденциальности собеседника (Private Person) не разрешают звонки."
	inUI(func() {
		if v.message.Text != want {
			t.Errorf("the failed call says %q, want %q", v.message.Text, want)
		}
		if v.state.Text != "Звонок не удался" {
			t.Errorf("state line %q, want Звонок не удался", v.state.Text)
		}
	})
}
