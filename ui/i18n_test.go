package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// The other tests compare against English words: the machine's locale
// must not change them, here or when New chooses the language again. The
// catalogue, loaded by this first use, chose the system language.
func init() {
	os.Setenv("TGPHONE_LANG", "en")
	// English's clock follows the system's time locale: the tests read
	// en-US's 12-hour one whatever the machine's.
	os.Unsetenv("LC_ALL")
	os.Setenv("LC_TIME", "en_US.UTF-8")
	useLanguage("en")
}

// speak switches the catalogue for one test and back to English after it.
func speak(t *testing.T, code string) {
	t.Helper()
	useLanguage(code)
	t.Cleanup(func() { useLanguage("en") })
}

// pluralForms are the CLDR plural categories each language's integers use
// (go-i18n's rules): a plural message must give every one of them.
var pluralForms = map[string][]string{
	"en": {"one", "other"},
	"de": {"one", "other"},
	"es": {"one", "many", "other"},
	"ru": {"one", "few", "many", "other"},
	"fa": {"one", "other"},
}

func readCatalogue(t *testing.T, code string) map[string]json.RawMessage {
	t.Helper()
	b, err := translationFiles.ReadFile("translations/" + code + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", code, err)
	}
	return m
}

var fieldRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// fields are the template fields a message reads, over all its forms.
func fields(t *testing.T, raw json.RawMessage) (names []string, forms map[string]string) {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		forms = map[string]string{"": s}
	} else if err := json.Unmarshal(raw, &forms); err != nil {
		t.Fatalf("message %s is neither a string nor plural forms: %v", raw, err)
	}
	seen := map[string]bool{}
	for _, f := range forms {
		for _, m := range fieldRE.FindAllStringSubmatch(f, -1) {
			seen[m[1]] = true
		}
	}
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, forms
}

// translated is key's message in cat, the catalogue of language code, and
// in en, English's, as their forms ("" for a plain message); it reports
// a message cat lacks (ok false) and a plural form code needs that cat's
// message does not give.
func translated(t *testing.T, code, key string, en, cat map[string]json.RawMessage) (forms, enForms map[string]string, ok bool) {
	t.Helper()
	raw, ok := cat[key]
	if !ok {
		t.Errorf("%s.json lacks %q", code, key)
		return nil, nil, false
	}
	_, forms = fields(t, raw)
	_, enForms = fields(t, en[key])
	if _, plain := forms[""]; !plain {
		for _, f := range pluralForms[code] {
			if forms[f] == "" {
				t.Errorf("%s.json %q lacks the plural form %q", code, key, f)
			}
		}
	}
	return forms, enForms, true
}

// Every language has exactly English's keys, fills the same fields, and
// gives every plural form its language needs.
func TestCatalogueComplete(t *testing.T) {
	en := readCatalogue(t, "en")
	if len(en) < 200 {
		t.Fatalf("English catalogue has %d messages; the UI shows more than 200", len(en))
	}
	for _, l := range languages {
		cat := readCatalogue(t, l.Code)
		for key, raw := range en {
			forms, enForms, ok := translated(t, l.Code, key, en, cat)
			if !ok {
				continue
			}
			wantFields, _ := fields(t, raw)
			gotFields, _ := fields(t, cat[key])
			if !slices.Equal(wantFields, gotFields) {
				t.Errorf("%s.json %q fills %v, English fills %v", l.Code, key, gotFields, wantFields)
			}
			_, enPlain := enForms[""]
			_, plain := forms[""]
			if enPlain != plain {
				t.Errorf("%s.json %q: plural in one language, plain in the other", l.Code, key)
			}
			if plain && strings.TrimSpace(forms[""]) == "" {
				t.Errorf("%s.json %q is empty", l.Code, key)
			}
		}
		for key := range cat {
			if _, ok := en[key]; !ok {
				t.Errorf("%s.json has %q, which English lacks", l.Code, key)
			}
		}
	}
}

