// Package store is Gatehouse's storage contract, in domain terms.
//
// Every method that touches tenant data takes the project ID (and the
// organization ID where it applies) and the implementations put it in the SQL
// WHERE clause of reads, updates and deletes alike, so a row of another project
// behaves exactly like a row that does not exist: ErrNotFound.
//
// Writes happen only inside Store.Write, which runs a transaction; services
// write the audit event for a change inside the same transaction.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Errors every implementation returns (possibly wrapped).
var (
	// ErrNotFound: no such row in this project/organization.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule was violated (e.g. duplicate email in an organization).
	ErrConflict = errors.New("conflict")
)

// NotFoundAs maps ErrNotFound to the not-found fault for what (the answer a
// caller gets for a row of another tenant too) and wraps any other error
// with what was being looked up.
func NotFoundAs(err error, what string) error {
	if errors.Is(err, ErrNotFound) {
		return fault.NewNotFound(what)
	}
	return fmt.Errorf("%s lookup: %w", what, err)
}

// Page asks for one page of a keyset-paginated list ordered by ID.
type Page struct {
	// After is the last ID of the previous page ("" for the first page).
	After string
	// Limit is the page size; implementations return at most Limit rows.
	Limit int
}

// UserFilter narrows a user listing. Zero fields do not filter.
type UserFilter struct {
	OrganizationID id.Org
	Email          string // normalised email, exact match
	// Search keeps users whose email, display name or a word of the display
	// name (after a space) starts with it, case-insensitively. Every
	// character is literal (% and _ included).
	Search string
}

// Reader holds the read operations. Lists return rows in ascending ID order
// (creation order), except audit events which are newest first.
type Reader interface {
	GetProject(ctx context.Context, projectID id.Project) (*project.Project, error)
	ListProjects(ctx context.Context, page Page) ([]*project.Project, error)

	GetOrganization(ctx context.Context, projectID id.Project, orgID id.Org) (*org.Organization, error)
	ListOrganizations(ctx context.Context, projectID id.Project, page Page) ([]*org.Organization, error)

	GetUser(ctx context.Context, projectID id.Project, userID id.User) (*user.User, error)
	GetUserByEmail(ctx context.Context, projectID id.Project, orgID id.Org, email string) (*user.User, error)
	ListUsers(ctx context.Context, projectID id.Project, f UserFilter, page Page) ([]*user.User, error)

	GetPermission(ctx context.Context, projectID id.Project, permID id.Permission) (*rbac.Permission, error)
	GetPermissionByKey(ctx context.Context, projectID id.Project, key string) (*rbac.Permission, error)
	ListPermissions(ctx context.Context, projectID id.Project, page Page) ([]*rbac.Permission, error)

	// GetRole returns a project-wide role or any organization's custom role.
	GetRole(ctx context.Context, projectID id.Project, roleID id.Role) (*rbac.Role, error)
	// GetRoleByKey finds a role by key as seen from an organization: its own
	// custom roles first, then project-wide roles. orgID may be empty.
	GetRoleByKey(ctx context.Context, projectID id.Project, orgID id.Org, key string) (*rbac.Role, error)
	// ListRoles lists project-wide roles, plus the custom roles of orgID when set.
	ListRoles(ctx context.Context, projectID id.Project, orgID id.Org, page Page) ([]*rbac.Role, error)
	// ListUserRoles returns the roles assigned to a user, ordered by key.
	ListUserRoles(ctx context.Context, projectID id.Project, userID id.User) ([]*rbac.Role, error)
	// RoleKeysOfUsers returns the sorted role keys of each given user of the
	// project in one round trip (for a page of users); users of other projects
	// and users without roles are absent from the map.
	RoleKeysOfUsers(ctx context.Context, projectID id.Project, userIDs []id.User) (map[id.User][]string, error)
	// CountRolesWithKey counts the project's roles with key: project-wide and
	// every organization's custom roles.
	CountRolesWithKey(ctx context.Context, projectID id.Project, key string) (int64, error)
	// CountRoleMembers counts the active users of orgID holding roleID.
	CountRoleMembers(ctx context.Context, projectID id.Project, orgID id.Org, roleID id.Role) (int64, error)

	ListAuditEvents(ctx context.Context, projectID id.Project, f audit.Filter, page Page) ([]*audit.Event, error)

	GetSecretKey(ctx context.Context, projectID id.Project, keyID id.SecretKey) (*secretkey.Key, error)
	// GetSecretKeyByHash is the authentication lookup; it is not project-scoped
	// because the key is what decides the project.
	GetSecretKeyByHash(ctx context.Context, hash []byte) (*secretkey.Key, error)
	ListSecretKeys(ctx context.Context, projectID id.Project, page Page) ([]*secretkey.Key, error)

	// Capabilities added after the tenancy core, each declared in its own file.
	SigningKeyReader
	SessionReader
	LoginReader
	MailReader
	CredentialReader
	OAuthReader
	InviteReader
	DomainReader
	UsageReader
	ConsoleReader
}

