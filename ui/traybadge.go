package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// The tray shows missed calls as phones do: a red dot on the icon and a
// first menu item that opens Recents; both go when Recents is viewed
// (setMissed clears the count).

// badgedIcon is the app icon with a red dot in its top-right corner, or
// the plain icon if the PNG cannot be read (never fatal: it is decoration).
func badgedIcon(icon []byte) fyne.Resource {
	src, err := png.Decode(bytes.NewReader(icon))
	if err != nil {
		return appIcon
	}
	b := src.Bounds()
	img := image.NewRGBA(b)
	draw.Draw(img, b, src, b.Min, draw.Src)
	r := b.Dx() / 5
	cx, cy := b.Max.X-r-1, b.Min.Y+r+1
	red := color.RGBA{0xd3, 0x2f, 0x2f, 0xff} // hangupColour's red
	for y := cy - r; y <= cy+r; y++ {
		for x := cx - r; x <= cx+r; x++ {
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy <= r*r {
				img.Set(x, y, red)
			}
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return appIcon
	}
	return fyne.NewStaticResource("tgphone-missed.png", out.Bytes())
}

// missedItem is the tray's first item while there are missed calls.
func missedItem(n int, open func()) *fyne.MenuItem {
	return fyne.NewMenuItem(trn("recents.missed_count", n), open)
}

// followMissedInTray keeps the tray's icon and menu in step with the
// missed-call count.
func (u *UI) followMissedInTray(d desktop.App) {
	badge := badgedIcon(iconPNG)
	u.OnMissedCalls(func(n int) {
		if n > 0 {
			d.SetSystemTrayIcon(badge)
		} else {
			d.SetSystemTrayIcon(appIcon)
		}
		d.SetSystemTrayMenu(u.trayItems())
	})
}

// showRecents brings the main window up on Recents: of the account shown
// if it has missed calls, else of the first one that has.
func (u *UI) showRecents() {
	u.main.Show()
	u.main.RequestFocus()
	u.mu.Lock()
	to := u.session
	if to.missedN == 0 {
		for _, s := range u.accounts {
			if s.missedN > 0 {
				to = s
				break
			}
		}
	}
	u.mu.Unlock()
	if to != u.session && to.content != nil {
		u.show(to)
	}
	if u.tabs != nil {
		u.tabs.SelectIndex(recentsIndex)
	}
}
