package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// SetupTokenPrefix starts every setup link's token, so a leaked one is
// recognisable.
const SetupTokenPrefix = "gh_setup_"

// SetupTTL is how long a setup link works.
const SetupTTL = 24 * time.Hour

// Setup errors.
var (
	// ErrSetupInvalid: the link is unknown, used or expired.
	ErrSetupInvalid = errors.New("console setup link is unknown, used or expired")
	// ErrSetupDone: the console already has staff; setup links no longer
	// create anyone.
	ErrSetupDone = errors.New("the console already has staff")
)

func setupHash(token string) store.TokenHash {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// SetupPath is the setup page of a token, relative to the server.
func SetupPath(token string) string { return "/console/setup/" + token }

// NewSetupLink returns a fresh one-time link to create the first staff
// member, valid for SetupTTL, or "" when the console already has staff.
// Each call (each server start) makes a new link; older ones stay valid
// until they expire or one of them is used.
func (s *Service) NewSetupLink(ctx context.Context) (string, error) {
	cs, err := s.Ensure(ctx)
	if err != nil {
		return "", err
	}
	if has, err := s.HasStaff(ctx); err != nil || has {
		return "", err
	}
	token := SetupTokenPrefix + rand.Text()
	now := s.clock()
	t := &store.ConsoleSetupToken{Hash: setupHash(token), ProjectID: cs.ProjectID, CreatedAt: now, ExpiresAt: now.Add(SetupTTL)}
	err = s.d.Store.Write(ctx, func(w store.Writer) error {
		if err := w.CreateConsoleSetupToken(ctx, t); err != nil {
			return err
		}
		return w.InsertAuditEvent(ctx, newEvent(now, cs.ProjectID, "", audit.System("console"), "console.setup_link_created",
			"project", string(cs.ProjectID), nil, map[string]any{"expires_at": t.ExpiresAt}))
	})
	if err != nil {
		return "", fmt.Errorf("create console setup link: %w", err)
	}
	return s.PublicURL() + SetupPath(token), nil
}

// CheckSetup reports whether token is a usable setup link (for showing its
// page): ErrSetupInvalid or ErrSetupDone otherwise.
func (s *Service) CheckSetup(ctx context.Context, token string) error {
	cs, err := s.Settings(ctx)
	if err != nil {
		return ErrSetupInvalid
	}
	if !plausibleSetupToken(token) {
		return ErrSetupInvalid
	}
	t, err := s.d.Store.GetConsoleSetupToken(ctx, cs.ProjectID, setupHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return ErrSetupInvalid
	}
	if err != nil {
		return s.classify("check setup link", err)
	}
	if t.UsedAt != nil || !s.clock().Before(t.ExpiresAt) {
		return ErrSetupInvalid
	}
	if has, err := s.HasStaff(ctx); err != nil {
		return s.classify("check setup link", err)
	} else if has {
		return ErrSetupDone
	}
	return nil
}

func plausibleSetupToken(token string) bool {
	return strings.HasPrefix(token, SetupTokenPrefix) && len(token) <= 128
}

// CompleteSetup spends token and makes email the console's first staff
// member, an owner of the Staff organization, in one transaction: a link
// works once, and never once anyone is staff. The user is created by the
// tenancy layer like every other (member count, user.created and
// role.assigned in the same transaction); spending the link and checking
// that nobody is staff yet run inside that transaction, so a refusal
// creates no one. The person then signs in through the console project's
// ordinary sign-in.
func (s *Service) CompleteSetup(ctx context.Context, token, email string) (*user.User, error) {
	// Judge the link before the email, so a wrong link tells nothing about
	// which addresses have staff accounts.
	if err := s.CheckSetup(ctx, token); err != nil {
		return nil, err
	}
	cs, err := s.Settings(ctx)
	if err != nil {
		return nil, ErrSetupInvalid
	}
	now := s.clock()
	// refused is why the transaction gave up on the link; it is returned
	// as is (the tenancy layer sees a plain refusal).
	var refused error
	u, _, err := s.d.Tenancy.CreateUser(ctx, audit.System("console-setup"), cs.ProjectID, tenancy.UserInput{
		OrganizationID: string(cs.StaffOrgID), Email: email, Roles: []string{rbac.RoleOwner},
		InTransaction: func(ctx context.Context, w store.Writer, u *user.User) error {
			if err := w.UseConsoleSetupToken(ctx, cs.ProjectID, setupHash(token), now); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					refused = ErrSetupInvalid
					return fault.NewFailedPrecondition("setup_link_invalid", ErrSetupInvalid.Error())
				}
				return err
			}
			staff, err := staffMembers(ctx, w, cs)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(staff, func(x *user.User) bool { return x.ID != u.ID }) {
				refused = ErrSetupDone
				return fault.NewFailedPrecondition("setup_done", ErrSetupDone.Error())
			}
			return nil
		},
	})
	if refused != nil {
		return nil, refused
	}
	if fault.CodeOf(err) == fault.CodeEmailTaken {
		// A deactivated staff account with this email: reactivating it is
		// the command line's job, not a setup link's.
		return nil, fault.NewConflict(fault.CodeEmailTaken, "a staff account with this email already exists")
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SignInPath is where a staff member signs in to the console: the console
// project's sign-in, returning to the console, with the email filled in.
func SignInPath(projectID id.Project, returnTo, loginHint string) string {
	q := "return_to=" + url.QueryEscape(returnTo)
	if loginHint != "" {
		q += "&login_hint=" + url.QueryEscape(loginHint)
	}
	return "/p/" + string(projectID) + "/signin?" + q
}
