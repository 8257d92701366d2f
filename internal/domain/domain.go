// Package domain holds the domains organizations claim and prove with a DNS
// TXT record. A verified domain lets people with a verified email at it find
// and join the organization at login, when the organization allows it.
package domain

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// Status is a domain's verification state.
type Status string

// Domain states.
const (
	StatusPending  Status = "pending"
	StatusVerified Status = "verified"
)

// Domain is a domain one organization claims.
type Domain struct {
	ID            id.Domain
	ProjectID     id.Project
	OrgID         id.Org
	Name          string
	Token         string
	Status        Status
	VerifiedAt    *time.Time
	LastCheckedAt *time.Time
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RecordName is the DNS name of the TXT record that proves the claim.
func (d *Domain) RecordName() string { return "_gatehouse-challenge." + d.Name }

// RecordValue is the TXT record's value.
func (d *Domain) RecordValue() string { return "gatehouse-domain-verification=" + d.Token }

// Resolver looks up TXT records; tests inject one that asks an in-process
// DNS server.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Stable error codes of this package (fault codes).
const (
	// CodePublicEmailDomain: the domain belongs to a public email provider.
	CodePublicEmailDomain = "public_email_domain"
	// CodeDomainExists: the organization already claims the domain.
	CodeDomainExists = "domain_exists"
	// CodeDomainTaken: another organization of the project verified it.
	CodeDomainTaken = "domain_taken"
	// CodeDomainNotVerified: the TXT record was not found; the check's
	// result is saved on the domain (last_checked_at, last_error).
	CodeDomainNotVerified = "domain_not_verified"
)

// LookupTimeout bounds one verification's DNS lookup.
const LookupTimeout = 5 * time.Second

// Service manages domains.
type Service struct {
	st      store.Store
	res     Resolver
	clock   func() time.Time
	log     *slog.Logger
	timeout time.Duration
	limiter *throttle.Limiter
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.clock = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithThrottle limits how often domains are checked (VerifyPerDomain,
// VerifyPerOrg). Without it checks are not limited.
func WithThrottle(l *throttle.Limiter) Option { return func(s *Service) { s.limiter = l } }

// WithLookupTimeout replaces LookupTimeout (tests of unanswered lookups).
func WithLookupTimeout(d time.Duration) Option { return func(s *Service) { s.timeout = d } }

// New returns the domain service.
func New(st store.Store, r Resolver, opts ...Option) *Service {
	s := &Service{st: st, res: r, clock: time.Now, log: slog.Default(), timeout: LookupTimeout}
	for _, o := range opts {
		o(s)
	}
	return s
}

// now is the current time as stored: UTC with microsecond precision.
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
	return fault.Classify(s.log, "domain", op, err)
}

// newToken returns 32 random bytes in lowercase base32 (52 characters), a
// value that survives every DNS console's handling of TXT values.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func fromRecord(r *store.DomainRecord) *Domain {
	return &Domain{
		ID: r.ID, ProjectID: r.ProjectID, OrgID: r.OrgID, Name: r.Name, Token: r.Token,
		Status: Status(r.Status), VerifiedAt: r.VerifiedAt, LastCheckedAt: r.LastCheckedAt,
		LastError: r.LastError, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

func (d *Domain) record() *store.DomainRecord {
	return &store.DomainRecord{
		ID: d.ID, ProjectID: d.ProjectID, OrgID: d.OrgID, Name: d.Name, Token: d.Token,
		Status: string(d.Status), VerifiedAt: d.VerifiedAt, LastCheckedAt: d.LastCheckedAt,
		LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
}

// snapshot is the domain as recorded in audit events (API field names).
func (d *Domain) snapshot() map[string]any {
	return map[string]any{
		"id":              d.ID,
		"organization_id": d.OrgID,
		"name":            d.Name,
		"status":          d.Status,
		"last_error":      d.LastError,
	}
}

// event builds an audit event for a change to d made at now.
func event(now time.Time, d *Domain, actor audit.Actor, typ string, before, after any) *audit.Event {
	return &audit.Event{
		ID:             id.New[id.AuditEvent](now),
		ProjectID:      d.ProjectID,
		OrganizationID: d.OrgID,
		Actor:          actor,
		Type:           typ,
		ResourceType:   "domain",
		ResourceID:     string(d.ID),
		Details:        audit.Details(before, after),
		OccurredAt:     now,
	}
}
