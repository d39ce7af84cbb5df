package cli

import (
	"os"
	"runtime"
)

// pprofMemRate is the heap profile's sampling interval in bytes while
// TGPHONE_PPROF is set: Go's default (512 KiB) leaves a few hundred KiB
// held per call (a closed window's pictures, say) to chance in
// `pprof -base` diffs of the UI soak; 16 KiB shows them. Unset, the
// default stays.
const pprofMemRate = 16 << 10

func init() {
	if os.Getenv(pprofEnv) != "" {
		runtime.MemProfileRate = pprofMemRate
	}
}
