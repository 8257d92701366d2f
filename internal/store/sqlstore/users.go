package sqlstore

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

func userFromRow(r sqlcdb.User) *user.User {
	return &user.User{
		ID:             id.User(r.ID),
		ProjectID:      id.Project(r.ProjectID),
		OrganizationID: id.Org(r.OrganizationID),
		Email:          r.Email,
		EmailVerified:  r.EmailVerified,
		DisplayName:    r.DisplayName,
		Status:         user.Status(r.Status),
		CreatedAt:      r.CreatedAt.UTC(),
		UpdatedAt:      r.UpdatedAt.UTC(),
		LastLoginAt:    fromNullTime(r.LastLoginAt),
	}
}

func usersFromRows(rows []sqlcdb.User) []*user.User {
	out := make([]*user.User, 0, len(rows))
	for _, r := range rows {
		out = append(out, userFromRow(r))
	}
	return out
}

func (r *reader) GetUser(ctx context.Context, projectID id.Project, userID id.User) (*user.User, error) {
	row, err := r.q().GetUser(ctx, sqlcdb.GetUserParams{ProjectID: string(projectID), ID: string(userID)})
	if err != nil {
		return nil, wrap(err, "get user %s", userID)
	}
	return userFromRow(row), nil
}

func (r *reader) GetUserByEmail(ctx context.Context, projectID id.Project, orgID id.Org, email string) (*user.User, error) {
	row, err := r.q().GetUserByEmail(ctx, sqlcdb.GetUserByEmailParams{
		ProjectID: string(projectID), OrganizationID: string(orgID), Email: email,
	})
	if err != nil {
		return nil, wrap(err, "get user by email in organization %s", orgID)
	}
	return userFromRow(row), nil
}

// ListUsers picks the query whose index matches the filter, so every page is
// one index range scan in ID order.
func (r *reader) ListUsers(ctx context.Context, projectID id.Project, f store.UserFilter, page store.Page) ([]*user.User, error) {
	var (
		rows []sqlcdb.User
		err  error
	)
	switch {
	case f.Search != "" && f.OrganizationID != "":
		rows, err = r.q().ListOrgUsersBySearch(ctx, sqlcdb.ListOrgUsersBySearchParams{
			ProjectID: string(projectID), OrganizationID: string(f.OrganizationID), After: page.After,
			Email: dbNullString(f.Email), Prefix: strings.ToLower(f.Search), Typed: f.Search, MaxRows: pageLimit(page),
		})
	case f.Search != "":
		rows, err = r.q().ListUsersBySearch(ctx, sqlcdb.ListUsersBySearchParams{
			ProjectID: string(projectID), After: page.After,
			Email: dbNullString(f.Email), Prefix: strings.ToLower(f.Search), Typed: f.Search, MaxRows: pageLimit(page),
		})
	case f.Email != "":
		rows, err = r.q().ListUsersByEmail(ctx, sqlcdb.ListUsersByEmailParams{
			ProjectID: string(projectID), Email: f.Email, After: page.After,
			OrganizationID: dbNullString(string(f.OrganizationID)), MaxRows: pageLimit(page),
		})
	case f.OrganizationID != "":
		rows, err = r.q().ListUsersInOrganization(ctx, sqlcdb.ListUsersInOrganizationParams{
			ProjectID: string(projectID), OrganizationID: string(f.OrganizationID),
			After: page.After, MaxRows: pageLimit(page),
		})
	default:
		rows, err = r.q().ListUsersInProject(ctx, sqlcdb.ListUsersInProjectParams{
			ProjectID: string(projectID), After: page.After, MaxRows: pageLimit(page),
		})
	}
	if err != nil {
		return nil, wrap(err, "list users")
	}
	return usersFromRows(rows), nil
}

