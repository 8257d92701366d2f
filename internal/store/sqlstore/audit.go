package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

// Bounds used when a filter leaves the time range open: the query always
// binds both, because a CAST to a time type means different things on the
// two engines.
var (
	minAuditTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxAuditTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// auditTop sorts after every audit event ID in any collation: IDs have a body
// whose first character is at most '7'.
var auditTop = id.PrefixAuditEvent + "_" + strings.Repeat("z", 26)

func auditFromRow(r sqlcdb.AuditEvent) *audit.Event {
	return &audit.Event{
		ID:             id.AuditEvent(r.ID),
		ProjectID:      id.Project(r.ProjectID),
		OrganizationID: id.Org(r.OrganizationID.String),
		Actor:          audit.Actor{Type: audit.ActorType(r.ActorType), ID: r.ActorID},
		Type:           r.EventType,
		ResourceType:   r.ResourceType,
		ResourceID:     r.ResourceID,
		Details:        json.RawMessage(r.Details),
		OccurredAt:     r.OccurredAt.UTC(),
	}
}

// ListAuditEvents returns events newest first; page.After is the last (oldest)
// ID of the previous page.
func (r *reader) ListAuditEvents(ctx context.Context, projectID id.Project, f audit.Filter, page store.Page) ([]*audit.Event, error) {
	before := page.After
	if before == "" {
		before = auditTop
	}
	since, until := minAuditTime, maxAuditTime
	if !f.Since.IsZero() {
		since = dbTime(f.Since)
	}
	if !f.Until.IsZero() {
		until = dbTime(f.Until)
	}
	limit := pageLimit(page)
	// Each query leads with the equality that has an index; the other
	// filters are checked on the rows that range scan yields.
	var (
		rows []sqlcdb.AuditEvent
		err  error
	)
	switch {
	case f.OrganizationID != "":
		rows, err = r.q().ListAuditEventsForOrganization(ctx, sqlcdb.ListAuditEventsForOrganizationParams{
			ProjectID: string(projectID), OrganizationID: dbNullString(string(f.OrganizationID)), Before: before,
			ActorID: dbNullString(f.ActorID), EventType: dbNullString(f.Type),
			Since: since, Until: until, MaxRows: limit,
		})
	case f.ActorID != "":
		rows, err = r.q().ListAuditEventsForActor(ctx, sqlcdb.ListAuditEventsForActorParams{
			ProjectID: string(projectID), ActorID: f.ActorID, Before: before,
			EventType: dbNullString(f.Type), Since: since, Until: until, MaxRows: limit,
		})
	case f.Type != "":
		rows, err = r.q().ListAuditEventsOfType(ctx, sqlcdb.ListAuditEventsOfTypeParams{
			ProjectID: string(projectID), EventType: f.Type, Before: before,
			Since: since, Until: until, MaxRows: limit,
		})
	default:
		rows, err = r.q().ListAuditEvents(ctx, sqlcdb.ListAuditEventsParams{
			ProjectID: string(projectID), Before: before, Since: since, Until: until, MaxRows: limit,
		})
	}
	if err != nil {
		return nil, wrap(err, "list audit events")
	}
	out := make([]*audit.Event, 0, len(rows))
	for _, row := range rows {
		out = append(out, auditFromRow(row))
	}
	return out, nil
}

// InsertAuditEvent stores e; empty details are stored as {}.
func (w *writer) InsertAuditEvent(ctx context.Context, e *audit.Event) error {
	e.OccurredAt = dbTime(e.OccurredAt)
	if len(e.Details) == 0 {
		e.Details = json.RawMessage(`{}`)
	}
	err := w.q().InsertAuditEvent(ctx, sqlcdb.InsertAuditEventParams{
		ID:             string(e.ID),
		ProjectID:      string(e.ProjectID),
		OrganizationID: dbNullString(string(e.OrganizationID)),
		ActorType:      string(e.Actor.Type),
		ActorID:        e.Actor.ID,
		EventType:      e.Type,
		ResourceType:   e.ResourceType,
		ResourceID:     e.ResourceID,
		Details:        string(e.Details),
		OccurredAt:     e.OccurredAt,
	})
	return wrap(err, "insert audit event %s", e.Type)
}
