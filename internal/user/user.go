// Package user holds the User type: one person's account at exactly one
// organization. The same email at two organizations is two users.
package user

import (
	"net/mail"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
)

// Status is a user's lifecycle state.
type Status string

// User statuses.
const (
	StatusActive      Status = "active"
	StatusDeactivated Status = "deactivated"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusActive || s == StatusDeactivated }

// User is an account at one organization.
type User struct {
	ID             id.User
	ProjectID      id.Project
	OrganizationID id.Org
	// Email is normalised by NormalizeEmail; unique within the organization.
	Email         string
	EmailVerified bool
	DisplayName   string
	Status        Status
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastLoginAt   *time.Time
}

// New returns an active user of the organization.
func New(projectID id.Project, orgID id.Org, email, displayName string, now time.Time) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	u := &User{
		ID:             id.New[id.User](now),
		ProjectID:      projectID,
		OrganizationID: orgID,
		Email:          e,
		DisplayName:    strings.TrimSpace(norm.NFC.String(displayName)),
		Status:         StatusActive,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	return u, u.Validate()
}

// Validate checks the user's fields.
func (u *User) Validate() error {
	if u.OrganizationID == "" {
		return &project.FieldError{Field: "organization_id", Message: "a user must belong to an organization"}
	}
	if len([]rune(u.DisplayName)) > 200 {
		return &project.FieldError{Field: "display_name", Message: "must be at most 200 characters"}
	}
	for _, r := range u.DisplayName {
		if r < 0x20 || r == 0x7f {
			return &project.FieldError{Field: "display_name", Message: "must not contain control characters"}
		}
	}
	if !u.Status.Valid() {
		return &project.FieldError{Field: "status", Message: "must be active or deactivated"}
	}
	return nil
}

// NormalizeEmail trims, NFC-normalises and lowercases an address and checks that
// it is a plain addr-spec (no display name, no angle brackets), at most 254
// bytes. Emails compare case-insensitively everywhere in Gatehouse.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
	bad := &project.FieldError{Field: "email", Message: "must be an email address like name@example.com"}
	if e == "" || len(e) > 254 {
		return "", bad
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", bad
	}
	at := strings.LastIndexByte(e, '@')
	if at < 1 || at == len(e)-1 || !strings.Contains(e[at+1:], ".") || strings.HasSuffix(e, ".") {
		return "", bad
	}
	return e, nil
}
