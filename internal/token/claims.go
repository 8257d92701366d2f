package token

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// accessPayload is the JSON of an access token (RFC 9068 §2.2 plus
// Gatehouse's organization and authorization claims). Lists are always
// present, as [] when empty, so applications can read them without a nil check.
type accessPayload struct {
	Iss           string    `json:"iss"`
	Sub           string    `json:"sub"`
	Aud           audience  `json:"aud"`
	Exp           *int64    `json:"exp"`
	Iat           *int64    `json:"iat"`
	Nbf           *int64    `json:"nbf,omitempty"`
	JTI           string    `json:"jti"`
	ClientID      string    `json:"client_id"`
	Sid           string    `json:"sid,omitempty"`
	AuthTime      int64     `json:"auth_time,omitempty"`
	AMR           []string  `json:"amr"`
	OrgID         string    `json:"org_id"`
	Org           orgClaim  `json:"org"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	Name          string    `json:"name,omitempty"`
	Roles         []string  `json:"roles"`
	Permissions   []string  `json:"permissions"`
	Act           *actClaim `json:"act,omitempty"`
}

// idPayload is the JSON of an ID token (OpenID Connect Core §2 and §5.1).
type idPayload struct {
	Iss           string    `json:"iss"`
	Sub           string    `json:"sub"`
	Aud           string    `json:"aud"`
	Exp           *int64    `json:"exp"`
	Iat           *int64    `json:"iat"`
	AuthTime      int64     `json:"auth_time,omitempty"`
	Nonce         string    `json:"nonce,omitempty"`
	Sid           string    `json:"sid,omitempty"`
	AMR           []string  `json:"amr"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	Name          string    `json:"name,omitempty"`
	OrgID         string    `json:"org_id"`
	Org           orgClaim  `json:"org"`
	AtHash        string    `json:"at_hash,omitempty"`
	Act           *actClaim `json:"act,omitempty"`
}

type orgClaim struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type actClaim struct {
	Sub   string `json:"sub"`
	Email string `json:"email,omitempty"`
}

// audience is aud: one audience is written as a string, several as an array,
// and both forms are read (RFC 7519 §4.1.3).
type audience []string

func (a audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal(nonNil([]string(a)))
}

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func unixPtr(t time.Time) *int64 {
	v := t.Unix()
	return &v
}

