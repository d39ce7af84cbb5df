package ui

import (
	"image"
	"strings"
	"testing"
)

// finderAt tells whether the 7×7 finder pattern every QR code has in three
// corners sits at (x0, y0): a black ring, a white ring, a black 3×3 core.
func finderAt(img *image.Gray, x0, y0 int) bool {
	for y := range 7 {
		for x := range 7 {
			ring := max(abs(x-3), abs(y-3)) // 3 outer, 2 white, ≤1 core
			black := img.GrayAt(x0+x, y0+y).Y == 0
			if black != (ring != 2) {
				return false
			}
		}
	}
	return true
}

func abs(n int) int { return max(n, -n) }

func TestQRImage(t *testing.T) {
	for _, text := range []string{
		"tg://login?token=AQKp3bRbY2NbtAjpYQSqD4hZ1XnmjR_7yqCbE0tiS9Xy8g",
		"tg://login?token=" + strings.Repeat("A", 200),
		"x",
	} {
		img, err := qrImage(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		n := img.Bounds().Dx()
		size := n - 2*qrQuietZone
		if img.Bounds().Dy() != n || size < 21 || (size-17)%4 != 0 {
			t.Fatalf("%q: %v image, %d modules a side: not a QR version size", text, img.Bounds(), size)
		}
		for i := range n { // the quiet zone is white all round
			for _, p := range []image.Point{{i, 0}, {0, i}, {i, n - 1}, {n - 1, i}, {i, qrQuietZone - 1}, {qrQuietZone - 1, i}} {
				if img.GrayAt(p.X, p.Y).Y != 0xFF {
					t.Fatalf("%q: quiet zone pixel %v is dark", text, p)
				}
			}
		}
		q := qrQuietZone
		for _, c := range []image.Point{{q, q}, {q + size - 7, q}, {q, q + size - 7}} {
			if !finderAt(img, c.X, c.Y) {
				t.Errorf("%q: no finder pattern at %v", text, c)
			}
		}
		if finderAt(img, q+size-7, q+size-7) {
			t.Errorf("%q: a finder pattern in the fourth corner", text)
		}
	}
	if _, err := qrImage(strings.Repeat("x", 5000)); err == nil {
		t.Error("5000 characters fitted in a QR code")
	}
}
