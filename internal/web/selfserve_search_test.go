package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
)

// A search that fills more than a page links to the next page of the same
// search.
func TestSelfServeMemberSearchPages(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	b, _ := e.signIn(e.user("owner@southwest.test"))
	matching := selfserve.DefaultPageSize + 2
	for i := range matching {
		e.user(fmt.Sprintf("crew%02d@southwest.test", i))
		e.user(fmt.Sprintf("pilot%02d@southwest.test", i))
	}
	rows := func(r *response) []string {
		var out []string
		for _, n := range r.Doc.all(func(n *node) bool { return strings.HasPrefix(n.Attr["id"], "member-") && n.Tag == "tr" }) {
			out = append(out, n.Text())
		}
		return out
	}
	r := b.get(e.path("/org/members?q=CREW"))
	first := rows(r)
	if r.Status != http.StatusOK || len(first) != selfserve.DefaultPageSize {
		t.Fatalf("first page: %d, %d rows", r.Status, len(first))
	}
	for _, row := range first {
		if !strings.Contains(row, "crew") {
			t.Fatalf("the search shows %q", row)
		}
	}
	next := r.Doc.byID("next-page")
	if next == nil || !strings.Contains(next.Attr["href"], "q=CREW") {
		t.Fatalf("next page link %v", next)
	}
	r = b.get(next.Attr["href"])
	second := rows(r)
	if len(second) != matching-selfserve.DefaultPageSize || r.Doc.byID("next-page") != nil {
		t.Fatalf("second page: %d rows, next link %v", len(second), r.Doc.byID("next-page") != nil)
	}
	for _, row := range second {
		if !strings.Contains(row, "crew") || strings.Contains(strings.Join(first, "\n"), strings.Fields(row)[0]) {
			t.Fatalf("the second page shows %q", row)
		}
	}
}
