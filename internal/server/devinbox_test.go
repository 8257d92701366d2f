package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/logbuf"
	"github.com/gatehouse-auth/gatehouse/internal/masterkey"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// devInboxStatus wires the real services for cfg and public URL, creates a
// project, and returns the status of its development inbox and the logs.
func devInboxStatus(t *testing.T, cfg Config, public string) (int, string) {
	t.Helper()
	db := openSQLite(t)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cfg.EmailFrom == "" {
		cfg.EmailFrom = DefaultEmailFrom
	}
	logs := &logbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	svcs, err := buildServices(cfg, db, masterkey.Generate(), public, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(handlerDeps{api: svcs.api, surfaces: svcs.surfaces, db: db, log: log, publicURL: public}))
	t.Cleanup(srv.Close)
	p, _, _, err := tenancy.New(db).CreateProject(context.Background(), audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/p/" + string(p.ID) + "/dev/inbox")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, logs.String()
}

func TestDevInboxOnlyOnLoopbackOrWhenAsked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		cfg    Config
		public string
		want   int
		warn   bool
	}{
		{"public host, no SMTP: off, with a warning", Config{}, "https://auth.example.com", 404, true},
		{"public IP, no SMTP: off", Config{}, "http://203.0.113.5:8080", 404, true},
		{"a name that merely starts with localhost: off", Config{}, "https://localhost.example.com", 404, true},
		{"public host with --dev-inbox: on", Config{DevInbox: true}, "https://auth.example.com", 200, false},
		{"localhost: on", Config{}, "http://localhost:8080", 200, false},
		{"127.0.0.0/8: on", Config{}, "http://127.0.0.5:8080", 200, false},
		{"::1: on", Config{}, "http://[::1]:8080", 200, false},
		{"SMTP configured: off even on localhost with the flag", Config{SMTPURL: "smtp://127.0.0.1:2525", DevInbox: true}, "http://localhost:8080", 404, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			status, logs := devInboxStatus(t, c.cfg, c.public)
			if status != c.want {
				t.Errorf("inbox status %d, want %d", status, c.want)
			}
			warned := strings.Contains(logs, "level=WARN") && strings.Contains(logs, "NOT delivered")
			if warned != c.warn {
				t.Errorf("warning logged: %v, want %v\n%s", warned, c.warn, logs)
			}
		})
	}
}
