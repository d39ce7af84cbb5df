package ui

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TestFocusContrast: the keyboard focus stands out (issue 17 item 15) in
// both variants, measured as Fyne draws it: a focused button's fill is the
// focus colour blended over the button colour, a focused check or radio
// button gets a disc of the focus colour on the background, a focused text
// field a border of the primary colour. Each differs from the window's
// background by WCAG's 3:1 for non-text, and a focused button's label keeps
// 4.5:1 on its fill. Fyne's own focus colour fails the first check.
//
// Then, drawn by the test driver in each variant: what the keyboard
// focus or a selection changes in a list (Contacts, Recents) and on a
// primary button, as the largest contrast between a pixel before and the
// same pixel after, 3:1 or more; and the rows' text, in the theme's text
// and error (missed call) colours, 4.5:1 on each fill a row can have.
// Fyne alone drew a selected row 1.43:1 (light) and 1.28:1 (dark) from
// the background, a focused row with its hover shade (1.14:1, 1.17:1),
// nothing more for the focus on a selected row, a focused primary button
// 1.79:1 (light) and 1.06:1 (dark) from an unfocused one, and its error red
// 3.68:1 on white. A call panel's round button drew no focus at all.
func TestFocusContrast(t *testing.T) {
	app := appTheme{theme.DefaultTheme()}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[v]
		c := func(n fyne.ThemeColorName) color.Color { return app.Color(n, v) }
		bg, button, focus := app.Color(theme.ColorNameBackground, v), app.Color(theme.ColorNameButton, v), app.Color(theme.ColorNameFocus, v)
		focused := blendOver(button, focus)
		for _, tc := range []struct {
			what string
			a, b color.Color
			min  float64
		}{
			{"focused button against the background", focused, bg, 3},
			{"focused button against an unfocused one", focused, button, map[fyne.ThemeVariant]float64{theme.VariantLight: 3, theme.VariantDark: 1.8}[v]},
			{"label on a focused button", c(theme.ColorNameForeground), focused, 4.5},
			{"focused check's disc against the background", blendOver(bg, focus), bg, 3},
			{"focused text field's border against the background", c(theme.ColorNamePrimary), bg, 3},
			{"label on a focused primary button", c(theme.ColorNameForegroundOnPrimary), blendOver(app.Color(theme.ColorNamePrimary, v), focus), 4.5},
			{"text on the background", c(theme.ColorNameForeground), bg, 4.5},
			{"label on a danger button (Record)", c(theme.ColorNameForegroundOnError), c(theme.ColorNameError), 4.5},
			{"a danger button against the background", c(theme.ColorNameError), bg, 3},
		} {
			if r := contrast(tc.a, tc.b); r < tc.min {
				t.Errorf("%s: %s %.2f:1, want ≥ %.1f", name, tc.what, r, tc.min)
			}
		}
		// Fyne's own focus colour, for the record: the reason for appTheme.
		if r := contrast(blendOver(button, theme.DefaultTheme().Color(theme.ColorNameFocus, v)), bg); r >= 3 {
			t.Errorf("%s: Fyne's focus colour already gives %.2f:1; appTheme's may be unneeded", name, r)
		}
	}
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[v]
		// Under the UI lock: an app left by an earlier test must not draw
		// or change the app (fyne.CurrentApp) in between.
		t.Run(name+" drawn", func(t *testing.T) { inUI(func() { testFocusDrawn(t, v) }) })
	}
}

// variantTheme is appTheme in one variant whatever the app's settings say
// (the test driver's name none).
type variantTheme struct {
	appTheme
	v fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.appTheme.Color(n, t.v)
}

