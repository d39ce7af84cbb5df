package ui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// TestFocusContrast: the keyboard focus stands out (issue 17 item 15) in
// both variants, measured as Fyne draws it: a focused button's fill is the
// focus colour blended over the button colour, a focused check or radio
// button gets a disc of the focus colour on the background, a focused text
// field a border of the primary colour. Each differs from the window's
// background by WCAG's 3:1 for non-text, and a focused button's label keeps
// 4.5:1 on its fill. Fyne's own focus colour fails the first check.
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
}
