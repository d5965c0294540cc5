package server

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneMemory(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	old, had := os.LookupEnv("GOGC")
	t.Cleanup(func() {
		if had {
			os.Setenv("GOGC", old)
		} else {
			os.Unsetenv("GOGC")
		}
	})

	os.Unsetenv("GOGC")
	TuneMemory()
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Fatalf("without GOGC: GC percent %d, want %d", got, gcPercent)
	}

	os.Setenv("GOGC", "100")
	TuneMemory()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC=100: GC percent %d, want it left at 100", got)
	}
}
