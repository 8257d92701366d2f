package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"github.com/gatehouse-auth/gatehouse/internal/project"
)

// Template names an email the server knows how to write.
type Template string

// The emails Gatehouse sends.
const (
	// TemplateLoginCode proves an email address during sign-in: a 6-digit
	// code and a magic link, either of which completes the login attempt.
	TemplateLoginCode Template = "login_code"
	// TemplatePasswordReset lets a person choose a new password.
	TemplatePasswordReset Template = "password_reset"
	// TemplateInvite invites a person to join an organization (InviteData).
	TemplateInvite Template = "invite"
)

// CodeData is what both templates show.
type CodeData struct {
	ProjectName string
	Email       string
	Code        string
	Link        string
	ExpiresIn   time.Duration
	// BrandColor is the project's colour ("#rrggbb"), shown as the
	// message's accent; "" (or anything else) leaves the default.
	BrandColor string
	// LogoURL is the project's logo, shown at the top of the HTML message;
	// "" (or anything the project's settings would not accept) shows none.
	LogoURL string
}

// InviteData is what the invite email shows.
type InviteData struct {
	ProjectName string
	Email       string
	OrgName     string
	// InvitedBy says who sent the invite, as the invitee would recognise
	// them ("Ann Lee (ann@acme.example)", or the project's name).
	InvitedBy string
	RoleName  string
	Link      string
	ExpiresAt time.Time
	// ExpiresIn is the time left at sending, said in words next to ExpiresAt.
	ExpiresIn time.Duration
	// BrandColor and LogoURL are as in CodeData.
	BrandColor string
	LogoURL    string
}

// ErrUnknownTemplate is returned for a template name the server does not have.
var ErrUnknownTemplate = errors.New("unknown email template")

//go:embed templates/*.html templates/*.txt
var templateFiles embed.FS

// view is what the template files execute against.
type view struct {
	CodeData
	Invite  InviteData
	Subject string
	Expires string
	// ExpiresOn is the invite's expiry as a UTC date and time.
	ExpiresOn string
}

// rendered is one message's subject and bodies.
type rendered struct {
	Subject, Text, HTML string
}

// templateSet holds every template parsed once.
type templateSet struct {
	text map[Template]*texttemplate.Template
	html map[Template]*htmltemplate.Template
}

// parseTemplates parses the embedded files. The files are part of the
// binary, so an error here is a build defect that tests catch.
func parseTemplates() (*templateSet, error) {
	ts := &templateSet{
		text: map[Template]*texttemplate.Template{},
		html: map[Template]*htmltemplate.Template{},
	}
	for _, t := range []Template{TemplateLoginCode, TemplatePasswordReset, TemplateInvite} {
		txt, err := texttemplate.ParseFS(templateFiles, "templates/"+string(t)+".txt")
		if err != nil {
			return nil, fmt.Errorf("parse %s text template: %w", t, err)
		}
		html, err := htmltemplate.ParseFS(templateFiles, "templates/layout.html", "templates/"+string(t)+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s HTML template: %w", t, err)
		}
		ts.text[t], ts.html[t] = txt, html
	}
	return ts, nil
}

// render writes template t with data, which must be a CodeData (or a pointer
// to one) with every field set; an InviteData for TemplateInvite.
func (ts *templateSet) render(t Template, data any) (*rendered, error) {
	if _, ok := ts.text[t]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTemplate, t)
	}
	var d CodeData
	if t == TemplateInvite {
		inv, err := inviteData(data)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", t, err)
		}
		return ts.execute(t, view{
			CodeData: CodeData{ProjectName: inv.ProjectName, Email: inv.Email, Link: inv.Link, ExpiresIn: inv.ExpiresIn, BrandColor: inv.BrandColor, LogoURL: inv.LogoURL},
			Invite:   inv, Expires: humanDuration(inv.ExpiresIn),
			ExpiresOn: inv.ExpiresAt.UTC().Format("2 January 2006 at 15:04 UTC"),
		})
	}
	switch v := data.(type) {
	case CodeData:
		d = v
	case *CodeData:
		if v == nil {
			return nil, fmt.Errorf("render %s: no data", t)
		}
		d = *v
	default:
		return nil, fmt.Errorf("render %s: data is %T, want mail.CodeData", t, data)
	}
	if err := d.validate(); err != nil {
		return nil, fmt.Errorf("render %s: %w", t, err)
	}
	return ts.execute(t, view{CodeData: d, Expires: humanDuration(d.ExpiresIn)})
}