// testFocusDrawn: the drawn half of TestFocusContrast in variant v.
func testFocusDrawn(t *testing.T, v fyne.ThemeVariant) {
	a := test.NewTempApp(t)
	app := appTheme{theme.DefaultTheme()}
	a.Settings().SetTheme(variantTheme{app, v})
	c := func(n fyne.ThemeColorName) color.Color { return app.Color(n, v) }

	// The rows' text on each fill a row can have: none, the selection's,
	// the hover shade Fyne draws under the focused row.
	bg := c(theme.ColorNameBackground)
	for fill, under := range map[string]color.Color{"background": bg, "selected row": blendOver(bg, c(theme.ColorNameSelection)), "focused row": blendOver(bg, c(theme.ColorNameHover))} {
		for what, text := range map[string]color.Color{"text": c(theme.ColorNameForeground), "missed call's red text": c(theme.ColorNameError)} {
			if r := contrast(text, under); r < 4.5 {
				t.Errorf("%s on the %s %.2f:1, want ≥ 4.5", what, fill, r)
			}
		}
	}

	// The bar and the ring in the primary colour against what is beside
	// them: the background, a selected row's fill, the keyboard's row's.
	for fill, under := range map[string]color.Color{"background": bg, "selected row": blendOver(bg, c(theme.ColorNameSelection)), "focused row": blendOver(bg, c(theme.ColorNameHover))} {
		if r := contrast(c(theme.ColorNamePrimary), under); r < 3 {
			t.Errorf("a row's bar or ring against the %s %.2f:1, want ≥ 3", fill, r)
		}
	}

	rows := []string{"Alice Archer", "Bob Baker", "Carol Clark"}
	list := newKeyList(func() int { return len(rows) }, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(rows[i]) })
	button := newPrimaryButton("Call", func() {})
	other := widget.NewButton("Other", func() {})
	round := newRoundButton("Mute", iconMic, neutralColour, white, func() {})
	hangup := newRoundButton("Hang up", iconCallEnd, func() color.Color { return hangupColour }, white, func() {})
	w := test.NewWindow(container.NewBorder(container.NewHBox(other, button, round, hangup), nil, nil, nil, list))
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(320, 240))
	// Laid out, then drawn until two pictures agree: in the whole suite the
	// first one once came out before the window's content was laid out.
	w.Content().Refresh()
	for prev, i := w.Canvas().Capture(), 0; i < 20; i++ {
		next := w.Canvas().Capture()
		if largestChange(prev, next, next.Bounds()) == 1 {
			break
		}
		prev = next
	}
	// changed measures inside o only: the other button's focus comes and goes too.
	changed := func(what string, o fyne.CanvasObject, act func()) {
		t.Helper()
		before := w.Canvas().Capture()
		act()
		p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
		in := image.Rect(int(p.X), int(p.Y), int(p.X+o.Size().Width), int(p.Y+o.Size().Height))
		r := largestChange(before, w.Canvas().Capture(), in)
		t.Logf("%s: %.2f:1", what, r)
		if r < 3 {
			t.Errorf("%s: the most a pixel changes is %.2f:1, want ≥ 3", what, r)
		}
	}
	changed("focused list, no row selected (the keyboard's row)", list, func() { w.Canvas().Focus(list) })
	w.Canvas().Focus(other)
	changed("a row selected, the list without the focus", list, func() { list.show(1) })
	changed("the list gets the focus on its selected row", list, func() { w.Canvas().Focus(list) })
	changed("Down moves the selection", list, func() { list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown}) })
	if list.selected != 2 {
		t.Errorf("Down selected row %d, want 2", list.selected)
	}
	w.Canvas().Focus(other)
	changed("a focused primary button", button, func() { w.Canvas().Focus(button) })
	// A call panel's round button: a ring of the primary colour round its
	// circle, on the background (it had no focus to show).
	changed("a focused round button (Mute)", round, func() { w.Canvas().Focus(round) })
	changed("a focused round button (Hang up)", hangup, func() { w.Canvas().Focus(hangup) })

	// A question's yes (Hang up and quit, Sign out, Call, Record): the
	// first focusable thing of high importance over the window.
	w.Canvas().Focus(nil)
	q := newConfirm("Hang up and quit?", "You're in a call with Bob Baker — hang up and quit?", "Hang up and quit", "Stay", func(bool) {}, w)
	q.Show()
	var yes fyne.Focusable
	for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
		switch b := o.(type) {
		case *widget.Button:
			if b.Importance == widget.HighImportance && yes == nil {
				yes = b
			}
		case *primaryButton:
			if yes == nil {
				yes = b
			}
		}
	}
	if yes == nil {
		t.Fatal("the question has no button of high importance")
	}
	changed("a question's focused yes", yes.(fyne.CanvasObject), func() { w.Canvas().Focus(yes) })
	q.Hide()
}

// largestChange is the largest WCAG contrast between a pixel of a and the
// same pixel of b inside in.
func largestChange(a, b image.Image, in image.Rectangle) float64 {
	best := 1.0
	r := a.Bounds().Intersect(b.Bounds()).Intersect(in)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			best = max(best, contrast(a.At(x, y), b.At(x, y)))
		}
	}
	return best
}

// TestEscFromAFocusedButton: Esc closes a question even when the keyboard
// has moved onto one of its buttons (Fyne hands keys to the focused
// widget only, and its buttons drop Esc, so the window's Esc never ran:
// found in the issue 17 walkthrough at the sign-out question).
func TestEscFromAFocusedButton(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewWindow(widget.NewLabel("main"))
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(400, 300))
	for _, which := range []string{"yes", "no"} {
		var answered []bool
		q := newConfirm("Sign out?", "You will need a login code to sign in again.", "Sign out", "Cancel", func(ok bool) { answered = append(answered, ok) }, w)
		w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { // as the main window's
			if k.Name == fyne.KeyEscape {
				q.Hide()
			}
		})
		q.Show()
		var b fyne.Focusable = q.yes
		if which == "no" {
			b = q.no
		}
		w.Canvas().Focus(b)
		b.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if len(answered) != 1 || answered[0] {
			t.Errorf("Esc on the focused %s: answers %v, want one no", which, answered)
		}
	}
}
