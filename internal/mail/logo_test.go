package mail

import (
	"strings"
	"testing"
	"time"
)

func TestLogoHeadsTheHTMLMessage(t *testing.T) {
	d := sample()
	d.ProjectName = `Acme & "Sons"`
	plain := mustRender(t, TemplateLoginCode, d)
	d.LogoURL = "https://cdn.acme.example/logo.png?v=2&size=large"
	r := mustRender(t, TemplateLoginCode, d)
	contains(t, r.HTML, `<img src="https://cdn.acme.example/logo.png?v=2&amp;size=large" alt="Acme &amp; &#34;Sons&#34;"`, "HTML")
	contains(t, r.HTML, "max-width:160px", "HTML")
	if r.Text != plain.Text || strings.Contains(r.Text, "cdn.acme.example") {
		t.Fatalf("the plain-text message changed with a logo:\n%s", r.Text)
	}
	if strings.Contains(plain.HTML, "<img") {
		t.Fatalf("a message without a logo shows an image:\n%s", plain.HTML)
	}

	inv := InviteData{
		ProjectName: "Acme", Email: "ann@example.com", OrgName: "Southwest", InvitedBy: "Acme", RoleName: "Member",
		Link: "https://auth.example.com/p/proj_1/invite/gh_inv_x", ExpiresAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		ExpiresIn: 7 * 24 * time.Hour, LogoURL: "http://localhost:3000/logo.svg",
	}
	contains(t, mustRender(t, TemplateInvite, inv).HTML, `<img src="http://localhost:3000/logo.svg" alt="Acme"`, "invite HTML")

	// Only what the project's settings would accept is shown: nothing of
	// any other value reaches the message.
	for _, u := range []string{
		"javascript:alert(1)",
		"JavaScript:alert(document.cookie)//https://cdn.acme.example/",
		"data:image/svg+xml;base64,PHN2Zz4=",
		"http://cdn.evil.example/logo.png", // plain http off localhost
		`https://cdn.evil.example/logo.png" onerror="alert(1)`,
		"https://cdn.evil.example/logo.png'onerror='alert(1)",
		"https://cdn.evil.example/<script>",
		"https://user:pw@cdn.evil.example/logo.png",
		"//cdn.evil.example/logo.png",
	} {
		d.LogoURL = u
		r := mustRender(t, TemplateLoginCode, d)
		if strings.Contains(r.HTML, "<img") || strings.Contains(r.HTML, "evil.example") || strings.Contains(strings.ToLower(r.HTML), "javascript:") ||
			strings.Contains(r.HTML, "onerror") || strings.Contains(r.HTML, "data:image") {
			t.Errorf("logo %q reached the message:\n%s", u, r.HTML)
		}
	}
}
