package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// RoleAssign names the role to give: by ID or by key.
type RoleAssign struct {
	RoleID  string `json:"role_id,omitempty" doc:"The role's ID; or give role_key." example:"role_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	RoleKey string `json:"role_key,omitempty" doc:"The role's key, as seen from the user's organization." example:"admin"`
}

func registerUserRoles(api huma.API, h *handler) {
	const tag = "Role assignments"
	huma.Register(api, operation("listUserRoles", http.MethodGet, "/users/{id}/roles", "List a user's roles", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *UserPath) (*struct{ Body *List[Role] }, error) {
			pid, _ := caller(ctx)
			rs, err := h.svc.ListUserRoles(ctx, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			out := &List[Role]{Data: make([]Role, 0, len(rs))}
			for _, r := range rs {
				out.Data = append(out.Data, roleOut(r))
			}
			return &struct{ Body *List[Role] }{out}, nil
		})

	huma.Register(api, operation("assignUserRole", http.MethodPost, "/users/{id}/roles", "Give a user a role (idempotent)", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *struct {
			UserPath
			Body RoleAssign
		}) (*roleOutput, error) {
			pid, actor := caller(ctx)
			r, err := h.svc.AssignRole(ctx, actor, pid, in.ID, tenancy.RoleRef{ID: in.Body.RoleID, Key: in.Body.RoleKey})
			if err != nil {
				return nil, h.fail(err)
			}
			return &roleOutput{Body: roleOut(r)}, nil
		})

	huma.Register(api, operation("unassignUserRole", http.MethodDelete, "/users/{id}/roles/{role_id}", "Take a role from a user", tag, http.StatusNoContent, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *struct {
			UserPath
			RoleID string `path:"role_id" doc:"Role ID (role_…)."`
		}) (*struct{}, error) {
			pid, actor := caller(ctx)
			if err := h.svc.UnassignRole(ctx, actor, pid, in.ID, in.RoleID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})
}
