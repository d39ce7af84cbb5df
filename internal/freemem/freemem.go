// Package freemem hands memory the process has freed back to the system:
// the Go heap's free pages and those glibc's malloc keeps in its arenas.
//
// Both allocators keep freed memory for reuse, which after a call shows as
// resident memory the process no longer uses. In the desktop app, a call
// window's GL context, framebuffers and textures (Mesa), its window icon
// (GLFW, X11) and the call's audio and media buffers are freed when the
// window closes, but glibc's main arena cannot shrink below its highest
// chunk still in use, and Go's scavenger returns free pages only down to
// about its next heap goal: in the UI soak, after 8 calls glibc held 24 MiB
// free beside 50 MiB in use, and Go about 20 MiB.
package freemem

/*
#include <malloc.h>

// trim is malloc_trim(0) where the C library is glibc: every arena's free
// pages go back to the system, not only the top of the main heap. Other C
// libraries have no such call; there it does nothing.
static int trim(void) {
#ifdef __GLIBC__
	return malloc_trim(0);
#else
	return 0;
#endif
}
*/
import "C"

import "runtime/debug"

// Release collects the Go garbage and returns the Go heap's free pages and
// the C heap's free pages to the system. It blocks for a garbage collection
// (tens of milliseconds for the app's heap), so it belongs where a moment
// has ended, such as after a call, not on a hot path. It reports whether the
// C library released anything.
func Release() bool {
	debug.FreeOSMemory()
	return TrimC()
}

// TrimC returns the C heap's free pages to the system (glibc's
// malloc_trim(0)) and reports whether any were released.
func TrimC() bool { return C.trim() == 1 }
