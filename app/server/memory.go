package server

import (
	"os"
	"runtime/debug"
)

// gcPercent is the heap growth Admit lets the Go runtime allow between two
// collections when GOGC is not set. Admit's live heap is 3-4 MB under a
// registration rush (catalogs, prepared statements, connections); Go's
// default of 100 lets the heap reach twice that, and the pages it touched
// stay resident. At 30 the heap peaks at 1.3 times the live heap: 2-3 MB
// less resident (part of the 40 MB Admit aims to stay under), for a
// collection every 40 or so registrations instead of every 140; marking
// 4 MB takes a few milliseconds, a few percent of the CPU a registration
// costs. A VPS of 512 MB has more CPU to spare than memory. GOGC in the
// environment overrides it.
const gcPercent = 30

// TuneMemory applies gcPercent unless GOGC is set. main calls it first,
// before the configuration is read.
func TuneMemory() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
