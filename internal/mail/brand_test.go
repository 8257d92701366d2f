package mail

import (
	"strings"
	"testing"
	"time"
)

func TestBrandColourAccentsTheMessage(t *testing.T) {
	d := sample()
	d.BrandColor = "#0B5FFF"
	r := mustRender(t, TemplateLoginCode, d)
	contains(t, r.HTML, "border-top:4px solid #0b5fff;", "HTML")

	inv := InviteData{
		ProjectName: "Acme", Email: "ann@example.com", OrgName: "Southwest", InvitedBy: "Acme", RoleName: "Member",
		Link: "https://auth.example.com/p/proj_1/invite/gh_inv_x", ExpiresAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		ExpiresIn: 7 * 24 * time.Hour, BrandColor: "#ffd500",
	}
	contains(t, mustRender(t, TemplateInvite, inv).HTML, "border-top:4px solid #ffd500;", "invite HTML")

	// Without a colour, or with anything that is not one, the message keeps
	// its default look and nothing of the value reaches the style.
	for _, c := range []string{"", "red", "#fff;background:url(https://evil.example/x)", "expression(alert(1))"} {
		d.BrandColor = c
		r := mustRender(t, TemplateLoginCode, d)
		if strings.Contains(r.HTML, "border-top") || strings.Contains(r.HTML, "evil.example") || strings.Contains(r.HTML, "expression") {
			t.Fatalf("colour %q reached the message:\n%s", c, r.HTML)
		}
	}
}
