package ui

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/phonefmt"
)

// A deleted account is "Deleted Account" in the UI's language wherever
// the UI names a person: its contact row, its Recents row, the call
// window's title and the question before a call; its avatar is a figure,
// not initials.
func TestDeletedAccountNamed(t *testing.T) {
	gone := account.Contact{ID: 77, AccessHash: 1, Deleted: true}
	want := map[string]string{"en": "Deleted Account", "de": "Gelöschtes Konto", "es": "Cuenta eliminada",
		"ru": "Удалённый аккаунт", "fa": "حساب حذف شده"}
	for _, l := range languages {
		speak(t, l.Code)
		if got := nameOf(gone); got != want[l.Code] {
			t.Errorf("%s: a deleted account is %q, want %q", l.Code, got, want[l.Code])
		}
	}
	speak(t, "ru")
	const ru = "Удалённый аккаунт"
	u := &UI{app: test.NewTempApp(t), opts: Options{ConfigDir: t.TempDir()}}
	u.main = u.app.NewWindow("tgphone")
	u.session = &session{UI: u}

	cv := newContactsView(u.session)
	cv.all = []account.Contact{gone}
	cv.filter("")
	row := cv.newRow().(*contactRow)
	cv.updateRow(0, row)
	if row.name.Text != ru {
		t.Errorf("contact row names it %q, want %q", row.name.Text, ru)
	}
	cv.filter("удал")
	if len(cv.shown) != 1 {
		t.Errorf("searching удал finds %d rows, want the deleted account's", len(cv.shown))
	}

	rv := newRecentsView(u.session)
	now := time.Date(2026, 12, 2, 14, 30, 0, 0, time.UTC)
	rv.show([]recentCall{{HistoryEntry: account.HistoryEntry{CallID: 1, Peer: gone, Kind: account.CallIncoming, Date: now}}}, now)
	rr := rv.newRow().(*recentRow)
	rv.updateRow(1, rr)
	if rr.name.Text != ru {
		t.Errorf("Recents row names it %q, want %q", rr.name.Text, ru)
	}

	snap := calling.Snapshot{Peer: gone, State: calling.StateRinging}
	if got, want := callTitle(snap, ""), "Входящий звонок: "+ru; got != want {
		t.Errorf("call window title %q, want %q", got, want)
	}

	var none *session
	a := none.newAvatar(gone, 80)
	w := test.NewWindow(a)
	defer w.Close()
	w.Resize(fyne.NewSize(100, 100))
	r := test.WidgetRenderer(a).(*avatarRenderer)
	if r.text.Text != "" || !r.gone.Visible() {
		t.Errorf("a deleted account's avatar: initials %q, figure shown %v", r.text.Text, r.gone.Visible())
	}
	bob := none.newAvatar(account.Contact{ID: 2, FirstName: "Bob"}, 80)
	w.SetContent(bob)
	if test.WidgetRenderer(bob).(*avatarRenderer).gone.Visible() {
		t.Error("Bob's avatar shows the deleted account's figure")
	}
}

