package ui

import (
	"bytes"
	"image/png"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestTrayMissedCalls: missed calls put a red dot on the tray icon and a
// first menu item that opens Recents; viewing Recents takes both away.
func TestTrayMissedCalls(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(badgedIcon(iconPNG).Content()))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	r := b.Dx() / 5
	if c, _, _, _ := img.At(b.Max.X-r-1, b.Min.Y+r+1).RGBA(); c>>8 != 0xd3 {
		t.Errorf("no red dot on the badged icon (red %#x)", c>>8)
	}
	if missedItem(1, nil).Label != "1 missed call" || missedItem(3, nil).Label != "3 missed calls" {
		t.Errorf("labels %q, %q", missedItem(1, nil).Label, missedItem(3, nil).Label)
	}

	u := &UI{app: test.NewTempApp(t)}
	u.main = u.app.NewWindow("tgphone")
	u.session = &session{UI: u}
	u.accounts = []*session{u.session}
	if items := u.trayItems().Items; items[0].Label != "Show tgphone" {
		t.Errorf("no missed calls, yet the tray starts with %q", items[0].Label)
	}
	var told []int
	u.OnMissedCalls(func(n int) { told = append(told, n) })
	u.setMissed(2)
	if items := u.trayItems().Items; items[0].Label != "2 missed calls" {
		t.Errorf("2 missed calls, the tray starts with %q", items[0].Label)
	}
	u.setMissed(0)
	if items := u.trayItems().Items; items[0].Label != "Show tgphone" {
		t.Errorf("missed calls seen, yet the tray starts with %q", items[0].Label)
	}
	if len(told) != 2 || told[0] != 2 || told[1] != 0 {
		t.Errorf("the tray was told %v, want [2 0]", told)
	}
}
