package testclock

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := New(start)
	if !c.Now().Equal(start) || !c.Now().Equal(start) {
		t.Fatal("a plain clock must stand still")
	}
	c.Advance(time.Minute)
	if got := c.Now(); !got.Equal(start.Add(time.Minute)) {
		t.Fatalf("after Advance: %v", got)
	}
	k := Ticking(start, time.Millisecond)
	a, b := k.Now(), k.Now()
	if !b.Equal(a.Add(time.Millisecond)) || !a.After(start) {
		t.Fatalf("ticking clock read %v then %v", a, b)
	}
}
