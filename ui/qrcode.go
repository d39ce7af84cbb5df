package ui

import (
	"fmt"
	"image"
	"image/color"

	"rsc.io/qr"
)

// qrQuietZone is the white border a QR reader needs around the code, in modules.
const qrQuietZone = 4

// qrImage draws text as a QR code, one pixel a module, with its quiet zone;
// the window scales it up without smoothing so the modules stay sharp.
func qrImage(text string) (*image.Gray, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("QR code: %w", err)
	}
	n := code.Size + 2*qrQuietZone
	img := image.NewGray(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y := range code.Size {
		for x := range code.Size {
			if code.Black(x, y) {
				img.SetGray(x+qrQuietZone, y+qrQuietZone, color.Gray{})
			}
		}
	}
	return img, nil
}
