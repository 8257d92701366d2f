package mail_test

import (
	"crypto/tls"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

const from = "Acme <no-reply@acme.test>"

func sender(t testing.TB, rawURL string, opts ...mail.SMTPOption) mail.Sender {
	t.Helper()
	s, err := mail.NewSMTPSender(rawURL, from, opts...)
	if err != nil {
		t.Fatalf("NewSMTPSender(%q): %v", rawURL, err)
	}
	return s
}

// deliverOne enqueues a message and runs one drain through s.
func deliverOne(t *testing.T, s mail.Sender) (*store.Mail, int) {
	t.Helper()
	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	m := enqueue(t, db, mail.NewOutbox(db), p, "ann@example.com", "482913")
	n, err := mail.NewWorker(db, s).DrainOnce(t.Context())
	if err != nil {
		t.Fatalf("DrainOnce: %v", err)
	}
	return getMail(t, db, p, m.ID), n
}

// A message reaches a real SMTP server as a multipart/alternative email with
// both parts, the headers a mail client needs, and the code.
func TestSMTPDelivery(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, serverOpts{})
	clk := newClock()
	got, n := deliverOne(t, sender(t, "smtp://"+srv.addr+"?tls=none", mail.WithSMTPClock(clk.Now)))
	if n != 1 || got.Status != store.MailSent || got.Attempts != 1 || got.SentAt == nil {
		t.Fatalf("after delivery: %s", fmtMail(got))
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages", len(msgs))
	}
	r := msgs[0]
	if r.From != "no-reply@acme.test" || len(r.To) != 1 || r.To[0] != "ann@example.com" {
		t.Fatalf("envelope: from %q to %v", r.From, r.To)
	}
	pm := parseMessage(t, r.Data)
	if f, err := netmail.ParseAddress(pm.Header.Get("From")); err != nil || f.Address != "no-reply@acme.test" || f.Name != "Acme" {
		t.Fatalf("From header %q", pm.Header.Get("From"))
	}
	if to := pm.Header.Get("To"); !strings.Contains(to, "ann@example.com") {
		t.Fatalf("To header %q", to)
	}
	if s := pm.Header.Get("Subject"); s != "Sign in to Acme" {
		t.Fatalf("Subject %q", s)
	}
	if mid := pm.Header.Get("Message-Id"); mid != "<"+string(got.ID)+"@acme.test>" {
		t.Fatalf("Message-ID %q, want one made from the outbox ID", mid)
	}
	if d, err := pm.Header.Date(); err != nil || !d.Equal(clk.Now()) {
		t.Fatalf("Date %q (%v), want the clock's time", pm.Header.Get("Date"), err)
	}
	if strings.Join(pm.PartTypes, ",") != "text/plain,text/html" {
		t.Fatalf("parts %v, want text then HTML", pm.PartTypes)
	}
	mustContain(t, pm.Text, "482913", "text part")
	mustContain(t, pm.Text, "If you didn't try to sign in, ignore this email.", "text part")
	mustContain(t, pm.HTML, "482913", "HTML part")
	mustContain(t, pm.HTML, `href="https://auth.example.com/`, "HTML part")
}

