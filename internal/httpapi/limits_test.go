package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
)

// wantRetryAfter fails unless the response says to retry within window.
func (r *resp) wantRetryAfter(window time.Duration) {
	r.t.Helper()
	s, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || s < 1 || time.Duration(s)*time.Second > window {
		r.t.Fatalf("%s %s: Retry-After %q, want 1..%v seconds", r.method, r.path, r.header.Get("Retry-After"), window)
	}
}

func TestResendThrottled(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.project("Acme"), e.project("Other")
		org := a.newOrg("Acme Corp")
		invID := a.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": org, "email": "ann@example.com"}).want(http.StatusCreated).str("id")
		for range invite.ResendPerInvite.Limit {
			a.do(http.MethodPost, "/api/v1/invites/"+invID+"/resend", nil).want(http.StatusOK)
		}
		_, sent := a.inviteLink("ann@example.com")
		r := a.do(http.MethodPost, "/api/v1/invites/"+invID+"/resend", nil)
		r.problem(http.StatusTooManyRequests, "throttled")
		r.wantRetryAfter(invite.ResendPerInvite.Window)
		if _, n := a.inviteLink("ann@example.com"); n != sent {
			t.Fatalf("a refused resend sent an email: %d, want %d", n, sent)
		}
		if got := a.do(http.MethodGet, "/api/v1/invites/"+invID, nil).want(http.StatusOK).obj(); got["send_count"] != float64(1+invite.ResendPerInvite.Limit) {
			t.Fatalf("send_count after a refused resend: %v", got["send_count"])
		}
		// Another project's invite is resent as usual.
		bID := b.do(http.MethodPost, "/api/v1/invites", map[string]any{"organization_id": b.newOrg("Other Corp"), "email": "ann@example.com"}).want(http.StatusCreated).str("id")
		b.do(http.MethodPost, "/api/v1/invites/"+bID+"/resend", nil).want(http.StatusOK)
	})
}

func TestVerifyThrottled(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Acme Corp")
		did := c.do(http.MethodPost, "/api/v1/domains", map[string]any{"organization_id": org, "domain": "acme.example"}).want(http.StatusCreated).str("id")
		for range domain.VerifyPerDomain.Limit {
			c.do(http.MethodPost, "/api/v1/domains/"+did+"/verify", nil).problem(http.StatusConflict, "domain_not_verified")
		}
		before := c.do(http.MethodGet, "/api/v1/domains/"+did, nil).want(http.StatusOK).obj()
		queries := e.dns.Queries("_gatehouse-challenge.acme.example")
		r := c.do(http.MethodPost, "/api/v1/domains/"+did+"/verify", nil)
		r.problem(http.StatusTooManyRequests, "throttled")
		r.wantRetryAfter(domain.VerifyPerDomain.Window)
		after := c.do(http.MethodGet, "/api/v1/domains/"+did, nil).want(http.StatusOK).obj()
		if e.dns.Queries("_gatehouse-challenge.acme.example") != queries || after["last_checked_at"] != before["last_checked_at"] {
			t.Fatalf("a refused check asked the DNS server or was recorded: %v", after)
		}
	})
}
