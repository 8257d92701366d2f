package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func loginAttemptFromRow(r sqlcdb.LoginAttempt) *store.LoginAttempt {
	return &store.LoginAttempt{
		ID:          id.LoginAttempt(r.ID),
		ProjectID:   id.Project(r.ProjectID),
		CookieHash:  r.CookieHash,
		LinkHash:    nilIfEmpty(r.LinkHash),
		Request:     json.RawMessage(r.Request),
		State:       json.RawMessage(r.State),
		Version:     r.Version,
		CreatedAt:   r.CreatedAt.UTC(),
		UpdatedAt:   r.UpdatedAt.UTC(),
		ExpiresAt:   r.ExpiresAt.UTC(),
		CompletedAt: fromNullTime(r.CompletedAt),
		SessionID:   id.Session(r.SessionID.String),
	}
}

// nilIfEmpty keeps "no link outstanding" one value (nil) whatever the
// driver returns for a NULL blob.
func nilIfEmpty(b []byte) store.SecretHash {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (r *reader) GetLoginAttempt(ctx context.Context, projectID id.Project, attemptID id.LoginAttempt) (*store.LoginAttempt, error) {
	row, err := r.q().GetLoginAttempt(ctx, sqlcdb.GetLoginAttemptParams{ProjectID: string(projectID), ID: string(attemptID)})
	if err != nil {
		return nil, wrap(err, "get login attempt %s", attemptID)
	}
	return loginAttemptFromRow(row), nil
}

func (r *reader) GetLoginAttemptByCookie(ctx context.Context, projectID id.Project, cookieHash store.SecretHash) (*store.LoginAttempt, error) {
	if len(cookieHash) == 0 {
		return nil, notFound("get login attempt by cookie")
	}
	row, err := r.q().GetLoginAttemptByCookie(ctx, sqlcdb.GetLoginAttemptByCookieParams{ProjectID: string(projectID), CookieHash: cookieHash})
	if err != nil {
		return nil, wrap(err, "get login attempt by cookie")
	}
	return loginAttemptFromRow(row), nil
}

func (r *reader) GetLoginAttemptByLink(ctx context.Context, projectID id.Project, linkHash store.SecretHash) (*store.LoginAttempt, error) {
	// An empty hash would otherwise be a question about rows without a link.
	if len(linkHash) == 0 {
		return nil, notFound("get login attempt by link")
	}
	row, err := r.q().GetLoginAttemptByLink(ctx, sqlcdb.GetLoginAttemptByLinkParams{ProjectID: string(projectID), LinkHash: linkHash})
	if err != nil {
		return nil, wrap(err, "get login attempt by link")
	}
	return loginAttemptFromRow(row), nil
}

// CreateLoginAttempt inserts a and normalises its times.
func (w *writer) CreateLoginAttempt(ctx context.Context, a *store.LoginAttempt) error {
	a.CreatedAt, a.UpdatedAt, a.ExpiresAt = dbTime(a.CreatedAt), dbTime(a.UpdatedAt), dbTime(a.ExpiresAt)
	a.CompletedAt = normTimePtr(a.CompletedAt)
	a.LinkHash = nilIfEmpty(a.LinkHash)
	n, err := w.q().InsertLoginAttempt(ctx, sqlcdb.InsertLoginAttemptParams{
		ID:          string(a.ID),
		ProjectID:   string(a.ProjectID),
		CookieHash:  a.CookieHash,
		LinkHash:    a.LinkHash,
		Request:     string(a.Request),
		State:       string(a.State),
		Version:     a.Version,
		CreatedAt:   a.CreatedAt,
		UpdatedAt:   a.UpdatedAt,
		ExpiresAt:   a.ExpiresAt,
		CompletedAt: dbNullTime(a.CompletedAt),
		SessionID:   dbNullString(string(a.SessionID)),
	})
	if err != nil {
		return wrap(err, "create login attempt %s in project %s", a.ID, a.ProjectID)
	}
	if n == 0 {
		return conflict("create login attempt %s: id, cookie or link already exists", a.ID)
	}
	return nil
}

func (w *writer) LockLoginAttempt(ctx context.Context, projectID id.Project, attemptID id.LoginAttempt) error {
	n, err := w.q().LockLoginAttempt(ctx, sqlcdb.LockLoginAttemptParams{ProjectID: string(projectID), ID: string(attemptID)})
	if err != nil {
		return wrap(err, "lock login attempt %s", attemptID)
	}
	if n == 0 {
		return notFound("lock login attempt %s", attemptID)
	}
	return nil
}

// UpdateLoginAttempt writes a when nobody wrote it since it was read.
func (w *writer) UpdateLoginAttempt(ctx context.Context, a *store.LoginAttempt) error {
	updated, expires := dbTime(a.UpdatedAt), dbTime(a.ExpiresAt)
	completed := normTimePtr(a.CompletedAt)
	link := nilIfEmpty(a.LinkHash)
	n, err := w.q().UpdateLoginAttempt(ctx, sqlcdb.UpdateLoginAttemptParams{
		ProjectID:   string(a.ProjectID),
		ID:          string(a.ID),
		Version:     a.Version,
		LinkHash:    link,
		State:       string(a.State),
		UpdatedAt:   updated,
		ExpiresAt:   expires,
		CompletedAt: dbNullTime(completed),
		SessionID:   dbNullString(string(a.SessionID)),
	})
	if err != nil {
		return wrap(err, "update login attempt %s", a.ID)
	}
	if n == 0 {
		// Either the row is not this project's, or it moved on: tell which.
		if _, err := w.GetLoginAttempt(ctx, a.ProjectID, a.ID); err != nil {
			return err
		}
		return conflict("update login attempt %s: changed since version %d", a.ID, a.Version)
	}
	a.UpdatedAt, a.ExpiresAt, a.CompletedAt, a.LinkHash = updated, expires, completed, link
	a.Version++
	return nil
}

func (w *writer) DeleteExpiredLoginAttempts(ctx context.Context, before time.Time, limit int) (int64, error) {
	n, err := w.q().DeleteExpiredLoginAttempts(ctx, sqlcdb.DeleteExpiredLoginAttemptsParams{
		Before: dbTime(before), MaxRows: pageLimit(store.Page{Limit: limit}),
	})
	if err != nil {
		return 0, wrap(err, "delete expired login attempts")
	}
	return n, nil
}
