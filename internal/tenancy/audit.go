package tenancy

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// AuditFilter narrows ListAuditEvents; zero fields do not filter.
type AuditFilter struct {
	OrganizationID string
	ActorID        string
	Type           string
	Since          time.Time // inclusive
	Until          time.Time // exclusive
}

// ListAuditEvents lists the project's audit events, newest first.
func (s *Service) ListAuditEvents(ctx context.Context, projectID id.Project, f AuditFilter, page store.Page) ([]*audit.Event, error) {
	af := audit.Filter{ActorID: f.ActorID, Type: f.Type}
	if !f.Since.IsZero() {
		af.Since = f.Since.UTC()
	}
	if !f.Until.IsZero() {
		af.Until = f.Until.UTC()
	}
	if !af.Since.IsZero() && !af.Until.IsZero() && !af.Since.Before(af.Until) {
		return nil, fault.InvalidField("until", "must be after since")
	}
	if f.OrganizationID != "" {
		oid, err := id.Parse[id.Org](f.OrganizationID)
		if err != nil {
			// No organization has a malformed ID: nothing matches.
			return []*audit.Event{}, nil
		}
		af.OrganizationID = oid
	}
	es, err := s.st.ListAuditEvents(ctx, projectID, af, clampPage(page))
	if err != nil {
		return nil, s.classify("list audit events", err)
	}
	return es, nil
}
