package store

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// The console: which project is the console and its one-time setup links.

// ConsoleSettings names the project the vendor's staff sign in to and the
// organization whose active users are the staff. There is at most one.
type ConsoleSettings struct {
	ProjectID  id.Project
	StaffOrgID id.Org
	CreatedAt  time.Time
}

// ConsoleSetupToken is a one-time link that lets the first staff member in.
type ConsoleSetupToken struct {
	// Hash is the SHA-256 of the link's token; the token itself is never stored.
	Hash      TokenHash
	ProjectID id.Project
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// ConsoleReader reads them.
type ConsoleReader interface {
	// GetConsoleSettings returns the console's settings; ErrNotFound before
	// the console project exists.
	GetConsoleSettings(ctx context.Context) (*ConsoleSettings, error)
	// GetConsoleSetupToken finds a setup link of the console project by its
	// hash, used or not; ErrNotFound for an unknown hash or another project.
	GetConsoleSetupToken(ctx context.Context, projectID id.Project, hash TokenHash) (*ConsoleSetupToken, error)
}

// ConsoleWriter changes them.
type ConsoleWriter interface {
	// InsertConsoleSettings records the console project. ErrConflict when one
	// is already recorded (another instance got there first); ErrNotFound
	// when the project does not exist.
	InsertConsoleSettings(ctx context.Context, s *ConsoleSettings) error
	// CreateConsoleSetupToken stores a new link. ErrNotFound when the project
	// does not exist; ErrConflict for a duplicate hash.
	CreateConsoleSetupToken(ctx context.Context, t *ConsoleSetupToken) error
	// UseConsoleSetupToken spends a link at at. ErrNotFound unless the link
	// exists in the project, is unused and has not expired at at.
	UseConsoleSetupToken(ctx context.Context, projectID id.Project, hash TokenHash, at time.Time) error
}
