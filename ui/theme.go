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
