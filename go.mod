module github.com/tgphone/tgphone

go 1.26.8

require (
	fyne.io/fyne/v2 v2.8.1 // indirect
	github.com/gen2brain/malgo v0.11.26 // indirect
	github.com/gotd/td v0.162.0 // indirect
	gopkg.in/hraban/opus.v2 v2.0.0-20230925203106-0188a62cb302 // indirect
)
