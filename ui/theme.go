package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// The call window's button colours. Fyne's success colour (#43F436) under
// white text measures about 1.5:1, far below WCAG AA's 4.5:1 for text; these
// are darker shades of the same hues chosen so white labels and icons on
// them, and their labels in the theme's text colour below them, read in
// both the light and the dark theme (TestCallColoursContrast measures it).
var (
	acceptColour = color.NRGBA{R: 0x1B, G: 0x7F, B: 0x37, A: 0xFF} // green
	hangupColour = color.NRGBA{R: 0xC6, G: 0x28, B: 0x28, A: 0xFF} // red
	// neutralLight and neutralDark fill a round button that is off (mute
	// off, devices).
	neutralLight = color.NRGBA{R: 0x5F, G: 0x63, B: 0x68, A: 0xFF}
	neutralDark  = color.NRGBA{R: 0x6B, G: 0x70, B: 0x77, A: 0xFF}
	// mutedLight and mutedDark fill the mute button while muted: the
	// inverse of the theme's background, its icon in the other one.
	mutedLight = color.NRGBA{R: 0x20, G: 0x21, B: 0x24, A: 0xFF}
	mutedDark  = color.NRGBA{R: 0xE8, G: 0xEA, B: 0xED, A: 0xFF}
)

// Warning icons: amber, 3:1 or more against either theme's background.
var (
	warningLight = color.NRGBA{R: 0xB2, G: 0x6A, B: 0x00, A: 0xFF}
	warningDark  = color.NRGBA{R: 0xFF, G: 0xB3, B: 0x00, A: 0xFF}
)

func warningColour() color.Color {
	if isDark() {
		return warningDark
	}
	return warningLight
}

// neutralColour is the off-state round button's fill for the current theme.
func neutralColour() color.Color {
	if isDark() {
		return neutralDark
	}
	return neutralLight
}

// mutedColour is the fill of the mute button while muted: the inverse of
// the theme's background, so "muted" stands out at a glance.
func mutedColour() color.Color {
	if isDark() {
		return mutedDark
	}
	return mutedLight
}

// mutedIconColour is the icon and glyph colour on mutedColour.
func mutedIconColour() color.Color {
	if isDark() {
		return mutedLight
	}
	return color.White
}

// isDark tells whether the app draws the dark theme now.
func isDark() bool {
	a := fyne.CurrentApp()
	if a == nil {
		return false
	}
	return a.Settings().ThemeVariant() == theme.VariantDark
}

// luminance is a colour's WCAG 2 relative luminance.
func luminance(c color.Color) float64 {
	r, g, b, _ := color.NRGBAModel.Convert(c).(color.NRGBA).RGBA()
	lin := func(v uint32) float64 {
		s := float64(v>>8) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the WCAG 2 contrast ratio of two colours, 1…21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// appTheme is Fyne's default theme with a keyboard focus that can be seen
// (issue 17 item 15). Fyne marks a focused button by blending the focus
// colour into its fill, and a focused check, radio button or slider with a
// disc of that colour; its own focus colour, blue at 16 % opacity, moved a
// button's fill by 1.1:1. These are dark navy (light theme) and mid blue
// (dark theme) at 52 % and 90 %, so the focused fill stands 3:1 or more
// from the window's background (WCAG 2 non-text contrast) while the label
// on it keeps 4.5:1; for that, the light theme's text is #212121 instead of
// #565656 (light grey text on any fill 3:1 from white cannot reach 4.5:1).
// A focused text field shows the primary colour around it, 4.5:1 (light)
// and 4.0:1 (dark) from the background already. TestFocusContrast
// measures all of it.
type appTheme struct{ fyne.Theme }

// The error colour, a missed call's text in Recents and the Record
// button's fill, is a deeper red (light) and a lighter one (dark) than
// Fyne's #F44336, which measured 3.68:1 on white and 2.58:1 (light),
// 3.79:1 (dark) on a selected row: these keep 4.5:1 on the background,
// on a selected row and on the keyboard's row. The dark one is too light
// for white on it, so text on it is the background's near-black.
var (
	focusLight      = color.NRGBA{R: 0x0D, G: 0x2A, B: 0x66, A: 0x86}
	focusDark       = color.NRGBA{R: 0x48, G: 0x72, B: 0xBA, A: 0xE6}
	foregroundLight = color.NRGBA{R: 0x21, G: 0x21, B: 0x21, A: 0xFF}
	errorLight      = color.NRGBA{R: 0xA8, G: 0x20, B: 0x20, A: 0xFF}
	errorDark       = color.NRGBA{R: 0xFF, G: 0x7B, B: 0x72, A: 0xFF}
	onErrorDark     = color.NRGBA{R: 0x17, G: 0x17, B: 0x18, A: 0xFF}
)

func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch {
	case n == theme.ColorNameFocus && v == theme.VariantDark:
		return focusDark
	case n == theme.ColorNameFocus:
		return focusLight
	case n == theme.ColorNameForeground && v != theme.VariantDark:
		return foregroundLight
	case n == theme.ColorNameError && v == theme.VariantDark:
		return errorDark
	case n == theme.ColorNameError:
		return errorLight
	case n == theme.ColorNameForegroundOnError && v == theme.VariantDark:
		return onErrorDark
	}
	return t.Theme.Color(n, v)
}

// blendOver is over drawn on under with over's alpha, as Fyne blends a
// focused button's fill.
func blendOver(under, over color.Color) color.NRGBA {
	u := color.NRGBAModel.Convert(under).(color.NRGBA)
	o := color.NRGBAModel.Convert(over).(color.NRGBA)
	a := float64(o.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-a) + float64(y)*a)) }
	return color.NRGBA{R: mix(u.R, o.R), G: mix(u.G, o.G), B: mix(u.B, o.B), A: 0xFF}
}

// useAppTheme makes a draw with appTheme.
func useAppTheme(a fyne.App) { a.Settings().SetTheme(appTheme{theme.DefaultTheme()}) }
