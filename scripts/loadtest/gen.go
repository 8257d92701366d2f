package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"
)

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// step is one request of a worker; it returns an error for any answer that
// does not count as a success.
type step func(ctx context.Context, worker int) error

// result is what one timed run of a target produced.
type result struct {
	name    string
	ok      int
	errs    int
	elapsed time.Duration
	// lat holds the latency of every successful request.
	lat      []time.Duration
	firstErr string
	// cpu is the CPU time this process used during the run: the server (or
	// floor) handling the requests plus the load generator sending them.
	cpu time.Duration
	// dbCPU is the CPU time of the database's own processes (Postgres
	// backends serving this database) during the run; 0 on SQLite, which
	// runs inside this process and is counted in cpu.
	dbCPU time.Duration
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// cpuPerOK is the process CPU time per successful request.
func (r result) cpuPerOK() time.Duration {
	if r.ok == 0 {
		return 0
	}
	return (r.cpu + r.dbCPU) / time.Duration(r.ok)
}

func (r result) dbCPUPerOK() time.Duration {
	if r.ok == 0 {
		return 0
	}
	return r.dbCPU / time.Duration(r.ok)
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(p * float64(len(r.lat)-1))
	return r.lat[i]
}

// drive runs conc workers calling fn back to back for d, each waiting for
// its answer before sending the next request (a closed loop: the rate is
// what the server sustains at that concurrency, not an offered load).
// Requests are never cancelled at the end: one cut off mid-way might have
// rotated a token whose successor the worker never saw. A request that
// ends after the deadline is not counted, but its answer is kept.
func drive(ctx context.Context, name string, d time.Duration, conc int, fn step, dbMeter func() time.Duration) result {
	type part struct {
		ok, errs int
		lat      []time.Duration
		firstErr string
	}
	parts := make([]part, conc)
	cpu0, db0 := processCPU(), dbMeter()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			p := &parts[w]
			p.lat = make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t := time.Now()
				err := fn(ctx, w)
				end := time.Now()
				if end.After(deadline) {
					return
				}
				if err != nil {
					p.errs++
					if p.firstErr == "" {
						p.firstErr = err.Error()
					}
					continue
				}
				p.ok++
				p.lat = append(p.lat, end.Sub(t))
			}
		})
	}
	wg.Wait()
	r := result{name: name, elapsed: d, cpu: processCPU() - cpu0}
	r.dbCPU = dbMeter() - db0
	for _, p := range parts {
		r.ok += p.ok
		r.errs += p.errs
		r.lat = append(r.lat, p.lat...)
		if r.firstErr == "" {
			r.firstErr = p.firstErr
		}
	}
	slices.Sort(r.lat)
	return r
}

// newClient is the keep-alive client every target is driven with: one idle
// connection kept per worker, no compression (the server does not compress).
func newClient(conc int, local net.Addr) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, LocalAddr: local}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConns:        conc * 2,
			MaxIdleConnsPerHost: conc * 2,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		// Redirects are answers to look at, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func printHeader() {
	fmt.Printf("%-34s %9s %7s %8s %8s %8s %8s %10s %8s\n", "target", "req/s", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms", "CPU µs/req", "of it DB")
}

func printResult(r result) {
	fmt.Printf("%-34s %9.0f %7d %8s %8s %8s %8s %10d %8d\n", r.name, r.rate(), r.errs,
		ms(r.pct(0.50)), ms(r.pct(0.90)), ms(r.pct(0.99)), ms(r.pct(1)), r.cpuPerOK().Microseconds(), r.dbCPUPerOK().Microseconds())
	if r.firstErr != "" {
		fmt.Printf("  first error: %s\n", r.firstErr)
	}
}

// merge adds up the rounds of one target.
func merge(name string, rs []result) result {
	m := result{name: name}
	for _, r := range rs {
		m.ok += r.ok
		m.errs += r.errs
		m.elapsed += r.elapsed
		m.cpu += r.cpu
		m.dbCPU += r.dbCPU
		m.lat = append(m.lat, r.lat...)
		if m.firstErr == "" {
			m.firstErr = r.firstErr
		}
	}
	slices.Sort(m.lat)
	return m
}
