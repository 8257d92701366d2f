package session

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// MaxImpersonation bounds an impersonated session's whole life.
const MaxImpersonation = time.Hour

// Impersonation is a staff member's request to act as a user.
type Impersonation struct {
	ProjectID     id.Project
	UserID        id.User
	Staff         audit.Actor
	StaffEmail    string
	Reason        string
	UserAgent, IP string
}

var errImpersonationTODO = errors.New("impersonation: not built yet")

// Impersonate starts a browser session as in.UserID for the staff member.
func (s *Service) Impersonate(ctx context.Context, in Impersonation) (*Session, string, error) {
	return nil, "", errImpersonationTODO
}

// EndImpersonation ends an impersonated session.
func (s *Service) EndImpersonation(ctx context.Context, projectID id.Project, sessionID id.Session) error {
	return errImpersonationTODO
}
