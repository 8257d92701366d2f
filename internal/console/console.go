// Package console is the domain layer of the console for the vendor's staff.
//
// The console is itself a Gatehouse project ("Gatehouse console"), created on
// the first start of any instance. Its staff are the active users of its one
// organization, "Staff", and they sign in through the same hosted pages as
// everyone else. Every console action takes a Staff principal, which only
// Authorize hands out (from a browser session of the console project), and is
// recorded in the audit log of the project it changes with the staff member
// as the actor.
package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// The console project's name and its staff organization's name.
const (
	ProjectName  = "Gatehouse console"
	StaffOrgName = "Staff"
)

// Deps are the services the console acts through.
type Deps struct {
	Store    store.Store
	Tenancy  *tenancy.Service
	Clients  *oidc.Clients
	Sessions *session.Service
	// Invites and Domains may be nil (then their sections say so).
	Invites *invite.Service
	Domains *domain.Service
	// PublicURL is the server's external base URL, for the links printed
	// and logged (setup link, console URL).
	PublicURL string
	Clock     func() time.Time
	Logger    *slog.Logger
}

// Service is the console's domain layer.
type Service struct {
	d   Deps
	log *slog.Logger
	now func() time.Time
	// settings caches the console's settings once read: they are written
	// once and never change.
	settings atomic.Pointer[store.ConsoleSettings]
}

// New returns the console service.
func New(d Deps) *Service {
	s := &Service{d: d, log: d.Logger, now: d.Clock}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// PublicURL is the server's external base URL.
func (s *Service) PublicURL() string { return strings.TrimRight(s.d.PublicURL, "/") }

// ErrNotSetUp: the console project does not exist yet (Ensure has not run
// against this database).
var ErrNotSetUp = errors.New("console: not set up yet")

// Settings returns which project is the console and which organization holds
// its staff; ErrNotSetUp before Ensure.
func (s *Service) Settings(ctx context.Context) (*store.ConsoleSettings, error) {
	if cs := s.settings.Load(); cs != nil {
		return cs, nil
	}
	cs, err := s.d.Store.GetConsoleSettings(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotSetUp
	}
	if err != nil {
		return nil, fmt.Errorf("console settings: %w", err)
	}
	s.settings.Store(cs)
	return cs, nil
}

// ProjectID is the console project's ID, or "" before Ensure.
func (s *Service) ProjectID(ctx context.Context) id.Project {
	cs, err := s.Settings(ctx)
	if err != nil {
		return ""
	}
	return cs.ProjectID
}

// URL is the console's address: its projects page.
func (s *Service) URL(projectID id.Project) string {
	return s.PublicURL() + "/p/" + string(projectID) + "/console/"
}

// errLost ends the transaction of an Ensure that found the console already
// recorded when it looked under its own transaction.
var errLost = errors.New("console already recorded")

// Ensure creates the console project on first start: email codes and
// passwords, no self-serve or automatic organizations, one organization
// "Staff". It is idempotent, and safe when several instances start at once
// against one database: the settings row has a single-row key, so exactly
// one transaction records its project and every other one rolls back whole
// (its project included) and reads the winner's.
func (s *Service) Ensure(ctx context.Context) (*store.ConsoleSettings, error) {
	if cs, err := s.Settings(ctx); err == nil || !errors.Is(err, ErrNotSetUp) {
		return cs, err
	}
	now := s.clock()
	p, err := project.New(ProjectName, now)
	if err != nil {
		return nil, fmt.Errorf("console project: %w", err)
	}
	p.EnabledLoginMethods = []project.LoginMethod{project.MethodEmail, project.MethodPassword}
	p.SelfServeCreateOrganizations = false
	p.AutoCreateOrganizations = false
	o, err := org.New(p.ID, StaffOrgName, now)
	if err != nil {
		return nil, fmt.Errorf("console staff organization: %w", err)
	}
	cs := &store.ConsoleSettings{ProjectID: p.ID, StaffOrgID: o.ID, CreatedAt: now}
	actor := audit.System("console")
	err = s.d.Store.Write(ctx, func(w store.Writer) error {
		if _, err := w.GetConsoleSettings(ctx); err == nil {
			return errLost
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := w.CreateProject(ctx, p); err != nil {
			return fmt.Errorf("insert console project: %w", err)
		}
		events := []*audit.Event{newEvent(now, p.ID, "", actor, "project.created", "project", string(p.ID), nil,
			map[string]any{"name": p.Name, "enabled_login_methods": p.EnabledLoginMethods, "console": true})}
		for _, r := range rbac.BuiltinRoles(p.ID, now) {
			if err := w.CreateRole(ctx, r); err != nil {
				return fmt.Errorf("insert built-in role %s: %w", r.Key, err)
			}
			events = append(events, newEvent(now, p.ID, "", actor, "role.created", "role", string(r.ID), nil,
				map[string]any{"key": r.Key, "name": r.Name, "builtin": true}))
		}
		if err := w.CreateOrganization(ctx, o); err != nil {
			return fmt.Errorf("insert staff organization: %w", err)
		}
		events = append(events, newEvent(now, p.ID, o.ID, actor, "organization.created", "organization", string(o.ID), nil,
			map[string]any{"name": o.Name}))
		if err := w.InsertConsoleSettings(ctx, cs); err != nil {
			return fmt.Errorf("record console project: %w", err)
		}
		for _, e := range events {
			if err := w.InsertAuditEvent(ctx, e); err != nil {
				return fmt.Errorf("audit console creation: %w", err)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errLost) && !errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("create console project: %w", err)
	}
	if err == nil {
		s.settings.Store(cs)
		s.log.Info("console project created", "project_id", p.ID)
		return cs, nil
	}
	// Another instance recorded its console first.
	return s.Settings(ctx)
}

// newEvent builds an audit event.
func newEvent(now time.Time, projectID id.Project, orgID id.Org, actor audit.Actor, typ, resourceType, resourceID string, before, after any) *audit.Event {
	return &audit.Event{
		ID: id.New[id.AuditEvent](now), ProjectID: projectID, OrganizationID: orgID, Actor: actor,
		Type: typ, ResourceType: resourceType, ResourceID: resourceID,
		Details: audit.Details(before, after), OccurredAt: now,
	}
}

// classify keeps classified errors and turns anything else into an internal
// error, logging its cause once.
func (s *Service) classify(op string, err error) error {
	return fault.Classify(s.log, "console", op, err)
}
