package oidc_test

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// TestImpersonatedTokensNameTheStaffMember: an app signing in with an
// impersonated browser session gets tokens whose act claim names the staff
// member, and cannot refresh them past the impersonation's hour. The user's
// own sign-in (the baseline) carries no act claim.
func TestImpersonatedTokensNameTheStaffMember(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		c, secret := e.client(tn, oauth.Confidential)
		staff := audit.Actor{Type: audit.ActorStaff, ID: "user_01jd8x3k5m7q9s1v3x5z7b9d1f"}

		// Baseline: the user's own login.
		code, _ := e.code(tn, c, nil)
		own := e.exchange(tn, c, secret, code, pkceVerifier).ok(t)
		at, err := e.tokens.VerifyAccessToken(e.ctx, tn.P.ID, e.issuer(tn), own["access_token"].(string))
		fatal(t, err)
		if at.Act != nil {
			t.Fatalf("the user's own access token has act %+v", at.Act)
		}

		s, _, err := e.sessions.Impersonate(e.ctx, session.Impersonation{
			ProjectID: tn.P.ID, UserID: tn.User.ID, Staff: staff, StaffEmail: "support@vendor.example", Reason: "Ticket 4711",
		})
		fatal(t, err)
		req, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, nil))
		fatal(t, err)
		to, err := e.prov.IssueCode(e.ctx, req, tn.P.ID, s)
		fatal(t, err)
		u, err := url.Parse(to)
		fatal(t, err)
		tok := e.exchange(tn, c, secret, u.Query().Get("code"), pkceVerifier).ok(t)

		want := &token.Actor{Subject: staff.ID, Email: "support@vendor.example"}
		at, err = e.tokens.VerifyAccessToken(e.ctx, tn.P.ID, e.issuer(tn), tok["access_token"].(string))
		fatal(t, err)
		if at.Act == nil || *at.Act != *want || at.Subject != tn.User.ID || !slices.Equal(at.AMR, []string{"imp"}) {
			t.Fatalf("impersonated access token: sub %s act %+v amr %v", at.Subject, at.Act, at.AMR)
		}
		idt, err := e.tokens.VerifyIDToken(e.ctx, tn.P.ID, e.issuer(tn), tok["id_token"].(string), false)
		fatal(t, err)
		if idt.Act == nil || *idt.Act != *want {
			t.Fatalf("impersonated ID token: act %+v", idt.Act)
		}

		// Refreshed tokens still name the staff member, within the hour...
		e.clk.Advance(50 * time.Minute)
		r := e.refresh(tn, c, secret, tok["refresh_token"].(string)).ok(t)
		at, err = e.tokens.VerifyAccessToken(e.ctx, tn.P.ID, e.issuer(tn), r["access_token"].(string))
		fatal(t, err)
		if at.Act == nil || *at.Act != *want {
			t.Fatalf("refreshed access token: act %+v", at.Act)
		}
		// ...and not past it, while the user's own session goes on.
		e.clk.Advance(11 * time.Minute)
		e.refresh(tn, c, secret, r["refresh_token"].(string)).oauthErr(t, 400, "invalid_grant")
		e.refresh(tn, c, secret, own["refresh_token"].(string)).ok(t)
	})
}
