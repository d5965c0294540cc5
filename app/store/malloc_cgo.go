//go:build cgo && linux

package store

/*
#include <malloc.h>

// one_arena gives every thread glibc's main malloc arena. SQLite is the
// only C code in Admit, and it takes one mutex around each of its
// allocations anyway (its memory statistics are on), so per-thread arenas
// buy no concurrency: they only keep the pages their threads freed, about
// 1.5 MB across the connections' threads under a registration rush. It
// runs as the program loads, before the Go runtime starts a thread: an
// arena a thread has once taken stays with it. Other C libraries (musl)
// have no arenas, and no M_ARENA_MAX.
__attribute__((constructor)) static void one_arena(void) {
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, 1);
#endif
}
*/
import "C"
