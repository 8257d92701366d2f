package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// AuditActor is who made a change.
type AuditActor struct {
	Type string `json:"type" enum:"secret_key,user,system,staff" doc:"staff: a member of the vendor's staff acting from the console (id is their user ID in the console project)."`
	ID   string `json:"id" doc:"The secret key ID, user ID, or system component."`
}

// AuditEvent records one change.
type AuditEvent struct {
	ID             string         `json:"id" example:"evt_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	OrganizationID *string        `json:"organization_id" nullable:"true"`
	Actor          AuditActor     `json:"actor"`
	EventType      string         `json:"event_type" example:"organization.created"`
	ResourceType   string         `json:"resource_type" example:"organization"`
	ResourceID     string         `json:"resource_id"`
	Details        map[string]any `json:"details" doc:"Snapshots of the resource: {\"before\": …, \"after\": …}."`
	OccurredAt     time.Time      `json:"occurred_at"`
}

func auditOut(e *audit.Event) AuditEvent {
	var oid *string
	if e.OrganizationID != "" {
		s := string(e.OrganizationID)
		oid = &s
	}
	details := map[string]any{}
	_ = json.Unmarshal(e.Details, &details) // written by us as an object; empty if not
	return AuditEvent{
		ID: string(e.ID), OrganizationID: oid, Actor: AuditActor{Type: string(e.Actor.Type), ID: e.Actor.ID},
		EventType: e.Type, ResourceType: e.ResourceType, ResourceID: e.ResourceID, Details: details,
		OccurredAt: e.OccurredAt.UTC(),
	}
}

type auditListInput struct {
	ListParams
	OrganizationID string `query:"organization_id" doc:"Only events of this organization."`
	ActorID        string `query:"actor_id" doc:"Only events by this actor (secret key ID, user ID)."`
	EventType      string `query:"event_type" doc:"Only events of this type, like user.created." example:"user.created"`
	Since          string `query:"since" doc:"Only events at or after this RFC 3339 time." example:"2026-01-01T00:00:00Z"`
	Until          string `query:"until" doc:"Only events before this RFC 3339 time."`
}

func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fault.InvalidInput(name+" must be an RFC 3339 time like 2026-01-02T15:04:05Z",
			fault.FieldViolation{Field: "query." + name, Message: "must be an RFC 3339 time like 2026-01-02T15:04:05Z", Value: v})
	}
	return t, nil
}

func registerAuditEvents(api huma.API, h *handler) {
	huma.Register(api, operation("listAuditEvents", http.MethodGet, "/audit-events", "List audit events, newest first", "Audit log", http.StatusOK),
		func(ctx context.Context, in *auditListInput) (*struct{ Body *List[AuditEvent] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.AuditEvent](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			since, err := parseTime("since", in.Since)
			if err != nil {
				return nil, h.fail(err)
			}
			until, err := parseTime("until", in.Until)
			if err != nil {
				return nil, h.fail(err)
			}
			f := tenancy.AuditFilter{OrganizationID: in.OrganizationID, ActorID: in.ActorID, Type: in.EventType, Since: since, Until: until}
			es, err := h.svc.ListAuditEvents(ctx, pid, f, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body *List[AuditEvent] }{pageOf(es, sp, func(e *audit.Event) string { return string(e.ID) }, auditOut)}, nil
		})
}