func TestPlurals(t *testing.T) {
	for _, tt := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 minute"}, {"en", 2, "2 minutes"}, {"en", 0, "0 minutes"}, {"en", 21, "21 minutes"},
		{"ru", 1, "1 минута"}, {"ru", 2, "2 минуты"}, {"ru", 4, "4 минуты"}, {"ru", 5, "5 минут"},
		{"ru", 11, "11 минут"}, {"ru", 12, "12 минут"}, {"ru", 21, "21 минута"}, {"ru", 22, "22 минуты"},
		{"ru", 25, "25 минут"}, {"ru", 101, "101 минута"}, {"ru", 111, "111 минут"},
		{"de", 1, "1 Minute"}, {"de", 3, "3 Minuten"},
		{"es", 1, "1 minuto"}, {"es", 2, "2 minutos"}, {"es", 1000000, "1000000 de minutos"},
		{"fa", 1, "1 دقیقه"}, {"fa", 2, "2 دقیقه"},
	} {
		speak(t, tt.lang)
		if got := trn("duration.minutes", tt.n); got != tt.want {
			t.Errorf("%s: %d minutes = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
	speak(t, "ru")
	if got := trn("recents.missed_count", 3); got != "3 пропущенных звонка" {
		t.Errorf("ru: 3 missed calls = %q", got)
	}
	if got := durationWords(61 * time.Minute); got != "1 час 1 минута" {
		t.Errorf("ru: 61 minutes = %q", got)
	}
	speak(t, "en")
	for d, want := range map[time.Duration]string{
		0: "0 seconds", time.Second: "1 second", 90 * time.Second: "1 minute 30 seconds",
		2 * time.Minute: "2 minutes", 2*time.Hour + 5*time.Minute + 9*time.Second: "2 hours 5 minutes",
	} {
		if got := durationWords(d); got != want {
			t.Errorf("durationWords(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestTemplateFieldsAndFallback(t *testing.T) {
	speak(t, "de")
	if got := tr("call.title_incoming", "Name", "Bob"); got != "Eingehender Anruf von Bob" {
		t.Errorf("de incoming title = %q", got)
	}
	if got := tr("no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key shows %q, want the key itself", got)
	}
	if got := weekdayName(time.Monday) + " " + monthName(time.March); got != "Montag März" {
		t.Errorf("de names = %q", got)
	}
	if got := lowerFirst(tr("cannot.blocked")); got != "blockiert: zum Anrufen Blockierung aufheben" {
		t.Errorf("de lowerFirst = %q", got)
	}
	speak(t, "ru")
	if got := lowerFirst(tr("cannot.invalid")); got != "не принимает звонки" {
		t.Errorf("ru lowerFirst = %q", got)
	}
	if got := monthName(time.January); got != "января" {
		t.Errorf("ru month after a day = %q, want the genitive января", got)
	}
}

func TestLanguageChoice(t *testing.T) {
	for _, env := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "TGPHONE_LANG"} {
		t.Setenv(env, "")
	}
	// Each step's variables stay set for the steps after it.
	for _, c := range []struct {
		what   string
		set    []string // variable, value, ...
		choice string   // Settings' language
		want   string
	}{
		{"LANG=ru_RU.UTF-8", []string{"LANG", "ru_RU.UTF-8"}, "", "ru"},
		{"LC_MESSAGES=fa_IR over LANG=ru_RU", []string{"LC_MESSAGES", "fa_IR.UTF-8"}, "", "fa"},
		{"LC_ALL=de_AT", []string{"LC_ALL", "de_AT.UTF-8"}, "", "de"},
		{"TGPHONE_LANG=es", []string{"TGPHONE_LANG", "es"}, "", "es"},
		{"the Settings choice ru", nil, "ru", "ru"},
		{"an unknown Settings choice, under TGPHONE_LANG=es", nil, "xx", "es"},
		{"a locale without a catalogue", []string{"TGPHONE_LANG", "", "LC_ALL", "ja_JP.UTF-8"}, "", "en"},
		{"LC_ALL=C", []string{"LC_ALL", "C"}, "", "en"},
	} {
		for i := 0; i+1 < len(c.set); i += 2 {
			t.Setenv(c.set[i], c.set[i+1])
		}
		if got := chooseLanguage(c.choice); got != c.want {
			t.Errorf("%s chose %q, want %q", c.what, got, c.want)
		}
	}
}

// inkColumns marks the columns of img that hold text: light pixels on the
// test theme's dark background.
func inkColumns(img image.Image) []bool {
	b := img.Bounds()
	cols := make([]bool, b.Dx())
	for x := range cols {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			r, g, bl, _ := img.At(b.Min.X+x, y).RGBA()
			if r+g+bl > 3*0x8000 {
				cols[x] = true
				break
			}
		}
	}
	return cols
}

// inkSpans are the runs of text columns, left to right.
func inkSpans(cols []bool) (spans [][2]int) {
	start := -1
	for i, c := range append(cols, false) {
		switch {
		case c && start < 0:
			start = i
		case !c && start >= 0:
			spans = append(spans, [2]int{start, i})
			start = -1
		}
	}
	return spans
}

// renderText draws s alone, large, and returns its ink spans.
func renderText(s string) [][2]int {
	txt := canvas.NewText(s, nil)
	txt.TextSize = 30
	w := test.NewWindow(container.NewWithoutLayout(txt))
	defer w.Close()
	w.Resize(fyne.NewSize(600, 60))
	txt.Move(fyne.NewPos(10, 10))
	txt.Resize(txt.MinSize())
	return inkSpans(inkColumns(w.Canvas().Capture()))
}

// What Fyne 2.8 does for Persian, checked: it shapes Arabic script (letters
// join, so a word is narrower than its letters apart) from a system font,
// draws a right-to-left run right to left (a phrase's first word is its
// rightmost), and a label asked to start at the trailing edge sits at the
// right. It does not mirror layouts, and it lays out the runs of a line
// mixing Persian and Latin (a name, a number) left to right in logical
// order, so such a line as is reads in the wrong run order: shown
// (bidi.go) hands Fyne its lines in visual order.
func TestPersianLayout(t *testing.T) {
	test.NewTempApp(t)
	speak(t, "fa")
	if !rightToLeft() || leadingAlign() != fyne.TextAlignTrailing {
		t.Fatal("Persian is not treated as right to left")
	}

	word := "میکروفون"
	joined := fyne.MeasureText(word, 30, fyne.TextStyle{}).Width
	var apart float32
	for _, r := range word {
		apart += fyne.MeasureText(string(r), 30, fyne.TextStyle{}).Width
	}
	if joined >= apart*0.95 {
		t.Fatalf("%q is %.0f px wide, its letters apart %.0f: no Arabic-script shaping (is a font with Persian glyphs installed, e.g. fonts-dejavu-core?)", word, joined, apart)
	}

	// "تماس ورودی" (incoming call): the first word, تماس, must be drawn at
	// the right, so the phrase ends with the same ink pattern as تماس alone.
	first, second := renderText("تماس"), renderText("ورودی")
	phrase := renderText(tr("state.incoming"))
	if len(phrase) != len(first)+len(second) {
		t.Fatalf("ink spans: phrase %v, words %v %v", phrase, first, second)
	}
	width := func(s [][2]int) []int {
		var out []int
		for _, sp := range s {
			out = append(out, sp[1]-sp[0])
		}
		return out
	}
	near := func(a, b []int) bool {
		for i := range a {
			if d := a[i] - b[i]; d < -1 || d > 1 {
				return false
			}
		}
		return len(a) == len(b)
	}
	if !near(width(phrase[len(phrase)-len(first):]), width(first)) || !near(width(phrase[:len(second)]), width(second)) {
		t.Errorf("تماس ورودی drawn as spans %v; تماس alone %v, ورودی alone %v: the first word is not at the right", width(phrase), width(first), width(second))
	}

	// A trailing-aligned label starts at the right of a wide window.
	l := widget.NewLabelWithStyle(tr("state.incoming"), leadingAlign(), fyne.TextStyle{})
	w := test.NewWindow(l)
	defer w.Close()
	w.Resize(fyne.NewSize(500, 60))
	spans := inkSpans(inkColumns(w.Canvas().Capture()))
	if len(spans) == 0 || spans[0][0] < 250 {
		t.Errorf("Persian label ink spans %v in a 500 px window: it does not start at the right", spans)
	}
}

// Every tr/trn key used in ui's code is in the English catalogue.
func TestCatalogueHasUsedKeys(t *testing.T) {
	en := readCatalogue(t, "en")
	for _, file := range uiSources(t) {
		ast.Inspect(file.ast, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || (id.Name != "tr" && id.Name != "trn") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				return true // a computed key (weekday.N): the names test covers those
			}
			key, _ := strconv.Unquote(lit.Value)
			if _, ok := en[key]; !ok {
				t.Errorf("%s: key %q is not in en.json", file.fset.Position(lit.Pos()), key)
			}
			return true
		})
	}
}

