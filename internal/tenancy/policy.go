package tenancy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Stable codes of the organization policy rules.
const (
	// CodeAdminLockout: the policy change would leave no owner or admin of
	// the organization able to complete a login.
	CodeAdminLockout = "admin_lockout"
	// CodeKillSwitchVendorOnly: only the vendor (a secret key, console
	// staff, Gatehouse itself) may turn an organization's logins off or on.
	CodeKillSwitchVendorOnly = "kill_switch_vendor_only"
)

// RevokeReasonLoginsDisabled is the revoke reason of the sessions ended by
// turning an organization's kill switch on.
const RevokeReasonLoginsDisabled = "logins_disabled"

// RevokeReasonUserDeactivated is the revoke reason of the sessions ended by
// deactivating their user (the same reason a refresh gives one it refuses).
const RevokeReasonUserDeactivated = "user_deactivated"

// MaySetLoginsDisabled reports whether actor may change an organization's
// kill switch (Policy.LoginsDisabled). It exists to stop every login of the
// organization, its admins' included, so it is the vendor's: secret keys,
// console staff and Gatehouse's own components may, an organization's own
// users (self-serve) may not. UpdateOrganization enforces it; surfaces ask
// it first to decide whether to offer the switch at all.
func MaySetLoginsDisabled(actor audit.Actor) bool {
	switch actor.Type {
	case audit.ActorSecretKey, audit.ActorStaff, audit.ActorSystem:
		return true
	}
	return false
}

// signInCapabilities says which policy requirements an organization's
// people could meet today. Gatehouse has neither SSO connections nor second
// factors yet, so both are false: requiring either locks everybody out.
// When they arrive, this is where they are read, inside the transaction
// that changes the policy.
type signInCapabilities struct {
	// SSOConnection: the organization has a working SSO connection.
	SSOConnection bool
	// SecondFactor: the project offers a second factor people can enrol.
	SecondFactor bool
}

func capabilitiesOf(_ *project.Project, _ *org.Organization) signInCapabilities {
	return signInCapabilities{}
}

// lockout is one reason no admin of an organization could complete a login.
type lockout struct {
	Field   string
	Message string
}

// lockouts lists why no active owner or admin of o could complete a login
// under o's policy in project p, judged by the login flow's own rule
// (login.Permits) for a person who proves every factor Gatehouse offers.
// The kill switch is left out: it is meant to stop every login.
func lockouts(p *project.Project, o *org.Organization, caps signInCapabilities) []lockout {
	var out []lockout
	probe := *o
	probe.Policy.LoginsDisabled, probe.Policy.RequireSSO, probe.Policy.RequireMFA = false, false, false
	admin := &user.User{Status: user.StatusActive}
	every := login.Facts{Proofs: []login.Proof{{Factor: login.FactorEmailCode}, {Factor: login.FactorPassword}}}
	if ref := login.Permits(every, p, &probe, admin); ref != nil {
		names := []string{}
		for _, m := range o.EffectiveLoginMethods(p) {
			names = append(names, string(m))
		}
		effective := "none"
		if len(names) > 0 {
			effective = strings.Join(names, ", ")
		}
		out = append(out, lockout{Field: "allowed_login_methods", Message: fmt.Sprintf(
			"the login methods the organization would allow that the project enables (%s) include neither email nor password", effective)})
	}
	if o.Policy.RequireSSO && !caps.SSOConnection {
		out = append(out, lockout{Field: "require_sso", Message: "require_sso needs a single sign-on connection and the organization has none: set up an SSO connection first"})
	}
	if o.Policy.RequireMFA && !caps.SecondFactor {
		out = append(out, lockout{Field: "require_mfa", Message: "require_mfa needs a second factor and the project offers none yet: people could not complete the login"})
	}
	return out
}

// checkLockout refuses a policy that adds a reason why no admin could sign
// in. A reason already there before (the project turned a method off, say)
// does not block an unrelated change, nor a change that removes another
// reason: only new ones are refused. before is nil for a new organization.
func checkLockout(p *project.Project, before, after *org.Organization) error {
	var had []lockout
	if before != nil {
		had = lockouts(p, before, capabilitiesOf(p, before))
	}
	var added []lockout
	for _, l := range lockouts(p, after, capabilitiesOf(p, after)) {
		if !slices.ContainsFunc(had, func(h lockout) bool { return h.Field == l.Field }) {
			added = append(added, l)
		}
	}
	if len(added) == 0 {
		return nil
	}
	msgs := make([]string, len(added))
	fields := make([]fault.FieldViolation, len(added))
	for i, l := range added {
		msgs[i] = l.Message
		fields[i] = fault.FieldViolation{Field: l.Field, Message: l.Message}
	}
	e := fault.NewFailedPrecondition(CodeAdminLockout,
		"this policy would lock every owner and admin out of the organization: "+strings.Join(msgs, "; "))
	e.Fields = fields
	return e
}

// checkJoinRole refuses a join-by-domain role the organization cannot see
// (a project role or one of its own custom roles). Owner is refused by
// org.Validate already.
func checkJoinRole(ctx context.Context, r store.Reader, projectID id.Project, orgID id.Org, key string) error {
	_, err := r.GetRoleByKey(ctx, projectID, orgID, key)
	if errors.Is(err, store.ErrNotFound) {
		return fault.InvalidField("join_role", fmt.Sprintf("there is no role %q in this organization", key))
	}
	if err != nil {
		return fmt.Errorf("join role lookup: %w", err)
	}
	return nil
}

// applyKillSwitch ends every live session of the organization when its
// kill switch has just been turned on, in the caller's transaction, so
// nobody keeps access past their current access token: refreshing fails.
// The bulk revocation is recorded like session.Service's, with a count.
func applyKillSwitch(ctx context.Context, w store.Writer, before, after *org.Organization, actor audit.Actor) error {
	if before.Policy.LoginsDisabled || !after.Policy.LoginsDisabled {
		return nil
	}
	now := after.UpdatedAt
	n, err := w.RevokeOrgSessions(ctx, after.ProjectID, after.ID, now, RevokeReasonLoginsDisabled)
	if err != nil {
		return fmt.Errorf("revoke organization sessions: %w", err)
	}
	return recordRevoked(ctx, w, now, after.ProjectID, after.ID, actor, "organization", string(after.ID), n, RevokeReasonLoginsDisabled)
}

// recordRevoked records a bulk revocation of n sessions, like
// session.Service's, with the count; nothing when none was live.
func recordRevoked(ctx context.Context, w store.Writer, now time.Time, projectID id.Project, orgID id.Org, actor audit.Actor,
	resourceType, resourceID string, n int64, reason string) error {
	if n == 0 {
		return nil
	}
	return w.InsertAuditEvent(ctx, event(now, projectID, orgID, actor, "session.revoked", resourceType, resourceID,
		nil, map[string]any{"revoked_sessions": n, "reason": reason}))
}