// STARTTLS is used when offered, can be required, and smtps:// speaks TLS
// from the start; each accepted case is next to a refused one.
func TestSMTPTLS(t *testing.T) {
	t.Parallel()
	serverTLS, pool := testCA(t)
	trust := mail.WithTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})

	t.Run("opportunistic upgrades", func(t *testing.T) {
		t.Parallel()
		srv := startSMTP(t, serverOpts{tls: serverTLS})
		if _, n := deliverOne(t, sender(t, "smtp://"+srv.addr, trust)); n != 1 {
			t.Fatalf("not delivered")
		}
		if !srv.messages()[0].TLS {
			t.Fatalf("STARTTLS was offered but the message came in the clear")
		}
	})
	t.Run("opportunistic falls back without STARTTLS", func(t *testing.T) {
		t.Parallel()
		srv := startSMTP(t, serverOpts{})
		if _, n := deliverOne(t, sender(t, "smtp://"+srv.addr, trust)); n != 1 || srv.messages()[0].TLS {
			t.Fatalf("delivered %d, TLS %v", n, n == 1 && srv.messages()[0].TLS)
		}
	})
	t.Run("required refuses a server without STARTTLS", func(t *testing.T) {
		t.Parallel()
		srv := startSMTP(t, serverOpts{})
		got, n := deliverOne(t, sender(t, "smtp://"+srv.addr+"?tls=required", trust))
		if n != 0 || len(srv.messages()) != 0 || got.Status != store.MailPending || got.LastError == "" {
			t.Fatalf("plaintext delivery despite tls=required: %s", fmtMail(got))
		}
	})
	t.Run("required with STARTTLS", func(t *testing.T) {
		t.Parallel()
		srv := startSMTP(t, serverOpts{tls: serverTLS})
		if _, n := deliverOne(t, sender(t, "smtp://"+srv.addr+"?tls=required", trust)); n != 1 || !srv.messages()[0].TLS {
			t.Fatalf("not delivered over TLS")
		}
	})
	t.Run("required refuses an untrusted certificate", func(t *testing.T) {
		t.Parallel()
		srv := startSMTP(t, serverOpts{tls: serverTLS})
		got, n := deliverOne(t, sender(t, "smtp://"+srv.addr+"?tls=required"))
		if n != 0 || len(srv.messages()) != 0 || !strings.Contains(got.LastError, "certificate") {
			t.Fatalf("untrusted certificate accepted: %s", fmtMail(got))
		}
	})
	t.Run("implicit TLS", func(t *testing.T) {
		t.Parallel()
		srv := startSMTP(t, serverOpts{tls: serverTLS, implicit: true})
		if _, n := deliverOne(t, sender(t, "smtps://"+srv.addr, trust)); n != 1 || !srv.messages()[0].TLS {
			t.Fatalf("not delivered over implicit TLS")
		}
	})
}

func TestSMTPAuth(t *testing.T) {
	t.Parallel()
	serverTLS, pool := testCA(t)
	trust := mail.WithTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	srv := startSMTP(t, serverOpts{tls: serverTLS, user: "relay", pass: "s3cret/+"})

	got, n := deliverOne(t, sender(t, "smtp://relay:wrong@"+srv.addr+"?tls=required", trust))
	if n != 0 || got.Status != store.MailPending || got.LastError == "" || len(srv.messages()) != 0 {
		t.Fatalf("wrong password: %s", fmtMail(got))
	}
	if strings.Contains(got.LastError, "wrong") {
		t.Fatalf("the password leaked into last_error: %q", got.LastError)
	}
	if _, n := deliverOne(t, sender(t, "smtp://relay:s3cret%2F%2B@"+srv.addr+"?tls=required", trust)); n != 1 {
		t.Fatalf("right password: not delivered")
	}
	if r := srv.messages()[0]; r.AuthAs != "relay" || !r.TLS {
		t.Fatalf("delivered as %q, TLS %v", r.AuthAs, r.TLS)
	}
}

func TestSMTPURLRefusals(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"", "localhost:25", "http://mail.example.com", "smtp://", "smtp:///x", "smtp://mail.example.com:0",
		"smtp://mail.example.com:99999", "smtp://mail.example.com?tls=maybe", "smtps://mail.example.com?tls=none",
		"smtp://mail.example.com?auth=cram", "smtp://mail.example.com?auth=login", "smtp://mail.example.com?mode=x",
		"smtp://mail.example.com/path", "smtp://user:hunter2@mail.example.com:xx",
	} {
		_, err := mail.NewSMTPSender(u, from)
		if err == nil {
			t.Fatalf("NewSMTPSender(%q) accepted", u)
		}
		if !strings.Contains(err.Error(), "GATEHOUSE_SMTP_URL") || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("NewSMTPSender(%q): %v", u, err)
		}
	}
	for _, f := range []string{"", "no-reply", "a@b.test\r\nBcc: x@y.test"} {
		if _, err := mail.NewSMTPSender("smtp://mail.example.com", f); err == nil || !strings.Contains(err.Error(), "GATEHOUSE_EMAIL_FROM") {
			t.Fatalf("from %q: %v", f, err)
		}
	}
	for _, u := range []string{
		"smtp://mail.example.com", "smtp://mail.example.com:2525?tls=starttls", "smtp://u:p@mail.example.com?tls=required&auth=login",
		"smtp://u:p@127.0.0.1:25?tls=none", "smtps://u:p@mail.example.com", "smtp://[::1]:25",
	} {
		if _, err := mail.NewSMTPSender(u, "no-reply@acme.test"); err != nil {
			t.Fatalf("NewSMTPSender(%q): %v", u, err)
		}
	}
}

