package mail_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

func sealer(t testing.TB, fill byte) *seal.Sealer {
	t.Helper()
	s, err := seal.New(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// With a sealer the code never rests in the database in clear, yet the
// inbox and the delivered email read normally.
func TestBodiesSealedAtRest(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			p := newProject(t, db, "Acme")
			key := mail.WithSealer(sealer(t, 7))
			o := mail.NewOutbox(db, key)
			m := enqueue(t, db, o, p, "ann@example.com", "482913")

			row := getMail(t, db, p, m.ID)
			if strings.Contains(row.Text, "482913") || strings.Contains(row.HTML, "482913") {
				t.Fatalf("the code is stored in clear: %s", fmtMail(row))
			}
			inbox, err := o.Inbox(t.Context(), p, 10)
			if err != nil || len(inbox) != 1 {
				t.Fatalf("inbox: %v %d", err, len(inbox))
			}
			mustContain(t, inbox[0].Text, "482913", "inbox text")
			mustContain(t, inbox[0].HTML, "482913", "inbox HTML")

			srv := startSMTP(t, serverOpts{})
			if n, err := mail.NewWorker(db, sender(t, "smtp://"+srv.addr+"?tls=none"), key).DrainOnce(t.Context()); err != nil || n != 1 {
				t.Fatalf("DrainOnce: %d, %v", n, err)
			}
			got := srv.messages()
			if len(got) != 1 || !strings.Contains(string(got[0].Data), "482913") {
				t.Fatalf("delivered %d messages without the code", len(got))
			}
		})
	}
}

// A worker with another master key cannot read the body: the message is
// given up at once with the reason, never sent garbled, never retried.
func TestSealedBodyUnderAnotherKey(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	m := enqueue(t, db, mail.NewOutbox(db, mail.WithSealer(sealer(t, 7))), p, "ann@example.com", "482913")
	srv := startSMTP(t, serverOpts{})
	if _, err := mail.NewWorker(db, sender(t, "smtp://"+srv.addr+"?tls=none"), mail.WithSealer(sealer(t, 8))).DrainOnce(t.Context()); err != nil {
		t.Fatalf("DrainOnce: %v", err)
	}
	row := getMail(t, db, p, m.ID)
	if row.Status != store.MailDead || !strings.Contains(row.LastError, "master key") || len(srv.messages()) != 0 {
		t.Fatalf("message under another key: %s; sent %d", fmtMail(row), len(srv.messages()))
	}
	// Without any sealer the outbox cannot show it either, and says why.
	if _, err := mail.NewOutbox(db).Inbox(t.Context(), p, 10); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("inbox without the key: %v", err)
	}
}
