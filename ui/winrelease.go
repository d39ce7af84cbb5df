package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"github.com/tgphone/tgphone/internal/freemem"
)

// letGo lets go of a closing window; call it from the window's OnClosed.
//
// It empties the window. Fyne 2.8.1 keeps the textures of the text it drew
// in a process-wide cache keyed by text, style and canvas, and drops a
// canvas's entries only when that canvas paints again or is rescaled. A
// closed window does neither, so its entries stayed for the life of the
// process and, through their canvas, the window's whole content: the
// widgets, the closures on its buttons and what they hold. In the UI soak
// no call window, and so no callView, was ever collected. New content makes
// Fyne drop the canvas's text textures (window.RescaleContext, while the
// window is not yet marked closing) and leaves the canvas holding one empty
// rectangle; the old content's renderers are destroyed with the window as
// before (cache.CleanCanvas).
//
// Then, once Fyne has destroyed the window (on its next frame) and a call
// the window showed has wound down, it hands what they freed back to the
// system (freemem.Release): the window's GL context, framebuffers, icon and
// the call's buffers are freed into glibc's and Go's heaps, which otherwise
// keep the pages. In the UI soak that was most of the resident memory a
// call left behind.
func letGo(w fyne.Window) {
	w.SetContent(canvas.NewRectangle(color.Transparent))
	time.AfterFunc(releaseAfterClose, func() { freemem.Release() })
}

// releaseAfterClose is how long after a window closes freemem.Release runs:
// past Fyne's destroying the window (one frame) and a call's media engine
// and audio devices stopping after its hang-up.
const releaseAfterClose = 3 * time.Second
