//go:build !linux

package token_test

import "time"

// threadCPU is unavailable here; the paired benchmark reports wall time only.
func threadCPU() (time.Duration, bool) { return 0, false }
