package selfserve

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// ListAudit lists the organization's audit events, newest first; next is
// the cursor of the following page.
func (s *Service) ListAudit(ctx context.Context, m Member, page Page) (events []*audit.Event, next string, err error) {
	if err := requireAdmin(m); err != nil {
		return nil, "", err
	}
	sp := page.store()
	es, err := s.d.Tenancy.ListAuditEvents(ctx, m.ProjectID, tenancy.AuditFilter{OrganizationID: string(m.OrgID)}, sp)
	if err != nil {
		return nil, "", s.internal("list audit events", err)
	}
	out := es[:0]
	for _, e := range es {
		if e.ProjectID == m.ProjectID && e.OrganizationID == m.OrgID {
			out = append(out, e)
		}
	}
	if len(es) == sp.Limit {
		next = string(es[len(es)-1].ID)
	}
	return out, next, nil
}
