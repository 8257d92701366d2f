package mail_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
)

// clock is the shared settable test clock.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) }

func newProject(t testing.TB, st store.Store, name string) id.Project {
	t.Helper()
	p, err := project.New(name, time.Now())
	if err != nil {
		t.Fatalf("project.New: %v", err)
	}
	if err := st.Write(t.Context(), func(w store.Writer) error { return w.CreateProject(t.Context(), p) }); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	return p.ID
}

func codeData(project, email, code string) mail.CodeData {
	return mail.CodeData{
		ProjectName: project, Email: email, Code: code,
		Link: "https://auth.example.com/p/proj_x/login/link?token=gh_ml_" + code, ExpiresIn: 10 * time.Minute,
	}
}

// enqueue commits one login-code message.
func enqueue(t testing.TB, st store.Store, o *mail.Outbox, p id.Project, to, code string) *mail.Message {
	t.Helper()
	var m *mail.Message
	err := st.Write(t.Context(), func(w store.Writer) error {
		var err error
		m, err = o.Enqueue(t.Context(), w, p, to, mail.TemplateLoginCode, codeData("Acme", to, code))
		return err
	})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return m
}

func getMail(t testing.TB, st store.Store, p id.Project, m id.Mail) *store.Mail {
	t.Helper()
	got, err := st.GetMail(context.Background(), p, m)
	if err != nil {
		t.Fatalf("GetMail: %v", err)
	}
	return got
}

// parsed is a received message taken apart the way a mail client would.
type parsed struct {
	Header    netmail.Header
	Text      string
	HTML      string
	PartTypes []string
}

func parseMessage(t testing.TB, data []byte) *parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, data)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	out := &parsed{Header: msg.Header}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		// NextPart undoes quoted-printable transfer encoding.
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part body: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		out.PartTypes = append(out.PartTypes, ct)
		switch ct {
		case "text/plain":
			out.Text = string(body)
		case "text/html":
			out.HTML = string(body)
		default:
			t.Fatalf("unexpected part %s", ct)
		}
	}
	return out
}

// waitFor polls cond for up to five seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustContain(t testing.TB, s, sub, what string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%s does not contain %q:\n%s", what, sub, s)
	}
}

func fmtMail(m *store.Mail) string {
	return fmt.Sprintf("%s status=%s attempts=%d next=%s err=%q", m.ID, m.Status, m.Attempts, m.NextAttemptAt, m.LastError)
}