type uiSource struct {
	name string
	fset *token.FileSet
	ast  *ast.File
}

func uiSources(t *testing.T) []uiSource {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []uiSource
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, uiSource{name, fset, f})
	}
	return out
}

// textSinks are the calls whose string arguments the user reads: a
// literal word in one bypasses the catalogue.
var textSinks = map[string]bool{
	"NewLabel": true, "NewLabelWithStyle": true, "NewButton": true, "NewButtonWithIcon": true,
	"NewCheck": true, "NewAccordionItem": true, "NewTabItem": true, "NewTabItemWithIcon": true,
	"NewFormItem": true, "NewConfirm": true, "NewInformation": true, "NewCustom": true,
	"NewCustomConfirm": true, "NewCustomWithoutButtons": true, "ShowInformation": true,
	"NewMenuItem": true, "NewMenu": true, "NewNotification": true, "NewWindow": true,
	"SetText": true, "SetPlaceHolder": true, "SetTitle": true, "SetConfirmText": true,
	"SetDismissText": true, "say": true, "newRoundButton": true, "newLevelMeter": true,
	"newStarButton": true, "set": true, "notify": true, "SendNotification": true,
	"wrapped": true, "heading": true, "add": true, "newHoldButton": true, "setText": true,
	"newLabel": true, "newLabelWithStyle": true, "newButton": true, "newButtonWithIcon": true,
	"newCheck": true, "newCallButton": true, "newFormItem": true, "newTabItem": true, "newWrapLabel": true, "shown": true, "newConfirm": true,
	"withHint": true, "newRowName": true, "newRowDetail": true,
}

