package gatehouse

import (
	"slices"
	"time"
)

// Claims are the verified contents of a Gatehouse access token (RFC 9068 plus
// Gatehouse's organization and authorization claims). One token stands for
// one user of one organization.
type Claims struct {
	Issuer    string   // iss
	Subject   string   // sub: the user ID (user_…)
	Audience  []string // aud: the client IDs the token is meant for
	ClientID  string   // client_id: the OAuth client the token was issued to
	SessionID string   // sid: the Gatehouse session (sess_…)
	JTI       string   // jti: unique token ID

	OrgID         string       // org_id: the user's organization (org_…)
	Org           Organization // org: the organization's ID and name
	Email         string       // email
	EmailVerified bool         // email_verified
	Name          string       // name
	Roles         []string     // roles: role keys within the organization
	Permissions   []string     // permissions: permission keys the roles grant
	AMR           []string     // amr: how the user authenticated (RFC 8176)
	Act           *Actor       // act: set when someone acts on the user's behalf (RFC 8693)

	AuthTime  time.Time // auth_time: when the user last authenticated
	IssuedAt  time.Time // iat
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf (zero when absent)
}

// Organization is the org claim.
type Organization struct {
	ID   string
	Name string
}

// Actor is the act claim: the person acting on the subject's behalf. In a
// Gatehouse token it is a member of the vendor's staff impersonating the user
// from the console.
type Actor struct {
	Subject string // sub: the staff member's user ID in the console project
	Email   string // email: the staff member's email
}

// Impersonated reports whether someone else is acting as the user: the token
// carries an act claim. Applications should say so on every page (a banner
// naming Act.Email) and may refuse actions a person must take themselves,
// such as changing a password or paying.
func (c *Claims) Impersonated() bool {
	return c != nil && c.Act != nil
}

// HasPermission reports whether the permissions claim contains perm.
func (c *Claims) HasPermission(perm string) bool {
	return c != nil && slices.Contains(c.Permissions, perm)
}

// HasRole reports whether the roles claim contains role.
func (c *Claims) HasRole(role string) bool {
	return c != nil && slices.Contains(c.Roles, role)
}

// Each member may appear once: a duplicate could make this reader and
// another one in the same request path see different values.
const (
	seenIss uint32 = 1 << iota
	seenSub
	seenAud
	seenClientID
	seenSid
	seenJti
	seenOrgID
	seenOrg
	seenEmail
	seenEmailVerified
	seenName
	seenRoles
	seenPermissions
	seenAmr
	seenAct
	seenAuthTime
	seenIat
	seenExp
	seenNbf
)

var claimBits = map[string]uint32{
	"iss": seenIss, "sub": seenSub, "aud": seenAud, "client_id": seenClientID, "sid": seenSid,
	"jti": seenJti, "org_id": seenOrgID, "org": seenOrg, "email": seenEmail,
	"email_verified": seenEmailVerified, "name": seenName, "roles": seenRoles,
	"permissions": seenPermissions, "amr": seenAmr, "act": seenAct, "auth_time": seenAuthTime,
	"iat": seenIat, "exp": seenExp, "nbf": seenNbf,
}

// parseClaims reads the payload into c. Members it does not know are
// skipped; null counts as absent.
func parseClaims(payload []byte, c *Claims) (seen uint32, err error) {
	s := scanner{b: string(payload)}
	err = s.object(func(key string) error {
		bit := claimBits[key]
		if bit == 0 {
			return s.skip(1)
		}
		if seen&bit != 0 {
			return errJSON
		}
		seen |= bit
		if s.null() {
			seen &^= bit
			return nil
		}
		return c.member(&s, bit)
	})
	if err == nil && !s.end() {
		err = errJSON
	}
	return seen, err
}

func (c *Claims) member(s *scanner, bit uint32) (err error) {
	switch bit {
	case seenIss:
		c.Issuer, err = s.str()
	case seenSub:
		c.Subject, err = s.str()
	case seenAud:
		// aud is a string or an array of strings (RFC 7519 §4.1.3).
		if s.peek() == '"' {
			var a string
			a, err = s.str()
			c.Audience = []string{a}
		} else {
			c.Audience, err = s.strings()
		}
	case seenClientID:
		c.ClientID, err = s.str()
	case seenSid:
		c.SessionID, err = s.str()
	case seenJti:
		c.JTI, err = s.str()
	case seenOrgID:
		c.OrgID, err = s.str()
	case seenEmail:
		c.Email, err = s.str()
	case seenEmailVerified:
		c.EmailVerified, err = s.boolean()
	case seenName:
		c.Name, err = s.str()
	case seenRoles:
		c.Roles, err = s.strings()
	case seenPermissions:
		c.Permissions, err = s.strings()
	case seenAmr:
		c.AMR, err = s.strings()
	case seenOrg:
		err = s.object(func(key string) (err error) {
			switch key {
			case "id":
				c.Org.ID, err = s.str()
			case "name":
				c.Org.Name, err = s.str()
			default:
				err = s.skip(2)
			}
			return err
		})
	case seenAct:
		act := &Actor{}
		err = s.object(func(key string) (err error) {
			switch key {
			case "sub":
				act.Subject, err = s.str()
			case "email":
				act.Email, err = s.str()
			default:
				err = s.skip(2)
			}
			return err
		})
		c.Act = act
	case seenAuthTime:
		c.AuthTime, err = s.time()
	case seenIat:
		c.IssuedAt, err = s.time()
	case seenExp:
		c.ExpiresAt, err = s.time()
	case seenNbf:
		c.NotBefore, err = s.time()
	}
	return err
}

func (s *scanner) time() (time.Time, error) {
	sec, err := s.seconds()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(sec, 0), nil
}

// header holds the JOSE header members the verifier acts on.
type header struct {
	alg, typ, kid string
	crit          bool
}

func parseHeader(b []byte) (header, error) {
	var h header
	var seen uint8
	s := scanner{b: string(b)}
	err := s.object(func(key string) (err error) {
		var bit uint8
		var dst *string
		switch key {
		case "alg":
			bit, dst = 1, &h.alg
		case "typ":
			bit, dst = 2, &h.typ
		case "kid":
			bit, dst = 4, &h.kid
		case "crit":
			// Gatehouse defines no critical extensions, so any crit
			// names one this verifier cannot honour (RFC 7515 §4.1.11).
			h.crit = true
			return s.skip(1)
		default:
			return s.skip(1)
		}
		if seen&bit != 0 {
			return errJSON
		}
		seen |= bit
		*dst, err = s.str()
		return err
	})
	if err == nil && !s.end() {
		err = errJSON
	}
	return h, err
}