// CreateUser counts the member first: the update finds the organization only
// within the user's project (ErrNotFound otherwise) and, on Postgres, locks
// its row so concurrent sign-ups to one organization keep an exact count.
func (w *writer) CreateUser(ctx context.Context, u *user.User) error {
	u.CreatedAt, u.UpdatedAt = dbTime(u.CreatedAt), dbTime(u.UpdatedAt)
	u.LastLoginAt = normTimePtr(u.LastLoginAt)
	n, err := w.q().AddOrganizationMembers(ctx, sqlcdb.AddOrganizationMembersParams{
		ProjectID: string(u.ProjectID), ID: string(u.OrganizationID), Delta: 1,
	})
	if err != nil {
		return wrap(err, "create user: count member of organization %s", u.OrganizationID)
	}
	if n == 0 {
		return notFound("create user: organization %s", u.OrganizationID)
	}
	n, err = w.q().InsertUser(ctx, sqlcdb.InsertUserParams{
		ID:             string(u.ID),
		ProjectID:      string(u.ProjectID),
		OrganizationID: string(u.OrganizationID),
		Email:          u.Email,
		EmailVerified:  u.EmailVerified,
		DisplayName:    u.DisplayName,
		Status:         string(u.Status),
		CreatedAt:      u.CreatedAt,
		UpdatedAt:      u.UpdatedAt,
		LastLoginAt:    dbNullTime(u.LastLoginAt),
	})
	if err != nil {
		return wrap(err, "create user %s", u.ID)
	}
	if n == 0 {
		// Undo the count so a caller that handles the conflict and commits
		// leaves the organization's member count right.
		if _, err := w.q().AddOrganizationMembers(ctx, sqlcdb.AddOrganizationMembersParams{
			ProjectID: string(u.ProjectID), ID: string(u.OrganizationID), Delta: -1,
		}); err != nil {
			return wrap(err, "create user: uncount member of organization %s", u.OrganizationID)
		}
		return conflict("create user: email %q or id %s already exists in organization %s", u.Email, u.ID, u.OrganizationID)
	}
	return nil
}

func (w *writer) UpdateUser(ctx context.Context, u *user.User) error {
	u.UpdatedAt = dbTime(u.UpdatedAt)
	u.LastLoginAt = normTimePtr(u.LastLoginAt)
	n, err := w.q().UpdateUser(ctx, sqlcdb.UpdateUserParams{
		ProjectID:     string(u.ProjectID),
		ID:            string(u.ID),
		Email:         u.Email,
		EmailVerified: u.EmailVerified,
		DisplayName:   u.DisplayName,
		Status:        string(u.Status),
		UpdatedAt:     u.UpdatedAt,
		LastLoginAt:   dbNullTime(u.LastLoginAt),
	})
	if err != nil {
		return wrap(err, "update user %s", u.ID)
	}
	if n == 0 {
		return notFound("update user %s", u.ID)
	}
	return nil
}

// DeleteUser uncounts the user from its organization (locking that row
// first, like every other membership change) and deletes it; its role
// assignments go by ON DELETE CASCADE.
func (w *writer) DeleteUser(ctx context.Context, projectID id.Project, userID id.User) error {
	orgID, err := w.q().RemoveMemberOfUser(ctx, sqlcdb.RemoveMemberOfUserParams{ProjectID: string(projectID), UserID: string(userID)})
	if err != nil {
		return wrap(err, "delete user %s", userID)
	}
	n, err := w.q().DeleteUser(ctx, sqlcdb.DeleteUserParams{ProjectID: string(projectID), ID: string(userID)})
	if err != nil {
		return wrap(err, "delete user %s", userID)
	}
	if n == 0 {
		// A concurrent transaction deleted the user while this one waited
		// for the organization's lock: give the count back, so a caller
		// that handles the error and commits leaves it right.
		if _, err := w.q().AddOrganizationMembers(ctx, sqlcdb.AddOrganizationMembersParams{
			ProjectID: string(projectID), ID: orgID, Delta: 1,
		}); err != nil {
			return wrap(err, "delete user %s: recount member", userID)
		}
		return notFound("delete user %s", userID)
	}
	return nil
}
