// Package project holds the Project type: one of the vendor's apps, with its own
// issuer, keys, organizations and settings.
package project

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// LoginMethod is a way a person can prove who they are.
type LoginMethod string

// The login methods Gatehouse knows.
const (
	MethodEmail     LoginMethod = "email"
	MethodPassword  LoginMethod = "password"
	MethodGoogle    LoginMethod = "google"
	MethodMicrosoft LoginMethod = "microsoft"
	MethodGitHub    LoginMethod = "github"
	MethodSAML      LoginMethod = "saml"
	MethodOIDC      LoginMethod = "oidc"
	MethodPasskey   LoginMethod = "passkey"
)

// AllMethods lists every login method in a stable order.
var AllMethods = []LoginMethod{
	MethodEmail, MethodPassword, MethodGoogle, MethodMicrosoft,
	MethodGitHub, MethodSAML, MethodOIDC, MethodPasskey,
}

// AllMethodNames is AllMethods as strings, for enums in API schemas.
func AllMethodNames() []string {
	out := make([]string, len(AllMethods))
	for i, m := range AllMethods {
		out[i] = string(m)
	}
	return out
}

// ParseMethods validates and de-duplicates a list of method names, keeping the
// canonical order of AllMethods.
func ParseMethods(names []string) ([]LoginMethod, error) {
	seen := map[LoginMethod]bool{}
	for _, n := range names {
		m := LoginMethod(n)
		if !m.Valid() {
			return nil, fmt.Errorf("unknown login method %q (known: %s)", n, strings.Join(AllMethodNames(), ", "))
		}
		seen[m] = true
	}
	out := []LoginMethod{}
	for _, m := range AllMethods {
		if seen[m] {
			out = append(out, m)
		}
	}
	return out, nil
}

// Valid reports whether m is a known method.
func (m LoginMethod) Valid() bool {
	for _, k := range AllMethods {
		if k == m {
			return true
		}
	}
	return false
}

// Default session lifetimes for a new project.
const (
	DefaultSessionMaxLifetime = 30 * 24 * time.Hour
	DefaultSessionIdleTimeout = 7 * 24 * time.Hour
)

// Project is one of the vendor's apps.
type Project struct {
	ID                           id.Project
	Name                         string
	EnabledLoginMethods          []LoginMethod
	RedirectURIs                 []string
	TrustedOrigins               []string
	AutoCreateOrganizations      bool
	SelfServeCreateOrganizations bool
	AllowCustomRoles             bool
	SessionMaxLifetime           time.Duration
	SessionIdleTimeout           time.Duration
	// BrandColor ("#rrggbb") and LogoURL (https) brand the hosted pages
	// and emails; "" uses Gatehouse's defaults.
	BrandColor string
	LogoURL    string
	// AppURL is the vendor app's home page: where people land after
	// accepting an invite or signing in without an app's request, and
	// where an impersonation starts. "" means the account page.
	AppURL    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// New returns a project with Gatehouse's defaults: email codes and passwords
// enabled, self-serve organization creation on, 30-day sessions.
func New(name string, now time.Time) (*Project, error) {
	p := &Project{
		ID:                           id.New[id.Project](now),
		Name:                         strings.TrimSpace(name),
		EnabledLoginMethods:          []LoginMethod{MethodEmail, MethodPassword},
		RedirectURIs:                 []string{},
		TrustedOrigins:               []string{},
		SelfServeCreateOrganizations: true,
		AllowCustomRoles:             false,
		SessionMaxLifetime:           DefaultSessionMaxLifetime,
		SessionIdleTimeout:           DefaultSessionIdleTimeout,
		CreatedAt:                    now,
		UpdatedAt:                    now,
	}
	return p, p.Validate()
}

// Validate checks the project's fields. Errors name the offending field.
func (p *Project) Validate() error {
	if err := ValidateName("name", p.Name); err != nil {
		return err
	}
	for _, m := range p.EnabledLoginMethods {
		if !m.Valid() {
			return &FieldError{Field: "enabled_login_methods", Message: fmt.Sprintf("unknown login method %q", m)}
		}
	}
	for _, u := range p.RedirectURIs {
		if err := ValidateRedirectURI(u); err != nil {
			return &FieldError{Field: "redirect_uris", Message: err.Error()}
		}
	}
	for _, o := range p.TrustedOrigins {
		if err := ValidateOrigin(o); err != nil {
			return &FieldError{Field: "trusted_origins", Message: err.Error()}
		}
	}
	if p.SessionMaxLifetime < time.Minute || p.SessionIdleTimeout < time.Minute {
		return &FieldError{Field: "session_max_lifetime_seconds", Message: "session lifetimes must be at least 60 seconds"}
	}
	if c, err := NormalizeBrandColor(p.BrandColor); err != nil || c != p.BrandColor {
		return &FieldError{Field: "brand_color", Message: "must be a colour like #1a73e8 (lower case), or empty"}
	}
	if err := ValidateLogoURL(p.LogoURL); err != nil {
		return &FieldError{Field: "logo_url", Message: err.Error()}
	}
	if err := ValidateAppURL(p.AppURL); err != nil {
		return &FieldError{Field: "app_url", Message: err.Error()}
	}
	return nil
}

// FieldError is a validation failure of one named input field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidateName checks a human-readable name: 1 to 200 characters, no control characters.
func ValidateName(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return &FieldError{Field: field, Message: "must not be empty"}
	}
	if len([]rune(s)) > 200 {
		return &FieldError{Field: field, Message: "must be at most 200 characters"}
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return &FieldError{Field: field, Message: "must not contain control characters"}
		}
	}
	return nil
}

// ValidateRedirectURI accepts absolute https URIs, and http only for loopback
// hosts (native apps and local development), without fragments.
func ValidateRedirectURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URI", s)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("%q must not contain a fragment", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return fmt.Errorf("%q: plain http is allowed only for localhost", s)
		}
	default:
		return fmt.Errorf("%q: scheme must be https (or http for localhost)", s)
	}
	return nil
}

// ValidateOrigin accepts a bare origin: scheme://host[:port].
func ValidateOrigin(s string) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an origin like https://app.example.com", s)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return fmt.Errorf("%q: scheme must be https (or http for localhost)", s)
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
