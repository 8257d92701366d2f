package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/project"
)

// inviteLanding is the invitation landing page's view model.
type inviteLanding struct {
	OrgName  string
	RoleName string
	Email    string
	// Action is where the accept button posts (the page's own URL).
	Action string
	CSRF   string
}

// invitePage lands the link from an invitation email:
//
//	GET /p/{project}/invite/{token}
//
// It says who invited whom to what and offers to accept. Opening the link
// starts nothing (mail scanners open links too); accepting starts a login
// attempt in which the person still proves the invited address: the link
// alone never signs anyone in, since emails get forwarded.
func (h *Handler) invitePage(w http.ResponseWriter, r *http.Request) {
	p, inv, ok := h.findInvite(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	o, err := h.o.Tenancy.GetOrganization(ctx, p.ID, string(inv.OrgID))
	if err != nil {
		h.inviteInvalid(w, r, p)
		return
	}
	v := inviteLanding{OrgName: o.Name, RoleName: inv.RoleKey, Email: inv.Email, Action: r.URL.Path,
		CSRF: formToken(r.PathValue("token"), invitePurpose(p.ID))}
	if role, err := h.o.Tenancy.GetRole(ctx, p.ID, string(inv.RoleID)); err == nil && role.Name != "" {
		v.RoleName = role.Name
	}
	h.pages.render(w, http.StatusOK, brandOf(p).apply(&page{Page: "invite", Title: "Join " + o.Name, Data: v}))
}

// acceptInvite starts the login attempt of an invitation:
//
//	POST /p/{project}/invite/{token}
//
// The attempt is restricted to the invitation's organization, prefilled
// with its address and records the invitation; it ends at the project's
// app (or the account page).
func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.pages.message(w, http.StatusBadRequest, h.requestBrand(r), "Request refused", "This form could not be read",
			"Return to the previous page and try again.")
		return
	}
	p, inv, ok := h.findInvite(w, r)
	if !ok {
		return
	}
	if !validFormToken(r.PathValue("token"), invitePurpose(p.ID), r.PostFormValue("csrf_token")) {
		h.pages.message(w, http.StatusForbidden, brandOf(p), "Request refused", "This form has expired",
			"The page you submitted is out of date or did not come from this site. Open the link in the invitation again.")
		return
	}
	req := login.AuthRequest{
		Scope: []string{}, LoginHint: inv.Email, OrganizationHint: inv.OrgID, Invite: inv.ID,
		InviteSend: inv.SendCount, ReturnTo: landing(p),
	}
	h.begin(w, r, p.ID, req, nil)
}

// landing is where a sign-in that no app asked for ends by default: the
// project's app when it has one, else the account page.
func landing(p *project.Project) string {
	if p.AppURL != "" {
		return p.AppURL
	}
	return accountPath(p.ID)
}

// findInvite reads the project and the pending invitation of the path's
// token, answering the request itself when either is missing.
func (h *Handler) findInvite(w http.ResponseWriter, r *http.Request) (*project.Project, *invite.Invite, bool) {
	ctx := r.Context()
	projectID, ok := projectFrom(r)
	if !ok || h.o.Invites == nil {
		h.notFound(w)
		return nil, nil, false
	}
	p, err := h.o.Tenancy.GetProject(ctx, projectID)
	if err != nil {
		h.notFound(w)
		return nil, nil, false
	}
	inv, err := h.o.Invites.FindByToken(ctx, projectID, r.PathValue("token"))
	if errors.Is(err, invite.ErrInvalid) {
		h.inviteInvalid(w, r, p)
		return nil, nil, false
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			h.internalError(w, r, brandOf(p), "find invitation", err)
		}
		return nil, nil, false
	}
	if inv.ProjectID != projectID {
		// FindByToken answers per project; never trust another's row.
		h.inviteInvalid(w, r, p)
		return nil, nil, false
	}
	return p, inv, true
}

// inviteInvalid answers an invitation link that cannot be used, whatever
// the reason (unknown, another project's, expired, revoked, accepted): the
// page does not tell them apart, and says what to do.
func (h *Handler) inviteInvalid(w http.ResponseWriter, r *http.Request, p *project.Project) {
	h.pages.render(w, http.StatusGone, &page{
		Page: "message", Title: "Invitation not valid", ProjectName: p.Name,
		Heading: "This invitation can no longer be used",
		Paragraphs: []string{
			"Invitations work once and only for a limited time, and an administrator may have withdrawn it.",
			"Ask the person who invited you to send a new invitation. If you already accepted it, sign in instead.",
		},
		ContinueURL: signinPath(p.ID),
	})
}

// invitePurpose binds the accept form's token to the project's invitation
// pages. The token is keyed by the invitation's own secret, which a page
// elsewhere cannot know (it backs up the cross-origin check, as for the
// login forms).
func invitePurpose(projectID id.Project) string { return "invite\x00" + string(projectID) }

func signinPath(projectID id.Project) string { return "/p/" + string(projectID) + "/signin" }