// A user with no first or last name who is not deleted is named as
// Telegram Desktop names one: by the phone number, grouped by the server's
// country list where it has the number's country, else after a + as it
// is; else by the @username; else in the words tdesktop shows for a person
// with no name ("Deleted Account"), in each language tgphone ships.
// Before, "user N", in English.
func TestNamelessUserNamed(t *testing.T) {
	// A list as a server gives it, with Russia and the USA but neither
	// Iran nor Germany (sandbox clients of other tests load the sandbox's).
	usePhones(t, phonefmt.Code{Calling: "7", Patterns: []string{"XXX XXX XXXX"}},
		phonefmt.Code{Calling: "1", Patterns: []string{"XXX XXX XXXX"}})
	deleted := map[string]string{"en": "Deleted Account", "de": "Gelöschtes Konto", "es": "Cuenta eliminada",
		"ru": "Удалённый аккаунт", "fa": "حساب حذف شده"}
	cases := []struct {
		name string
		c    account.Contact
		want string // "" for the language's deleted words
	}{
		{"first name", account.Contact{ID: 1, FirstName: "Ann", Phone: "79991234567"}, "Ann"},
		{"last name only", account.Contact{ID: 2, LastName: "Lee", Username: "lee"}, "Lee"},
		{"blank names", account.Contact{ID: 3, FirstName: " ", LastName: "", Phone: "79991234567"}, "+7 999 123 4567"},
		{"Russian number", account.Contact{ID: 4, Phone: "79991234567"}, "+7 999 123 4567"},
		{"US number, username too", account.Contact{ID: 5, Phone: "14155552671", Username: "x"}, "+1 415 555 2671"},
		{"Iranian number", account.Contact{ID: 6, Phone: "989121234567"}, "+989121234567"},
		{"German number, with a +", account.Contact{ID: 7, Phone: "+4915123456789"}, "+4915123456789"},
		{"test number", account.Contact{ID: 8, Phone: "9996620001"}, "+9996620001"},
		{"username only", account.Contact{ID: 9, Username: "ghost"}, "@ghost"},
		{"nothing known", account.Contact{ID: 10, AccessHash: 5}, ""},
	}
	for _, l := range languages {
		speak(t, l.Code)
		for _, tc := range cases {
			want := tc.want
			if want == "" {
				want = deleted[l.Code]
			}
			if got := nameOf(tc.c); got != want {
				t.Errorf("%s, %s: named %q, want %q", l.Code, tc.name, got, want)
			}
			if strings.Contains(nameOf(tc.c), "user") {
				t.Errorf("%s, %s: named %q", l.Code, tc.name, nameOf(tc.c))
			}
		}
	}

	// Where the UI names a person: a contact row, and the call window.
	speak(t, "de")
	u := &UI{app: test.NewTempApp(t), opts: Options{ConfigDir: t.TempDir()}}
	u.main = u.app.NewWindow("tgphone")
	u.session = &session{UI: u}
	cv := newContactsView(u.session)
	cv.all = []account.Contact{{ID: 11, AccessHash: 1, Phone: "79991234567"}, {ID: 12, AccessHash: 1}}
	cv.filter("")
	for i, want := range []string{"+7 999 123 4567", "Gelöschtes Konto"} {
		row := cv.newRow().(*contactRow)
		cv.updateRow(i, row)
		if row.name.Text != want {
			t.Errorf("contact row %d names it %q, want %q", i, row.name.Text, want)
		}
	}
	snap := calling.Snapshot{Peer: account.Contact{ID: 13, Phone: "14155552671"}, State: calling.StateRinging}
	if got := callTitle(snap, ""); !strings.HasSuffix(got, " +1 415 555 2671") {
		t.Errorf("call window title %q", got)
	}
	// The line under the name in the call window, and Settings' account.
	if got := peerHandle(account.Contact{Username: "bob", Phone: "14155552671"}); got != "@bob · +1 415 555 2671" {
		t.Errorf("call window's handle line %q", got)
	}
}

// usePhones has phone numbers grouped by a country list of codes until
// the test ends: the list is the process's, and the sandbox clients of
// earlier tests have loaded the sandbox's.
func usePhones(t *testing.T, codes ...phonefmt.Code) {
	prev := phonefmt.SetCurrent(phonefmt.New(codes))
	t.Cleanup(func() { phonefmt.SetCurrent(prev) })
}

// No ui code names a person with account.Contact.Name, whose words are
// English: every name goes through nameOf. The package is type-checked
// against its imports' export data, which `go list -export` takes from
// the build cache this test binary was built with.
func TestContactNamesThroughNameOf(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the package")
	}
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "-race" && s.Value == "true":
				args = append(args, "-race")
			case s.Key == "-tags":
				args = append(args, "-tags", s.Value)
			}
		}
	}
	out, err := exec.Command("go", append(args, ".")...).Output()
	if err != nil {
		t.Skipf("go list: %v (no go command here?)", err)
	}
	exports := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if path, file, ok := strings.Cut(sc.Text(), "\t"); ok {
			exports[path] = file
		}
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, src := range uiSources(t) {
		f, err := parser.ParseFile(fset, src.name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		return os.Open(exports[path])
	})}
	info := &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}}
	if _, err := conf.Check("github.com/tgphone/tgphone/ui", fset, files, info); err != nil {
		t.Fatalf("type-check: %v", err)
	}
	methods := 0 // of account.Contact: the check finds them
	for sel, s := range info.Selections {
		fn, ok := s.Obj().(*types.Func)
		if !ok {
			continue
		}
		if named, ok := s.Recv().(*types.Named); ok && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == "github.com/tgphone/tgphone/account" && named.Obj().Name() == "Contact" {
			methods++
			if fn.Name() == "Name" {
				t.Errorf("%s: Contact.Name shows English; use nameOf", fset.Position(sel.Pos()))
			}
		}
	}
	if methods == 0 {
		t.Error("no method of account.Contact is called in ui: is the check still finding them?")
	}
}
