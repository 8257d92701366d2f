package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// An email exists exactly when the transaction that enqueued it commits.
func TestEnqueueFollowsTheTransaction(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			clk := newClock()
			p := newProject(t, db, "Acme")
			o := mail.NewOutbox(db, mail.WithClock(clk.Now))

			kept := enqueue(t, db, o, p, "ann@example.com", "111111")
			failed := errors.New("the change that caused the email failed")
			err := db.Write(t.Context(), func(w store.Writer) error {
				if _, err := o.Enqueue(t.Context(), w, p, "bob@example.com", mail.TemplateLoginCode, codeData("Acme", "bob@example.com", "222222")); err != nil {
					return err
				}
				return failed
			})
			if !errors.Is(err, failed) {
				t.Fatalf("Write: %v", err)
			}
			inbox, err := o.Inbox(t.Context(), p, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(inbox) != 1 || inbox[0].ID != kept.ID {
				t.Fatalf("inbox holds %d messages, want only the committed one", len(inbox))
			}
			m := inbox[0]
			if m.To != "ann@example.com" || m.Subject != "Sign in to Acme" || m.Template != mail.TemplateLoginCode ||
				m.Status != mail.StatusPending || m.Attempts != 0 || !m.CreatedAt.Equal(clk.Now()) || !m.NextAttemptAt.Equal(clk.Now()) {
				t.Fatalf("inbox message: %+v", m)
			}
			mustContain(t, m.Text, "111111", "text body")
			mustContain(t, m.HTML, "111111", "HTML body")
		})
	}
}

func TestInboxIsPerProject(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	a, b := newProject(t, db, "A"), newProject(t, db, "B")
	o := mail.NewOutbox(db)
	first := enqueue(t, db, o, a, "ann@example.com", "111111")
	second := enqueue(t, db, o, a, "ann@example.com", "222222")
	got, err := o.Inbox(t.Context(), a, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != second.ID || got[1].ID != first.ID {
		t.Fatalf("project A's inbox is not its two messages newest first: %v", got)
	}
	got, err = o.Inbox(t.Context(), b, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("project B sees %d of A's messages", len(got))
	}
}

func TestEnqueueRefusals(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	o := mail.NewOutbox(db)
	try := func(to string, tpl mail.Template, data any) error {
		return db.Write(t.Context(), func(w store.Writer) error {
			_, err := o.Enqueue(t.Context(), w, p, to, tpl, data)
			return err
		})
	}
	for _, to := range []string{
		"", "not an address", "ann@example.com\r\nBcc: eve@example.com", "Ann <ann@example.com>",
		"ann@example.com, eve@example.com", strings.Repeat("a", 250) + "@example.com",
	} {
		err := try(to, mail.TemplateLoginCode, codeData("Acme", to, "123456"))
		fe, ok := fault.As(err)
		if !ok || fe.Code != fault.CodeInvalidRequest || fe.Fields[0].Field != "email" {
			t.Fatalf("recipient %q: %v, want an invalid email field", to, err)
		}
	}
	if err := try("ann@example.com", "welcome", codeData("Acme", "ann@example.com", "1")); !errors.Is(err, mail.ErrUnknownTemplate) {
		t.Fatalf("unknown template: %v", err)
	}
	if err := try("ann@example.com", mail.TemplateLoginCode, "123456"); err == nil {
		t.Fatalf("data of the wrong type was enqueued")
	}
	if got, _ := o.Inbox(t.Context(), p, 10); len(got) != 0 {
		t.Fatalf("refused messages reached the outbox: %d", len(got))
	}
	// The baseline: a plain address is accepted.
	if err := try("ann@example.com", mail.TemplatePasswordReset, codeData("Acme", "ann@example.com", "123456")); err != nil {
		t.Fatalf("valid message: %v", err)
	}
}

// Without SMTP the log sender shows the message in the log and the worker
// marks it sent; the development inbox still lists it.
func TestLogSender(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	o := mail.NewOutbox(db)
	m := enqueue(t, db, o, p, "ann@example.com", "654321")
	n, err := mail.NewWorker(db, mail.NewLogSender(log)).DrainOnce(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("DrainOnce: %d, %v", n, err)
	}
	out := buf.String()
	for _, want := range []string{"msg=email", "to=ann@example.com", `subject="Sign in to Acme"`, "654321", string(m.ID)} {
		mustContain(t, out, want, "log")
	}
	inbox, err := o.Inbox(t.Context(), p, 10)
	if err != nil || len(inbox) != 1 || inbox[0].Status != mail.StatusSent || inbox[0].SentAt == nil {
		t.Fatalf("inbox after logging: %v %v", inbox, err)
	}
}

// Poke wakes a running worker at once; Run ends cleanly with its context.
func TestRunAndPoke(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	srv := startSMTP(t, serverOpts{})
	s, err := mail.NewSMTPSender("smtp://"+srv.addr+"?tls=none", "Acme <no-reply@acme.test>")
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(db, s, mail.WithInterval(time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	// The first drain runs at start; wait until Run is idle on its hour-long poll.
	time.Sleep(50 * time.Millisecond)
	enqueue(t, db, mail.NewOutbox(db), p, "ann@example.com", "777777")
	w.Poke()
	w.Poke() // never blocks, even with a poke already pending
	waitFor(t, "the poked worker to deliver", func() bool { return len(srv.messages()) == 1 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Run did not return after cancel")
	}
}

// Sent messages go after the retention period; pending ones stay.
func TestPurge(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	clk := newClock()
	o := mail.NewOutbox(db, mail.WithClock(clk.Now))
	sent := enqueue(t, db, o, p, "ann@example.com", "111111")
	w := mail.NewWorker(db, mail.NewLogSender(nil), mail.WithClock(clk.Now), mail.WithRetention(time.Hour))
	if n, err := w.DrainOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("DrainOnce: %d, %v", n, err)
	}
	// Pending: the worker is not asked to deliver it again before the purge.
	waiting := enqueue(t, db, o, p, "bob@example.com", "222222")
	clk.Advance(time.Hour - time.Second)
	if n, err := w.Purge(t.Context()); err != nil || n != 0 {
		t.Fatalf("Purge within the retention: %d, %v", n, err)
	}
	clk.Advance(2 * time.Second)
	if n, err := w.Purge(t.Context()); err != nil || n != 1 {
		t.Fatalf("Purge after the retention: %d, %v", n, err)
	}
	inbox, err := o.Inbox(t.Context(), p, 10)
	if err != nil || len(inbox) != 1 || inbox[0].ID != waiting.ID || inbox[0].ID == sent.ID {
		t.Fatalf("inbox after purge: %v, %v", inbox, err)
	}
}