// notWords may appear literally: names that are not translated and
// symbols. A literal is a word when, without these, it still has two
// letters in a row.
var notWords = regexp.MustCompile(`tgphone|Telegram|D-Bus`)

var wordRE = regexp.MustCompile(`\pL\pL`)

// actionIDs name a desktop notification's buttons to the notification
// server; the user reads the labels beside them, which are translated.
var actionIDs = map[string]bool{"accept": true, "decline": true, "default": true}

// unconverted are the ui files still passing English literals to widgets;
// each leaves this list when its call sites go through tr.
var unconverted = map[string]bool{}

// No ui file hands an English literal to a widget, dialog, menu or
// notification: the words go through the catalogue.
func TestNoLiteralWordsInWidgets(t *testing.T) {
	for _, file := range uiSources(t) {
		if unconverted[file.name] {
			continue
		}
		for _, lit := range literalWords(file.ast) {
			t.Errorf("%s: %s shown without the catalogue", file.fset.Position(lit.Pos()), lit.Value)
		}
	}
}

// literalWords are the string literals with words in f that reach a text
// sink other than through tr or trn.
func literalWords(f *ast.File) (found []*ast.BasicLit) {
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || !textSinks[callName(call)] {
			return true
		}
		for _, arg := range call.Args {
			ast.Inspect(arg, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok && (callName(c) == "tr" || callName(c) == "trn") {
					return false // the key is not shown
				}
				if _, ok := n.(*ast.FuncLit); ok {
					return false // a callback's code is not the text shown
				}
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					if !actionIDs[s] && wordRE.MatchString(notWords.ReplaceAllString(s, "")) {
						found = append(found, lit)
					}
				}
				return true
			})
		}
		return false // each sink once, even when sinks nest
	})
	return found
}

func callName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// The literal scan catches what it should: a file with English handed to
// a label fails it, the same through tr passes.
func TestLiteralScanCatches(t *testing.T) {
	check := func(src string) int {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(literalWords(f))
	}
	if n := check(`package p; func f() { widget.NewLabel("Hello " + name); l.SetText("0:00") }`); n != 1 {
		t.Errorf("English literal found %d times, want 1", n)
	}
	if n := check(`package p; func f() { widget.NewLabel(tr("hello", "Name", name)); w.SetTitle("tgphone — " + n) }`); n != 0 {
		t.Errorf("catalogue text flagged %d times, want 0", n)
	}
}

// Settings' Language overrides the system's, is saved, and the windows
// built afterwards speak it; the system's choice goes back to the locale.
func TestSettingsLanguage(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Cleanup(func() { useLanguage("en") })
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "silence", Output: "null", Ring: "null"})
	waitFor(t, "signed in", func() bool { return u.me != nil && u.contacts != nil })
	inUI(func() {
		v := u.openSettings()
		want := []string{"System language (English)", "English", "Deutsch", "Español", "Русский", "فارسی"}
		if !slices.Equal(v.lang.Options, want) || v.lang.SelectedIndex() != 0 {
			t.Errorf("language menu %q at %d, want %q at 0", v.lang.Options, v.lang.SelectedIndex(), want)
		}
		v.lang.SetSelected("Русский")
		test.Tap(v.saveBtn)
	})
	if got := u.currentSettings().Language; got != "ru" || currentLanguage() != "ru" {
		t.Fatalf("saved language %q, speaking %q; want ru", got, currentLanguage())
	}
	if saved, err := LoadSettings(u.settingsPath); err != nil || saved.Language != "ru" {
		t.Errorf("settings file language %q (%v), want ru", saved.Language, err)
	}
	inUI(func() {
		v := u.openSettings()
		var tabs []string
		for _, it := range v.tabs.Items {
			tabs = append(tabs, it.Text)
		}
		if want := []string{"Звук", "Звонки", "Конфиденциальность", "Аккаунт", "Язык"}; !slices.Equal(tabs, want) {
			t.Errorf("Russian sections %q, want %q", tabs, want)
		}
		if v.saveBtn.Text != "Сохранить" || v.lang.Selected != "Русский" {
			t.Errorf("Russian Settings: Save %q, language %q", v.saveBtn.Text, v.lang.Selected)
		}
		v.lang.SetSelectedIndex(0)
		test.Tap(v.saveBtn)
	})
	if got := u.currentSettings().Language; got != "" || currentLanguage() != "en" {
		t.Errorf("back to the system's: saved %q, speaking %q; want \"\" and en (TGPHONE_LANG)", got, currentLanguage())
	}
}
