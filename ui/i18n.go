package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The catalogue: every sentence, label and button the UI shows, in each
// language tgphone speaks, one JSON file a language (go-i18n's format, the
// one Fyne's lang package reads too). English is the source and the
// fallback for a key a translation lacks.
//
// tgphone keeps its own go-i18n bundle rather than adding to Fyne's
// lang bundle because Fyne chooses its language from the environment once
// and offers no way to change it afterwards, and the Settings override
// needs exactly that.

//go:embed translations/*.json
var translationFiles embed.FS

// languages are the catalogue's languages, in the order Settings lists
// them; each name is as its speakers write it.
var languages = []struct{ Code, Name string }{
	{"en", "English"},
	{"de", "Deutsch"},
	{"es", "Español"},
	{"ru", "Русский"},
	{"fa", "فارسی"},
}

// rtlLanguages are the catalogue's languages written right to left.
var rtlLanguages = map[string]bool{"fa": true}

var catalogue = struct {
	sync.RWMutex
	bundle    *i18n.Bundle
	localizer *i18n.Localizer
	code      string // the language in use: one of languages' codes
}{}

// catalogueOnce loads the catalogue when the UI first needs it rather than
// at package init: every tgphone process links ui, and parsing the five
// JSON files cost each one about 12 ms of CPU at start (perf), a process
// such as `tgphone media` or a sandbox that never shows a word of them
// included.
var catalogueOnce sync.Once

// loadCatalogue parses the translation files and chooses the language the
// first time it is called.
func loadCatalogue() {
	catalogueOnce.Do(func() {
		b := i18n.NewBundle(language.English)
		b.RegisterUnmarshalFunc("json", json.Unmarshal)
		for _, l := range languages {
			// A broken file is a build mistake the catalogue test catches;
			// panicking here would take the whole app down for one language.
			if _, err := b.LoadMessageFileFS(translationFiles, "translations/"+l.Code+".json"); err != nil {
				slog.Error("translation file unreadable", "lang", l.Code, "err", err)
			}
		}
		code := chooseLanguage("")
		catalogue.Lock()
		catalogue.bundle = b
		catalogue.code = code
		catalogue.localizer = i18n.NewLocalizer(b, code, "en")
		catalogue.Unlock()
	})
}

// chooseLanguage picks the catalogue language for a Settings choice: the
// choice itself when the catalogue has it, else TGPHONE_LANG, else the
// system locale (LC_ALL, LC_MESSAGES, LANG and LANGUAGE, as Fyne's lang
// package reads them), else English.
func chooseLanguage(setting string) string {
	for _, want := range []string{setting, os.Getenv("TGPHONE_LANG"), lang.SystemLocale().LanguageString()} {
		if code := matchLanguage(want); code != "" {
			return code
		}
	}
	return "en"
}

// matchLanguage maps a locale name ("ru_RU.UTF-8", "de-AT", "fa") to the
// catalogue language it is written in, "" when there is none.
func matchLanguage(locale string) string {
	locale, _, _ = strings.Cut(locale, ".") // drop the encoding: ru_RU.UTF-8
	locale = strings.ReplaceAll(locale, "_", "-")
	if locale == "" || locale == "C" || locale == "POSIX" {
		return ""
	}
	tag, err := language.Parse(locale)
	if err != nil {
		return ""
	}
	base, _ := tag.Base()
	for _, l := range languages {
		if base.String() == l.Code {
			return l.Code
		}
	}
	return ""
}

// useLanguage switches the catalogue to a language code from languages.
// Windows built afterwards speak it; ones already open keep their words
// until they are rebuilt.
func useLanguage(code string) {
	loadCatalogue()
	catalogue.Lock()
	defer catalogue.Unlock()
	catalogue.code = code
	catalogue.localizer = i18n.NewLocalizer(catalogue.bundle, code, "en")
}

// currentLanguage is the code of the language the UI speaks now.
func currentLanguage() string {
	loadCatalogue()
	catalogue.RLock()
	defer catalogue.RUnlock()
	return catalogue.code
}

// rightToLeft tells whether the UI's language is written right to left.
func rightToLeft() bool { return rtlLanguages[currentLanguage()] }

// leadingAlign is where a line of text starts in the UI's language: Fyne
// does not mirror layouts for right-to-left languages, so labels that
// should start at the right say so themselves.
func leadingAlign() fyne.TextAlign {
	if rightToLeft() {
		return fyne.TextAlignTrailing
	}
	return fyne.TextAlignLeading
}

// tr is the catalogue's text for key, its {{.Name}} fields filled from
// args, given as name, value pairs like slog's: tr("call.with", "Name", n).
func tr(key string, args ...any) string {
	return localize(key, nil, args)
}

// trn is tr for a message with plural forms chosen by count (English one
// and other; Russian one, few and many; …); the message reads the count as
// {{.Count}}.
func trn(key string, count int, args ...any) string {
	return localize(key, count, append([]any{"Count", count}, args...))
}

func localize(key string, count any, args []any) string {
	data := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		name, _ := args[i].(string)
		data[name] = args[i+1]
		if v, ok := args[i+1].(string); ok && rightToLeft() && v != "" && !hasRTL(v) {
			// A Latin name, an @username or a number inside a
			// right-to-left sentence is isolated (LRI…PDI), so it stays
			// one left-to-right piece and reads "@bob", not "bob@": the
			// desktop honours this in window titles and notifications,
			// shown in widgets.
			data[name] = "\u2066" + v + "\u2069"
		}
	}
	loadCatalogue()
	catalogue.RLock()
	l := catalogue.localizer
	catalogue.RUnlock()
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if err != nil {
		// A key missing from English is a programming mistake the
		// catalogue test catches; showing the key beats showing nothing.
		slog.Warn("translation missing", "key", key, "lang", currentLanguage(), "err", err)
		if s == "" {
			return key
		}
	}
	return s
}

// durationWords says a duration in words, largest units first, seconds only
// under an hour: "1 hour 5 minutes", "2 minutes 30 seconds", "30 seconds".
func durationWords(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	var parts []string
	if h > 0 {
		parts = append(parts, trn("duration.hours", h))
	}
	if m > 0 {
		parts = append(parts, trn("duration.minutes", m))
	}
	if h == 0 && (s > 0 || m == 0) {
		parts = append(parts, trn("duration.seconds", s))
	}
	return strings.Join(parts, " ")
}

// weekdayName is a weekday's name in the UI's language.
func weekdayName(d time.Weekday) string { return tr(fmt.Sprintf("weekday.%d", int(d))) }

// monthName is a month's name as it stands after a day number ("2 January",
// Russian "2 января").
func monthName(m time.Month) string { return tr(fmt.Sprintf("month.%d", int(m))) }

// upperFirst puts a sentence's first letter in upper case, for one that
// starts with a phrase made for the middle of a sentence ("the sandbox").
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst puts a phrase's first letter in lower case for use inside a
// sentence ("Alice: blocked: unblock to call."), rune by rune: the first
// byte of a Cyrillic letter is not a letter.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
