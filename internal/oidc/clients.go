package oidc

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Client is an OAuth client (an application) of a project.
type Client = oauth.Client

// Limits on what a client registration may hold.
const (
	MaxRedirectURIs   = 20
	MaxRedirectURILen = 2000
	maxClientPage     = 1000
)

// CodeClientNotConfidential: only confidential clients have a secret to rotate.
const CodeClientNotConfidential = "client_not_confidential"

// ClientInput registers a client.
type ClientInput struct {
	Name string
	// Type is "confidential" (default) or "public".
	Type                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
}

// ClientUpdate changes a client; nil fields stay as they are. The type is
// fixed at creation: turning a public client confidential (or back) would
// change what its existing sessions proved.
type ClientUpdate struct {
	Name                   *string
	RedirectURIs           []string // nil: unchanged
	PostLogoutRedirectURIs []string // nil: unchanged
}

// Clients manages a project's OAuth clients. Every change writes its audit
// event in the same transaction.
type Clients struct {
	st    store.Store
	clock func() time.Time
	log   *slog.Logger
}

// ClientsOption configures Clients.
type ClientsOption func(*Clients)

// WithClientsClock injects the time source.
func WithClientsClock(now func() time.Time) ClientsOption { return func(c *Clients) { c.clock = now } }

// WithClientsLogger sets the logger for internal failures.
func WithClientsLogger(l *slog.Logger) ClientsOption { return func(c *Clients) { c.log = l } }

