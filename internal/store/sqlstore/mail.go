package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func mailFromRow(r sqlcdb.MailOutbox) *store.Mail {
	return &store.Mail{
		ID:            id.Mail(r.ID),
		ProjectID:     id.Project(r.ProjectID),
		To:            r.Recipient,
		Subject:       r.Subject,
		Text:          r.TextBody,
		HTML:          r.HtmlBody,
		Template:      r.Template,
		Status:        store.MailStatus(r.Status),
		Attempts:      int(r.Attempts),
		NextAttemptAt: r.NextAttemptAt.UTC(),
		LockedUntil:   fromNullTime(r.LockedUntil),
		LastError:     r.LastError,
		CreatedAt:     r.CreatedAt.UTC(),
		SentAt:        fromNullTime(r.SentAt),
	}
}

func (r *reader) GetMail(ctx context.Context, projectID id.Project, mailID id.Mail) (*store.Mail, error) {
	row, err := r.q().GetMail(ctx, sqlcdb.GetMailParams{ProjectID: string(projectID), ID: string(mailID)})
	if err != nil {
		return nil, wrap(err, "get mail %s", mailID)
	}
	return mailFromRow(row), nil
}

func (r *reader) ListMail(ctx context.Context, projectID id.Project, limit int) ([]*store.Mail, error) {
	rows, err := r.q().ListMail(ctx, sqlcdb.ListMailParams{
		ProjectID: string(projectID), MaxRows: pageLimit(store.Page{Limit: limit}),
	})
	if err != nil {
		return nil, wrap(err, "list mail")
	}
	out := make([]*store.Mail, 0, len(rows))
	for _, row := range rows {
		out = append(out, mailFromRow(row))
	}
	return out, nil
}

// InsertMail inserts m and normalises its times.
func (w *writer) InsertMail(ctx context.Context, m *store.Mail) error {
	switch m.Status {
	case store.MailPending, store.MailSent, store.MailDead:
	default:
		return fmt.Errorf("insert mail %s: unknown status %q", m.ID, m.Status)
	}
	m.CreatedAt, m.NextAttemptAt = dbTime(m.CreatedAt), dbTime(m.NextAttemptAt)
	m.LockedUntil, m.SentAt = normTimePtr(m.LockedUntil), normTimePtr(m.SentAt)
	err := w.q().InsertMail(ctx, sqlcdb.InsertMailParams{
		ID:            string(m.ID),
		ProjectID:     string(m.ProjectID),
		Recipient:     m.To,
		Subject:       m.Subject,
		TextBody:      m.Text,
		HtmlBody:      m.HTML,
		Template:      m.Template,
		Status:        string(m.Status),
		Attempts:      int64(m.Attempts),
		NextAttemptAt: m.NextAttemptAt,
		LockedUntil:   dbNullTime(m.LockedUntil),
		LastError:     m.LastError,
		CreatedAt:     m.CreatedAt,
		SentAt:        dbNullTime(m.SentAt),
	})
	if err != nil {
		return wrap(err, "insert mail %s in project %s", m.ID, m.ProjectID)
	}
	return nil
}

func (w *writer) ClaimMail(ctx context.Context, now time.Time, lease time.Duration) (*store.Mail, error) {
	if lease <= 0 {
		return nil, fmt.Errorf("claim mail: lease %v is not positive", lease)
	}
	until := dbTime(now.Add(lease))
	row, err := w.q().ClaimMail(ctx, sqlcdb.ClaimMailParams{Now: dbTime(now), LockedUntil: dbNullTime(&until)})
	if err != nil {
		return nil, wrap(err, "claim mail")
	}
	return mailFromRow(row), nil
}

func (w *writer) MarkMailSent(ctx context.Context, projectID id.Project, mailID id.Mail, attempt int, at time.Time) error {
	n, err := w.q().MarkMailSent(ctx, sqlcdb.MarkMailSentParams{
		ProjectID: string(projectID), ID: string(mailID), Attempts: int64(attempt), SentAt: dbNullTime(&at),
	})
	if err != nil {
		return wrap(err, "mark mail %s sent", mailID)
	}
	if n == 0 {
		return notFound("mark mail %s sent: no pending claim %d", mailID, attempt)
	}
	return nil
}

func (w *writer) MarkMailFailed(ctx context.Context, projectID id.Project, mailID id.Mail, attempt int, f store.MailFailure) error {
	status := store.MailPending
	if f.Dead {
		status = store.MailDead
	}
	n, err := w.q().MarkMailFailed(ctx, sqlcdb.MarkMailFailedParams{
		ProjectID: string(projectID), ID: string(mailID), Attempts: int64(attempt),
		Status: string(status), NextAttemptAt: dbTime(f.RetryAt), LastError: f.Error,
	})
	if err != nil {
		return wrap(err, "mark mail %s failed", mailID)
	}
	if n == 0 {
		return notFound("mark mail %s failed: no pending claim %d", mailID, attempt)
	}
	return nil
}

func (w *writer) PurgeMail(ctx context.Context, before time.Time) (int64, error) {
	n, err := w.q().PurgeMail(ctx, dbTime(before))
	if err != nil {
		return 0, wrap(err, "purge mail")
	}
	return n, nil
}