// An outage delays mail and loses none: while the server is down or answers
// 451, the message stays pending with its attempts, error and next attempt
// recorded; when the server is back it is delivered exactly once.
func TestOutageLosesNothing(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			p := newProject(t, db, "Acme")
			clk := newClock()
			// A port with nothing listening: take one and close it.
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			down := l.Addr().String()
			l.Close()
			jitter := mail.WithJitter(func(max time.Duration) time.Duration { return max / 2 })
			opts := []mail.Option{mail.WithClock(clk.Now), mail.WithBackoff(10*time.Second, time.Hour), jitter}
			m := enqueue(t, db, mail.NewOutbox(db, mail.WithClock(clk.Now)), p, "ann@example.com", "482913")

			n, err := mail.NewWorker(db, sender(t, "smtp://"+down+"?tls=none"), opts...).DrainOnce(t.Context())
			if err != nil || n != 0 {
				t.Fatalf("drain with the server down: %d, %v", n, err)
			}
			got := getMail(t, db, p, m.ID)
			// Backoff after the first failure: 10 s, half of it fixed and half jitter.
			if got.Status != store.MailPending || got.Attempts != 1 || got.LastError == "" ||
				!got.NextAttemptAt.Equal(clk.Now().Add(7500*time.Millisecond)) {
				t.Fatalf("after the first failure: %s", fmtMail(got))
			}

			srv := startSMTP(t, serverOpts{})
			srv.setFailData(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"})
			w := mail.NewWorker(db, sender(t, "smtp://"+srv.addr+"?tls=none"), opts...)
			if n, err := w.DrainOnce(t.Context()); err != nil || n != 0 {
				t.Fatalf("drain before the retry is due: %d, %v", n, err)
			}
			if got := getMail(t, db, p, m.ID); got.Attempts != 1 {
				t.Fatalf("retried before its time: %s", fmtMail(got))
			}
			clk.Advance(10 * time.Second)
			if n, err := w.DrainOnce(t.Context()); err != nil || n != 0 {
				t.Fatalf("drain against 451: %d, %v", n, err)
			}
			got = getMail(t, db, p, m.ID)
			if got.Status != store.MailPending || got.Attempts != 2 || !strings.Contains(got.LastError, "451") ||
				!got.NextAttemptAt.Equal(clk.Now().Add(15*time.Second)) {
				t.Fatalf("after 451: %s", fmtMail(got))
			}

			srv.setFailData(nil)
			clk.Advance(20 * time.Second)
			if n, err := w.DrainOnce(t.Context()); err != nil || n != 1 {
				t.Fatalf("drain after recovery: %d, %v", n, err)
			}
			clk.Advance(time.Hour)
			if n, err := w.DrainOnce(t.Context()); err != nil || n != 0 {
				t.Fatalf("drain after delivery: %d, %v", n, err)
			}
			if len(srv.messages()) != 1 {
				t.Fatalf("server received %d copies, want exactly one", len(srv.messages()))
			}
			got = getMail(t, db, p, m.ID)
			if got.Status != store.MailSent || got.Attempts != 3 || got.LastError != "" || got.SentAt == nil {
				t.Fatalf("after recovery: %s", fmtMail(got))
			}
		})
	}
}

// A recipient the server refuses for good is given up at once; transient
// failures are given up only after the last attempt.
func TestGivingUp(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, serverOpts{})
	srv.setFailRcpt(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	got, _ := deliverOne(t, sender(t, "smtp://"+srv.addr+"?tls=none"))
	if got.Status != store.MailDead || got.Attempts != 1 || !strings.Contains(got.LastError, "550") {
		t.Fatalf("after a permanent refusal: %s", fmtMail(got))
	}

	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	clk := newClock()
	srv.setFailRcpt(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "busy"})
	m := enqueue(t, db, mail.NewOutbox(db, mail.WithClock(clk.Now)), p, "ann@example.com", "482913")
	w := mail.NewWorker(db, sender(t, "smtp://"+srv.addr+"?tls=none"), mail.WithClock(clk.Now), mail.WithMaxAttempts(3))
	for attempt := 1; attempt <= 3; attempt++ {
		if _, err := w.DrainOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		got := getMail(t, db, p, m.ID)
		want := store.MailPending
		if attempt == 3 {
			want = store.MailDead
		}
		if got.Status != want || got.Attempts != attempt {
			t.Fatalf("after attempt %d: %s", attempt, fmtMail(got))
		}
		clk.Advance(2 * time.Hour)
	}
}

