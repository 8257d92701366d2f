package mail

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// sealedPrefix marks a body stored encrypted. Bodies hold sign-in codes and
// links, which are secrets: with a sealer they are encrypted at rest like
// every other secret column, so a database copy does not hand them out.
const sealedPrefix = "sealed:v1:"

// WithSealer encrypts message bodies at rest (AES-256-GCM under the master
// key, bound to the message and the part). Outboxes and workers sharing a
// database must all have it.
func WithSealer(s *seal.Sealer) Option { return func(c *config) { c.sealer = s } }

func bodyAAD(m *store.Mail, part string) []byte {
	return []byte("mail_outbox." + part + ":" + string(m.ID))
}

// sealBodies encrypts the text and HTML parts in place.
func (c *config) sealBodies(m *store.Mail) {
	if c.sealer == nil {
		return
	}
	m.Text = sealedPrefix + base64.RawStdEncoding.EncodeToString(c.sealer.Seal([]byte(m.Text), bodyAAD(m, "text")))
	m.HTML = sealedPrefix + base64.RawStdEncoding.EncodeToString(c.sealer.Seal([]byte(m.HTML), bodyAAD(m, "html")))
}

// openMessage converts a stored row into a Message with readable bodies.
func (c *config) openMessage(m *store.Mail) (*Message, error) {
	msg := messageFromStore(m)
	var err error
	if msg.Text, err = c.openBody(m, "text", m.Text); err != nil {
		return nil, err
	}
	if msg.HTML, err = c.openBody(m, "html", m.HTML); err != nil {
		return nil, err
	}
	return msg, nil
}

func (c *config) openBody(m *store.Mail, part, body string) (string, error) {
	enc, ok := strings.CutPrefix(body, sealedPrefix)
	if !ok {
		return body, nil
	}
	if c.sealer == nil {
		return "", fmt.Errorf("mail %s: the body is encrypted and no master key was given", m.ID)
	}
	raw, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("mail %s: damaged %s body: %w", m.ID, part, err)
	}
	plain, err := c.sealer.Open(raw, bodyAAD(m, part))
	if err != nil {
		return "", fmt.Errorf("mail %s: %s body does not open under this master key: %w", m.ID, part, err)
	}
	return string(plain), nil
}
