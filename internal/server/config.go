// Package server is the Gatehouse server program: it opens the database, runs
// migrations, loads the master key and serves every HTTP surface on one
// listener until its context ends, then shuts down gracefully.
//
// Main is a type (not code in package main) so tests run the real program
// in-process on a random port.
package server

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
)

// Defaults for an unconfigured server.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultDataDir         = "./gatehouse-data"
	DefaultShutdownTimeout = 30 * time.Second
	DefaultEmailFrom       = "Gatehouse <no-reply@localhost>"
)

// Config is everything the server needs to run.
type Config struct {
	// Addr is the listen address (host:port); port 0 picks a free port.
	Addr string
	// DataDir holds the SQLite database and the master key file.
	DataDir string
	// DatabaseURL selects the database: "" for SQLite in DataDir,
	// postgres://… for PostgreSQL.
	DatabaseURL string
	// PublicURL is the externally visible base URL; "" derives it from the
	// bound address (127.0.0.1:8080 → http://localhost:8080).
	PublicURL string
	// MasterKey is a base64 master key that overrides <DataDir>/master.key
	// (GATEHOUSE_MASTER_KEY). Instances sharing one database need the same key.
	MasterKey string

	// SMTPURL is the SMTP server for outgoing email (GATEHOUSE_SMTP_URL);
	// "" writes emails to the log (and see DevInbox).
	SMTPURL string
	// DevInbox serves the development inbox, which shows every email,
	// even when the public URL is not a loopback one. Without SMTP the
	// inbox is on only for a loopback public URL (localhost, 127.0.0.0/8,
	// ::1) or with this set; with SMTP it is always off.
	DevInbox bool
	// EmailFrom is the From address of outgoing email.
	EmailFrom string

	// DNSServer ("host:port") answers the TXT lookups that verify
	// organizations' domains (GATEHOUSE_DNS_SERVER); "" uses the system's
	// resolver.
	DNSServer string

	// Logger receives every log line; nil builds one from LogLevel and
	// LogFormat writing to LogOutput.
	Logger    *slog.Logger
	LogLevel  slog.Level
	LogFormat string // "text" (default) or "json"
	LogOutput io.Writer

	// TrustedProxies are the reverse proxies (CIDRs) whose X-Forwarded-For
	// header names the client; empty trusts nobody, and the TCP peer is the
	// client.
	TrustedProxies []netip.Prefix

	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// after shutdown begins; 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration

	// DisableMetrics turns off GET /metrics (Prometheus text format).
	DisableMetrics bool
	// Version is reported by the gatehouse_build_info metric.
	Version string
}

// withDefaults fills zero fields and validates the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.EmailFrom == "" {
		c.EmailFrom = DefaultEmailFrom
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.DNSServer != "" {
		if _, _, err := net.SplitHostPort(c.DNSServer); err != nil {
			return c, fmt.Errorf("dns server %q: want host:port (e.g. 10.0.0.2:53)", c.DNSServer)
		}
	}
	if c.PublicURL != "" {
		u, err := publicurl.Normalize(c.PublicURL)
		if err != nil {
			return c, err
		}
		c.PublicURL = u
	}
	if c.Logger == nil {
		out := c.LogOutput
		if out == nil {
			out = os.Stderr
		}
		l, err := NewLogger(out, c.LogLevel, c.LogFormat)
		if err != nil {
			return c, err
		}
		c.Logger = l
	}
	return c, nil
}

// NewLogger builds the server's logger: "text" (the default, for people) or
// "json" (for log pipelines).
func NewLogger(w io.Writer, level slog.Level, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("unknown log format %q (want text or json)", format)
	}
}

// ParseLevel reads a log level name: debug, info, warn or error.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return 0, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", s)
	}
	return l, nil
}

// devInboxOn reports whether the development inbox is served: only without
// SMTP, and only where the public URL shows a developer's own machine or
// the operator asked for it. Otherwise a production server with a
// forgotten SMTP URL would show everyone's sign-in codes to anyone.
func (c Config) devInboxOn(public string) bool {
	return c.SMTPURL == "" && (c.DevInbox || loopbackURL(public))
}

// loopbackURL reports whether the URL's host is localhost or a loopback IP.
func loopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