// A worker that dies between claiming and recording delays the message by
// one lease; then another worker delivers it, once.
func TestCrashAfterClaimIsRetriedAfterTheLease(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	clk := newClock()
	srv := startSMTP(t, serverOpts{})
	m := enqueue(t, db, mail.NewOutbox(db, mail.WithClock(clk.Now)), p, "ann@example.com", "482913")
	// The dying worker: it claims and is never heard of again.
	if err := db.Write(t.Context(), func(w store.Writer) error {
		_, err := w.ClaimMail(t.Context(), clk.Now(), time.Minute)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(db, sender(t, "smtp://"+srv.addr+"?tls=none"), mail.WithClock(clk.Now), mail.WithLease(time.Minute))
	clk.Advance(59 * time.Second)
	if n, err := w.DrainOnce(t.Context()); err != nil || n != 0 {
		t.Fatalf("drain during the lease: %d, %v", n, err)
	}
	clk.Advance(2 * time.Second)
	if n, err := w.DrainOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("drain after the lease: %d, %v", n, err)
	}
	if got := getMail(t, db, p, m.ID); got.Status != store.MailSent || got.Attempts != 2 || len(srv.messages()) != 1 {
		t.Fatalf("after the lease: %s, %d received", fmtMail(got), len(srv.messages()))
	}
}

// Workers racing on one database deliver every message exactly once.
func TestWorkersRace(t *testing.T) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			p := newProject(t, db, "Acme")
			srv := startSMTP(t, serverOpts{})
			o := mail.NewOutbox(db)
			const count, workers = 40, 3
			want := map[string]bool{}
			for i := range count {
				m := enqueue(t, db, o, p, fmt.Sprintf("u%d@example.com", i), "482913")
				want["<"+string(m.ID)+"@acme.test>"] = true
			}
			var wg sync.WaitGroup
			total := make([]int, workers)
			for i := range workers {
				w := mail.NewWorker(db, sender(t, "smtp://"+srv.addr+"?tls=none"))
				wg.Go(func() {
					for range 3 { // a drain can end early after losing races
						n, err := w.DrainOnce(t.Context())
						if err != nil {
							t.Errorf("worker %d: %v", i, err)
						}
						total[i] += n
					}
				})
			}
			wg.Wait()
			seen := map[string]int{}
			for _, r := range srv.messages() {
				seen[parseMessage(t, r.Data).Header.Get("Message-Id")]++
			}
			for mid := range want {
				if seen[mid] != 1 {
					t.Errorf("message %s delivered %d times", mid, seen[mid])
				}
			}
			if len(srv.messages()) != count || total[0]+total[1]+total[2] != count {
				t.Fatalf("server got %d messages, workers report %v, want %d", len(srv.messages()), total, count)
			}
			inbox, err := o.Inbox(t.Context(), p, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range inbox {
				if m.Status != mail.StatusSent || m.Attempts != 1 {
					t.Fatalf("message %s: status %s, attempts %d", m.ID, m.Status, m.Attempts)
				}
			}
		})
	}
}

// Claims whose workers all died use up the attempts too: the message is
// given up rather than retried forever.
func TestCrashesExhaustAttempts(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	p := newProject(t, db, "Acme")
	clk := newClock()
	srv := startSMTP(t, serverOpts{})
	m := enqueue(t, db, mail.NewOutbox(db, mail.WithClock(clk.Now)), p, "ann@example.com", "482913")
	for range 2 {
		if err := db.Write(t.Context(), func(w store.Writer) error {
			_, err := w.ClaimMail(t.Context(), clk.Now(), time.Minute)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Minute)
	}
	w := mail.NewWorker(db, sender(t, "smtp://"+srv.addr+"?tls=none"),
		mail.WithClock(clk.Now), mail.WithLease(time.Minute), mail.WithMaxAttempts(2))
	if n, err := w.DrainOnce(t.Context()); err != nil || n != 0 {
		t.Fatalf("DrainOnce: %d, %v", n, err)
	}
	got := getMail(t, db, p, m.ID)
	if got.Status != store.MailDead || got.Attempts != 3 || !strings.Contains(got.LastError, "exhausted") || len(srv.messages()) != 0 {
		t.Fatalf("after exhausted attempts: %s, %d received", fmtMail(got), len(srv.messages()))
	}
}
