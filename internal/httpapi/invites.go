package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
)

// Invite is an invitation of one email to one organization with a role.
// The link's token is never shown: it exists only in the email.
type Invite struct {
	ID             string     `json:"id" example:"inv_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	OrganizationID string     `json:"organization_id" example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Email          string     `json:"email" example:"ann@example.com"`
	Role           string     `json:"role" doc:"The key of the role the person gets on accepting." example:"member"`
	Status         string     `json:"status" enum:"pending,expired,accepted,revoked" doc:"expired is a pending invite past expires_at; resending makes it pending again."`
	ExpiresAt      time.Time  `json:"expires_at" doc:"When the link stops working; each resend moves it a week (by default) past the sending."`
	CreatedAt      time.Time  `json:"created_at"`
	AcceptedAt     *time.Time `json:"accepted_at" nullable:"true"`
	RevokedAt      *time.Time `json:"revoked_at" nullable:"true"`
	AcceptedUserID *string    `json:"accepted_user_id" nullable:"true" doc:"The user the invite made or joined; null until accepted." example:"user_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	InvitedBy      InvitedBy  `json:"invited_by"`
	SendCount      int        `json:"send_count" doc:"How many times the invite email was sent (1 + resends)." example:"1"`
	LastSentAt     time.Time  `json:"last_sent_at"`
}

// InvitedBy is who created the invite.
type InvitedBy struct {
	Type string `json:"type" enum:"secret_key,user,staff,system"`
	ID   string `json:"id" doc:"The secret key ID, user ID, staff user ID, or system component."`
}

func inviteOut(now time.Time) func(*invite.Invite) Invite {
	return func(i *invite.Invite) Invite {
		var accepted *string
		if i.AcceptedUserID != "" {
			s := string(i.AcceptedUserID)
			accepted = &s
		}
		return Invite{
			ID: string(i.ID), OrganizationID: string(i.OrgID), Email: i.Email, Role: i.RoleKey,
			Status: string(i.State(now)), ExpiresAt: i.ExpiresAt.UTC(), CreatedAt: i.CreatedAt.UTC(),
			AcceptedAt: utcPtr(i.AcceptedAt), RevokedAt: utcPtr(i.RevokedAt), AcceptedUserID: accepted,
			InvitedBy: InvitedBy{Type: string(i.InvitedBy.Type), ID: i.InvitedBy.ID},
			SendCount: i.SendCount, LastSentAt: i.LastSentAt.UTC(),
		}
	}
}

// InviteCreate invites an email to an organization.
type InviteCreate struct {
	OrganizationID string `json:"organization_id" minLength:"1" example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Email          string `json:"email" minLength:"1" maxLength:"254" example:"ann@example.com"`
	Role           string `json:"role,omitempty" maxLength:"64" doc:"Role key as seen from the organization: a project-wide role or one of its custom roles. Default member." example:"member"`
}

type inviteListInput struct {
	ListParams
	OrganizationID string `query:"organization_id" doc:"Only invites to this organization."`
	Status         string `query:"status" enum:"pending,expired,accepted,revoked" doc:"Only invites in this state; pending excludes expired ones."`
}

type InvitePath struct {
	ID string `path:"id" doc:"Invite ID (inv_…)." example:"inv_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

type inviteOutput struct{ Body Invite }

func registerInvites(api huma.API, h *handler) {
	const tag = "Invites"
	huma.Register(api, operation("createInvite", http.MethodPost, "/invites", "Invite an email to an organization (emails the link)", tag, http.StatusCreated, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *struct{ Body InviteCreate }) (*inviteOutput, error) {
			pid, actor := caller(ctx)
			inv, err := h.invites.Create(ctx, actor, pid, invite.Input{OrgID: in.Body.OrganizationID, Email: in.Body.Email, RoleKey: in.Body.Role})
			if err != nil {
				return nil, h.fail(err)
			}
			return &inviteOutput{inviteOut(h.invites.Now())(inv)}, nil
		})

	huma.Register(api, operation("listInvites", http.MethodGet, "/invites", "List invites", tag, http.StatusOK),
		func(ctx context.Context, in *inviteListInput) (*struct{ Body *List[Invite] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.Invite](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			f := invite.Filter{Status: invite.Status(in.Status)}
			invs := []*invite.Invite{}
			if in.OrganizationID != "" {
				f.OrgID, err = id.Parse[id.Org](in.OrganizationID)
			}
			// No organization has a malformed ID: nothing matches.
			if err == nil {
				if invs, err = h.invites.List(ctx, pid, f, sp); err != nil {
					return nil, h.fail(err)
				}
			}
			return &struct{ Body *List[Invite] }{pageOf(invs, sp, func(i *invite.Invite) string { return string(i.ID) }, inviteOut(h.invites.Now()))}, nil
		})

	huma.Register(api, operation("getInvite", http.MethodGet, "/invites/{id}", "Get an invite (never its link)", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *InvitePath) (*inviteOutput, error) {
			pid, _ := caller(ctx)
			inv, err := h.invites.Get(ctx, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &inviteOutput{inviteOut(h.invites.Now())(inv)}, nil
		})

	huma.Register(api, operation("revokeInvite", http.MethodDelete, "/invites/{id}", "Revoke a pending or expired invite: its link stops working", tag, http.StatusNoContent, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *InvitePath) (*struct{}, error) {
			pid, actor := caller(ctx)
			if _, err := h.invites.Revoke(ctx, actor, pid, in.ID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})

	huma.Register(api, operation("resendInvite", http.MethodPost, "/invites/{id}/resend", "Email a pending or expired invite again with a new link (the old link stops working)", tag, http.StatusOK, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *InvitePath) (*inviteOutput, error) {
			pid, actor := caller(ctx)
			inv, err := h.invites.Resend(ctx, actor, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &inviteOutput{inviteOut(h.invites.Now())(inv)}, nil
		})
}
