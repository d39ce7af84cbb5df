package ui

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tgphone/tgphone/account"
)

// presenceNow is the tests' clock: Wednesday 2 December 2026, 14:30 in a
// fixed zone, so the words do not depend on the machine's.
var presenceNow = time.Date(2026, 12, 2, 14, 30, 0, 0, time.FixedZone("MSK", 3*3600))

func presenceCases() []struct {
	what string
	p    account.Presence
} {
	at := func(d time.Duration) account.Presence {
		return account.Presence{Kind: account.PresenceAt, At: presenceNow.Add(-d)}
	}
	return []struct {
		what string
		p    account.Presence
	}{
		{"online", account.Presence{Kind: account.PresenceOnline, At: presenceNow.Add(3 * time.Minute)}},
		{"recently", account.Presence{Kind: account.PresenceRecently}},
		{"within a week", account.Presence{Kind: account.PresenceWithinWeek}},
		{"within a month", account.Presence{Kind: account.PresenceWithinMonth}},
		{"long ago", account.Presence{Kind: account.PresenceLongAgo}},
		{"just now", at(10 * time.Second)},
		{"1 minute ago", at(time.Minute)},
		{"3 minutes ago", at(3 * time.Minute)},
		{"5 minutes ago", at(5 * time.Minute)},
		{"21 minutes ago", at(21 * time.Minute)},
		{"online lapsed 7 minutes ago", account.Presence{Kind: account.PresenceOnline, At: presenceNow.Add(-7 * time.Minute)}},
		{"today", at(2*time.Hour + 25*time.Minute)},
		{"yesterday", at(16*time.Hour + 20*time.Minute)},
		{"this year", account.Presence{Kind: account.PresenceAt, At: time.Date(2026, 3, 9, 8, 0, 0, 0, presenceNow.Location())}},
		{"last year", account.Presence{Kind: account.PresenceAt, At: time.Date(2025, 12, 30, 8, 0, 0, 0, presenceNow.Location())}},
	}
}

// TestPresenceWords: English words each kind as Telegram's apps do, with
// the count's plural form, today's and yesterday's time, else the date.
func TestPresenceWords(t *testing.T) {
	want := map[string]string{
		"online":                      "online",
		"recently":                    "last seen recently",
		"within a week":               "last seen within a week",
		"within a month":              "last seen within a month",
		"long ago":                    "last seen a long time ago",
		"just now":                    "last seen just now",
		"1 minute ago":                "last seen 1 minute ago",
		"3 minutes ago":               "last seen 3 minutes ago",
		"5 minutes ago":               "last seen 5 minutes ago",
		"21 minutes ago":              "last seen 21 minutes ago",
		"online lapsed 7 minutes ago": "last seen 7 minutes ago",
		"today":                       "last seen at 12:05 PM",
		"yesterday":                   "last seen yesterday at 10:10 PM",
		"this year":                   "last seen 9 March",
		"last year":                   "last seen 30 December 2025",
	}
	for _, c := range presenceCases() {
		if got := presenceWords(c.p, presenceNow); got != want[c.what] {
			t.Errorf("%s: %q, want %q", c.what, got, want[c.what])
		}
	}
	if got := presenceWords(account.Presence{}, presenceNow); got != "" {
		t.Errorf("hidden presence says %q", got)
	}
	// The English the CLI and logs use says the same, on the 24-hour
	// clock the UI's English reads where the system's locale is en_GB.
	t.Setenv("LC_TIME", "en_GB.UTF-8")
	for _, c := range presenceCases() {
		if got, ui := c.p.English(presenceNow), presenceWords(c.p, presenceNow); got != ui {
			t.Errorf("account's English for %s: %q, the UI's en_GB English %q", c.what, got, ui)
		}
	}
	if got := presenceWords(presenceCases()[11].p, presenceNow); got != "last seen at 12:05" {
		t.Errorf("en_GB today: %q, want last seen at 12:05", got)
	}
}

