// Package tenancy is the domain layer for projects, organizations, users,
// roles, permissions, audit events and secret keys.
//
// Every surface (the backend API, the CLI, the console and the self-serve
// pages) calls this package, so each rule lives in exactly one place. Every
// mutation validates its input, then changes the store and writes its audit
// event in one transaction: a change never exists without its event, nor an
// event without its change. Errors are classified with package fault.
package tenancy

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// MaxPageSize bounds every list call, whatever the caller asks for.
const MaxPageSize = 1000

// Service is the tenancy domain layer.
type Service struct {
	st    store.Store
	clock func() time.Time
	log   *slog.Logger

	// touched remembers when each secret key's last use was written, so a
	// busy key costs one write per minute rather than one per request.
	touchMu sync.Mutex
	touched map[id.SecretKey]time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock injects the time source (tests make time deterministic).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.clock = now } }

// WithLogger sets the logger for failures that are not the caller's.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns a Service over st.
func New(st store.Store, opts ...Option) *Service {
	s := &Service{st: st, clock: time.Now, log: slog.Default(), touched: map[id.SecretKey]time.Time{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store exposes the underlying store for surfaces that need readiness checks.
func (s *Service) Store() store.Store { return s.st }

// now is the current time as stored: UTC with microsecond precision, which
// both engines keep exactly, so a value read back equals the value written.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// write runs fn in one transaction and classifies what it returns.
func (s *Service) write(ctx context.Context, op string, fn func(w store.Writer) error) error {
	if err := s.st.Write(ctx, fn); err != nil {
		return s.classify(op, err)
	}
	return nil
}

// classify keeps classified errors and turns anything else into an internal
// error, logging its cause once.
func (s *Service) classify(op string, err error) error {
	return fault.Classify(s.log, "tenancy", op, err)
}

// event builds an audit event for a change made at now.
func event(now time.Time, projectID id.Project, orgID id.Org, actor audit.Actor, typ, resourceType, resourceID string, before, after any) *audit.Event {
	return &audit.Event{
		ID:             id.New[id.AuditEvent](now),
		ProjectID:      projectID,
		OrganizationID: orgID,
		Actor:          actor,
		Type:           typ,
		ResourceType:   resourceType,
		ResourceID:     resourceID,
		Details:        audit.Details(before, after),
		OccurredAt:     now,
	}
}

// clampPage keeps a page request within bounds.
func clampPage(p store.Page) store.Page {
	if p.Limit <= 0 || p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	return p
}

func trimmed(s string) string { return strings.TrimSpace(s) }
