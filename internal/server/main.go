package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/masterkey"
	"github.com/gatehouse-auth/gatehouse/internal/metrics"
	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// Main is one run of the server program. Create it with New, call Run once.
type Main struct {
	cfg     Config
	ready   chan struct{}
	started atomic.Bool

	mu        sync.Mutex
	addr      string
	publicURL string
	engine    string
	key       masterkey.Key
}

// New returns a server for cfg.
func New(cfg Config) *Main {
	return &Main{cfg: cfg, ready: make(chan struct{})}
}

// Ready is closed once the server accepts connections; Addr and PublicURL
// are valid from then on. It is never closed when Run fails before that.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// Addr is the bound listen address (host:port), valid after Ready.
func (m *Main) Addr() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addr
}

// PublicURL is the externally visible base URL, valid after Ready.
func (m *Main) PublicURL() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.publicURL
}

// Engine names the database engine in use ("sqlite" or "postgres"), valid after Ready.
func (m *Main) Engine() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.engine
}

// MasterKeyFingerprint identifies the loaded master key without revealing
// it, valid after Ready.
func (m *Main) MasterKeyFingerprint() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.key.Fingerprint()
}

// Run starts the server and blocks until ctx ends, then shuts down: it stops
// accepting connections, lets in-flight requests finish (at most
// ShutdownTimeout), and closes the database. It returns nil after a clean
// shutdown.
func (m *Main) Run(ctx context.Context) (err error) {
	if !m.started.CompareAndSwap(false, true) {
		return errors.New("server: Run called twice; create a new Main with New")
	}
	cfg, err := m.cfg.withDefaults()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := cfg.Logger

	key, source, err := masterkey.Load(cfg.DataDir, cfg.MasterKey)
	if err != nil {
		return err
	}

	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close database: %w", cerr))
		} else {
			log.Info("database closed")
		}
	}()
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	log.Info("master key loaded", "source", string(source), "fingerprint", key.Fingerprint())
	if source == masterkey.SourceCreated && db.Engine() == sqlstore.EnginePostgres {
		log.Warn("a new master key file was generated next to a shared Postgres database; "+
			"set "+masterkey.EnvVar+" to the same value on every instance", "file", cfg.DataDir+"/"+masterkey.FileName)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	bound := ln.Addr().String()
	public := cfg.PublicURL
	if public == "" {
		public = publicurl.FromAddr(bound)
	}

	svcs, err := buildServices(cfg, db, key, public, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	if err := svcs.startConsole(ctx, log); err != nil {
		_ = ln.Close()
		return err
	}
	deps := handlerDeps{api: svcs.api, surfaces: svcs.surfaces, db: db, log: log, publicURL: public}
	if !cfg.DisableMetrics {
		if deps.metrics, err = metrics.New(cfg.Version, db.Pools()); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	handler := newHandler(deps)

	// Requests outlive the signal (graceful shutdown) but not the shutdown
	// timeout: then their contexts are cancelled, so their transactions roll
	// back before the database closes.
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
	}

	m.mu.Lock()
	m.addr, m.publicURL, m.engine, m.key = bound, public, db.Engine(), key
	m.mu.Unlock()

	// Background workers stop with the server, before the database closes.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	waitBackground := svcs.runBackground(bgCtx, log)
	defer func() {
		stopBackground()
		waitBackground()
	}()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("gatehouse is listening",
		"addr", bound,
		"database", db.Engine(),
		"public_url", public,
		"api", publicurl.APIBaseURL(public),
		"openapi", publicurl.OpenAPIURL(public))
	close(m.ready)

	select {
	case err := <-serveErr:
		// Serve only returns early on a listener failure.
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down: waiting for in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("in-flight requests did not finish in time; cancelling them and closing their connections", "error", err)
		cancelRequests()
		_ = srv.Close()
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("http server stopped")
	return nil
}
