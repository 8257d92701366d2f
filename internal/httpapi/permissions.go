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

// Permission is a capability the vendor's app checks.
type Permission struct {
	ID          string    `json:"id" example:"perm_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Key         string    `json:"key" example:"invoices.read"`
	Description string    `json:"description" example:"Read invoices"`
	CreatedAt   time.Time `json:"created_at"`
}

func permissionOut(p *rbac.Permission) Permission {
	return Permission{ID: string(p.ID), Key: p.Key, Description: p.Description, CreatedAt: p.CreatedAt.UTC()}
}

// PermissionCreate defines a permission.
type PermissionCreate struct {
	Key         string `json:"key" minLength:"1" maxLength:"100" doc:"a-z, 0-9, '.', '_', ':' or '-', starting with a letter or digit; immutable." example:"invoices.read"`
	Description string `json:"description,omitempty" maxLength:"1000" example:"Read invoices"`
}

// PermissionPatch changes a permission's description (keys are immutable).
type PermissionPatch struct {
	Description *string `json:"description,omitempty" maxLength:"1000"`
}

type permissionOutput struct{ Body Permission }

type PermissionPath struct {
	ID string `path:"id" doc:"Permission ID (perm_…)." example:"perm_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

func registerPermissions(api huma.API, h *handler) {
	const tag = "Permissions"
	huma.Register(api, operation("createPermission", http.MethodPost, "/permissions", "Define a permission", tag, http.StatusCreated, http.StatusConflict),
		func(ctx context.Context, in *struct{ Body PermissionCreate }) (*permissionOutput, error) {
			pid, actor := caller(ctx)
			p, err := h.svc.CreatePermission(ctx, actor, pid, tenancy.PermissionInput{Key: in.Body.Key, Description: in.Body.Description})
			if err != nil {
				return nil, h.fail(err)
			}
			return &permissionOutput{Body: permissionOut(p)}, nil
		})

	huma.Register(api, operation("listPermissions", http.MethodGet, "/permissions", "List permissions", tag, http.StatusOK),
		func(ctx context.Context, in *struct{ ListParams }) (*struct{ Body *List[Permission] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.Permission](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			ps, err := h.svc.ListPermissions(ctx, pid, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body *List[Permission] }{pageOf(ps, sp, func(p *rbac.Permission) string { return string(p.ID) }, permissionOut)}, nil
		})

	huma.Register(api, operation("getPermission", http.MethodGet, "/permissions/{id}", "Get a permission", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *PermissionPath) (*permissionOutput, error) {
			pid, _ := caller(ctx)
			p, err := h.svc.GetPermission(ctx, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &permissionOutput{Body: permissionOut(p)}, nil
		})

	huma.Register(api, operation("updatePermission", http.MethodPatch, "/permissions/{id}", "Update a permission's description", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *struct {
			PermissionPath
			Body PermissionPatch
		}) (*permissionOutput, error) {
			pid, actor := caller(ctx)
			p, err := h.svc.UpdatePermission(ctx, actor, pid, in.ID, tenancy.PermissionUpdate{Description: in.Body.Description})
			if err != nil {
				return nil, h.fail(err)
			}
			return &permissionOutput{Body: permissionOut(p)}, nil
		})

	huma.Register(api, operation("deletePermission", http.MethodDelete, "/permissions/{id}", "Delete a permission (it is removed from every role)", tag, http.StatusNoContent, http.StatusNotFound),
		func(ctx context.Context, in *PermissionPath) (*struct{}, error) {
			pid, actor := caller(ctx)
			if err := h.svc.DeletePermission(ctx, actor, pid, in.ID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})
}
