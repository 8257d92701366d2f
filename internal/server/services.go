package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/httpapi"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/masterkey"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
	"github.com/gatehouse-auth/gatehouse/internal/token"
	"github.com/gatehouse-auth/gatehouse/internal/web"
)

// RefreshKeyPurpose names the master-key sub-key that derives refresh-token
// successors; every instance sharing a database derives the same one.
const RefreshKeyPurpose = "refresh-token v1"

// surface is an HTTP surface that adds its routes to the server's mux.
type surface interface {
	Register(mux *http.ServeMux)
}

// services is the one domain layer with every surface built on it.
type services struct {
	api      http.Handler
	surfaces []surface
	// background runs until the server's context ends (the email worker).
	background []func(ctx context.Context) error
	// console is the staff console's domain layer (see startConsole).
	console *console.Service
}

// buildServices wires the domain services and the surfaces over them.
func buildServices(cfg Config, db store.Store, key masterkey.Key, public string, log *slog.Logger) (*services, error) {
	sealer, err := seal.New(key.Bytes())
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	var sender mail.Sender
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTPSender(cfg.SMTPURL, cfg.EmailFrom); err != nil {
			return nil, fmt.Errorf("smtp: %w", err)
		}
	} else {
		sender = mail.NewLogSender(log)
		if cfg.devInboxOn(public) {
			log.Info("no SMTP server configured: emails go to the log and the development inbox at /p/<project>/dev/inbox")
		} else {
			log.Warn("NO SMTP SERVER CONFIGURED: sign-in emails are NOT delivered, only written to this log; set GATEHOUSE_SMTP_URL (the development inbox is off because the public URL is not a loopback one; GATEHOUSE_DEV_INBOX=true turns it on)",
				"public_url", public)
		}
	}

	tenants := tenancy.New(db, tenancy.WithLogger(log))
	tokens := token.NewIssuer(db, sealer, token.WithLogger(log))
	// The console is built on the sessions, yet every use of an
	// impersonation asks it whether the staff member behind it may still
	// act; the check runs only on requests, after everything is wired.
	var staffConsole *console.Service
	staffCheck := func(ctx context.Context, staffUserID string) (bool, error) {
		return staffConsole.IsActiveStaff(ctx, staffUserID)
	}
	sessions := session.New(db, sealer.DeriveKey(RefreshKeyPurpose), session.WithLogger(log), session.WithStaffCheck(staffCheck))
	outbox := mail.NewOutbox(db, mail.WithLogger(log), mail.WithSealer(sealer))
	worker := mail.NewWorker(db, sender, mail.WithLogger(log), mail.WithSealer(sealer))
	clients := oidc.NewClients(db)
	provider := oidc.New(oidc.Options{Store: db, Tenancy: tenants, Sessions: sessions, Tokens: tokens, PublicURL: public, Logger: log})
	limiter := throttle.New(db)
	invites := invite.New(db, outbox, public, invite.WithLogger(log), invite.WithMailer(worker), invite.WithThrottle(limiter))
	// Verified domains; the login flow offers their organizations to
	// people who prove an address at them.
	domains := domain.New(db, domain.NewResolver(cfg.DNSServer), domain.WithLogger(log), domain.WithThrottle(limiter))
	// One hasher for the login flow and the self-serve password change, so
	// both draw on one pool of hashing slots.
	hasher := password.NewHasher()
	logins := flow.NewService(flow.Deps{
		Store:     db,
		Tenancy:   tenants,
		Sessions:  sessions,
		Outbox:    outbox,
		Mailer:    worker,
		Hasher:    hasher,
		Throttle:  limiter,
		Invites:   invites,
		Domains:   domains,
		PublicURL: public,
		Logger:    log,
	})
	self := selfserve.New(selfserve.Deps{
		Store:    db,
		Tenancy:  tenants,
		Invites:  invites,
		Domains:  domains,
		Sessions: sessions,
		Hasher:   hasher,
		Throttle: limiter,
		Logger:   log,
	})
	staffConsole = console.New(console.Deps{
		Store: db, Tenancy: tenants, Clients: clients, Sessions: sessions,
		Invites: invites, Domains: domains, PublicURL: public, Logger: log,
	})
	pages := web.New(web.Options{
		Tenancy:        tenants,
		Login:          logins,
		OIDC:           provider,
		Sessions:       sessions,
		Outbox:         outbox,
		Invites:        invites,
		Domains:        domains,
		SelfServe:      self,
		Console:        staffConsole,
		DevInbox:       cfg.devInboxOn(public),
		PublicURL:      public,
		TrustedProxies: cfg.TrustedProxies,
		Logger:         log,
	})
	api := httpapi.New(httpapi.Options{Service: tenants, Sessions: sessions, Clients: clients, Invites: invites, Domains: domains, PublicURL: public, Logger: log})
	return &services{
		api:        api,
		surfaces:   []surface{provider, pages},
		background: []func(context.Context) error{worker.Run, pruner(logins, limiter, log)},
		console:    staffConsole,
	}, nil
}

// startConsole creates the console project on the first start and, while
// the console has no staff, logs a fresh one-time link that creates the
// first staff account: a new server is usable without a shell on its host.
func (s *services) startConsole(ctx context.Context, log *slog.Logger) error {
	cs, err := s.console.Ensure(ctx)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	link, err := s.console.NewSetupLink(ctx)
	if err != nil {
		return fmt.Errorf("console setup link: %w", err)
	}
	if link != "" {
		log.Warn("the console has no staff yet: open this one-time link within 24 hours to create the first staff account, "+
			"or run: gatehouse console add-staff --email you@example.com", "setup_url", link)
	}
	log.Info("console", "url", s.console.URL(cs.ProjectID))
	return nil
}

// runBackground starts the background workers; the returned wait blocks
// until they have all returned after ctx ends.
func (s *services) runBackground(ctx context.Context, log *slog.Logger) (wait func()) {
	var wg sync.WaitGroup
	for _, run := range s.background {
		wg.Go(func() {
			if err := run(ctx); err != nil && ctx.Err() == nil {
				log.Error("background worker stopped", "error", err)
			}
		})
	}
	return wg.Wait
}

// pruneEvery is how often expired login attempts and old throttle counters
// are deleted. Nothing depends on it but table size, and every instance may
// run it: the deletes are idempotent.
const pruneEvery = 10 * time.Minute

// pruner deletes expired login attempts and throttle counters older than the
// longest throttle window.
func pruner(logins *flow.Service, limiter *throttle.Limiter, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(pruneEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			if _, err := logins.Prune(ctx, 10000); err != nil && ctx.Err() == nil {
				log.Warn("pruning expired login attempts", "error", err)
			}
			if _, err := limiter.Prune(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
				log.Warn("pruning throttle counters", "error", err)
			}
		}
	}
}
