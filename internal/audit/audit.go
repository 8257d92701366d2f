// Package audit holds audit events: who changed what, when, with the state
// before and after. Events are written in the same transaction as the change
// they record, so neither exists without the other.
package audit

import (
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// ActorType says what kind of principal made a change.
type ActorType string

// Actor types.
const (
	ActorSecretKey ActorType = "secret_key"
	ActorUser      ActorType = "user"
	ActorSystem    ActorType = "system"
	// ActorStaff is a member of the vendor's staff acting from the console;
	// the ID is the staff user's ID in the console project.
	ActorStaff ActorType = "staff"
)

// Actor is the principal behind a change.
type Actor struct {
	Type ActorType
	// ID is the secret key ID, user ID, or a system component name ("cli").
	ID string
}

// System returns an actor for changes made by Gatehouse itself or its CLI.
func System(component string) Actor { return Actor{Type: ActorSystem, ID: component} }

// Event is one audit log entry.
type Event struct {
	ID             id.AuditEvent
	ProjectID      id.Project
	OrganizationID id.Org // empty for project-level events
	Actor          Actor
	// Type is "<resource>.<verb>", like "organization.created".
	Type         string
	ResourceType string
	ResourceID   string
	// Details holds {"before": ..., "after": ...} snapshots as JSON.
	Details    json.RawMessage
	OccurredAt time.Time
}

// Details builds the JSON details of an event from before/after snapshots;
// either may be nil.
func Details(before, after any) json.RawMessage {
	m := map[string]any{}
	if before != nil {
		m["before"] = before
	}
	if after != nil {
		m["after"] = after
	}
	b, err := json.Marshal(m)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}

// Filter narrows an audit event listing. Zero fields do not filter.
type Filter struct {
	OrganizationID id.Org
	ActorID        string
	Type           string
	Since          time.Time // inclusive
	Until          time.Time // exclusive
}
