package invite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// now is the current time as stored: UTC with microsecond precision, which
// both engines keep exactly, so a value read back equals the value written.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// write runs fn in one transaction and classifies what it returns.
func (s *Service) write(ctx context.Context, op string, fn func(w store.Writer) error) error {
	if err := s.st.Write(ctx, fn); err != nil {
		return s.classify(op, err)
	}
	return nil
}

// classify keeps classified errors and turns anything else into an internal
// error, logging its cause once.
func (s *Service) classify(op string, err error) error {
	return fault.Classify(s.log, "invite", op, err)
}

// event builds the audit event of a change to r made at now.
func event(now time.Time, r *store.InviteRecord, actor audit.Actor, typ string, before, after any) *audit.Event {
	return &audit.Event{
		ID:             id.New[id.AuditEvent](now),
		ProjectID:      r.ProjectID,
		OrganizationID: r.OrgID,
		Actor:          actor,
		Type:           typ,
		ResourceType:   "invite",
		ResourceID:     string(r.ID),
		Details:        audit.Details(before, after),
		OccurredAt:     now,
	}
}

// newToken makes a link token and its stored hash.
func newToken() (string, store.TokenHash) {
	token := TokenPrefix + rand.Text()
	return token, hashToken(token)
}

func hashToken(token string) store.TokenHash {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// link is the invite's landing page on the hosted pages.
func (s *Service) link(projectID id.Project, token string) string {
	return strings.TrimRight(s.publicURL, "/") + "/p/" + url.PathEscape(string(projectID)) + "/invite/" + url.PathEscape(token)
}

// send puts the invite email in the outbox inside w: it goes out only if
// the change that caused it commits.
func (s *Service) send(ctx context.Context, w store.Writer, r *store.InviteRecord, orgName, roleName, token string) error {
	p, err := w.GetProject(ctx, r.ProjectID)
	if err != nil {
		return store.NotFoundAs(err, "project")
	}
	data := mail.InviteData{
		ProjectName: p.Name, Email: r.Email, OrgName: orgName,
		InvitedBy: s.inviterName(ctx, w, r, p.Name), RoleName: roleName,
		Link: s.link(r.ProjectID, token), ExpiresAt: r.ExpiresAt, ExpiresIn: r.ExpiresAt.Sub(r.LastSentAt),
		BrandColor: p.BrandColor, LogoURL: p.LogoURL,
	}
	if _, err := s.outbox.Enqueue(ctx, w, r.ProjectID, r.Email, mail.TemplateInvite, data); err != nil {
		return fmt.Errorf("invite email: %w", err)
	}
	return nil
}

// inviterName says who invited, as the invitee would know them: a member of
// the organization by name and email; the vendor's back end, its staff and
// Gatehouse itself by the project's name.
func (s *Service) inviterName(ctx context.Context, r store.Reader, inv *store.InviteRecord, projectName string) string {
	if inv.InvitedBy.Type != audit.ActorUser {
		return projectName
	}
	uid, err := id.Parse[id.User](inv.InvitedBy.ID)
	if err != nil {
		return projectName
	}
	u, err := r.GetUser(ctx, inv.ProjectID, uid)
	if err != nil {
		return projectName
	}
	if u.DisplayName == "" {
		return u.Email
	}
	return u.DisplayName + " (" + u.Email + ")"
}
