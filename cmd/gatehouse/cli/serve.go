package cli

import (
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
	"github.com/gatehouse-auth/gatehouse/internal/web"
)

type serveCmd struct {
	urlFlags      `embed:""`
	databaseFlags `embed:""`
	logFlags      `embed:""`

	Metrics         bool          `name:"metrics" env:"GATEHOUSE_METRICS" default:"true" negatable:"" help:"Serve Prometheus metrics at GET /metrics (--no-metrics turns them off)."`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" env:"GATEHOUSE_SHUTDOWN_TIMEOUT" default:"30s" help:"How long in-flight requests may take to finish on SIGINT/SIGTERM."`
	// The master key is a secret: documented as an environment variable
	// only, since command lines are visible to every local user.
	SMTPURL  string `name:"smtp-url" env:"GATEHOUSE_SMTP_URL" help:"SMTP server for outgoing email (smtp://user:pass@host:587 with STARTTLS, smtps://host:465); unset writes emails to the log (and to the development inbox when the public URL is localhost or --dev-inbox is set)."`
	DevInbox bool   `name:"dev-inbox" env:"GATEHOUSE_DEV_INBOX" help:"Serve the development inbox (every email, readable by anyone who reaches the server) when SMTP is unset, even though the public URL is not localhost."`
	// Comma-separated so one environment variable can hold the list.
	TrustedProxies string `name:"trusted-proxies" env:"GATEHOUSE_TRUSTED_PROXIES" help:"Comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client (e.g. 10.0.0.0/8); unset trusts nobody."`
	EmailFrom      string `name:"email-from" env:"GATEHOUSE_EMAIL_FROM" help:"From address of outgoing email (default: Gatehouse <no-reply@localhost>)."`
	DNSServer      string `name:"dns-server" env:"GATEHOUSE_DNS_SERVER" placeholder:"HOST:PORT" help:"DNS server (host:port) asked for the TXT records that verify organizations' domains; unset uses the system's resolver."`
	MasterKey      string `name:"master-key" env:"GATEHOUSE_MASTER_KEY" hidden:"" help:"Base64 master key overriding <data-dir>/master.key."`
}

func (c *serveCmd) Run(e *env) error {
	log, err := c.logger(e.stderr)
	if err != nil {
		return err
	}
	public := ""
	if c.PublicURL != "" {
		if public, err = c.publicURL(); err != nil {
			return err
		}
	}
	proxies, err := web.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return err
	}
	m := server.New(server.Config{
		Addr:            c.addr(),
		DataDir:         c.dataDir(),
		DatabaseURL:     c.DatabaseURL,
		PublicURL:       public,
		MasterKey:       c.MasterKey,
		SMTPURL:         c.SMTPURL,
		DevInbox:        c.DevInbox,
		TrustedProxies:  proxies,
		EmailFrom:       c.EmailFrom,
		DNSServer:       c.DNSServer,
		Logger:          log,
		ShutdownTimeout: c.ShutdownTimeout,
		DisableMetrics:  !c.Metrics,
		Version:         e.version,
	})
	done := make(chan error, 1)
	go func() { done <- m.Run(e.ctx) }()
	select {
	case err := <-done:
		return err
	case <-m.Ready():
	}
	api := publicurl.APIBaseURL(m.PublicURL())
	fmt.Fprintf(e.stdout, `Gatehouse %s is running (database: %s).

  Listening on:  %s
  Backend API:   %s
  OpenAPI:       %s
  Health:        %s/healthz   Readiness: %s/readyz

Next, in another terminal, create a project and its secret key:

  gatehouse project create --name "My app" --json
  (from a source checkout: go run ./cmd/gatehouse project create --name "My app" --json)

Press Ctrl+C to stop.
`, e.version, m.Engine(), m.Addr(), api, publicurl.OpenAPIURL(m.PublicURL()), m.PublicURL(), m.PublicURL())
	if err := <-done; err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Gatehouse stopped.")
	return nil
}

type migrateCmd struct {
	databaseFlags `embed:""`
	logFlags      `embed:""`
}

func (c *migrateCmd) Run(e *env) error {
	log, err := c.logger(e.stderr)
	if err != nil {
		return err
	}
	db, err := openDB(e.ctx, c.databaseFlags, log)
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "The %s database is up to date.\n", db.Engine())
	return err
}
