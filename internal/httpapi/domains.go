package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// Domain is a domain an organization claims; verified, it lets people with
// an email at it join the organization at login when the organization allows
// it (join_by_domain).
type Domain struct {
	ID             string             `json:"id" example:"dom_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	OrganizationID string             `json:"organization_id" example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Name           string             `json:"name" doc:"Lowercase, in ASCII (IDNA) form for international names." example:"example.com"`
	Status         string             `json:"status" enum:"pending,verified" doc:"pending until verify finds the TXT record."`
	Verification   DomainVerification `json:"verification" doc:"The DNS record that proves the claim."`
	VerifiedAt     *time.Time         `json:"verified_at" nullable:"true"`
	LastCheckedAt  *time.Time         `json:"last_checked_at" nullable:"true" doc:"When verify last asked DNS."`
	LastError      string             `json:"last_error" doc:"Why the last check failed: what was found instead; empty once verified." example:""`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
}

// DomainVerification is the TXT record to publish.
type DomainVerification struct {
	RecordType  string `json:"record_type" enum:"TXT" example:"TXT"`
	RecordName  string `json:"record_name" example:"_gatehouse-challenge.example.com"`
	RecordValue string `json:"record_value" example:"gatehouse-domain-verification=k3vq…"`
}

func domainOut(d *domain.Domain) Domain {
	return Domain{
		ID: string(d.ID), OrganizationID: string(d.OrgID), Name: d.Name, Status: string(d.Status),
		Verification: DomainVerification{RecordType: "TXT", RecordName: d.RecordName(), RecordValue: d.RecordValue()},
		VerifiedAt:   utcPtr(d.VerifiedAt), LastCheckedAt: utcPtr(d.LastCheckedAt), LastError: d.LastError,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
}

// DomainCreate claims a domain for an organization.
type DomainCreate struct {
	OrganizationID string `json:"organization_id" example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Domain         string `json:"domain" maxLength:"253" doc:"A domain the organization owns; public email providers (gmail.com, …) are refused." example:"example.com"`
}

type DomainPath struct {
	ID string `path:"id" doc:"Domain ID (dom_…)." example:"dom_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

type domainListInput struct {
	ListParams
	OrganizationID string `query:"organization_id" doc:"Only this organization's domains."`
}

type domainOutput struct{ Body Domain }

func registerDomains(api huma.API, h *handler) {
	const tag = "Domains"
	huma.Register(api, operation("createDomain", http.MethodPost, "/domains", "Claim a domain for an organization", tag, http.StatusCreated, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *struct{ Body DomainCreate }) (*domainOutput, error) {
			pid, actor := caller(ctx)
			d, err := h.domains.Add(ctx, actor, pid, in.Body.OrganizationID, in.Body.Domain)
			if err != nil {
				return nil, h.fail(err)
			}
			return &domainOutput{Body: domainOut(d)}, nil
		})

	huma.Register(api, operation("listDomains", http.MethodGet, "/domains", "List domains", tag, http.StatusOK),
		func(ctx context.Context, in *domainListInput) (*struct{ Body *List[Domain] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.Domain](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			ds, err := h.domains.List(ctx, pid, in.OrganizationID, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body *List[Domain] }{pageOf(ds, sp, func(d *domain.Domain) string { return string(d.ID) }, domainOut)}, nil
		})

	huma.Register(api, operation("getDomain", http.MethodGet, "/domains/{id}", "Get a domain", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *DomainPath) (*domainOutput, error) {
			pid, _ := caller(ctx)
			d, err := h.domains.Get(ctx, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &domainOutput{Body: domainOut(d)}, nil
		})

	verify := operation("verifyDomain", http.MethodPost, "/domains/{id}/verify", "Check the domain's TXT record now", tag, http.StatusOK, http.StatusNotFound, http.StatusConflict)
	verify.Description = "Looks up the TXT record at verification.record_name. Verified, the domain is returned. " +
		"Otherwise the answer is 409 with code domain_not_verified (the record was not found; last_error on the domain says what was) " +
		"or domain_taken (another organization of the project verified the name first)."
	huma.Register(api, verify,
		func(ctx context.Context, in *DomainPath) (*domainOutput, error) {
			pid, actor := caller(ctx)
			d, err := h.domains.Verify(ctx, actor, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &domainOutput{Body: domainOut(d)}, nil
		})

	huma.Register(api, operation("deleteDomain", http.MethodDelete, "/domains/{id}", "Delete a domain claim", tag, http.StatusNoContent, http.StatusNotFound),
		func(ctx context.Context, in *DomainPath) (*struct{}, error) {
			pid, actor := caller(ctx)
			if err := h.domains.Delete(ctx, actor, pid, in.ID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})
}
