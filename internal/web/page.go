package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

// templateFuncs are the helpers every template may use.
var templateFuncs = template.FuncMap{
	// when formats a time for people: UTC, to the minute.
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
}

//go:embed templates/*.html
var templateFS embed.FS

// Every templates/*.html file except layout.html renders a whole page (the
// file name without .html is the page name); each is parsed together with
// layout.html, which holds the frame and shared partials. Files named
// partial_*.html hold partials shared by several pages and are parsed into
// every page too.

// page is everything a template may show. Templates never see domain types,
// so what reaches the HTML is exactly what is listed here.
type page struct {
	// Page names the template (and the data-page attribute tests look for).
	Page        string
	Title       string
	ProjectName string
	StyleURL    string
	// BrandCSS (the project's brand stylesheet) and LogoURL come from the
	// project's branding; set them with brand.apply, "" for the defaults.
	BrandCSS  string
	LogoURL   string
	MainClass string
	// FormAction is where every form of a login step posts.
	FormAction string
	CSRF       string

	Email             string
	CodeSent          bool
	PasswordAvailable bool
	CodeAvailable     bool
	CanCreateOrg      bool
	CanSignUp         bool
	Reset             bool
	Orgs              []orgChoice
	// Errors maps a field name to the message shown beside it.
	Errors map[string]string
	// OtherErrors are errors about fields the step does not show.
	OtherErrors []string
	Notice      string
	Throttled   string
	Blocked     string

	// message pages
	Heading     string
	Paragraphs  []string
	ContinueURL string

	// inbox page
	Inbox []inboxMail

	// logout confirmation
	OrgName string
	StayURL string
	Hidden  []hiddenField

	// Signed-in pages (self-serve settings and console).
	// Nav is the navigation shown above the content; the current entry
	// has Current set.
	Nav []navItem
	// Banner is a notice shown on every page of the session, like the
	// impersonation warning; "" shows none.
	Banner string
	// BannerAction, when set, is a form button in the banner (e.g. "End
	// impersonation") posting to BannerAction.URL.
	BannerAction *navItem
	// SignedInAs names the signed-in person in the header.
	SignedInAs string
	// Data is the page-specific view model of a signed-in page: a struct
	// defined next to the handler that renders it.
	Data any
}

// navItem is one link of the navigation (or one banner button).
type navItem struct {
	Label   string
	URL     string
	Current bool
}

type hiddenField struct{ Name, Value string }

// orgChoice is one button of choose_org: an account (Kind "member", element
// id org-<org_id>), an invitation ("invite", invite-<invite_id>) or an
// organization the email's domain may join ("domain", join-<org_id>).
type orgChoice struct {
	ID   string
	Name string
	Kind string
	// InviteID is the invitation ("invite"); Role names the role a join gives.
	InviteID string
	Role     string
}

// fieldRef lets a partial render one field's error.
type fieldRef struct {
	Errors map[string]string
	Field  string
}

// Field is used by templates: {{template "fielderror" (.Field "email")}}.
func (p *page) Field(name string) fieldRef { return fieldRef{Errors: p.Errors, Field: name} }

// stepFields lists the fields each step shows, so an error about any other
// field still reaches the person instead of disappearing.
var stepFields = map[string][]string{
	"identify":     {"email"},
	"verify_email": {"code"},
	"password":     {"password"},
	"choose_org":   {"org_id"},
	"create_org":   {"org_name"},
	"set_password": {"new_password"},
}

// splitErrors moves errors about fields the page does not show into
// OtherErrors, in a stable order.
func (p *page) splitErrors() {
	shown := stepFields[p.Page]
	keys := make([]string, 0, len(p.Errors))
	for k := range p.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, f := range shown {
			if f == k {
				found = true
			}
		}
		if !found {
			p.OtherErrors = append(p.OtherErrors, p.Errors[k])
		}
	}
}

// templates holds one parsed template set per page.
type templates map[string]*template.Template

func parseTemplates() (templates, error) {
	base, err := template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	partials, err := fs.Glob(templateFS, "templates/partial_*.html")
	if err != nil {
		return nil, err
	}
	if len(partials) > 0 {
		if base, err = base.ParseFS(templateFS, partials...); err != nil {
			return nil, fmt.Errorf("parse partials: %w", err)
		}
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := templates{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "partial_") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("clone layout for %s: %w", name, err)
		}
		if _, err := t.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// pageHeaders are set on every page: nothing but our own stylesheet loads,
// no framing, no referrer (magic-link URLs carry tokens), no caching (pages
// carry per-attempt tokens and personal data). formOrigins are added to
// form-action: Chrome applies form-action to the redirects that follow a form
// submission, so a form whose POST may end at the app must allow its origin.
func pageHeaders(w http.ResponseWriter, formOrigins ...string) {
	setPageHeaders(w, "", formOrigins...)
}

// setPageHeaders is pageHeaders that also lets images load from imgOrigin
// (the project's logo; "" adds nothing).
func setPageHeaders(w http.ResponseWriter, imgOrigin string, formOrigins ...string) {
	img := "'self' data:"
	if imgOrigin != "" {
		img += " " + imgOrigin
	}
	fa := "'self'"
	for _, o := range formOrigins {
		if o != "" {
			fa += " " + o
		}
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src "+img+"; form-action "+fa+
		"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}

// sourceOrigin is the CSP source expression matching a redirect URI: its
// origin for http(s), its scheme for a native app's private-use scheme.
// Anything unusable yields "" (nothing extra is allowed).
func sourceOrigin(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	for _, c := range scheme {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return ""
		}
	}
	if scheme == "http" || scheme == "https" {
		if u.Host == "" || strings.ContainsAny(u.Host, " ;,'\"") {
			return ""
		}
		return scheme + "://" + u.Host
	}
	return scheme + ":"
}

// logoOrigin is the CSP source of a logo URL: its http(s) origin, or "".
func logoOrigin(logoURL string) string {
	if !strings.HasPrefix(logoURL, "https://") && !strings.HasPrefix(logoURL, "http://") {
		return ""
	}
	return sourceOrigin(logoURL)
}

// renderer executes templates into a buffer first, so a template failure
// becomes a clean 500 rather than half a page.
type renderer struct {
	tpl      templates
	log      *slog.Logger
	styleURL string
}

func (r *renderer) render(w http.ResponseWriter, status int, p *page, formOrigins ...string) {
	t, ok := r.tpl[p.Page]
	if !ok {
		r.log.Error("no template for page", "page", p.Page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p.StyleURL = r.styleURL
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.splitErrors()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		r.log.Error("render page", "page", p.Page, "err", err)
		pageHeaders(w)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w, logoOrigin(p.LogoURL), formOrigins...)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// message renders a page that only says something (expired, signed out,
// errors) in the project's brand (the zero brand for none).
func (r *renderer) message(w http.ResponseWriter, status int, b brand, title, heading string, paragraphs ...string) {
	r.render(w, status, b.apply(&page{Page: "message", Title: title, Heading: heading, Paragraphs: paragraphs}))
}
