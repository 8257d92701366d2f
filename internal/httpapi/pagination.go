package httpapi

import (
	"encoding/base64"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// ListParams are the pagination query parameters of every list.
type ListParams struct {
	Limit     int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size, 1 to 200."`
	PageToken string `query:"page_token" doc:"The next_page_token of the previous page; omit for the first page."`
}

// List is one page of a list.
type List[T any] struct {
	Data []T `json:"data" doc:"The rows of this page."`
	// NextPageToken is "" on the last page.
	NextPageToken string `json:"next_page_token" doc:"Pass as page_token to get the next page; empty on the last page."`
}

// tokenVersion prefixes page tokens so their format can change later.
const tokenVersion = "v1:"

// pageToken encodes the position after lastID. Tokens are opaque to clients.
func pageToken(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenVersion + lastID))
}

// page decodes the parameters into a store page of limit+1 rows (the extra
// row tells whether another page exists). T is the kind of ID the list is
// ordered by, so a token from another list is refused too.
func page[T id.Kind](p ListParams) (store.Page, error) {
	limit := p.Limit
	if limit == 0 {
		limit = 50
	}
	sp := store.Page{Limit: limit + 1}
	if p.PageToken == "" {
		return sp, nil
	}
	bad := fault.InvalidCode(fault.CodeInvalidPageToken, "page_token is not a token this list returned",
		fault.FieldViolation{Field: "query.page_token", Message: "invalid page token"})
	raw, err := base64.RawURLEncoding.DecodeString(p.PageToken)
	if err != nil {
		return sp, bad
	}
	after, ok := strings.CutPrefix(string(raw), tokenVersion)
	if !ok {
		return sp, bad
	}
	if _, err := id.Parse[T](after); err != nil {
		return sp, bad
	}
	sp.After = after
	return sp, nil
}

// pageOf trims rows fetched with page to the requested limit and returns the
// response list with its next token.
func pageOf[R any, T any](rows []R, sp store.Page, idOf func(R) string, conv func(R) T) *List[T] {
	limit := sp.Limit - 1
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = pageToken(idOf(rows[len(rows)-1]))
	}
	out := &List[T]{Data: make([]T, 0, len(rows)), NextPageToken: next}
	for _, r := range rows {
		out.Data = append(out.Data, conv(r))
	}
	return out
}
