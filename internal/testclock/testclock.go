// Package testclock is the settable time source tests inject into
// Gatehouse's components (every service takes a func() time.Time), so expiry,
// rotation and throttling are tested without sleeping.
package testclock

import (
	"sync"
	"time"
)

// Clock is safe for concurrent use.
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	tick time.Duration
}

// New returns a clock standing at start.
func New(start time.Time) *Clock { return &Clock{t: start} }

// Ticking returns a clock that moves forward by step on every reading, so
// records made one after another never share a timestamp.
func Ticking(start time.Time, step time.Duration) *Clock { return &Clock{t: start, tick: step} }

// Now reads the clock (pass the method value as a component's clock).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.tick)
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
