package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// mailCases are the conformance cases of this capability.
//
// ClaimMail serves every project at once, so a claim could take another
// case's row. Only Mail/Claim claims, and it works at instants in the year
// 2000, long before every other case's rows are due; the other cases mark
// rows with the attempt number they were inserted with instead of claiming.
// PurgeMail also sweeps every project: Mail/Purge works in 1999, before any
// other case's rows, and its pending row is not due until the year 3000.
func mailCases() []testCase {
	return []testCase{
		{"Mail/RoundTrip", testMailRoundTrip},
		{"Mail/OtherTenant", testMailOtherTenant},
		{"Mail/MarkFenced", testMailMarkFenced},
		{"Mail/Claim", testMailClaim},
		{"Mail/Purge", testMailPurge},
	}
}

func (e *env) newMail(p id.Project, to string, at time.Time) *store.Mail {
	return &store.Mail{
		ID: id.New[id.Mail](at), ProjectID: p, To: to,
		Subject: "Sign in to " + string(p), Text: "Your code is 123456", HTML: "<p>Your code is <b>123456</b></p>",
		Template: "login_code", Status: store.MailPending, NextAttemptAt: at, CreatedAt: at,
	}
}

func (e *env) insertMail(ms ...*store.Mail) {
	e.t.Helper()
	e.write(func(w store.Writer) error {
		for _, m := range ms {
			if err := w.InsertMail(e.ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *env) getMail(p id.Project, m id.Mail) *store.Mail {
	e.t.Helper()
	got, err := e.st.GetMail(e.ctx, p, m)
	noErr(e.t, err, "GetMail")
	return got
}

func testMailRoundTrip(e *env) {
	a, _ := e.tenants()
	first := e.newMail(a.P.ID, "ann@example.com", e.clk.now())
	second := e.newMail(a.P.ID, "bob@example.com", e.clk.now())
	second.Status, second.Attempts, second.LastError = store.MailDead, 12, "451 try later"
	second.SentAt, second.LockedUntil = nil, tm(e.clk.now())
	third := e.newMail(a.P.ID, "cy@example.com", e.clk.now())
	third.Status, third.SentAt = store.MailSent, tm(e.clk.now())
	e.insertMail(first, second, third)

	same(e.t, first, e.getMail(a.P.ID, first.ID), "pending mail")
	same(e.t, second, e.getMail(a.P.ID, second.ID), "dead mail")
	same(e.t, third, e.getMail(a.P.ID, third.ID), "sent mail")

	// The inbox is newest first, whatever the status, and honours the limit.
	list, err := e.st.ListMail(e.ctx, a.P.ID, 10)
	noErr(e.t, err, "ListMail")
	same(e.t, []*store.Mail{third, second, first}, list, "inbox")
	list, err = e.st.ListMail(e.ctx, a.P.ID, 2)
	noErr(e.t, err, "ListMail limit 2")
	same(e.t, []*store.Mail{third, second}, list, "inbox limited to 2")

	_, err = e.st.GetMail(e.ctx, a.P.ID, id.New[id.Mail](e.clk.now()))
	wantErr(e.t, err, store.ErrNotFound, "GetMail unknown")
	dup := e.newMail(a.P.ID, "dup@example.com", e.clk.now())
	dup.ID = first.ID
	err = e.writeErr(func(w store.Writer) error { return w.InsertMail(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "InsertMail with a taken ID")
	ghost := e.newMail(id.New[id.Project](e.clk.now()), "ghost@example.com", e.clk.now())
	err = e.writeErr(func(w store.Writer) error { return w.InsertMail(e.ctx, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "InsertMail into a project that does not exist")
	bad := e.newMail(a.P.ID, "bad@example.com", e.clk.now())
	bad.Status = "queued"
	if err := e.writeErr(func(w store.Writer) error { return w.InsertMail(e.ctx, bad) }); err == nil {
		e.t.Fatalf("InsertMail with an unknown status succeeded")
	}

	// A message inserted by a transaction that rolls back does not exist.
	lost := e.newMail(a.P.ID, "lost@example.com", e.clk.now())
	rollback := errors.New("caller failed after enqueueing")
	err = e.writeErr(func(w store.Writer) error {
		if err := w.InsertMail(e.ctx, lost); err != nil {
			return err
		}
		return rollback
	})
	wantErr(e.t, err, rollback, "rolled-back Write")
	_, err = e.st.GetMail(e.ctx, a.P.ID, lost.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetMail of a rolled-back message")
}

func testMailOtherTenant(e *env) {
	a, b := e.tenants()
	mine := e.newMail(a.P.ID, "ann@example.com", e.clk.now())
	theirs := e.newMail(b.P.ID, "bea@example.com", e.clk.now())
	e.insertMail(mine, theirs)
	before := e.getMail(a.P.ID, mine.ID)

	_, err := e.st.GetMail(e.ctx, b.P.ID, mine.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetMail from another project")
	list, err := e.st.ListMail(e.ctx, b.P.ID, 100)
	noErr(e.t, err, "ListMail of the other project")
	same(e.t, []*store.Mail{theirs}, list, "the other project's inbox")

	now := e.clk.now()
	err = e.writeErr(func(w store.Writer) error { return w.MarkMailSent(e.ctx, b.P.ID, mine.ID, 0, now) })
	wantErr(e.t, err, store.ErrNotFound, "MarkMailSent from another project")
	err = e.writeErr(func(w store.Writer) error {
		return w.MarkMailFailed(e.ctx, b.P.ID, mine.ID, 0, store.MailFailure{Error: "x", Dead: true, RetryAt: now})
	})
	wantErr(e.t, err, store.ErrNotFound, "MarkMailFailed from another project")
	same(e.t, before, e.getMail(a.P.ID, mine.ID), "mail after other-tenant attempts")

	// The baseline: the owning project can mark it.
	e.write(func(w store.Writer) error { return w.MarkMailSent(e.ctx, a.P.ID, mine.ID, 0, now) })
	if got := e.getMail(a.P.ID, mine.ID); got.Status != store.MailSent {
		e.t.Fatalf("owner's MarkMailSent: status %q", got.Status)
	}
}

// testMailMarkFenced: a mark for an attempt that is not the latest claim, or
// for a message no longer pending, changes nothing.
func testMailMarkFenced(e *env) {
	a, _ := e.tenants()
	m := e.newMail(a.P.ID, "ann@example.com", e.clk.now())
	m.Attempts = 3
	e.insertMail(m)

	now := e.clk.now()
	err := e.writeErr(func(w store.Writer) error { return w.MarkMailSent(e.ctx, a.P.ID, m.ID, 2, now) })
	wantErr(e.t, err, store.ErrNotFound, "MarkMailSent for a superseded attempt")
	same(e.t, m, e.getMail(a.P.ID, m.ID), "mail after a stale mark")

	retry := now.Add(time.Minute)
	e.write(func(w store.Writer) error {
		return w.MarkMailFailed(e.ctx, a.P.ID, m.ID, 3, store.MailFailure{Error: "451 busy", RetryAt: retry})
	})
	want := *m
	want.NextAttemptAt, want.LastError = retry, "451 busy"
	same(e.t, &want, e.getMail(a.P.ID, m.ID), "mail after a failed attempt")

	e.write(func(w store.Writer) error {
		return w.MarkMailFailed(e.ctx, a.P.ID, m.ID, 3, store.MailFailure{Error: "550 no such user", Dead: true, RetryAt: retry})
	})
	want.Status, want.LastError = store.MailDead, "550 no such user"
	same(e.t, &want, e.getMail(a.P.ID, m.ID), "dead mail")
	err = e.writeErr(func(w store.Writer) error { return w.MarkMailSent(e.ctx, a.P.ID, m.ID, 3, now) })
	wantErr(e.t, err, store.ErrNotFound, "MarkMailSent of a dead message")
	same(e.t, &want, e.getMail(a.P.ID, m.ID), "dead mail after a late success")
}

// claim runs ClaimMail in its own transaction; nil when nothing was claimed.
func (e *env) claim(now time.Time, lease time.Duration) *store.Mail {
	e.t.Helper()
	var got *store.Mail
	err := e.writeErr(func(w store.Writer) error {
		m, err := w.ClaimMail(e.ctx, now, lease)
		got = m
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	noErr(e.t, err, "ClaimMail")
	return got
}

func testMailClaim(e *env) {
	a, b := e.tenants()
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	const lease = time.Minute

	// Due order is next_attempt_at, across projects; later rows wait.
	early := e.newMail(b.P.ID, "early@example.com", at(0))
	mid := e.newMail(a.P.ID, "mid@example.com", at(time.Second))
	late := e.newMail(a.P.ID, "late@example.com", at(time.Hour))
	e.insertMail(late, mid, early)

	got := e.claim(at(2*time.Second), lease)
	if got == nil || got.ID != early.ID {
		e.t.Fatalf("first claim: got %v, want the most overdue message %s", got, early.ID)
	}
	want := *early
	want.Attempts, want.LockedUntil = 1, tm(at(2*time.Second+lease))
	same(e.t, &want, got, "claimed row (carries its project)")
	same(e.t, &want, e.getMail(b.P.ID, early.ID), "claimed row as stored")

	got = e.claim(at(2*time.Second), lease)
	if got == nil || got.ID != mid.ID || got.ProjectID != a.P.ID {
		e.t.Fatalf("second claim: got %v, want %s of project A", got, mid.ID)
	}
	if got := e.claim(at(3*time.Second), lease); got != nil {
		e.t.Fatalf("claim with both due rows leased and one not due: got %s", got.ID)
	}

	// A worker that died holding mid: after the lease another claim takes it
	// and bumps the attempt, so the dead worker's late mark is refused.
	after := at(2*time.Second + lease + time.Millisecond)
	again := e.claim(after, lease)
	if again == nil || (again.ID != early.ID && again.ID != mid.ID) {
		e.t.Fatalf("claim after the lease: got %v", again)
	}
	if again.Attempts != 2 {
		e.t.Fatalf("re-claimed row has attempts %d, want 2", again.Attempts)
	}
	err := e.writeErr(func(w store.Writer) error { return w.MarkMailSent(e.ctx, again.ProjectID, again.ID, 1, after) })
	wantErr(e.t, err, store.ErrNotFound, "MarkMailSent by the expired claim")
	e.write(func(w store.Writer) error { return w.MarkMailSent(e.ctx, again.ProjectID, again.ID, 2, after) })

	// A sent row is never claimed again; a failed one waits for its retry.
	other := e.claim(after, lease)
	if other == nil || other.ID == again.ID {
		e.t.Fatalf("claim of the remaining expired lease: got %v", other)
	}
	retry := after.Add(10 * time.Minute)
	e.write(func(w store.Writer) error {
		return w.MarkMailFailed(e.ctx, other.ProjectID, other.ID, other.Attempts, store.MailFailure{Error: "451", RetryAt: retry})
	})
	if got := e.claim(retry.Add(-time.Millisecond), lease); got != nil {
		e.t.Fatalf("claim before the retry time: got %s", got.ID)
	}
	got = e.claim(retry, lease)
	if got == nil || got.ID != other.ID || got.LastError != "451" {
		e.t.Fatalf("claim at the retry time: got %v, want %s with its last error", got, other.ID)
	}
	e.write(func(w store.Writer) error {
		return w.MarkMailFailed(e.ctx, got.ProjectID, got.ID, got.Attempts, store.MailFailure{Error: "550", Dead: true})
	})

	// Only late is left; dead and sent rows stay put however late it gets.
	got = e.claim(at(2*time.Hour), lease)
	if got == nil || got.ID != late.ID {
		e.t.Fatalf("claim of the last due row: got %v, want %s", got, late.ID)
	}
	e.write(func(w store.Writer) error {
		return w.MarkMailSent(e.ctx, a.P.ID, late.ID, got.Attempts, at(2*time.Hour))
	})
	if got := e.claim(at(3*time.Hour), lease); got != nil {
		e.t.Fatalf("claim with only sent and dead rows: got %s (%s)", got.ID, got.Status)
	}
	e.testMailClaimRace(a.P.ID, at(4*time.Hour))
}

// testMailClaimRace: workers claiming at once each get distinct rows, and
// every row is claimed exactly once.
func (e *env) testMailClaimRace(p id.Project, now time.Time) {
	const rows, workers = 30, 4
	var ms []*store.Mail
	for i := range rows {
		ms = append(ms, e.newMail(p, fmt.Sprintf("r%d@example.com", i), now.Add(-time.Duration(i)*time.Millisecond)))
	}
	e.insertMail(ms...)
	var (
		mu      sync.Mutex
		claimed []id.Mail
		wg      sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			misses := 0
			for misses < 3 {
				// Claim and mark in separate transactions, as a worker does:
				// only the lease keeps a second claim off a claimed row.
				var got *store.Mail
				err := e.st.Write(e.ctx, func(w store.Writer) error {
					m, err := w.ClaimMail(e.ctx, now, time.Hour)
					got = m
					return err
				})
				if err == nil {
					err = e.st.Write(e.ctx, func(w store.Writer) error {
						return w.MarkMailSent(e.ctx, got.ProjectID, got.ID, got.Attempts, now)
					})
				}
				if errors.Is(err, store.ErrNotFound) {
					// Nothing due, or a concurrent claim won this row.
					misses++
					continue
				}
				if err != nil {
					e.t.Errorf("concurrent claim: %v", err)
					return
				}
				misses = 0
				mu.Lock()
				claimed = append(claimed, got.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if e.t.Failed() {
		e.t.FailNow()
	}
	// Losers of a race may give up while rows remain; a last pass drains them.
	for m := e.claim(now, time.Hour); m != nil; m = e.claim(now, time.Hour) {
		claimed = append(claimed, m.ID)
		e.write(func(w store.Writer) error { return w.MarkMailSent(e.ctx, m.ProjectID, m.ID, m.Attempts, now) })
	}
	slices.Sort(claimed)
	if n := len(slices.Compact(slices.Clone(claimed))); n != len(claimed) {
		e.t.Fatalf("%d claims of %d distinct rows: a row was claimed twice", len(claimed), n)
	}
	if len(claimed) != rows {
		e.t.Fatalf("claimed %d rows, want %d", len(claimed), rows)
	}
	for _, m := range ms {
		if got := e.getMail(p, m.ID); got.Status != store.MailSent || got.Attempts != 1 {
			e.t.Fatalf("row %s after the race: status %s, attempts %d", m.ID, got.Status, got.Attempts)
		}
	}
}

func testMailPurge(e *env) {
	a, b := e.tenants()
	at := func(month time.Month) time.Time { return time.Date(1999, month, 1, 0, 0, 0, 0, time.UTC) }
	sentOld := e.newMail(a.P.ID, "a@example.com", at(1))
	sentOld.Status, sentOld.SentAt = store.MailSent, tm(at(1))
	deadOld := e.newMail(b.P.ID, "b@example.com", at(2))
	deadOld.Status, deadOld.LastError = store.MailDead, "550"
	pendingOld := e.newMail(a.P.ID, "c@example.com", at(3))
	pendingOld.NextAttemptAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	sentRecent := e.newMail(b.P.ID, "d@example.com", at(12))
	sentRecent.Status, sentRecent.SentAt = store.MailSent, tm(at(12))
	e.insertMail(sentOld, deadOld, pendingOld, sentRecent)

	var n int64
	e.write(func(w store.Writer) error {
		var err error
		n, err = w.PurgeMail(e.ctx, at(6))
		return err
	})
	if n != 2 {
		e.t.Fatalf("PurgeMail deleted %d rows, want the 2 old sent and dead ones", n)
	}
	for _, gone := range []*store.Mail{sentOld, deadOld} {
		_, err := e.st.GetMail(e.ctx, gone.ProjectID, gone.ID)
		wantErr(e.t, err, store.ErrNotFound, "GetMail of a purged "+string(gone.Status)+" message")
	}
	same(e.t, pendingOld, e.getMail(a.P.ID, pendingOld.ID), "old pending message")
	same(e.t, sentRecent, e.getMail(b.P.ID, sentRecent.ID), "recent sent message")
}
