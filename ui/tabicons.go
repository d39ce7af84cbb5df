package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Icons of the Contacts and Recents tabs, from Google's Material icons
// (Apache 2.0, the set Fyne's own theme icons come from): Fyne has no
// phone, call-direction or star icon. Paths are drawn in black and
// recoloured by Fyne's themed resources.

func materialIcon(name, path string) fyne.Resource {
	return fyne.NewStaticResource(name+".svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#000000" d="`+path+`"/></svg>`))
}

var (
	phoneIcon = materialIcon("call", "M20.01 15.38c-1.23 0-2.42-.2-3.53-.56-.35-.12-.74-.03-1.01.24l-1.57 1.97c-2.83-1.35-5.48-3.9-6.89-6.83l1.95-1.66c.27-.28.35-.67.24-1.02-.37-1.11-.56-2.3-.56-3.53 0-.54-.45-.99-.99-.99H4.19C3.65 3 3 3.24 3 3.99 3 13.28 10.73 21 20.01 21c.71 0 .99-.63.99-1.18v-3.45c0-.54-.45-.99-.99-.99z")
	// outgoingIcon, incomingIcon, missedIcon and unansweredIcon mark a
	// call's direction and outcome in Recents.
	outgoingIcon   = materialIcon("call_made", "M9 5v2h6.59L4 18.59 5.41 20 17 8.41V15h2V5z")
	incomingIcon   = materialIcon("call_received", "M20 5.41L18.59 4 7 15.59V9H5v10h10v-2H8.41z")
	missedIcon     = materialIcon("call_missed", "M19.59 7L12 14.59 6.41 9H11V7H3v8h2v-4.59l7 7 9-9z")
	unansweredIcon = materialIcon("call_missed_outgoing", "M3 8.41l9 9 7-7V15h2V7h-8v2h4.59L12 14.59 4.41 7 3 8.41z")
	starIcon       = materialIcon("star", "M12 17.27L18.18 21l-1.64-7.03L22 9.24l-7.19-.61L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21z")
	starBorderIcon = materialIcon("star_border", "M22 9.24l-7.19-.62L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21 12 17.27 18.18 21l-1.63-7.03L22 9.24zM12 15.4l-3.76 2.27 1-4.28-3.32-2.88 4.38-.38L12 6.1l1.71 4.04 4.38.38-3.32 2.88 1 4.28L12 15.4z")
)

// Themed forms: in the text colour, and in the error colour (missed calls).
func fgIcon(r fyne.Resource) fyne.Resource    { return theme.NewThemedResource(r) }
func errorIcon(r fyne.Resource) fyne.Resource { return theme.NewErrorThemedResource(r) }
