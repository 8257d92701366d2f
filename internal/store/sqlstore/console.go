package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func (r *reader) GetConsoleSettings(ctx context.Context) (*store.ConsoleSettings, error) {
	row, err := r.q().GetConsoleSettings(ctx)
	if err != nil {
		return nil, wrap(err, "get console settings")
	}
	return &store.ConsoleSettings{
		ProjectID:  id.Project(row.ConsoleProjectID),
		StaffOrgID: id.Org(row.StaffOrgID),
		CreatedAt:  row.CreatedAt.UTC(),
	}, nil
}

func (r *reader) GetConsoleSetupToken(ctx context.Context, projectID id.Project, hash store.TokenHash) (*store.ConsoleSetupToken, error) {
	row, err := r.q().GetConsoleSetupToken(ctx, sqlcdb.GetConsoleSetupTokenParams{ProjectID: string(projectID), TokenHash: hash})
	if err != nil {
		return nil, wrap(err, "get console setup token of project %s", projectID)
	}
	return &store.ConsoleSetupToken{
		Hash:      store.TokenHash(row.TokenHash),
		ProjectID: id.Project(row.ProjectID),
		CreatedAt: row.CreatedAt.UTC(),
		ExpiresAt: row.ExpiresAt.UTC(),
		UsedAt:    fromNullTime(row.UsedAt),
	}, nil
}

// InsertConsoleSettings relies on the single-row primary key: a second
// insert, even from another instance in a concurrent transaction, is a
// unique violation (ErrConflict).
func (w *writer) InsertConsoleSettings(ctx context.Context, s *store.ConsoleSettings) error {
	s.CreatedAt = dbTime(s.CreatedAt)
	_, err := w.q().InsertConsoleSettings(ctx, sqlcdb.InsertConsoleSettingsParams{
		ConsoleProjectID: string(s.ProjectID), StaffOrgID: string(s.StaffOrgID), CreatedAt: s.CreatedAt,
	})
	if err != nil {
		return wrap(err, "record console project %s", s.ProjectID)
	}
	return nil
}

func (w *writer) CreateConsoleSetupToken(ctx context.Context, t *store.ConsoleSetupToken) error {
	t.CreatedAt, t.ExpiresAt, t.UsedAt = dbTime(t.CreatedAt), dbTime(t.ExpiresAt), nil
	_, err := w.q().InsertConsoleSetupToken(ctx, sqlcdb.InsertConsoleSetupTokenParams{
		TokenHash: t.Hash, ProjectID: string(t.ProjectID), CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
	})
	if err != nil {
		return wrap(err, "create console setup token in project %s", t.ProjectID)
	}
	return nil
}

func (w *writer) UseConsoleSetupToken(ctx context.Context, projectID id.Project, hash store.TokenHash, at time.Time) error {
	n, err := w.q().UseConsoleSetupToken(ctx, sqlcdb.UseConsoleSetupTokenParams{
		ProjectID: string(projectID), TokenHash: hash, UsedAt: dbNullTime(&at),
	})
	if err != nil {
		return wrap(err, "use console setup token of project %s", projectID)
	}
	if n == 0 {
		return notFound("use console setup token of project %s: unknown, used or expired", projectID)
	}
	return nil
}
