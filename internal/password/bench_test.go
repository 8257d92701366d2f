package password

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// The baselines call argon2.IDKey directly at the same parameters; the
// figures in docs/passwords.md put each Hasher benchmark next to the raw one
// measured in the same run.

var sink []byte

func BenchmarkArgon2idRaw(b *testing.B) {
	p := OWASP()
	salt := make([]byte, p.SaltLen)
	pw := []byte("correct horse battery staple")
	for b.Loop() {
		sink = argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

func BenchmarkVerify(b *testing.B) {
	h := NewHasher()
	enc, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "correct horse battery staple", enc); !ok || err != nil {
			b.Fatalf("Verify: %v %v", ok, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

func BenchmarkDummy(b *testing.B) {
	h := NewHasher()
	ctx := context.Background()
	for b.Loop() {
		if err := h.Dummy(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkVerifyVsRaw runs one raw argon2.IDKey, one Verify and one Dummy
// per iteration, in rotating order, and reports their mean times and ratios,
// so a load that changes during the run (other processes on a shared
// machine) weighs on all three alike.
func BenchmarkVerifyVsRaw(b *testing.B) {
	h := NewHasher()
	p := h.Params()
	const pw = "correct horse battery staple"
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		b.Fatal(err)
	}
	e, _ := parse(enc)
	ctx := context.Background()
	var spent [3]time.Duration
	ops := [3]func(){
		func() { sink = argon2.IDKey([]byte(pw), e.salt, p.Time, p.Memory, p.Threads, p.KeyLen) },
		func() {
			if ok, _, err := h.Verify(ctx, pw, enc); !ok || err != nil {
				b.Fatalf("Verify: %v %v", ok, err)
			}
		},
		func() {
			if err := h.Dummy(ctx, pw); err != nil {
				b.Fatalf("Dummy: %v", err)
			}
		},
	}
	// The order rotates: the op after another 19 MiB allocation tends to
	// pay for the garbage collection that one triggered.
	for i := 0; b.Loop(); i++ {
		for j := range 3 {
			k := (i + j) % 3
			t := time.Now()
			ops[k]()
			spent[k] += time.Since(t)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(ms(spent[0]), "raw-ms")
	b.ReportMetric(ms(spent[1]), "verify-ms")
	b.ReportMetric(ms(spent[2]), "dummy-ms")
	b.ReportMetric(float64(spent[1])/float64(spent[0]), "verify/raw")
	b.ReportMetric(float64(spent[2])/float64(spent[1]), "dummy/verify")
}

// BenchmarkArgon2idRawParallel is the machine's KDF throughput with every
// core busy and nothing bounding it.
func BenchmarkArgon2idRawParallel(b *testing.B) {
	p := OWASP()
	pw := []byte("correct horse battery staple")
	b.RunParallel(func(pb *testing.PB) {
		salt := make([]byte, p.SaltLen)
		for pb.Next() {
			_ = argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// BenchmarkVerifyParallel runs 4 callers per core against the default
// hasher (GOMAXPROCS slots, 200 ms queue): the rate stays at the KDF's,
// and the queue absorbs the excess without refusals.
func BenchmarkVerifyParallel(b *testing.B) {
	benchParallel(b, 4, NewHasher())
}

// BenchmarkVerifyOverload runs 32 callers per core: more than the queue
// timeout can absorb. Successful verifications keep the KDF's rate, the
// rest are refused with ErrBusy (429) instead of piling up in memory.
func BenchmarkVerifyOverload(b *testing.B) {
	benchParallel(b, 32, NewHasher())
}

// BenchmarkVerifyUncapped is the same load with a slot per caller: what the
// cap prevents. Every caller's 19 MiB is live at once and each waits its turn
// for a core, so latency and memory grow with the load instead of refusals.
func BenchmarkVerifyUncapped(b *testing.B) {
	n := 32 * runtime.GOMAXPROCS(0)
	benchParallel(b, 32, NewHasher(WithConcurrency(n), WithQueueTimeout(time.Minute)))
}

func benchParallel(b *testing.B, perCore int, h *Hasher) {
	enc, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	var ok, busy atomic.Int64
	var memPeak atomic.Uint64
	stop := make(chan struct{})
	go sampleHeap(stop, &memPeak)
	b.SetParallelism(perCore)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			good, _, err := h.Verify(ctx, "correct horse battery staple", enc)
			switch {
			case errors.Is(err, ErrBusy):
				busy.Add(1)
			case err != nil || !good:
				b.Errorf("Verify: %v %v", good, err)
				return
			default:
				ok.Add(1)
			}
		}
	})
	b.StopTimer()
	close(stop)
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(ok.Load())/secs, "verifies/s")
	b.ReportMetric(float64(busy.Load())/float64(b.N), "busy/op")
	b.ReportMetric(float64(memPeak.Load())/(1<<20), "peak-heap-MiB")
}

// sampleHeap records the largest heap seen while a benchmark runs: with the
// slots bounding the KDF it stays near slots × 19 MiB whatever the load.
func sampleHeap(stop <-chan struct{}, peak *atomic.Uint64) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var ms runtime.MemStats
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	for b.Loop() {
		if err := Check("purple elephants dance quietly", "alice@example.com", "Acme"); err != nil {
			b.Fatal(err)
		}
	}
}
