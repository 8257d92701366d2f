package token_test

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used (user + system).
// Time spent waiting for a core on a busy machine is not in it, which is why
// the paired benchmark reports it next to wall time.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
