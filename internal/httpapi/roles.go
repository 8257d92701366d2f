package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Role is a named set of permissions: project-wide, or an organization's
// custom role.
type Role struct {
	ID             string    `json:"id" example:"role_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	OrganizationID *string   `json:"organization_id" nullable:"true" doc:"Set for an organization's custom role; null for project-wide roles."`
	Key            string    `json:"key" example:"billing_admin"`
	Name           string    `json:"name" example:"Billing admin"`
	Description    string    `json:"description"`
	Builtin        bool      `json:"builtin" doc:"Built-in roles (owner, admin, member) cannot be deleted and keep their key."`
	Permissions    []string  `json:"permissions" doc:"Permission keys, sorted." example:"[\"invoices.read\"]"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func roleOut(r *rbac.Role) Role {
	var oid *string
	if r.OrganizationID != "" {
		s := string(r.OrganizationID)
		oid = &s
	}
	return Role{
		ID: string(r.ID), OrganizationID: oid, Key: r.Key, Name: r.Name, Description: r.Description,
		Builtin: r.Builtin, Permissions: nonNil(r.Permissions), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// RoleCreate creates a role.
type RoleCreate struct {
	OrganizationID string   `json:"organization_id,omitempty" doc:"Make it this organization's custom role (the project must allow custom roles)."`
	Key            string   `json:"key" minLength:"1" maxLength:"100" doc:"a-z, 0-9, '.', '_', ':' or '-'; immutable." example:"billing_admin"`
	Name           string   `json:"name" minLength:"1" maxLength:"200" example:"Billing admin"`
	Description    string   `json:"description,omitempty" maxLength:"1000"`
	Permissions    []string `json:"permissions,omitempty" maxItems:"500" doc:"Permission keys; each must exist."`
}

// RolePatch changes a role; absent fields stay unchanged. permissions
// replaces the whole set.
type RolePatch struct {
	Key         *string   `json:"key,omitempty" doc:"Accepted only when unchanged: role keys are immutable."`
	Name        *string   `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Description *string   `json:"description,omitempty" maxLength:"1000"`
	Permissions *[]string `json:"permissions,omitempty" maxItems:"500"`
}

type roleOutput struct{ Body Role }

type RolePath struct {
	ID string `path:"id" doc:"Role ID (role_…)." example:"role_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

func registerRoles(api huma.API, h *handler) {
	const tag = "Roles"
	huma.Register(api, operation("createRole", http.MethodPost, "/roles", "Create a role", tag, http.StatusCreated, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *struct{ Body RoleCreate }) (*roleOutput, error) {
			pid, actor := caller(ctx)
			b := in.Body
			r, err := h.svc.CreateRole(ctx, actor, pid, tenancy.RoleInput{
				OrganizationID: b.OrganizationID, Key: b.Key, Name: b.Name, Description: b.Description, Permissions: b.Permissions,
			})
			if err != nil {
				return nil, h.fail(err)
			}
			return &roleOutput{Body: roleOut(r)}, nil
		})

	huma.Register(api, operation("listRoles", http.MethodGet, "/roles", "List roles", tag, http.StatusOK),
		func(ctx context.Context, in *struct {
			ListParams
			OrganizationID string `query:"organization_id" doc:"Also list this organization's custom roles."`
		}) (*struct{ Body *List[Role] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.Role](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			rs, err := h.svc.ListRoles(ctx, pid, in.OrganizationID, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body *List[Role] }{pageOf(rs, sp, func(r *rbac.Role) string { return string(r.ID) }, roleOut)}, nil
		})

	huma.Register(api, operation("getRole", http.MethodGet, "/roles/{id}", "Get a role", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *RolePath) (*roleOutput, error) {
			pid, _ := caller(ctx)
			r, err := h.svc.GetRole(ctx, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &roleOutput{Body: roleOut(r)}, nil
		})

	huma.Register(api, operation("updateRole", http.MethodPatch, "/roles/{id}", "Update a role", tag, http.StatusOK, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *struct {
			RolePath
			Body RolePatch
		}) (*roleOutput, error) {
			pid, actor := caller(ctx)
			b := in.Body
			r, err := h.svc.UpdateRole(ctx, actor, pid, in.ID, tenancy.RoleUpdate{Key: b.Key, Name: b.Name, Description: b.Description, Permissions: b.Permissions})
			if err != nil {
				return nil, h.fail(err)
			}
			return &roleOutput{Body: roleOut(r)}, nil
		})

	huma.Register(api, operation("deleteRole", http.MethodDelete, "/roles/{id}", "Delete a role and its assignments", tag, http.StatusNoContent, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *RolePath) (*struct{}, error) {
			pid, actor := caller(ctx)
			if err := h.svc.DeleteRole(ctx, actor, pid, in.ID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})
}