// execute writes the subject and both bodies of t from v.
func (ts *templateSet) execute(t Template, v view) (*rendered, error) {
	// Only a well-formed colour reaches the style attribute.
	if c, err := project.NormalizeBrandColor(v.BrandColor); err == nil {
		v.BrandColor = c
	} else {
		v.BrandColor = ""
	}
	v.LogoURL = emailLogo(v.LogoURL)
	txt := ts.text[t]
	var subject, text, html bytes.Buffer
	if err := txt.ExecuteTemplate(&subject, "subject", v); err != nil {
		return nil, fmt.Errorf("render %s subject: %w", t, err)
	}
	// Header folding is the SMTP library's job; a line break smuggled in
	// through the project name must not reach it as one.
	v.Subject = strings.Join(strings.FieldsFunc(subject.String(), unicode.IsControl), " ")
	if err := txt.ExecuteTemplate(&text, "body", v); err != nil {
		return nil, fmt.Errorf("render %s text: %w", t, err)
	}
	if err := ts.html[t].ExecuteTemplate(&html, "layout", v); err != nil {
		return nil, fmt.Errorf("render %s HTML: %w", t, err)
	}
	return &rendered{Subject: v.Subject, Text: text.String(), HTML: html.String()}, nil
}

// emailLogo is the logo URL a message may show: one the project's settings
// accept (https, or http for localhost) with nothing in it that could end
// the attribute it goes into; "" otherwise. The template escapes it too:
// this keeps a stored value that is not a logo out of the message entirely.
func emailLogo(u string) string {
	if u == "" || project.ValidateLogoURL(u) != nil || len(u) > 2048 || strings.ContainsFunc(u, unsafeInAttribute) {
		return ""
	}
	return u
}

func unsafeInAttribute(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"'<>\`+"`", r)
}

func inviteData(data any) (InviteData, error) {
	var d InviteData
	switch v := data.(type) {
	case InviteData:
		d = v
	case *InviteData:
		if v == nil {
			return d, errors.New("no data")
		}
		d = *v
	default:
		return d, fmt.Errorf("data is %T, want mail.InviteData", data)
	}
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"ProjectName", d.ProjectName}, {"Email", d.Email}, {"OrgName", d.OrgName},
		{"InvitedBy", d.InvitedBy}, {"RoleName", d.RoleName}, {"Link", d.Link},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return d, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	if d.ExpiresIn <= 0 || d.ExpiresAt.IsZero() {
		return d, errors.New("no expiry")
	}
	if !strings.HasPrefix(d.Link, "https://") && !strings.HasPrefix(d.Link, "http://") {
		return d, errors.New("link is not an http(s) URL")
	}
	return d, nil
}

func (d CodeData) validate() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"ProjectName", d.ProjectName}, {"Email", d.Email}, {"Code", d.Code}, {"Link", d.Link},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	if d.ExpiresIn <= 0 {
		return fmt.Errorf("ExpiresIn %v is not positive", d.ExpiresIn)
	}
	if !strings.HasPrefix(d.Link, "https://") && !strings.HasPrefix(d.Link, "http://") {
		return errors.New("link is not an http(s) URL")
	}
	return nil
}

// humanDuration says how long something lasts the way a person would,
// rounded down to its largest unit: "10 minutes", "1 hour", "45 seconds".
func humanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d >= 48*time.Hour:
		return unit(int64(d/(24*time.Hour)), "day")
	case d >= time.Hour:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute:
		return unit(int64(d/time.Minute), "minute")
	default:
		return unit(max(int64(d/time.Second), 1), "second")
	}
}