// Writer is a transaction: every read plus the mutations.
type Writer interface {
	Reader

	CreateProject(ctx context.Context, p *project.Project) error
	// LockProject serialises read-modify-write changes of the project's
	// configuration (its settings, roles, permissions) until the transaction ends.
	LockProject(ctx context.Context, projectID id.Project) error
	UpdateProject(ctx context.Context, p *project.Project) error

	CreateOrganization(ctx context.Context, o *org.Organization) error
	// UpdateOrganization writes name and policy (member_count is maintained by user writes).
	UpdateOrganization(ctx context.Context, o *org.Organization) error
	// DeleteOrganization deletes the organization with its users, custom roles
	// and role assignments.
	DeleteOrganization(ctx context.Context, projectID id.Project, orgID id.Org) error
	// LockOrganization serialises concurrent changes to one organization's
	// membership (e.g. the last-owner rule) until the transaction ends.
	LockOrganization(ctx context.Context, projectID id.Project, orgID id.Org) error

	// CreateUser inserts the user and increments its organization's member count.
	// ErrConflict when the email is taken in that organization; ErrNotFound when
	// the organization is not in the project.
	CreateUser(ctx context.Context, u *user.User) error
	// UpdateUser writes email, email_verified, display name, status and last login.
	UpdateUser(ctx context.Context, u *user.User) error
	// DeleteUser deletes the user and its role assignments and decrements the
	// member count.
	DeleteUser(ctx context.Context, projectID id.Project, userID id.User) error

	CreatePermission(ctx context.Context, p *rbac.Permission) error
	UpdatePermission(ctx context.Context, p *rbac.Permission) error
	// DeletePermission also removes it from every role.
	DeletePermission(ctx context.Context, projectID id.Project, permID id.Permission) error

	// CreateRole inserts the role and its permissions (by key; unknown keys are ErrNotFound).
	CreateRole(ctx context.Context, r *rbac.Role) error
	// UpdateRole writes name, description and replaces the permission set.
	UpdateRole(ctx context.Context, r *rbac.Role) error
	// DeleteRole also removes every assignment of it.
	DeleteRole(ctx context.Context, projectID id.Project, roleID id.Role) error

	// AssignRole is idempotent. The user, role and organization must agree.
	AssignRole(ctx context.Context, a *rbac.Assignment) error
	UnassignRole(ctx context.Context, projectID id.Project, userID id.User, roleID id.Role) error

	InsertAuditEvent(ctx context.Context, e *audit.Event) error

	CreateSecretKey(ctx context.Context, k *secretkey.Key) error
	RevokeSecretKey(ctx context.Context, projectID id.Project, keyID id.SecretKey, at time.Time) error
	// TouchSecretKey records use of a key (callers throttle it).
	TouchSecretKey(ctx context.Context, projectID id.Project, keyID id.SecretKey, at time.Time) error

	SigningKeyWriter
	SessionWriter
	LoginWriter
	MailWriter
	CredentialWriter
	OAuthWriter
	InviteWriter
	DomainWriter
	UsageWriter
	ConsoleWriter
}

// Store is a database.
type Store interface {
	Reader
	// Write runs fn in one transaction; it commits when fn returns nil and
	// rolls back otherwise. Transactions that touch the same rows serialise.
	Write(ctx context.Context, fn func(Writer) error) error
	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error
	// Engine names the engine: "sqlite" or "postgres".
	Engine() string
	Close() error
}
