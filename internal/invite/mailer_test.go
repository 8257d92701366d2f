package invite_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// syncBuffer is a log destination the worker's goroutine and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// TestInviteEmailGoesOutAtOnce: an invitation wakes the email worker, so the
// email leaves when the invite is made, not at the worker's next poll (an
// hour away here).
func TestInviteEmailGoesOutAtOnce(t *testing.T) {
	t.Parallel()
	st := testdb.SQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := &syncBuffer{}
	outbox := mail.NewOutbox(st)
	worker := mail.NewWorker(st, mail.NewLogSender(slog.New(slog.NewTextHandler(sent, nil))), mail.WithInterval(time.Hour))
	svc := invite.New(st, outbox, publicURL, invite.WithMailer(worker))
	tenants := tenancy.New(st)
	p, _, _, err := tenants.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	name := "Initech"
	o, err := tenants.CreateOrganization(ctx, audit.System("test"), p.ID, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	// waitFor waits for the n-th email to an address; 30 s is far below the
	// worker's hourly poll, so only a poke can deliver in time.
	waitFor := func(to string, n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for sent.count("to="+to) < n {
			if time.Now().After(deadline) {
				t.Fatalf("email %d to %s was not delivered: the worker was not woken", n, to)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The first invite is delivered by the worker's first pass; after it the
	// worker sleeps until the hourly poll or a poke.
	if _, err := svc.Create(ctx, admin, p.ID, invite.Input{OrgID: string(o.ID), Email: "peter@initech.example"}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = worker.Run(ctx) }()
	waitFor("peter@initech.example", 1)

	inv, err := svc.Create(ctx, admin, p.ID, invite.Input{OrgID: string(o.ID), Email: "milton@initech.example"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor("milton@initech.example", 1)
	if _, err := svc.Resend(ctx, admin, p.ID, string(inv.ID)); err != nil {
		t.Fatal(err)
	}
	waitFor("milton@initech.example", 2)
}
