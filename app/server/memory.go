package server

import (
	"os"
	"runtime/debug"
)

// gcPercent is the heap growth Admit lets the Go runtime allow between two
// collections when GOGC is not set. Admit's live heap is a few megabytes
// (catalogs, prepared statements, connections); Go's default of 100 lets
// the heap reach twice that, and the pages it touched stay resident. At 50
// the peak heap under a registration rush is about a third smaller, for
// one more collection of a small heap per few dozen registrations: a VPS
// of 512 MB has more CPU to spare than memory. GOGC in the environment
// overrides it.
const gcPercent = 50

// TuneMemory applies gcPercent unless GOGC is set. main calls it first,
// before the configuration is read.
func TuneMemory() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
