package ui

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

// iconPNG is assets/icon.png (a test keeps the two the same): the windows'
// and the tray's icon. Without one, Fyne draws its broken-image SVG for the
// tray on the tray's own goroutine, racing with the UI's text cache.
//
//go:embed icon.png
var iconPNG []byte

var appIcon = fyne.NewStaticResource("tgphone.png", iconPNG)