// NewClients returns the client service over st.
func NewClients(st store.Store, opts ...ClientsOption) *Clients {
	c := &Clients{st: st, clock: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	return c
}

func (s *Clients) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Create registers a client. For a confidential client it returns the
// secret, shown this once; only its hash is stored.
func (s *Clients) Create(ctx context.Context, actor audit.Actor, projectID id.Project, in ClientInput) (*Client, string, error) {
	typ := oauth.ClientType(strings.TrimSpace(in.Type))
	if typ == "" {
		typ = oauth.Confidential
	}
	if !typ.Valid() {
		return nil, "", fault.InvalidField("type", `must be "public" or "confidential"`)
	}
	name := strings.TrimSpace(in.Name)
	if err := project.ValidateName("name", name); err != nil {
		return nil, "", fault.From(err)
	}
	redirects, err := checkURIs("redirect_uris", in.RedirectURIs, true)
	if err != nil {
		return nil, "", err
	}
	logouts, err := checkURIs("post_logout_redirect_uris", in.PostLogoutRedirectURIs, false)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	c := &Client{
		ID: id.New[id.Client](now), ProjectID: projectID, Name: name, Type: typ,
		RedirectURIs: redirects, PostLogoutRedirectURIs: logouts, CreatedAt: now, UpdatedAt: now,
	}
	secret := ""
	if typ == oauth.Confidential {
		secret = oauth.NewSecret()
		c.SecretHash = oauth.Hash(secret)
	}
	err = s.write(ctx, "create oauth client", func(w store.Writer) error {
		if err := w.CreateOAuthClient(ctx, c); err != nil {
			return store.NotFoundAs(err, "project")
		}
		return w.InsertAuditEvent(ctx, clientEvent(now, c.ProjectID, actor, "oauth_client.created", c.ID, nil, clientSnapshot(c)))
	})
	if err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

// Get returns one of the project's clients.
func (s *Clients) Get(ctx context.Context, projectID id.Project, clientID string) (*Client, error) {
	cid, err := parseClientID(clientID)
	if err != nil {
		return nil, err
	}
	c, err := s.st.GetOAuthClient(ctx, projectID, cid)
	if err != nil {
		return nil, s.classify("get oauth client", store.NotFoundAs(err, "OAuth client"))
	}
	return c, nil
}

// List lists the project's clients in creation order (keyset pagination).
func (s *Clients) List(ctx context.Context, projectID id.Project, page store.Page) ([]*Client, error) {
	if page.Limit <= 0 || page.Limit > maxClientPage {
		page.Limit = maxClientPage
	}
	cs, err := s.st.ListOAuthClients(ctx, projectID, page)
	if err != nil {
		return nil, s.classify("list oauth clients", err)
	}
	return cs, nil
}

// Update changes a client's name and URIs. A change that changes nothing
// writes nothing and records no event.
func (s *Clients) Update(ctx context.Context, actor audit.Actor, projectID id.Project, clientID string, in ClientUpdate) (*Client, error) {
	cid, err := parseClientID(clientID)
	if err != nil {
		return nil, err
	}
	var name string
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
		if err := project.ValidateName("name", name); err != nil {
			return nil, fault.From(err)
		}
	}
	var redirects, logouts []string
	if in.RedirectURIs != nil {
		if redirects, err = checkURIs("redirect_uris", in.RedirectURIs, true); err != nil {
			return nil, err
		}
	}
	if in.PostLogoutRedirectURIs != nil {
		if logouts, err = checkURIs("post_logout_redirect_uris", in.PostLogoutRedirectURIs, false); err != nil {
			return nil, err
		}
	}
	now := s.now()
	var out *Client
	err = s.write(ctx, "update oauth client", func(w store.Writer) error {
		c, err := w.GetOAuthClient(ctx, projectID, cid)
		if err != nil {
			return store.NotFoundAs(err, "OAuth client")
		}
		before := clientSnapshot(c)
		next := *c
		if in.Name != nil {
			next.Name = name
		}
		if in.RedirectURIs != nil {
			next.RedirectURIs = redirects
		}
		if in.PostLogoutRedirectURIs != nil {
			next.PostLogoutRedirectURIs = logouts
		}
		if next.Name == c.Name && slices.Equal(next.RedirectURIs, c.RedirectURIs) &&
			slices.Equal(next.PostLogoutRedirectURIs, c.PostLogoutRedirectURIs) {
			out = c
			return nil
		}
		next.UpdatedAt = now
		if err := w.UpdateOAuthClient(ctx, &next); err != nil {
			return store.NotFoundAs(err, "OAuth client")
		}
		out = &next
		return w.InsertAuditEvent(ctx, clientEvent(now, projectID, actor, "oauth_client.updated", cid, before, clientSnapshot(&next)))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes a client and its pending authorization codes. Refresh
// tokens issued to it stop working because the token endpoint no longer
// finds the client.
func (s *Clients) Delete(ctx context.Context, actor audit.Actor, projectID id.Project, clientID string) error {
	cid, err := parseClientID(clientID)
	if err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, "delete oauth client", func(w store.Writer) error {
		c, err := w.GetOAuthClient(ctx, projectID, cid)
		if err != nil {
			return store.NotFoundAs(err, "OAuth client")
		}
		if err := w.DeleteOAuthClient(ctx, projectID, cid); err != nil {
			return store.NotFoundAs(err, "OAuth client")
		}
		return w.InsertAuditEvent(ctx, clientEvent(now, projectID, actor, "oauth_client.deleted", cid, clientSnapshot(c), nil))
	})
}

// RotateSecret replaces a confidential client's secret at once (the old one
// stops working) and returns the new one, shown this once.
func (s *Clients) RotateSecret(ctx context.Context, actor audit.Actor, projectID id.Project, clientID string) (*Client, string, error) {
	cid, err := parseClientID(clientID)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	secret := oauth.NewSecret()
	var out *Client
	err = s.write(ctx, "rotate oauth client secret", func(w store.Writer) error {
		c, err := w.GetOAuthClient(ctx, projectID, cid)
		if err != nil {
			return store.NotFoundAs(err, "OAuth client")
		}
		if c.Type != oauth.Confidential {
			return fault.NewFailedPrecondition(CodeClientNotConfidential, "a public client has no secret to rotate")
		}
		next := *c
		next.SecretHash = oauth.Hash(secret)
		next.UpdatedAt = now
		if err := w.UpdateOAuthClient(ctx, &next); err != nil {
			return store.NotFoundAs(err, "OAuth client")
		}
		out = &next
		snap := clientSnapshot(&next)
		return w.InsertAuditEvent(ctx, clientEvent(now, projectID, actor, "oauth_client.secret_rotated", cid, nil, snap))
	})
	if err != nil {
		return nil, "", err
	}
	return out, secret, nil
}

// CheckRedirectURIs reports whether uris would be accepted as a client's
// redirect URIs.
func CheckRedirectURIs(uris []string) error {
	_, err := checkURIs("redirect_uris", uris, true)
	return err
}

// checkURIs validates a list of redirect URIs: each an absolute https URI
// (http only for loopback), no fragment, no duplicates, bounded size.
func checkURIs(field string, uris []string, required bool) ([]string, error) {
	if required && len(uris) == 0 {
		return nil, fault.InvalidField(field, "register at least one redirect URI")
	}
	if len(uris) > MaxRedirectURIs {
		return nil, fault.InvalidField(field, fmt.Sprintf("at most %d URIs", MaxRedirectURIs))
	}
	out := make([]string, 0, len(uris))
	for _, u := range uris {
		if len(u) > MaxRedirectURILen {
			return nil, fault.InvalidField(field, fmt.Sprintf("a URI is longer than %d characters", MaxRedirectURILen))
		}
		if err := project.ValidateRedirectURI(u); err != nil {
			return nil, fault.InvalidField(field, err.Error())
		}
		if slices.Contains(out, u) {
			return nil, fault.InvalidField(field, fmt.Sprintf("%q is listed twice", u))
		}
		out = append(out, u)
	}
	return out, nil
}

// parseClientID answers a malformed ID exactly like an unknown one.
func parseClientID(s string) (id.Client, error) {
	v, err := id.Parse[id.Client](s)
	if err != nil {
		return "", fault.NewNotFound("OAuth client")
	}
	return v, nil
}

func (s *Clients) write(ctx context.Context, op string, fn func(w store.Writer) error) error {
	if err := s.st.Write(ctx, fn); err != nil {
		return s.classify(op, err)
	}
	return nil
}

func (s *Clients) classify(op string, err error) error {
	return fault.Classify(s.log, "oauth client", op, err)
}

// clientSnapshot is what the audit log records of a client: never the
// secret hash.
func clientSnapshot(c *Client) map[string]any {
	return map[string]any{
		"id": c.ID, "name": c.Name, "type": c.Type,
		"redirect_uris": c.RedirectURIs, "post_logout_redirect_uris": c.PostLogoutRedirectURIs,
	}
}

func clientEvent(now time.Time, projectID id.Project, actor audit.Actor, typ string, cid id.Client, before, after any) *audit.Event {
	return &audit.Event{
		ID: id.New[id.AuditEvent](now), ProjectID: projectID, Actor: actor, Type: typ,
		ResourceType: "oauth_client", ResourceID: string(cid), Details: audit.Details(before, after), OccurredAt: now,
	}
}
