package store

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// Billing data: monthly active users per organization.

// ActiveUser says that a user was active (had a session created or used) in
// a month.
type ActiveUser struct {
	ProjectID id.Project
	OrgID     id.Org
	UserID    id.User
	// Month is "YYYY-MM" in UTC.
	Month string
	// At is when the activity happened (kept as the first sighting).
	At time.Time
}

// OrgUsage is one organization's billing figures for one month.
type OrgUsage struct {
	OrgID   id.Org
	OrgName string
	// Seats counts the organization's active users now.
	Seats int64
	// MonthlyActiveUsers counts the distinct users recorded in the month.
	MonthlyActiveUsers int64
}

// UsageReader reads them.
type UsageReader interface {
	// OrgUsage returns an organization's usage in month; ErrNotFound when the
	// organization is not in the project.
	OrgUsage(ctx context.Context, projectID id.Project, orgID id.Org, month string) (*OrgUsage, error)
	// ListOrgUsage lists every organization of the project with its usage in
	// month, in organization ID order (page.After is an organization ID).
	ListOrgUsage(ctx context.Context, projectID id.Project, month string, page Page) ([]*OrgUsage, error)
}

// UsageWriter changes them.
type UsageWriter interface {
	// RecordActiveUser records a's user as active in a's month. Recording
	// the same user and month again changes nothing; a user who is not in
	// that organization of that project is not recorded (no error: activity
	// is bookkeeping, the caller has already judged the session).
	RecordActiveUser(ctx context.Context, a ActiveUser) error
}
