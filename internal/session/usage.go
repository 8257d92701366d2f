package session

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// Usage is what an organization is billed on, for one month.
type Usage struct {
	OrgID id.Org
	// Month is "YYYY-MM" (UTC).
	Month string
	// Seats counts the organization's active users now.
	Seats int64
	// MonthlyActiveUsers counts distinct users with a session created or
	// used in the month.
	MonthlyActiveUsers int64
}

// Usage returns an organization's usage in month ("" = the current month).
func (s *Service) Usage(ctx context.Context, projectID id.Project, orgID string, month string) (*Usage, error) {
	return nil, errors.New("usage: not built yet")
}
