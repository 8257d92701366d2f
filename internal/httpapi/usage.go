package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// UsageService is what the usage operations need (*session.Service).
type UsageService interface {
	Usage(ctx context.Context, projectID id.Project, orgID string, month string) (*session.Usage, error)
	ListUsage(ctx context.Context, projectID id.Project, month string, page store.Page) ([]*session.Usage, error)
}

var _ UsageService = (*session.Service)(nil)

// Usage is what an organization is billed on, for one month.
type Usage struct {
	OrganizationID     string `json:"organization_id" example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	OrganizationName   string `json:"organization_name" example:"Southwest Airlines"`
	Month              string `json:"month" doc:"The month, YYYY-MM in UTC." example:"2026-11"`
	Seats              int64  `json:"seats" doc:"The organization's active (not deactivated) users now, whatever the month asked for." example:"42"`
	MonthlyActiveUsers int64  `json:"monthly_active_users" doc:"Distinct users who signed in, or used a session, during the month. Sessions a staff member started by impersonation do not count." example:"17"`
}

func usageOut(u *session.Usage) Usage {
	return Usage{
		OrganizationID: string(u.OrgID), OrganizationName: u.OrgName, Month: u.Month,
		Seats: u.Seats, MonthlyActiveUsers: u.MonthlyActiveUsers,
	}
}

// MonthParam is the month a usage operation reports on.
type MonthParam struct {
	Month string `query:"month" pattern:"^[0-9]{4}-(0[1-9]|1[0-2])$" patternDescription:"YYYY-MM" doc:"The month as YYYY-MM (UTC); the current month when omitted." example:"2026-11"`
}

type orgUsageInput struct {
	OrganizationPath
	MonthParam
}

type usageListInput struct {
	ListParams
	MonthParam
}

// registerUsage serves the usage operations when the session service
// provides them.
func registerUsage(api huma.API, h *handler) {
	us, ok := h.sessions.(UsageService)
	if !ok {
		return
	}
	const tag = "Usage"
	huma.Register(api, operation("getOrganizationUsage", http.MethodGet, "/organizations/{id}/usage", "Get an organization's usage in a month", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *orgUsageInput) (*struct{ Body Usage }, error) {
			pid, _ := caller(ctx)
			u, err := us.Usage(ctx, pid, in.ID, in.Month)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body Usage }{usageOut(u)}, nil
		})

	huma.Register(api, operation("listUsage", http.MethodGet, "/usage", "List every organization's usage in a month", tag, http.StatusOK),
		func(ctx context.Context, in *usageListInput) (*struct{ Body *List[Usage] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.Org](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			rows, err := us.ListUsage(ctx, pid, in.Month, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body *List[Usage] }{pageOf(rows, sp, func(u *session.Usage) string { return string(u.OrgID) }, usageOut)}, nil
		})
}
