package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// User is one person's account at one organization.
type User struct {
	ID             string     `json:"id" example:"user_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	OrganizationID string     `json:"organization_id" example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Email          string     `json:"email" doc:"Normalised (lowercase) email, unique in the organization." example:"ada@example.com"`
	DisplayName    string     `json:"display_name" example:"Ada Lovelace"`
	EmailVerified  bool       `json:"email_verified"`
	Status         string     `json:"status" enum:"active,deactivated"`
	Roles          []string   `json:"roles" doc:"Keys of the roles the user holds." example:"[\"owner\"]"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	LastLoginAt    *time.Time `json:"last_login_at" nullable:"true"`
}

func userOut(u *user.User, keys []string) User {
	if keys == nil {
		keys = []string{}
	}
	var last *time.Time
	if u.LastLoginAt != nil {
		t := u.LastLoginAt.UTC()
		last = &t
	}
	return User{
		ID: string(u.ID), OrganizationID: string(u.OrganizationID), Email: u.Email, DisplayName: u.DisplayName,
		EmailVerified: u.EmailVerified, Status: string(u.Status), Roles: keys,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), LastLoginAt: last,
	}
}

// UserCreate creates a user in an organization.
type UserCreate struct {
	OrganizationID string   `json:"organization_id" doc:"The organization the user belongs to." example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Email          string   `json:"email" maxLength:"254" example:"ada@example.com"`
	DisplayName    string   `json:"display_name,omitempty" maxLength:"200" example:"Ada Lovelace"`
	EmailVerified  bool     `json:"email_verified,omitempty" doc:"Whether you have already verified the address."`
	Roles          []string `json:"roles,omitempty" maxItems:"50" doc:"Role keys to assign (default: member). A user created while the organization has no active owner (its first member) also gets owner."`
}

// UserPatch changes a user; absent fields stay unchanged.
type UserPatch struct {
	Email         *string `json:"email,omitempty" maxLength:"254" doc:"Changing the email resets email_verified unless it is given too."`
	DisplayName   *string `json:"display_name,omitempty" maxLength:"200"`
	EmailVerified *bool   `json:"email_verified,omitempty"`
	Status        *string `json:"status,omitempty" enum:"active,deactivated" doc:"Deactivated users cannot log in."`
}

type userOutput struct{ Body User }

type UserPath struct {
	ID string `path:"id" doc:"User ID (user_…)." example:"user_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

type userListInput struct {
	ListParams
	OrganizationID string `query:"organization_id" doc:"Only users of this organization."`
	Email          string `query:"email" doc:"Only users with this email (case-insensitive)."`
}

func registerUsers(api huma.API, h *handler) {
	const tag = "Users"
	huma.Register(api, operation("createUser", http.MethodPost, "/users", "Create a user in an organization", tag, http.StatusCreated, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *struct{ Body UserCreate }) (*userOutput, error) {
			pid, actor := caller(ctx)
			b := in.Body
			u, roles, err := h.svc.CreateUser(ctx, actor, pid, tenancy.UserInput{
				OrganizationID: b.OrganizationID, Email: b.Email, DisplayName: b.DisplayName,
				EmailVerified: b.EmailVerified, Roles: b.Roles,
			})
			if err != nil {
				return nil, h.fail(err)
			}
			return &userOutput{Body: userOut(u, rbac.Keys(roles))}, nil
		})

	huma.Register(api, operation("listUsers", http.MethodGet, "/users", "List users", tag, http.StatusOK),
		func(ctx context.Context, in *userListInput) (*struct{ Body *List[User] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.User](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			us, err := h.svc.ListUsers(ctx, pid, tenancy.UserListFilter{OrganizationID: in.OrganizationID, Email: in.Email}, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			// Only the rows shown: the store returned one more to detect a next page.
			roles, err := h.svc.RoleKeysOfUsers(ctx, pid, us[:min(len(us), sp.Limit-1)])
			if err != nil {
				return nil, h.fail(err)
			}
			list := pageOf(us, sp, func(u *user.User) string { return string(u.ID) }, func(u *user.User) User { return userOut(u, roles[u.ID]) })
			return &struct{ Body *List[User] }{list}, nil
		})

	huma.Register(api, operation("getUser", http.MethodGet, "/users/{id}", "Get a user", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *UserPath) (*userOutput, error) {
			pid, _ := caller(ctx)
			return h.userWithRoles(ctx, pid, in.ID, nil)
		})

	huma.Register(api, operation("updateUser", http.MethodPatch, "/users/{id}", "Update a user", tag, http.StatusOK, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *struct {
			UserPath
			Body UserPatch
		}) (*userOutput, error) {
			pid, actor := caller(ctx)
			b := in.Body
			u, err := h.svc.UpdateUser(ctx, actor, pid, in.ID, tenancy.UserUpdate{
				Email: b.Email, DisplayName: b.DisplayName, EmailVerified: b.EmailVerified, Status: b.Status,
			})
			if err != nil {
				return nil, h.fail(err)
			}
			return h.userWithRoles(ctx, pid, in.ID, u)
		})

	huma.Register(api, operation("deleteUser", http.MethodDelete, "/users/{id}", "Delete a user", tag, http.StatusNoContent, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *UserPath) (*struct{}, error) {
			pid, actor := caller(ctx)
			if err := h.svc.DeleteUser(ctx, actor, pid, in.ID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})
}

// userWithRoles renders a user with its roles, reading the user unless given.
func (h *handler) userWithRoles(ctx context.Context, pid id.Project, userID string, u *user.User) (*userOutput, error) {
	if u == nil {
		var err error
		if u, err = h.svc.GetUser(ctx, pid, userID); err != nil {
			return nil, h.fail(err)
		}
	}
	roles, err := h.svc.ListUserRoles(ctx, pid, userID)
	if err != nil {
		return nil, h.fail(err)
	}
	return &userOutput{Body: userOut(u, rbac.Keys(roles))}, nil
}