// TestPresenceEveryLanguage: every presence key is in every catalogue,
// with every plural form its language needs, and no form is the English
// one; worded, no case says nothing or a key, Russian and Persian use no
// Latin letters, and Russian picks its three forms by the count.
func TestPresenceEveryLanguage(t *testing.T) {
	// German says "online" too.
	sameAsEnglish := map[string]bool{"de presence.online": true}
	en := readCatalogue(t, "en")
	var keys []string
	for k := range en {
		if strings.HasPrefix(k, "presence.") {
			keys = append(keys, k)
		}
	}
	if len(keys) < 10 {
		t.Fatalf("only %d presence keys in English: %v", len(keys), keys)
	}
	for _, l := range languages[1:] {
		cat := readCatalogue(t, l.Code)
		for _, k := range keys {
			forms, enForms, ok := translated(t, l.Code, k, en, cat)
			if !ok {
				continue
			}
			for f, s := range forms {
				for _, e := range enForms {
					if s == e && !sameAsEnglish[l.Code+" "+k] {
						t.Errorf("%s %s (%q) is the English %q", l.Code, k, f, s)
					}
				}
			}
		}
	}

	for _, l := range languages {
		speak(t, l.Code)
		for _, c := range presenceCases() {
			got := presenceWords(c.p, presenceNow)
			switch {
			case strings.TrimSpace(got) == "":
				t.Errorf("%s: %s says nothing", l.Code, c.what)
			case strings.Contains(got, "presence.") || strings.Contains(got, "date."):
				t.Errorf("%s: %s shows a key: %q", l.Code, c.what, got)
			case (l.Code == "ru" || l.Code == "fa") && latinLetters.MatchString(got):
				t.Errorf("%s: %s has Latin letters: %q", l.Code, c.what, got)
			}
		}
	}

	speak(t, "ru")
	for what, want := range map[string]string{
		"1 minute ago":   "был(а) 1 минуту назад",
		"3 minutes ago":  "был(а) 3 минуты назад",
		"5 minutes ago":  "был(а) 5 минут назад",
		"21 minutes ago": "был(а) 21 минуту назад",
		"today":          "был(а) сегодня в 12:05",
		"yesterday":      "был(а) вчера в 22:10",
		"this year":      "был(а) 9 марта",
		"last year":      "был(а) 30 декабря 2025 г.",
	} {
		for _, c := range presenceCases() {
			if c.what == what {
				if got := presenceWords(c.p, presenceNow); got != want {
					t.Errorf("ru %s: %q, want %q", what, got, want)
				}
			}
		}
	}
}

// TestContactRowRussian: a contact row shown in Russian says when the
// contact was last seen in Russian, against the view's clock.
func TestContactRowRussian(t *testing.T) {
	speak(t, "ru")
	u := &UI{app: test.NewTempApp(t), log: slog.Default(), opts: Options{ConfigDir: t.TempDir()}}
	u.main = u.app.NewWindow("tgphone")
	u.session = &session{UI: u}
	v := newContactsView(u.session)
	v.now = func() time.Time { return presenceNow }
	v.all = []account.Contact{
		{ID: 1, FirstName: "Анна", Username: "anna", Presence: account.Presence{Kind: account.PresenceAt, At: presenceNow.Add(-5 * time.Minute)}},
		{ID: 2, FirstName: "Борис", Presence: account.Presence{Kind: account.PresenceRecently}},
		{ID: 3, FirstName: "Вера", Presence: account.Presence{Kind: account.PresenceOnline, At: presenceNow.Add(time.Minute)}},
	}
	v.filter("")
	u.main.SetContent(v.root)
	want := map[string]string{"Анна": "@anna · был(а) 5 минут назад", "Борис": "был(а) недавно", "Вера": "в сети"}
	for i := range v.shown {
		row := v.newRow().(*contactRow)
		v.updateRow(i, row)
		if got := row.sub.Text; got != want[row.name.Text] {
			t.Errorf("%s's row says %q, want %q", row.name.Text, got, want[row.name.Text])
		}
	}
	if len(v.shown) != 3 {
		t.Errorf("%d rows shown, want 3", len(v.shown))
	}

	// In Persian the line reads right to left, and "@anna" stays one
	// left-to-right piece rather than "anna@".
	speak(t, "fa")
	row := v.newRow().(*contactRow)
	v.updateRow(0, row)
	if got := row.sub.Text; !strings.Contains(got, "@anna") || !strings.Contains(got, "آخرین") {
		t.Errorf("Persian row says %q, want @anna and the Persian words", got)
	}
}
