package session

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Usage is what an organization is billed on, for one month.
type Usage struct {
	OrgID   id.Org
	OrgName string
	// Month is "YYYY-MM" (UTC).
	Month string
	// Seats counts the organization's active users now.
	Seats int64
	// MonthlyActiveUsers counts distinct users with a session created or
	// used in the month. Impersonated sessions do not count.
	MonthlyActiveUsers int64
}

// monthLayout is the "YYYY-MM" form of a month.
const monthLayout = "2006-01"

// monthOf is the UTC month t falls in.
func monthOf(t time.Time) string { return t.UTC().Format(monthLayout) }

// countsAsActive reports whether using session r at now is its user's first
// activity through it in now's month, which is when a user is recorded as
// active: a session's creation records its month, and each later use is
// judged against the month it was last used in, so a session is written to
// the usage table at most once a month. A staff member acting as the user is
// not the user's activity.
func countsAsActive(r *store.SessionRecord, now time.Time) bool {
	return r.Impersonation == nil && monthOf(r.LastActiveAt) != monthOf(now)
}

// recordActive records r's user as active in now's month (insert or
// ignore), unless r is an impersonation.
func recordActive(ctx context.Context, w store.Writer, r *store.SessionRecord, now time.Time) error {
	if r.Impersonation != nil {
		return nil
	}
	return w.RecordActiveUser(ctx, store.ActiveUser{ProjectID: r.ProjectID, OrgID: r.OrgID, UserID: r.UserID, Month: monthOf(now), At: now})
}

// month validates a "YYYY-MM" month; "" is the current month.
func (s *Service) month(m string) (string, error) {
	if m == "" {
		return monthOf(s.now()), nil
	}
	t, err := time.Parse(monthLayout, m)
	if err != nil || t.Format(monthLayout) != m {
		return "", fault.InvalidField("month", "must be a month as YYYY-MM, e.g. 2026-11")
	}
	return m, nil
}

func usageOf(u *store.OrgUsage, month string) *Usage {
	return &Usage{OrgID: u.OrgID, OrgName: u.OrgName, Month: month, Seats: u.Seats, MonthlyActiveUsers: u.MonthlyActiveUsers}
}

// Usage returns an organization's usage in month ("" = the current month).
// An organization of another project is not found like an unknown one.
func (s *Service) Usage(ctx context.Context, projectID id.Project, orgID string, month string) (*Usage, error) {
	m, err := s.month(month)
	if err != nil {
		return nil, err
	}
	oid, err := id.Parse[id.Org](orgID)
	if err != nil {
		return nil, fault.NewNotFound("organization")
	}
	u, err := s.st.OrgUsage(ctx, projectID, oid, m)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fault.NewNotFound("organization")
	}
	if err != nil {
		return nil, s.internal("get usage", err)
	}
	return usageOf(u, m), nil
}

// ListUsage lists every organization of the project with its usage in
// month ("" = the current month), in organization ID order; page.After is
// an organization ID.
func (s *Service) ListUsage(ctx context.Context, projectID id.Project, month string, page store.Page) ([]*Usage, error) {
	m, err := s.month(month)
	if err != nil {
		return nil, err
	}
	if page.Limit <= 0 || page.Limit > maxPage {
		page.Limit = maxPage
	}
	rows, err := s.st.ListOrgUsage(ctx, projectID, m, page)
	if err != nil {
		return nil, s.internal("list usage", err)
	}
	out := make([]*Usage, 0, len(rows))
	for _, r := range rows {
		out = append(out, usageOf(r, m))
	}
	return out, nil
}