func fromUnix(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

func authTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// accessPayloadOf builds the claims of a new access token issued at now.
func accessPayloadOf(c *AccessClaims, now time.Time, jti string) (*accessPayload, error) {
	switch {
	case c.Issuer == "":
		return nil, fmt.Errorf("token: access token needs an issuer")
	case c.Subject == "":
		return nil, fmt.Errorf("token: access token needs a subject")
	case c.OrgID == "":
		return nil, fmt.Errorf("token: access token needs the user's organization")
	case c.ClientID == "" && len(c.Audience) == 0:
		return nil, fmt.Errorf("token: access token needs a client or an audience")
	}
	aud := audience(c.Audience)
	if len(aud) == 0 {
		aud = audience{string(c.ClientID)}
	}
	p := &accessPayload{
		Iss: c.Issuer, Sub: string(c.Subject), Aud: aud,
		Exp: unixPtr(now.Add(AccessTokenLifetime)), Iat: unixPtr(now), Nbf: unixPtr(now),
		JTI: jti, ClientID: string(c.ClientID), Sid: string(c.SessionID), AuthTime: authTime(c.AuthTime),
		AMR: nonNil(c.AMR), OrgID: string(c.OrgID), Org: orgClaim{ID: string(c.OrgID), Name: c.OrgName},
		Email: c.Email, EmailVerified: c.EmailVerified, Name: c.Name,
		Roles: nonNil(c.Roles), Permissions: nonNil(c.Permissions),
	}
	if c.Act != nil {
		p.Act = &actClaim{Sub: c.Act.Subject, Email: c.Act.Email}
	}
	return p, nil
}

func (p *accessPayload) claims() *AccessClaims {
	c := &AccessClaims{
		Issuer: p.Iss, Subject: id.User(p.Sub), Audience: []string(p.Aud), ClientID: id.Client(p.ClientID),
		SessionID: id.Session(p.Sid), AuthTime: fromUnix(p.AuthTime), AMR: nonNil(p.AMR),
		OrgID: id.Org(p.OrgID), OrgName: p.Org.Name, Email: p.Email, EmailVerified: p.EmailVerified,
		Name: p.Name, Roles: nonNil(p.Roles), Permissions: nonNil(p.Permissions),
		IssuedAt: fromUnix(*p.Iat), ExpiresAt: fromUnix(*p.Exp), JTI: p.JTI,
	}
	if p.Act != nil {
		c.Act = &Actor{Subject: p.Act.Sub, Email: p.Act.Email}
	}
	return c
}

// idPayloadOf builds the claims of a new ID token issued at now.
func idPayloadOf(c *IDClaims, now time.Time) (*idPayload, error) {
	switch {
	case c.Issuer == "":
		return nil, fmt.Errorf("token: ID token needs an issuer")
	case c.Subject == "":
		return nil, fmt.Errorf("token: ID token needs a subject")
	case c.Audience == "":
		return nil, fmt.Errorf("token: ID token needs an audience (the client)")
	}
	p := &idPayload{
		Iss: c.Issuer, Sub: string(c.Subject), Aud: string(c.Audience),
		Exp: unixPtr(now.Add(IDTokenLifetime)), Iat: unixPtr(now), AuthTime: authTime(c.AuthTime),
		Nonce: c.Nonce, Sid: string(c.SessionID), AMR: nonNil(c.AMR),
		Email: c.Email, EmailVerified: c.EmailVerified, Name: c.Name,
		OrgID: string(c.OrgID), Org: orgClaim{ID: string(c.OrgID), Name: c.OrgName}, AtHash: c.AccessTokenHash,
	}
	if c.Act != nil {
		p.Act = &actClaim{Sub: c.Act.Subject, Email: c.Act.Email}
	}
	return p, nil
}

func (p *idPayload) claims() *IDClaims {
	c := &IDClaims{
		Issuer: p.Iss, Subject: id.User(p.Sub), Audience: id.Client(p.Aud), Nonce: p.Nonce,
		AuthTime: fromUnix(p.AuthTime), SessionID: id.Session(p.Sid), AMR: nonNil(p.AMR),
		Email: p.Email, EmailVerified: p.EmailVerified, Name: p.Name,
		OrgID: id.Org(p.OrgID), OrgName: p.Org.Name, AccessTokenHash: p.AtHash,
		IssuedAt: fromUnix(*p.Iat), ExpiresAt: fromUnix(*p.Exp),
	}
	if p.Act != nil {
		c.Act = &Actor{Subject: p.Act.Sub, Email: p.Act.Email}
	}
	return c
}

// window checks exp, nbf and iat against now with Leeway. exp is skipped
// when allowExpired (an ID token used as id_token_hint).
func window(now time.Time, exp, iat, nbf *int64, allowExpired bool) error {
	if exp == nil || iat == nil {
		return fmt.Errorf("%w: exp and iat are required", ErrMalformed)
	}
	if !allowExpired && now.After(time.Unix(*exp, 0).Add(Leeway)) {
		return fmt.Errorf("%w at %s", ErrExpired, time.Unix(*exp, 0).UTC().Format(time.RFC3339))
	}
	for _, t := range []*int64{nbf, iat} {
		if t != nil && time.Unix(*t, 0).After(now.Add(Leeway)) {
			return fmt.Errorf("%w: valid from %s", ErrNotYetValid, time.Unix(*t, 0).UTC().Format(time.RFC3339))
		}
	}
	return nil
}
